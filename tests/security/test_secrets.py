"""Secrets never leave the server: a realistic flow (wrong and right logins, vendors created with credentials,
a connection test with bad credentials, a sync against the emulator, a credential change, logout) while every
log record (DEBUG, every logger) and every response body is captured, then grepped for every secret value:
vendor secrets, user passwords, session tokens, the Fernet key and WOMS_SECRET_KEY. The vendors page's Reflex
state (what the browser receives) never holds stored credentials, and the database holds them encrypted."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.security.conftest import EMAILS, PASSWORD
from tests.sync.conftest import point_vendors_at
from tests.vendors.conftest import emulator, live  # noqa: F401  (fixtures)
from woms_app.api.app import create_api
from woms_app.core.config import get_settings
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import SyncRun, Vendor
from woms_app.vendors import VendorManager

BASE = "http://localhost:3000"
WRONG_USER_PASSWORD = "Wr0ng-user-pass-7731"
WRONG_VENDOR_SECRET = "wrong-vendor-secret-5521"


def _fernet_key() -> str:
    s = get_settings()
    key = s.credentials_key.get_secret_value()
    if key:
        return key
    digest = hashlib.sha256(b"woms-credentials:" + s.secret_key.get_secret_value().encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _vendor_secrets(accounts: dict[str, dict]) -> list[str]:
    out = []
    for info in VendorManager.types():
        creds = accounts[info.vendor_type]["credentials"]
        out += [creds[f] for f in info.secret_fields if creds.get(f)]
    return out


def test_no_secret_in_responses_logs_state_or_database(demo, live, caplog, tmp_path):  # noqa: F811
    caplog.set_level(logging.DEBUG)  # every logger, everything
    ids = point_vendors_at(live.url)
    accounts = live.accounts()
    bodies: list[str] = []
    tokens: list[str] = []

    def keep(r):
        headers = dict(r.headers)
        if r.request.url.path == "/api/login":  # the one place a session token must appear: its own cookie
            headers.pop("set-cookie", None)
        bodies.append(f"{r.status_code} {headers} {r.text}")
        return r

    with TestClient(create_api(), base_url=BASE, headers={"Origin": BASE}) as c:
        # logins: wrong, then right (ORG) and right (SUPERADMIN)
        keep(c.post("/api/login", json={"email": EMAILS["ORG_B"], "password": WRONG_USER_PASSWORD}))
        assert keep(c.post("/api/login", json={"email": EMAILS["ORG_B"], "password": PASSWORD})).status_code == 200
        tokens.append(c.cookies.get("woms_session"))
        sg = accounts["sungrow"]
        # a vendor with bad credentials (refused: the vendor rejects them), then with good ones
        bad = {**sg["credentials"], "password": WRONG_VENDOR_SECRET}
        r = keep(c.post("/api/vendors", json={"name": "Second fleet", "vendor_type": "sungrow",
                                              "base_url": sg["base_url"], "credentials": bad}))
        assert r.status_code == 422
        r = keep(c.post("/api/vendors", json={"name": "Second fleet", "vendor_type": "sungrow",
                                              "base_url": sg["base_url"], "credentials": sg["credentials"]}))
        assert r.status_code == 201, r.text
        new_id = r.json()["id"]
        for path in ("/api/vendors", f"/api/vendors/{new_id}", f"/api/vendors/{ids['sungrow']}"):
            keep(c.get(path))
        assert keep(c.post(f"/api/vendors/{new_id}/test")).json()["ok"] is True
        # a credential change the vendor refuses, then a sync, then the connection test of stored credentials
        r = keep(c.patch(f"/api/vendors/{new_id}", json={"credentials": {"access_key": WRONG_VENDOR_SECRET}}))
        assert r.status_code == 422
        assert keep(c.post(f"/api/vendors/{ids['sungrow']}/sync")).json()["status"] == "succeeded"
        with main_session(SYSTEM_CONTEXT) as s:  # stored credentials go bad: the test and a sync fail with a reason
            v = s.get(Vendor, new_id)
            from woms_app.core.security import encrypt_json
            v.credentials_encrypted = encrypt_json({**sg["credentials"], "password": WRONG_VENDOR_SECRET})
            s.add(v)
        assert keep(c.post(f"/api/vendors/{new_id}/test")).json()["ok"] is False
        assert keep(c.post(f"/api/vendors/{new_id}/sync")).json()["status"] != "succeeded"
        keep(c.get(f"/api/vendors/{new_id}"))
        keep(c.get("/api/me"))
        keep(c.post("/api/logout"))
        c.cookies.clear()
        assert keep(c.post("/api/login", json={"email": EMAILS["SUPERADMIN"], "password": PASSWORD})).status_code == 200
        tokens.append(c.cookies.get("woms_session"))
        sm = accounts["solarman"]
        r = keep(c.post("/api/vendors", json={"name": "Third fleet", "vendor_type": "solarman", "org_id": 1,
                                              "base_url": sm["base_url"], "credentials": sm["credentials"]}))
        assert r.status_code == 201, r.text
        keep(c.post(f"/api/vendors/{ids['solarman']}/sync"))
        keep(c.get("/api/vendors"))

    # the vendors page as the browser gets it (state tree after load and opening the edit dialog)
    state_dump = _vendors_page_state(tokens[-1], new_id)

    secrets = {
        **{f"vendor secret {i}": v for i, v in enumerate(_vendor_secrets(accounts))},
        "wrong vendor secret": WRONG_VENDOR_SECRET,
        "user password": PASSWORD, "wrong user password": WRONG_USER_PASSWORD,
        **{f"session token {i}": t for i, t in enumerate(tokens)},
        "Fernet key": _fernet_key(), "WOMS_SECRET_KEY": get_settings().secret_key.get_secret_value(),
    }
    assert all(secrets.values()) and len(secrets) >= 11
    logs = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    assert len(caplog.records) > 20  # the capture really saw the flow (httpx, sync, auth…)
    with main_session(SYSTEM_CONTEXT) as s:
        runs = " ".join(f"{r.error} {r.traceback}" for r in s.exec(select(SyncRun)).all())
        vendor_errors = " ".join(str(v.last_error) for v in s.exec(select(Vendor)).all())
    db_bytes = b"".join(p.read_bytes() for p in Path(str(tmp_path)).rglob("*.db*"))
    places = {"responses": "\n".join(bodies), "logs": logs, "reflex state": state_dump,
              "sync_runs / vendors.last_error": runs + vendor_errors}
    found = [f"{what} in {where}" for where, text in places.items() for what, value in secrets.items()
             if value in text]
    found += [f"{what} in the database files" for what, value in secrets.items()
              if what.startswith("vendor secret") and value.encode() in db_bytes]
    assert not found, found


def _vendors_page_state(token: str, vendor_id: int) -> str:
    from tests.security.test_tenant_matrix_reflex import Client, woms_states

    classes = {c.__name__: c for c in woms_states()}
    client = Client(f"woms_session={token}", {}, "/vendors")
    tree = asyncio.run(client.run([("VendorsState", "load", {}),
                                   ("VendorsState", "open_edit", {"vendor_id": str(vendor_id)})], classes))
    assert not client.errors, client.errors
    from reflex_base.utils.format import json_dumps  # Reflex's own serializer (what goes over the socket)

    text = json_dumps(tree) + json_dumps([e for e in client.frontend if isinstance(e, dict)])
    assert "Second fleet" in text and "form_creds" in text  # the page really loaded, the edit dialog opened
    return text


class _Capture:
    """An HTTP server that records whatever reaches it (a stand-in for someone else's server)."""

    def __init__(self):
        import http.server
        import threading

        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                n = int(self.headers.get("content-length") or 0)
                seen.append(f"{self.path} {dict(self.headers)} {self.rfile.read(n).decode(errors='replace')}")
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = _any

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.mark.parametrize("vendor_type", ["sungrow", "solarman"])
def test_moving_a_vendor_never_sends_its_stored_secrets_to_the_new_address(demo, live, vendor_type):  # noqa: F811
    """Credentials are write-only: an editor who cannot read them must not be able to have them sent to a
    server of their choosing by changing the vendor's address. The secrets must be typed again."""
    ids = point_vendors_at(live.url)
    accounts = live.accounts()
    secrets = _vendor_secrets({vendor_type: accounts[vendor_type], **accounts})
    secrets = [s for s in secrets if s in accounts[vendor_type]["credentials"].values()]
    capture = _Capture()
    try:
        with TestClient(create_api(), base_url=BASE, headers={"Origin": BASE}) as c:
            assert c.post("/api/login", json={"email": EMAILS["SUPERADMIN"], "password": PASSWORD}).status_code == 200
            vid = ids[vendor_type]
            r = c.patch(f"/api/vendors/{vid}", json={"base_url": capture.url})
            assert r.status_code == 422 and r.json()["field"] == "credentials", r.text
            assert "Missing credential" in r.json()["detail"]
            # with only the non-secret fields given, still nothing secret leaves
            public = {k: v for k, v in accounts[vendor_type]["credentials"].items() if v not in secrets}
            r = c.patch(f"/api/vendors/{vid}", json={"base_url": capture.url, "credentials": public})
            assert r.status_code == 422, r.text
            assert c.get(f"/api/vendors/{vid}").json()["base_url"].startswith(live.url)  # nothing stored
    finally:
        capture.close()
    leaked = [s for s in secrets if any(s in req for req in capture.seen)]
    assert not leaked, f"stored secrets sent to the new address: {len(leaked)}"
    # the owner who types the secrets again can move it (to the real vendor address here)
    with TestClient(create_api(), base_url=BASE, headers={"Origin": BASE}) as c:
        c.post("/api/login", json={"email": EMAILS["SUPERADMIN"], "password": PASSWORD})
        acct = accounts[vendor_type]
        r = c.patch(f"/api/vendors/{ids[vendor_type]}", json={"base_url": acct["base_url"] + "/",
                                                              "credentials": acct["credentials"]})
        assert r.status_code == 200, r.text
