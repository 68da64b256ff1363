"""api/upload_limit.py: Reflex's /_upload endpoint gets the attachments' body-size cap in front of it."""
from __future__ import annotations

import asyncio

import pytest

from woms_app.api.upload_limit import UploadBodyLimit
from woms_app.core.config import reset_settings
from woms_app.services.attachments import MAX_FILES_PER_UPLOAD, upload_body_limit


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setenv("WOMS_ATTACHMENT_MAX_MB", "0.1")
    reset_settings()
    yield upload_body_limit(MAX_FILES_PER_UPLOAD)
    monkeypatch.delenv("WOMS_ATTACHMENT_MAX_MB")
    reset_settings()


def _run(path: str, chunks: list[bytes], headers=()):
    """The middleware in front of an app that reads the whole body; what was read and what was answered."""
    read = {"bytes": 0, "app_called": False}
    pending = list(chunks)

    async def app(scope, receive, send):
        read["app_called"] = True
        while True:
            message = await receive()
            read["bytes"] += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "method": "POST", "headers": list(headers)}
    asyncio.run(UploadBodyLimit(app)(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, read


def test_a_streamed_upload_is_cut_off_past_the_limit(small_limit):
    chunk = b"x" * 65536
    status, read = _run("/_upload", [chunk] * 200)  # 12.5 MB offered
    assert status == 413
    assert read["bytes"] <= small_limit + len(chunk)


def test_a_declared_length_over_the_limit_is_refused_before_the_app_runs(small_limit):
    status, read = _run("/_upload", [b"x"], headers=[(b"content-length", str(small_limit + 1).encode())])
    assert status == 413 and not read["app_called"]


def test_small_uploads_and_other_paths_pass(small_limit):
    assert _run("/_upload", [b"x" * 1000, b"y" * 1000]) == (200, {"bytes": 2000, "app_called": True})
    status, read = _run("/api/anything", [b"x" * 65536] * 20)  # the API routes have their own limit
    assert status == 200 and read["bytes"] == 65536 * 20
