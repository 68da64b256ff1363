"""Attachments of a work order (or of one of its checklist items): photos (JPEG, PNG, WebP) and PDFs.

What a file *is* comes from its bytes, never from its name or the content type the client sent: the magic bytes
pick the type, and an image must then open and verify in Pillow as that same format (a page of HTML named
``photo.jpg`` is refused). The size limit (WOMS_ATTACHMENT_MAX_MB) is enforced by the REST route while it reads
the upload (``read_limited``) and checked again here. The stored name is sanitized and ends in the extension of the
sniffed type. Bytes go to the blob store (core/storage.py) under a random key; images also get a thumbnail
(EXIF orientation applied, no EXIF or GPS in it). The blobs written by a transaction that rolls back are removed
again, and the blobs of a deleted attachment go once the deletion commits.

Who may see and work the work order is asked of ``services.work_order_access``; a foreign id is NotFound, GOVT
may list and view, never upload or delete. Deleting is for the uploader or a manager.
"""
from __future__ import annotations

import hashlib
import io
import logging
import unicodedata
import warnings
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.config import get_settings
from woms_app.core.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from woms_app.core.storage import BlobNotFound, get_storage
from woms_app.models.org import Account
from woms_app.models.work_order import WorkOrder
from woms_app.models.work_order_items import WorkOrderAttachment
from woms_app.services import audit, checklists, work_order_access
from woms_app.services.viewer import Viewer, parse_id

log = logging.getLogger(__name__)

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
#: sniffed type → (Pillow format, extension)
TYPES: dict[str, tuple[str | None, str]] = {JPEG: ("JPEG", ".jpg"), PNG: ("PNG", ".png"), WEBP: ("WEBP", ".webp"),
                                            PDF: (None, ".pdf")}
IMAGE_TYPES = frozenset({JPEG, PNG, WEBP})
THUMB_MAX = 320  # px, the longer side
THUMB_TYPE = JPEG
MAX_PIXELS = 60_000_000  # a 60 MP photo; larger images are refused before they are decoded (decompression bombs)
MAX_PER_WORK_ORDER = 200
MAX_FILES_PER_UPLOAD = 5  # one drop on the UI's upload control
UPLOAD_OVERHEAD = 64 * 1024  # multipart boundaries, part headers and small fields besides the files
FILE_NAME_MAX = 120
_ORIENTATION = 0x0112  # the EXIF tag
_FORBIDDEN_CHARS = set('<>:"/\\|?*;%\'`$')


@dataclass
class AttachmentView:
    id: int
    work_order_id: int
    checklist_item_id: int | None
    file_name: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    has_thumbnail: bool
    uploaded_by: str
    uploaded_by_id: int | None
    uploaded_at: datetime

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


# ---------------------------------------------------------------- reading an upload within the limit

def max_bytes() -> int:
    return get_settings().attachment_max_bytes


def upload_body_limit(files: int = 1) -> int:
    """The largest request body an upload of ``files`` files may have (each within the limit, plus the form)."""
    return max_bytes() * files + UPLOAD_OVERHEAD


def too_large() -> PayloadTooLarge:
    mb = get_settings().attachment_max_mb
    return PayloadTooLarge(f"The file is larger than the limit of {mb:g} MB", field="file")


def read_limited(chunks: Iterable[bytes], limit: int | None = None) -> bytes:
    """The chunks joined, refusing (PayloadTooLarge) as soon as they pass ``limit`` bytes: at most ``limit`` plus
    one chunk is ever held."""
    limit = max_bytes() if limit is None else limit
    buf = bytearray()
    for chunk in chunks:
        buf += chunk
        if len(buf) > limit:
            raise too_large()
    return bytes(buf)


async def limited_stream(chunks: AsyncIterable[bytes], limit: int) -> AsyncIterable[bytes]:
    """Pass ``chunks`` on, raising PayloadTooLarge once more than ``limit`` bytes went by (an upload stream)."""
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            raise too_large()
        yield chunk


# ---------------------------------------------------------------- what the bytes are

def sniff(data: bytes) -> str:
    """The content type of ``data`` from its magic bytes (and for images, Pillow's verdict), or ValidationFailed."""
    if data.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = WEBP
    elif data.startswith(b"%PDF-"):
        kind = PDF
    else:
        raise ValidationFailed("Only photos (JPEG, PNG, WebP) and PDF files can be attached; this file is none "
                               "of them", field="file")
    if kind == PDF:
        if b"%%EOF" not in data[-2048:]:
            raise ValidationFailed("The PDF is incomplete or damaged (no end-of-file marker)", field="file")
    else:
        _verify_image(data, kind)
    return kind


def _verify_image(data: bytes, kind: str) -> tuple[int, int]:
    """Pillow opens and verifies the image as the sniffed format; its size is within MAX_PIXELS."""
    fmt = TYPES[kind][0]
    bad = ValidationFailed(f"The file starts like a {fmt} image but is not a valid one", field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt] if fmt else None) as im:
                if im.format != fmt:
                    raise bad
                width, height = im.size
                if width * height > MAX_PIXELS:
                    raise ValidationFailed(f"The image is too large ({width}×{height} pixels; at most "
                                           f"{MAX_PIXELS // 1_000_000} megapixels)", field="file")
                im.verify()
            with Image.open(io.BytesIO(data), formats=[fmt] if fmt else None) as im:
                im.load()  # verify() checks the structure; decoding the pixels catches truncated data
    except ValidationFailed:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:  # Pillow's own size guard
        raise ValidationFailed(f"The image is too large (more than {MAX_PIXELS // 1_000_000} megapixels)",
                               field="file") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise bad from exc
    return width, height


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height as shown (an EXIF orientation that turns the image by 90° swaps them)."""
    with Image.open(io.BytesIO(data)) as im:
        width, height = im.size
        if im.getexif().get(_ORIENTATION) in (5, 6, 7, 8):
            return height, width
        return width, height


def make_thumbnail(data: bytes) -> bytes:
    """A JPEG of at most THUMB_MAX px on the longer side, upright (EXIF orientation applied), built as a fresh
    image so no metadata (EXIF, GPS, XMP, ICC) of the original goes with it; transparency on white."""
    with Image.open(io.BytesIO(data)) as im:
        if im.format == "JPEG":
            im.draft("RGB", (THUMB_MAX * 2, THUMB_MAX * 2))  # decode at a reduced scale: fast and small
        upright = ImageOps.exif_transpose(im)
        upright.thumbnail((THUMB_MAX, THUMB_MAX), Image.Resampling.LANCZOS)
        rgba = upright.convert("RGBA")
    clean = Image.new("RGB", rgba.size, (255, 255, 255))
    clean.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()


def sanitize_file_name(name: Any, content_type: str) -> str:
    """A name safe to store and to send back in Content-Disposition: no folders, no control or shell characters,
    at most FILE_NAME_MAX characters, ending in the extension of the sniffed type (never the client's)."""
    text = unicodedata.normalize("NFKC", name if isinstance(name, str) else "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if ch not in _FORBIDDEN_CHARS and not unicodedata.category(ch).startswith("C"))
    text = " ".join(text.split()).strip(" .")
    stem = text.rsplit(".", 1)[0].strip(" .") if "." in text else text
    ext = TYPES[content_type][1]
    return (stem[:FILE_NAME_MAX - len(ext)].rstrip(" .") or "attachment") + ext


# ---------------------------------------------------------------- blobs follow the transaction

_PUT_KEY = "woms_attachment_blobs_put"
_DROP_KEY = "woms_attachment_blobs_drop"


def _blobs_written(session: Session, *keys: str) -> None:
    """Keys stored for this transaction: removed again if it rolls back."""
    pending: list[str] = session.info.setdefault(_PUT_KEY, [])
    if not pending:
        sa.event.listen(session, "after_commit", _forget_written, once=True)
        sa.event.listen(session, "after_rollback", _remove_written, once=True)
    pending.extend(keys)


def _forget_written(session: Session) -> None:
    session.info.pop(_PUT_KEY, None)
    if sa.event.contains(session, "after_rollback", _remove_written):
        sa.event.remove(session, "after_rollback", _remove_written)


def _remove_written(session: Session) -> None:
    keys = session.info.pop(_PUT_KEY, [])
    if sa.event.contains(session, "after_commit", _forget_written):
        sa.event.remove(session, "after_commit", _forget_written)
    _delete_blobs(keys)


def _blobs_to_drop(session: Session, *keys: str) -> None:
    """Keys of deleted attachments: removed from the store once the deletion commits (kept if it rolls back)."""
    pending: list[str] = session.info.setdefault(_DROP_KEY, [])
    if not pending:
        sa.event.listen(session, "after_commit", _drop_now, once=True)
        sa.event.listen(session, "after_rollback", _keep_dropped, once=True)
    pending.extend(keys)


def _drop_now(session: Session) -> None:
    keys = session.info.pop(_DROP_KEY, [])
    if sa.event.contains(session, "after_rollback", _keep_dropped):
        sa.event.remove(session, "after_rollback", _keep_dropped)
    _delete_blobs(keys)


def _keep_dropped(session: Session) -> None:
    session.info.pop(_DROP_KEY, None)
    if sa.event.contains(session, "after_commit", _drop_now):
        sa.event.remove(session, "after_commit", _drop_now)


def _delete_blobs(keys: Iterable[str]) -> None:
    store = get_storage()
    for key in keys:
        try:
            store.delete(key)
        except Exception:  # a blob left behind is garbage, not a failed request
            log.warning("could not remove attachment blob %s", key, exc_info=True)


# ---------------------------------------------------------------- reads

def _views(session: Session, rows: list[WorkOrderAttachment]) -> list[AttachmentView]:
    ids = {r.uploaded_by for r in rows if r.uploaded_by is not None}
    emails = dict(session.exec(select(Account.id, Account.email).where(Account.id.in_(ids))).all()) if ids else {}
    return [AttachmentView(id=r.id, work_order_id=r.work_order_id, checklist_item_id=r.checklist_item_id,
                           file_name=r.file_name, content_type=r.content_type, size_bytes=r.size_bytes,
                           width=r.width, height=r.height, has_thumbnail=r.thumbnail_key is not None,
                           uploaded_by=emails.get(r.uploaded_by, ""), uploaded_by_id=r.uploaded_by,
                           uploaded_at=r.uploaded_at) for r in rows]


def list_attachments(session: Session, viewer: Viewer, wo_id: int) -> list[AttachmentView]:
    """The work order's attachments, newest first."""
    wo = work_order_access.visible_work_order(session, viewer, wo_id)
    rows = list(session.exec(select(WorkOrderAttachment).where(WorkOrderAttachment.work_order_id == wo.id)
                             .order_by(WorkOrderAttachment.uploaded_at.desc(), WorkOrderAttachment.id.desc())).all())
    audit.record_read(session, viewer, "work_order_attachments", detail=f"list work_order={wo.id}")
    return _views(session, rows)


def _own(session: Session, wo: WorkOrder, att_id: Any) -> WorkOrderAttachment:
    aid = parse_id(att_id)
    row = session.get(WorkOrderAttachment, aid) if aid is not None else None
    if row is None or row.work_order_id != wo.id:
        raise NotFound("Attachment not found", field="attachment_id")
    return row


def _blob(key: str | None) -> bytes:
    if key is None:
        raise NotFound("This attachment has no thumbnail", field="attachment_id")
    try:
        return get_storage().get(key)
    except BlobNotFound as exc:
        raise NotFound("The attachment's file is missing from the store", field="attachment_id") from exc


def read_attachment(session: Session, viewer: Viewer, wo_id: int, att_id: Any) -> tuple[AttachmentView, bytes]:
    """The attachment and its bytes (the viewer may see the work order)."""
    wo = work_order_access.visible_work_order(session, viewer, wo_id)
    row = _own(session, wo, att_id)
    data = _blob(row.storage_key)
    audit.record_read(session, viewer, "work_order_attachments", row.id, org_id=wo.org_id)
    return _views(session, [row])[0], data


def read_thumbnail(session: Session, viewer: Viewer, wo_id: int, att_id: Any) -> tuple[AttachmentView, bytes]:
    """The attachment and its thumbnail's bytes (JPEG); NotFound for a PDF."""
    wo = work_order_access.visible_work_order(session, viewer, wo_id)
    row = _own(session, wo, att_id)
    data = _blob(row.thumbnail_key)
    audit.record_read(session, viewer, "work_order_attachments", row.id, org_id=wo.org_id, detail="thumbnail")
    return _views(session, [row])[0], data


# ---------------------------------------------------------------- writes

def upload_attachment(session: Session, viewer: Viewer, wo_id: int, *, data: bytes, file_name: Any = "",
                      checklist_item_id: Any = None) -> AttachmentView:
    """Attach a photo or PDF to a work order (or to one of its checklist items). Checked before anything is
    stored: the viewer may work the work order, the item is one of its own, the size and the type by content."""
    wo = work_order_access.workable_work_order(session, viewer, wo_id)
    item_id = None
    if checklist_item_id is not None and checklist_item_id != "":
        item_id = checklists.item_of_work_order(session, wo, checklist_item_id).id
    if not isinstance(data, bytes | bytearray) or not data:
        raise ValidationFailed("The file is empty", field="file")
    if len(data) > max_bytes():
        raise too_large()
    kind = sniff(bytes(data))
    count = session.exec(select(sa.func.count()).select_from(WorkOrderAttachment)
                         .where(WorkOrderAttachment.work_order_id == wo.id)).one()
    if count >= MAX_PER_WORK_ORDER:
        raise Conflict(f"A work order holds at most {MAX_PER_WORK_ORDER} attachments", field="file")
    name = sanitize_file_name(file_name, kind)
    width = height = None
    thumb = None
    if kind in IMAGE_TYPES:
        width, height = image_size(data)
        thumb = make_thumbnail(data)
    store = get_storage()
    key = store.put(bytes(data))
    _blobs_written(session, key)
    thumb_key = None
    if thumb is not None:
        thumb_key = store.put(thumb)
        _blobs_written(session, thumb_key)
    row = WorkOrderAttachment(work_order_id=wo.id, checklist_item_id=item_id, file_name=name, content_type=kind,
                              size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key,
                              thumbnail_key=thumb_key, width=width, height=height, uploaded_by=viewer.account_id,
                              uploaded_at=utcnow())
    session.add(row)
    session.flush()
    checklists.history_line(session, viewer, wo, "attachment_added",
                            f"{name} ({kind}, {len(data) // 1024 or 1} KB)"
                            + (f" on checklist item #{item_id}" if item_id else ""))
    audit.record_write(session, viewer, "upload", "work_order_attachments", row.id, org_id=wo.org_id,
                       detail=f"work_order={wo.id} {kind} {len(data)}B item={item_id} sha256={row.sha256[:16]}")
    feed.publish_after_commit(session, wo.org_id, feed.WORK_ORDERS)
    session.flush()
    return _views(session, [row])[0]


def _may_delete(viewer: Viewer, row: WorkOrderAttachment) -> None:
    """The uploader, or a manager of the organization."""
    if row.uploaded_by is not None and row.uploaded_by == viewer.account_id:
        return
    if not work_order_access.is_manager(viewer):
        raise Forbidden("Only the uploader or a manager can remove this attachment")


def delete_attachment(session: Session, viewer: Viewer, wo_id: int, att_id: Any) -> None:
    """Remove an attachment (its file and thumbnail leave the store once this commits)."""
    wo = work_order_access.workable_work_order(session, viewer, wo_id)
    row = _own(session, wo, att_id)
    _may_delete(viewer, row)
    keys = [k for k in (row.storage_key, row.thumbnail_key) if k]
    session.delete(row)
    checklists.history_line(session, viewer, wo, "attachment_removed", row.file_name)
    audit.record_write(session, viewer, "delete", "work_order_attachments", row.id, org_id=wo.org_id,
                       detail=f"work_order={wo.id} {row.file_name!r}")
    feed.publish_after_commit(session, wo.org_id, feed.WORK_ORDERS)
    session.flush()
    _blobs_to_drop(session, *keys)


__all__ = [
    "IMAGE_TYPES", "MAX_FILES_PER_UPLOAD", "THUMB_MAX", "THUMB_TYPE", "TYPES", "AttachmentView", "delete_attachment",
    "limited_stream", "list_attachments", "make_thumbnail", "max_bytes", "read_attachment", "read_limited",
    "read_thumbnail", "sanitize_file_name", "sniff", "too_large", "upload_attachment", "upload_body_limit",
]
