"""A body-size cap for Reflex's own upload endpoint (``/_upload``, behind ``rx.upload``).

Reflex parses an upload's whole multipart form (spooling files to temporary disk) before the state's handler runs,
so the handler's size check would come after a huge body was read. This ASGI middleware, in front of the mounted
Reflex app, answers 413 at once for a declared ``Content-Length`` over the limit and cuts a body off as soon as more
than the limit has arrived (chunked or lying about its length). The limit is the one the work-order attachments
have: ``MAX_FILES_PER_UPLOAD`` files of WOMS_ATTACHMENT_MAX_MB each, plus the form.
"""
from __future__ import annotations

import json
from typing import Any

from woms_app.services.attachments import MAX_FILES_PER_UPLOAD, too_large, upload_body_limit

UPLOAD_PATH = "/_upload"


class _Cut(Exception):
    pass


class UploadBodyLimit:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(UPLOAD_PATH):
            await self.app(scope, receive, send)
            return
        limit = upload_body_limit(MAX_FILES_PER_UPLOAD)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send)
            return
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _Cut
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _Cut:
            if not started:
                await _refuse(send)


async def _refuse(send) -> None:
    body = json.dumps({"detail": too_large().message, "field": "file"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
