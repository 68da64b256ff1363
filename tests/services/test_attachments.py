"""Attachments below HTTP: what the bytes are (magic bytes + Pillow), names, thumbnails, the size limit while
reading, and the blob store following the transaction (a rollback removes what it wrote)."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from tests.wo_fleet import build_fleet, viewer
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.core.errors import Forbidden, PayloadTooLarge, ValidationFailed
from woms_app.core.storage import get_storage
from woms_app.services import attachments as att
from woms_app.services import work_orders as wos


def _png(size=(64, 32), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def _bomb_png(width=30_000, height=30_000) -> bytes:
    """A valid PNG header claiming 900 megapixels (a decompression bomb), with a token data chunk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + \
        chunk(b"IEND", b"")


def test_sniffing_follows_the_bytes():
    assert att.sniff(_png()) == att.PNG
    jpg = io.BytesIO()
    Image.new("RGB", (10, 10)).save(jpg, format="JPEG")
    assert att.sniff(jpg.getvalue()) == att.JPEG
    assert att.sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF") == att.PDF
    for bad in (b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"\x00" * 64, b"RIFF\x00\x00\x00\x00WAVEfmt ",
                jpg.getvalue()[:40], _png()[:-12] + b"garbage!", b"%PDF-1.4 no end"):
        with pytest.raises(ValidationFailed):
            att.sniff(bad)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    with pytest.raises(ValidationFailed, match="megapixels"):
        att.sniff(_bomb_png())


@pytest.mark.parametrize("name, kind, expected", [
    ("photo.jpg", att.JPEG, "photo.jpg"),
    ("C:\\Users\\op\\Desktop\\inverter 2.JPEG", att.JPEG, "inverter 2.jpg"),
    ("../../../etc/passwd", att.PDF, "passwd.pdf"),
    ("report.pdf.exe", att.PDF, "report.pdf.pdf"),
    ("\x00\x1b[31mred\u202e.png", att.PNG, "[31mred.png"),  # control and bidi-override characters go
    ('a"b;c<script>.png', att.PNG, "abcscript.png"),
    ("...", att.WEBP, "attachment.webp"),
    ("", att.PDF, "attachment.pdf"),
    (None, att.PNG, "attachment.png"),
    ("Ｆｕｌｌｗｉｄｔｈ.jpg", att.JPEG, "Fullwidth.jpg"),  # NFKC
    ("x" * 300 + ".jpg", att.JPEG, "x" * 116 + ".jpg"),
])
def test_file_names_are_sanitized(name, kind, expected):
    assert att.sanitize_file_name(name, kind) == expected


def test_thumbnails_are_small_upright_white_backed_and_carry_no_metadata():
    im = Image.new("RGBA", (1000, 400), (255, 0, 0, 0))  # fully transparent
    exif = Image.Exif()
    exif[0x0112] = 8  # rotated 270°
    out = io.BytesIO()
    im.save(out, format="PNG", exif=exif.tobytes())
    thumb = Image.open(io.BytesIO(att.make_thumbnail(out.getvalue())))
    assert thumb.format == "JPEG" and thumb.size == (128, 320)
    assert thumb.getpixel((10, 10)) == (255, 255, 255)  # transparency on white, not black
    assert not thumb.getexif() and "icc_profile" not in thumb.info
    assert att.image_size(out.getvalue()) == (400, 1000)


def test_read_limited_stops_at_the_limit():
    consumed = []

    def chunks():
        for i in range(1000):
            consumed.append(i)
            yield b"x" * 1000

    with pytest.raises(PayloadTooLarge):
        att.read_limited(chunks(), limit=10_500)
    assert len(consumed) == 11  # not one chunk more than needed
    assert att.read_limited(iter([b"ab", b"cd"]), limit=4) == b"abcd"


@pytest.fixture
def wo_id(demo):
    with main_session(SYSTEM_CONTEXT) as s:
        fleet = build_fleet(s, n_plants=1)
        return wos.create_work_order(s, viewer(s, "sunrise"), title="Photos",
                                     plant_ids=[fleet.plants["sunrise-1"]]).id


def test_a_rolled_back_upload_leaves_no_blob_and_a_rolled_back_delete_keeps_them(wo_id):
    with pytest.raises(RuntimeError):
        with main_session(SYSTEM_CONTEXT) as s:
            att.upload_attachment(s, viewer(s, "sunrise"), wo_id, data=_png(), file_name="a.png")
            assert len(get_storage().keys()) == 2  # written ...
            raise RuntimeError("the request failed after the upload")
    assert get_storage().keys() == []  # ... and removed with the rollback
    with main_session(SYSTEM_CONTEXT) as s:
        a = att.upload_attachment(s, viewer(s, "sunrise"), wo_id, data=_png(), file_name="a.png")
    keys = get_storage().keys()
    assert len(keys) == 2
    with pytest.raises(RuntimeError):
        with main_session(SYSTEM_CONTEXT) as s:
            att.delete_attachment(s, viewer(s, "sunrise"), wo_id, a.id)
            raise RuntimeError("failed before the commit")
    assert get_storage().keys() == keys
    with main_session(SYSTEM_CONTEXT) as s:
        assert att.read_attachment(s, viewer(s, "sunrise"), wo_id, a.id)[1] == _png()


def test_only_the_uploader_or_a_manager_deletes(wo_id, monkeypatch):
    with main_session(SYSTEM_CONTEXT) as s:
        a = att.upload_attachment(s, viewer(s, "admin"), wo_id, data=_png(), file_name="by admin.png")
    # with roles, an ORG account that is not a manager may only remove its own uploads
    monkeypatch.setattr(att.work_order_access, "is_manager", lambda v: False)
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(Forbidden, match="uploader or a manager"):
            att.delete_attachment(s, viewer(s, "sunrise"), wo_id, a.id)
        mine = att.upload_attachment(s, viewer(s, "sunrise"), wo_id, data=_png(), file_name="mine.png")
        att.delete_attachment(s, viewer(s, "sunrise"), wo_id, mine.id)
    monkeypatch.undo()
    with main_session(SYSTEM_CONTEXT) as s:
        att.delete_attachment(s, viewer(s, "sunrise"), wo_id, a.id)  # today every ORG writer is a manager
