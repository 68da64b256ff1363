"""/api/work-orders/{id}/attachments over real HTTP: photos and PDFs checked by content, the size limit enforced
while the upload is read, thumbnails (upright, no EXIF), served only through the authorized routes."""
from __future__ import annotations

import asyncio
import io
import os

import pytest
from PIL import Image

from tests.api.conftest import login
from tests.wo_fleet import EMAILS, build_fleet
from woms_app.api.app import create_api
from woms_app.core.config import reset_settings
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.core.security import COOKIE_NAME
from woms_app.core.storage import get_storage
from woms_app.models import AuditLog, WorkOrderAttachment

BASE = "http://localhost:3000"
ORIENTATION, GPS_IFD = 0x0112, 0x8825


@pytest.fixture
def fleet(client):
    with main_session(SYSTEM_CONTEXT) as s:
        return build_fleet(s)


def as_(client, who):
    client.cookies.clear()
    assert login(client, EMAILS[who]).status_code == 200
    return client


def _wo(client, fleet, plants=("sunrise-1",)):
    r = client.post("/api/work-orders", json={"title": "Inverter inspection",
                                              "plant_ids": [fleet.plants[p] for p in plants]})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def jpeg(size=(1200, 800), *, orientation=None, gps=False, color=(200, 40, 40)) -> bytes:
    im = Image.new("RGB", size, color)
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (12.0, 58.0, 12.0), 3: "E", 4: (77.0, 35.0, 0.0)}
    out = io.BytesIO()
    im.save(out, format="JPEG", exif=exif.tobytes() if (orientation or gps) else b"", quality=90)
    return out.getvalue()


def png(size=(300, 100)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 128)).save(out, format="PNG")
    return out.getvalue()


PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")


def upload(client, wo_id, data, name="photo.jpg", ctype="image/jpeg", **fields):
    return client.post(f"/api/work-orders/{wo_id}/attachments", files={"file": (name, data, ctype)},
                       data={k: str(v) for k, v in fields.items()})


def _stored() -> tuple[int, list[str]]:
    with main_session(SYSTEM_CONTEXT) as s:
        rows = s.exec(WorkOrderAttachment.__table__.select()).all()
    return len(rows), get_storage().keys()


def test_a_photo_is_stored_listed_served_and_thumbnailed_upright_without_exif(client, fleet):
    as_(client, "sunrise")
    wo_id = _wo(client, fleet)
    original = jpeg(orientation=6, gps=True)  # rotated 90° by its EXIF, with a GPS position
    r = upload(client, wo_id, original, name="../../etc/DSC 0001 <b>.JPG", ctype="text/plain")
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["content_type"] == "image/jpeg" and a["is_image"] and a["size_bytes"] == len(original)
    assert a["file_name"] == "DSC 0001 b.jpg"  # no folders, no markup or control characters; the sniffed extension
    assert (a["width"], a["height"]) == (800, 1200)  # as shown: the orientation applied
    assert a["uploaded_by"] == EMAILS["sunrise"] and a["thumbnail_url"].endswith("/thumbnail")
    assert [x["id"] for x in client.get(f"/api/work-orders/{wo_id}/attachments").json()] == [a["id"]]

    f = client.get(a["url"])
    assert f.status_code == 200 and f.content == original
    assert f.headers["content-type"] == "image/jpeg" and f.headers["x-content-type-options"] == "nosniff"
    assert f.headers["content-disposition"].startswith('inline; filename="DSC 0001 b.jpg"')
    assert "sandbox" in f.headers["content-security-policy"]

    t = client.get(a["thumbnail_url"])
    assert t.status_code == 200 and t.headers["content-type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(t.content))
    assert thumb.format == "JPEG" and thumb.size == (213, 320)  # upright, longer side 320
    assert dict(thumb.getexif()) == {} and "exif" not in thumb.info
    assert GPS_IFD not in thumb.getexif()

    with main_session(SYSTEM_CONTEXT) as s:
        row = s.get(WorkOrderAttachment, a["id"])
        assert row.storage_key in get_storage().keys() and row.thumbnail_key in get_storage().keys()
        assert row.storage_key not in a["url"] and "DSC" not in row.storage_key
        audit = s.exec(AuditLog.__table__.select().where(AuditLog.action == "upload")).all()
        assert len(audit) == 1
    detail = client.get(f"/api/work-orders/{wo_id}").json()
    assert detail["history"][0]["kind"] == "attachment_added"


def test_png_webp_and_pdf_thumbnail_sizes_and_pdf_is_a_download(client, fleet):
    as_(client, "sunrise")
    wo_id = _wo(client, fleet)
    p = upload(client, wo_id, png(), name="string.png", ctype="image/png").json()
    assert (p["content_type"], p["width"], p["height"]) == ("image/png", 300, 100)
    assert Image.open(io.BytesIO(client.get(p["thumbnail_url"]).content)).size == (300, 100)  # never enlarged
    webp = io.BytesIO()
    Image.new("RGB", (640, 1000), "green").save(webp, format="WEBP")
    w = upload(client, wo_id, webp.getvalue(), name="panel", ctype="application/octet-stream").json()
    assert w["content_type"] == "image/webp" and w["file_name"] == "panel.webp"
    assert Image.open(io.BytesIO(client.get(w["thumbnail_url"]).content)).size == (205, 320)

    d = upload(client, wo_id, PDF, name="Service report «Q3».pdf", ctype="image/png")
    assert d.status_code == 201, d.text
    doc = d.json()
    assert doc["content_type"] == "application/pdf" and not doc["is_image"] and doc["thumbnail_url"] is None
    f = client.get(doc["url"])
    assert f.content == PDF and f.headers["content-type"] == "application/pdf"
    assert f.headers["content-disposition"] == ("attachment; filename=\"Service report _Q3_.pdf\"; "
                                                "filename*=UTF-8''Service%20report%20%C2%ABQ3%C2%BB.pdf")
    assert client.get(f"{doc['url']}/thumbnail").status_code == 404


@pytest.mark.parametrize("data, name", [
    (b"<!doctype html><html><script>alert(1)</script></html>", "photo.jpg"),  # HTML named .jpg
    (b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 50, "fake.jpg"),  # JPEG magic, garbage after
    (png()[:200], "cut.png"),  # a truncated PNG
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif"),  # a type that is not allowed
    (b"%PDF-1.7\n1 0 obj\n", "unfinished.pdf"),  # no end-of-file marker
    (b"", "empty.jpg"),
    (b"PK\x03\x04" + b"\x00" * 100, "report.pdf"),  # a zip named .pdf
])
def test_files_are_judged_by_content_and_refused_ones_leave_nothing(client, fleet, data, name):
    as_(client, "sunrise")
    wo_id = _wo(client, fleet)
    r = upload(client, wo_id, data, name=name)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "file" and r.json()["detail"]
    assert _stored() == (0, [])


def test_an_oversized_body_is_413_and_nothing_is_stored(client, fleet, monkeypatch):
    as_(client, "sunrise")
    wo_id = _wo(client, fleet)
    monkeypatch.setenv("WOMS_ATTACHMENT_MAX_MB", "0.1")  # 104 857 bytes
    reset_settings()
    try:
        ok = upload(client, wo_id, jpeg((200, 200)))
        assert ok.status_code == 201, ok.text
        big = jpeg((300, 300)) + os.urandom(300_000)  # a valid JPEG start, 0.3 MB
        r = upload(client, wo_id, big)
        assert r.status_code == 413 and "0.1 MB" in r.json()["detail"]
        # just over the limit, within the form's overhead allowance: refused after the parse
        r = upload(client, wo_id, b"\xff\xd8\xff" + b"\x00" * (104_857 + 10))
        assert r.status_code == 413
        assert _stored()[0] == 1 and len(_stored()[1]) == 2  # the first photo and its thumbnail only
    finally:
        monkeypatch.delenv("WOMS_ATTACHMENT_MAX_MB")
        reset_settings()


def test_a_huge_streamed_upload_is_cut_off_without_being_read(client, fleet, monkeypatch):
    """No Content-Length (chunked): the route stops reading once the limit is passed and answers 413."""
    as_(client, "sunrise")
    wo_id = _wo(client, fleet)
    cookie = client.cookies.get(COOKIE_NAME)
    monkeypatch.setenv("WOMS_ATTACHMENT_MAX_MB", "1")
    reset_settings()
    chunk, total = 64 * 1024, 50 * 1024 * 1024  # a 50 MB body offered in 64 KB pieces
    boundary = "woms-test-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + b"\xff\xd8\xff"
    sent = {"bytes": 0}

    async def receive():
        if sent["bytes"] >= total:
            return {"type": "http.request", "body": b"", "more_body": False}
        body = head if sent["bytes"] == 0 else b"\x00" * chunk
        sent["bytes"] += len(body)
        return {"type": "http.request", "body": body, "more_body": True}

    messages = []

    async def send(message):
        messages.append(message)

    path = f"/api/work-orders/{wo_id}/attachments"
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "client": ("127.0.0.1", 50000), "server": ("localhost", 3000),
             "headers": [(b"host", b"localhost:3000"), (b"origin", BASE.encode()),
                         (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
                         (b"transfer-encoding", b"chunked"), (b"cookie", f"{COOKIE_NAME}={cookie}".encode())]}
    try:
        asyncio.run(create_api()(scope, receive, send))
    finally:
        monkeypatch.delenv("WOMS_ATTACHMENT_MAX_MB")
        reset_settings()
    start = next(m for m in messages if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert sent["bytes"] < 1024 * 1024 + 64 * 1024 + 2 * chunk  # the limit, the form allowance and a chunk
    assert _stored() == (0, [])


def test_foreign_ids_are_404_and_govt_views_but_never_writes(client, fleet):
    as_(client, "sunrise")
    wo_id = _wo(client, fleet)
    a = upload(client, wo_id, jpeg((100, 80))).json()
    as_(client, "helios")
    helios_wo = _wo(client, fleet, plants=("helios-1",))
    for r in (client.get(f"/api/work-orders/{wo_id}/attachments"), client.get(a["url"]),
              client.get(a["thumbnail_url"]), client.delete(a["url"]), upload(client, wo_id, jpeg((50, 50))),
              client.get(f"/api/work-orders/{helios_wo}/attachments/{a['id']}"),  # A's attachment via B's order
              client.get(f"/api/work-orders/{wo_id}/attachments/abc")):
        assert r.status_code == 404, (r.request.method, r.request.url, r.text)
    as_(client, "govt")
    assert [x["id"] for x in client.get(f"/api/work-orders/{wo_id}/attachments").json()] == [a["id"]]
    assert client.get(a["url"]).status_code == 200 and client.get(a["thumbnail_url"]).status_code == 200
    r = upload(client, wo_id, jpeg((50, 50)))
    assert r.status_code == 403 and "Read-only" in r.json()["detail"]
    assert client.delete(a["url"]).status_code == 403
    with main_session(SYSTEM_CONTEXT) as s:  # every GOVT read is audited
        reads = s.exec(AuditLog.__table__.select().where(AuditLog.role == "GOVT",
                                                          AuditLog.entity == "work_order_attachments")).all()
        assert len(reads) == 3
    assert _stored()[0] == 1
    as_(client, "sunrise")
    assert client.delete(a["url"]).status_code == 204
    assert client.get(a["url"]).status_code == 404
    assert _stored() == (0, [])  # the file and its thumbnail left the store with the commit


def test_an_attachment_on_a_checklist_item(client, fleet):
    as_(client, "sunrise")
    wo_id = _wo(client, fleet)
    templates = client.get("/api/checklist-templates", params={"wo_type": "inspection"}).json()
    t = next(x for x in templates if x["name"] == "Inverter inspection")
    c = client.post(f"/api/work-orders/{wo_id}/checklists", json={"template_id": t["id"]}).json()
    item = c["items"][0]
    r = upload(client, wo_id, jpeg((64, 48)), checklist_item_id=item["id"])
    assert r.status_code == 201 and r.json()["checklist_item_id"] == item["id"]
    again = client.get(f"/api/work-orders/{wo_id}/checklists").json()[0]
    assert again["items"][0]["attachments"] == 1
    other = _wo(client, fleet, plants=("sunrise-2",))
    r = upload(client, other, jpeg((64, 48)), checklist_item_id=item["id"])  # an item of another order
    assert r.status_code == 404 and r.json()["field"] == "checklist_item_id"
    assert upload(client, wo_id, jpeg((64, 48)), checklist_item_id="x").status_code == 404


def test_a_form_without_a_file_or_not_multipart_is_422(client, fleet):
    as_(client, "sunrise")
    wo_id = _wo(client, fleet)
    r = client.post(f"/api/work-orders/{wo_id}/attachments", data={"checklist_item_id": "1"})
    assert r.status_code == 422 and "multipart/form-data" in r.json()["detail"]
    r = client.post(f"/api/work-orders/{wo_id}/attachments", json={"file": "x"})
    assert r.status_code == 422 and r.json()["field"] == "file"
    r = client.post(f"/api/work-orders/{wo_id}/attachments", files={"photo": ("a.jpg", jpeg((10, 10)))})
    assert r.status_code == 422 and "field 'file'" in r.json()["detail"]
    assert _stored() == (0, [])
