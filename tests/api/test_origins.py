"""Which addresses the app answers as its own: in demo mode every loopback spelling on the served port, otherwise
the configured origin(s) only; a refused address is told which one to open (api/origin.py, the write guard)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from woms_app.api.app import create_api
from woms_app.core.config import reset_settings

ROOT = Path(__file__).resolve().parents[2]
FERNET_KEY = "UlW8vWnVVk3-0Vvs-pgXPEfd61yLiJPU6VrtsX9DMR8="
LOGIN = {"email": "ops@sunrise.demo.woms", "password": "woms-demo-pass"}


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("WOMS_DEMO", "false")
    monkeypatch.setenv("WOMS_SECRET_KEY", "a-production-secret-of-32-bytes-or-more")
    monkeypatch.setenv("WOMS_CREDENTIALS_KEY", FERNET_KEY)
    monkeypatch.setenv("WOMS_PUBLIC_ORIGIN", "https://woms.example.org, https://ops.example.org/")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def _post_login(origin: str):
    with TestClient(create_api(), base_url="http://localhost:3000") as c:
        return c.post("/api/login", json=LOGIN, headers={"Origin": origin})


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"])
def test_demo_accepts_every_loopback_spelling_on_its_port(demo, origin):
    assert _post_login(origin).status_code == 200


@pytest.mark.parametrize("origin", ["http://127.0.0.1:3001", "http://evil.example", "http://localhost.evil:3000"])
def test_demo_refuses_other_origins_and_says_where_to_go(demo, origin):
    r = _post_login(origin)
    assert r.status_code == 403
    assert r.json() == {"detail": "Cross-origin request refused: open WOMS at http://localhost:3000", "field": "origin"}


def test_outside_demo_only_the_configured_origins(demo, production):
    assert _post_login("https://woms.example.org").status_code == 200
    assert _post_login("https://ops.example.org").status_code == 200
    for foreign in ("http://127.0.0.1:3000", "http://localhost:3000", "http://woms.example.org"):
        r = _post_login(foreign)
        assert r.status_code == 403 and "open WOMS at https://woms.example.org" in r.json()["detail"]


def _origin_js() -> tuple[list[str], str]:
    with TestClient(create_api(), base_url="http://localhost:3000") as c:
        r = c.get("/api/origin.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    first = r.text.split("var accepted = ", 1)[1]
    accepted, rest = first.split(", home = ", 1)
    return json.loads(accepted), json.loads(rest.split(";", 1)[0])


def test_the_page_script_knows_the_accepted_origins(production):
    assert _origin_js() == (["https://woms.example.org", "https://ops.example.org"], "https://woms.example.org")


def test_the_page_script_in_demo_mode():
    accepted, home = _origin_js()
    assert home == "http://localhost:3000"
    assert set(accepted) == {"http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"}


def test_the_websocket_accepts_the_same_origins(tmp_path):
    """rxconfig hands Reflex (CORS and the socket's Origin check) the very same list."""
    code = "import rxconfig, json; print(json.dumps(list(rxconfig.config.cors_allowed_origins)))"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WOMS_DEMO": "true", "WOMS_PORT": "3100",
           "WOMS_SECRET_KEY": "test-secret-key-0123456789abcdef", "REFLEX_TELEMETRY_ENABLED": "false"}
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert set(json.loads(r.stdout.strip().splitlines()[-1])) == {
        "http://localhost:3000", "http://localhost:3100", "http://127.0.0.1:3100", "http://[::1]:3100"}
