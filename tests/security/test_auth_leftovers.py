"""Auth details the API tests leave out: the cookie's Secure flag follows production mode (not only the explicit
override), and the brute-force throttle cannot be side-stepped by writing the email differently."""
from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient

from woms_app.api.app import create_api
from woms_app.core.config import reset_settings

BASE = "http://localhost:3000"
EMAIL = "ops@sunrise.demo.woms"


@pytest.fixture
def client(demo):
    with TestClient(create_api(), base_url=BASE, headers={"Origin": BASE}) as c:
        yield c


def _attrs(r) -> dict:
    jar = SimpleCookie()
    jar.load(r.headers["set-cookie"])
    m = jar["woms_session"]
    return {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]), "samesite": m["samesite"].lower()}


@pytest.mark.parametrize("env,secure", [({"WOMS_DEMO": "false"}, True), ({"WOMS_DEMO": "true"}, False),
                                        ({"WOMS_DEMO": "false", "WOMS_COOKIE_SECURE": "false"}, False),
                                        ({"WOMS_DEMO": "true", "WOMS_COOKIE_SECURE": "true"}, True)])
def test_cookie_secure_in_production_mode(client, monkeypatch, env, secure):
    monkeypatch.setenv("WOMS_SECRET_KEY", "a-real-production-secret-0123456789")
    monkeypatch.setenv("WOMS_CREDENTIALS_KEY", "UlW8vWnVVk3-0Vvs-pgXPEfd61yLiJPU6VrtsX9DMR8=")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    reset_settings()
    try:
        r = client.post("/api/login", json={"email": EMAIL, "password": "woms-demo-pass"})
        assert r.status_code == 200, r.text
        assert _attrs(r) == {"secure": secure, "httponly": True, "samesite": "lax"}
        out = client.post("/api/logout")  # the clearing cookie carries the same flags
        assert _attrs(out)["secure"] is secure
    finally:
        monkeypatch.undo()
        reset_settings()


def test_throttle_is_not_bypassed_by_email_variants(client):
    variants = [EMAIL, EMAIL.upper(), f"  {EMAIL}", f"{EMAIL}\t", "Ops@Sunrise.Demo.Woms"]
    for v in variants:
        assert client.post("/api/login", json={"email": v, "password": "nope-nope"}).status_code == 401
    for v in variants + [f" {EMAIL.upper()} "]:
        r = client.post("/api/login", json={"email": v, "password": "woms-demo-pass"})
        assert r.status_code == 429, (v, r.status_code)
        assert "set-cookie" not in r.headers
