"""Real local receivers for the notification tests: an SMTP server (aiosmtpd) and a webhook receiver
(http.server in a thread) that verifies every request with the recipe of docs/WEBHOOKS.md, run as documented."""
from __future__ import annotations

import email
import re
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

DOCS = Path(__file__).resolve().parents[1] / "docs" / "WEBHOOKS.md"


def documented_verify():
    """The ``verify`` function of docs/WEBHOOKS.md, executed from the document itself."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)
    assert len(blocks) == 1 and len(blocks[0].strip().splitlines()) <= 10, "one short Python example"
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], str(DOCS), "exec"), namespace)  # noqa: S102 — the documented recipe, run as written
    return namespace["verify"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- SMTP
class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.sink.messages.append(email.message_from_bytes(envelope.content))
        self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@dataclass
class SmtpSink:
    port: int = 0
    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    controller: Controller | None = None
    # (user, password) the server requires (AUTH PLAIN/LOGIN without TLS: a local test server only)
    credentials: tuple[str, str] | None = None
    logins: list[str] = field(default_factory=list)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = self.credentials is not None and (auth_data.login.decode(), auth_data.password.decode()) == \
            self.credentials
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)  # handled=True would mean "the reply is sent already"

    def start(self) -> SmtpSink:
        self.port = self.port or free_port()
        auth = dict(authenticator=self._authenticate, auth_required=True, auth_require_tls=False) \
            if self.credentials else {}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **auth)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Message]:
        return [m for m, (_, rcpts) in zip(self.messages, self.envelopes, strict=True) if address in rcpts]


# ---------------------------------------------------------------- webhooks
@dataclass
class WebhookReceiver:
    """Counts deliveries by Idempotency-Key; answers ``statuses`` in turn (then 200). Every request's signature
    is checked with the documented ``verify`` (``bad_signatures`` counts the ones that fail)."""

    secret: str = ""
    port: int = 0
    statuses: list[int] = field(default_factory=list)
    received: Counter = field(default_factory=Counter)  # Idempotency-Key → accepted (2xx) deliveries
    requests: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    server: ThreadingHTTPServer | None = None

    def start(self) -> WebhookReceiver:
        self.port = self.port or free_port()
        verify = documented_verify()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ok = verify(receiver.secret, self.headers, body)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if not ok:
                    receiver.bad_signatures += 1
                    status = 401
                receiver.requests.append({"headers": dict(self.headers), "body": body, "status": status})
                if 200 <= status < 300:
                    receiver.received[self.headers["Idempotency-Key"]] += 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/woms"


# ---------------------------------------------------------------- fixtures (import them into a test module)
@pytest.fixture
def smtp(monkeypatch):
    """A running SMTP server, and WOMS_SMTP_* pointing at it (plain SMTP, no login)."""
    from woms_app.core.config import reset_settings

    sink = SmtpSink().start()
    monkeypatch.setenv("WOMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WOMS_SMTP_PORT", str(sink.port))
    monkeypatch.setenv("WOMS_SMTP_STARTTLS", "false")
    monkeypatch.setenv("WOMS_SMTP_FROM", "WOMS <noreply@woms.test>")
    reset_settings()
    yield sink
    sink.stop()
    monkeypatch.undo()
    reset_settings()


@pytest.fixture
def receiver():
    """A webhook receiver on a free port (its secret is set once the webhook is created)."""
    r = WebhookReceiver().start()
    yield r
    r.stop()


@pytest.fixture(autouse=False)
def unfrozen():
    from woms_app.core import clock

    yield
    clock.freeze(None)
