"""/api/work-orders/{id}/attachments: list, upload (multipart, read within the size limit), the file, its
thumbnail, delete. Files are only ever served here, after the same scope check as the work order itself."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlmodel import Session
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from woms_app.api.deps import DB, current_viewer
from woms_app.api.ids import AttachmentId, WorkOrderId
from woms_app.core.errors import ValidationFailed
from woms_app.services import attachments as svc
from woms_app.services import work_order_access
from woms_app.services.viewer import MAX_ID, Viewer

router = APIRouter(prefix="/work-orders", tags=["attachments"])



class _TooLargeOut(BaseModel):
    detail: str
    field: str | None = None


class AttachmentOut(BaseModel):
    id: int
    work_order_id: int
    checklist_item_id: int | None
    file_name: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    is_image: bool
    uploaded_by: str
    uploaded_at: datetime
    url: str
    thumbnail_url: str | None


def _out(a: svc.AttachmentView) -> AttachmentOut:
    base = f"/api/work-orders/{a.work_order_id}/attachments/{a.id}"
    return AttachmentOut(id=a.id, work_order_id=a.work_order_id, checklist_item_id=a.checklist_item_id,
                         file_name=a.file_name, content_type=a.content_type, size_bytes=a.size_bytes, width=a.width,
                         height=a.height, is_image=a.is_image, uploaded_by=a.uploaded_by, uploaded_at=a.uploaded_at,
                         url=base, thumbnail_url=f"{base}/thumbnail" if a.has_thumbnail else None)


def _disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name (the name is sanitized: no quotes, no control characters)."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _file_response(data: bytes, content_type: str, disposition: str) -> Response:
    return Response(content=data, media_type=content_type, headers={
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        # the file is data, never a document: no scripts, no plugins, even if a browser tried to render it
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        "Cache-Control": "private, no-store",
    })


# ---------------------------------------------------------------- the upload, read within the limit

@dataclass
class Upload:
    data: bytes
    file_name: str
    checklist_item_id: str | None


def _may_upload(wo_id: WorkOrderId, viewer: Viewer = Depends(current_viewer), session: Session = DB) -> None:
    """Checked before a byte of the body is read: a foreign id is 404 and a read-only account 403 at once."""
    work_order_access.workable_work_order(session, viewer, wo_id)


async def _read_upload(request: Request) -> Upload:
    """The multipart form (``file``, optional ``checklist_item_id``), read as a stream that is cut off as soon as it
    passes the limit: a huge upload answers 413 without being read whole (nor held in memory: Starlette spools a
    file part over 1 MB to a temporary file, which is closed when the parse fails)."""
    limit = svc.max_bytes()
    ctype = request.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise ValidationFailed("Send the file as multipart/form-data in the field 'file'", field="file")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > svc.upload_body_limit():
        raise svc.too_large()
    parser = MultiPartParser(request.headers, svc.limited_stream(request.stream(), svc.upload_body_limit()),
                             max_files=1, max_fields=4, max_part_size=1024)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ValidationFailed(f"The upload is not a valid form: {exc.message}", field="file") from exc
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise ValidationFailed("The form has no file in the field 'file'", field="file")
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise svc.too_large()
        item = form.get("checklist_item_id")
        return Upload(data=data, file_name=file.filename or "",
                      checklist_item_id=item if isinstance(item, str) and item.strip() else None)
    finally:
        await form.close()


_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "a JPEG, PNG or WebP photo, or a PDF (the type is read from the content)"},
        "checklist_item_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                              "description": "attach it to this item of one of the work order's checklists"},
    }}}}}}
_FILE_TYPES: dict[str, dict] = {t: {} for t in svc.TYPES}


# ---------------------------------------------------------------- routes

@router.get("/{wo_id}/attachments", response_model=list[AttachmentOut])
def list_attachments(wo_id: WorkOrderId, viewer: Viewer = Depends(current_viewer),
                     session: Session = DB) -> list[AttachmentOut]:
    """Newest first."""
    return [_out(a) for a in svc.list_attachments(session, viewer, wo_id)]


@router.post("/{wo_id}/attachments", response_model=AttachmentOut, status_code=201, openapi_extra=_UPLOAD_BODY,
             responses={413: {"model": _TooLargeOut, "description": "The file is over WOMS_ATTACHMENT_MAX_MB"}},
             dependencies=[Depends(_may_upload)])
def upload_attachment(wo_id: WorkOrderId, viewer: Viewer = Depends(current_viewer), session: Session = DB,
                      upload: Upload = Depends(_read_upload)) -> AttachmentOut:
    """Attach a photo or PDF (type checked by content, thumbnails for photos). 413 over the size limit."""
    return _out(svc.upload_attachment(session, viewer, wo_id, data=upload.data, file_name=upload.file_name,
                                      checklist_item_id=upload.checklist_item_id))


@router.get("/{wo_id}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": _FILE_TYPES, "description": "The file, with its sniffed type"}})
def get_attachment(wo_id: WorkOrderId, attachment_id: AttachmentId, viewer: Viewer = Depends(current_viewer),
                   session: Session = DB) -> Response:
    """The file: photos inline, PDFs as a download; the type is the one sniffed at upload."""
    a, data = svc.read_attachment(session, viewer, wo_id, attachment_id)
    kind = "inline" if a.is_image else "attachment"
    return _file_response(data, a.content_type, _disposition(kind, a.file_name))


@router.get("/{wo_id}/attachments/{attachment_id}/thumbnail", response_class=Response,
            responses={200: {"content": {svc.THUMB_TYPE: {}}, "description": "A JPEG thumbnail (photos only)"}})
def get_thumbnail(wo_id: WorkOrderId, attachment_id: AttachmentId, viewer: Viewer = Depends(current_viewer),
                  session: Session = DB) -> Response:
    """At most 320 px on the longer side, upright, without EXIF; 404 for a PDF."""
    a, data = svc.read_thumbnail(session, viewer, wo_id, attachment_id)
    stem = a.file_name.rsplit(".", 1)[0]
    return _file_response(data, svc.THUMB_TYPE, _disposition("inline", f"{stem}-thumbnail.jpg"))


@router.delete("/{wo_id}/attachments/{attachment_id}", status_code=204)
def delete_attachment(wo_id: WorkOrderId, attachment_id: AttachmentId, viewer: Viewer = Depends(current_viewer),
                      session: Session = DB) -> Response:
    """The uploader or a manager; the file leaves the store once this is committed."""
    svc.delete_attachment(session, viewer, wo_id, attachment_id)
    return Response(status_code=204)
