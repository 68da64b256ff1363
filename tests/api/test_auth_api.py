"""POST /api/login, /api/logout, GET /api/me — real app, real database."""
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.api.conftest import login
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import Account, AuditLog, AuthSession, Organization, Plant
from woms_app.services.seed import DEMO_ACCOUNTS


def _cookie_attrs(resp):
    raw = resp.headers["set-cookie"]
    parts = [p.strip() for p in raw.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {p.split("=")[0].lower(): (p.split("=", 1)[1] if "=" in p else True) for p in parts[1:]}
    return name, value, attrs


def test_login_sets_hardened_cookie_and_me_works(client):
    r = login(client, "ops@sunrise.demo.woms")
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "ORG" and r.json()["org_name"] == "Sunrise Energy"
    assert "password" not in r.text and "hash" not in r.text
    name, value, attrs = _cookie_attrs(r)
    assert name == "woms_session" and value.count(".") == 2  # a JWT
    assert attrs.get("httponly") is True
    assert attrs.get("samesite", "").lower() == "lax"
    assert attrs.get("path") == "/"
    assert attrs.get("max-age") == str(12 * 3600)
    assert "secure" not in attrs  # demo mode; production sets Secure (test below)
    me = client.get("/api/me")
    assert me.status_code == 200 and me.json()["email"] == "ops@sunrise.demo.woms"


def test_secure_cookie_outside_demo(client, monkeypatch):
    from woms_app.core.config import reset_settings

    monkeypatch.setenv("WOMS_COOKIE_SECURE", "true")
    reset_settings()
    try:
        _, _, attrs = _cookie_attrs(login(client, "govt@demo.woms"))
        assert attrs.get("secure") is True
    finally:
        monkeypatch.undo()
        reset_settings()


def test_email_is_case_insensitive(client):
    assert login(client, "  OPS@Helios.Demo.WOMS ").status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(client):
    bad = login(client, "ops@sunrise.demo.woms", "wrong-password")
    unknown = login(client, "nobody@demo.woms", "wrong-password")
    assert bad.status_code == unknown.status_code == 401
    assert bad.json() == unknown.json() == {"detail": "Invalid email or password"}
    assert "set-cookie" not in bad.headers
    assert client.get("/api/me").status_code == 401


def test_unknown_email_costs_as_much_as_a_wrong_password(client, monkeypatch):
    # with a realistic cost the two paths must take about the same time
    from woms_app.core import security
    from woms_app.core.config import reset_settings

    monkeypatch.setenv("WOMS_BCRYPT_ROUNDS", "10")
    reset_settings()
    security._DUMMY_HASH = None
    with main_session(SYSTEM_CONTEXT) as s:
        acc = s.exec(select(Account).where(Account.email == "ops@helios.demo.woms")).one()
        acc.password_hash = security.hash_password("woms-demo-pass")
        s.add(acc)

    def timed(email):
        t = time.perf_counter()
        login(client, email, "wrong-password-x")
        return time.perf_counter() - t

    timed("nobody@demo.woms")  # warm the dummy hash
    known, unknown = [], []
    for i in range(4):  # interleaved, best of each: robust to a busy machine
        known.append(timed("ops@helios.demo.woms"))
        unknown.append(timed(f"nobody{i}@demo.woms"))
    # skipping bcrypt for unknown emails would make this ratio ~0.01; equal work keeps it near 1
    assert 0.25 < min(unknown) / min(known) < 4.0, (known, unknown)
    monkeypatch.undo()
    reset_settings()
    security._DUMMY_HASH = None


def test_throttle_after_five_failures_even_with_right_password(client):
    email = "ops@sunrise.demo.woms"
    for _ in range(5):
        assert login(client, email, "nope-nope").status_code == 401
    r = login(client, email)  # the right password, 6th attempt
    assert r.status_code == 429
    retry = int(r.headers["retry-after"])
    assert 0 < retry <= 15 * 60
    assert "set-cookie" not in r.headers
    # other accounts are not affected
    assert login(client, "ops@helios.demo.woms").status_code == 200
    # after the window passes, the right password works again
    clock.freeze(clock.utcnow() + timedelta(minutes=15, seconds=1))
    try:
        assert login(client, email).status_code == 200
    finally:
        clock.freeze(None)


def test_inactive_account_cannot_log_in(client):
    with main_session(SYSTEM_CONTEXT) as s:
        acc = s.exec(select(Account).where(Account.email == "ops@helios.demo.woms")).one()
        acc.is_active = False
        s.add(acc)
    r = login(client, "ops@helios.demo.woms")
    assert r.status_code == 403 and "deactivated" in r.json()["detail"]
    assert "set-cookie" not in r.headers


def test_deactivation_ends_live_sessions(client):
    assert login(client, "ops@helios.demo.woms").status_code == 200
    assert client.get("/api/me").status_code == 200
    with main_session(SYSTEM_CONTEXT) as s:
        acc = s.exec(select(Account).where(Account.email == "ops@helios.demo.woms")).one()
        acc.is_active = False
        s.add(acc)
    assert client.get("/api/me").status_code == 401


def test_logout_revokes_the_session_row(client):
    assert login(client, "admin@demo.woms").status_code == 200
    token = client.cookies.get("woms_session")
    r = client.post("/api/logout")
    assert r.status_code == 204
    assert 'woms_session=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    # replaying the old token after logout is refused: the row is revoked
    client.cookies.set("woms_session", token)
    assert client.get("/api/me").status_code == 401
    with main_session(SYSTEM_CONTEXT) as s:
        assert all(row.revoked_at is not None for row in s.exec(select(AuthSession)).all())


def test_expired_session_refused(client):
    assert login(client, "admin@demo.woms").status_code == 200
    clock.freeze(clock.utcnow() + timedelta(hours=13))
    try:
        assert client.get("/api/me").status_code == 401
    finally:
        clock.freeze(None)


def test_tampered_cookie_refused(client):
    assert login(client, "admin@demo.woms").status_code == 200
    token = client.cookies.get("woms_session")
    client.cookies.set("woms_session", token[:-3] + "abc")
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize("body,reason", [
    ('{"email": "a@b.c"}', "password"),
    ('{"password": "x"}', "email"),
    ("not json", "JSON"),
    ('{"email": 5, "password": []}', "email"),
])
def test_bad_json_is_422_with_a_reason(client, body, reason):
    r = client.post("/api/login", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert reason.lower() in r.json()["detail"].lower()


@pytest.mark.parametrize("email", ["' OR '1'='1", "admin@demo.woms' --", "x\"; DROP TABLE accounts; --"])
def test_sql_injection_looking_emails_are_just_wrong_emails(client, email):
    r = login(client, email, "' OR '1'='1")
    assert r.status_code == 401
    with main_session(SYSTEM_CONTEXT) as s:
        assert len(s.exec(select(Account)).all()) == len(DEMO_ACCOUNTS)  # the accounts table is intact


def test_login_and_logout_are_audited(client):
    login(client, "ops@sunrise.demo.woms")
    client.post("/api/logout")
    with main_session(SYSTEM_CONTEXT) as s:
        actions = [a.action for a in s.exec(select(AuditLog).order_by(AuditLog.id)).all()]
    assert actions[-2:] == ["login", "logout"]


def test_foreign_origin_post_refused(client):
    r = client.post("/api/login", json={"email": "admin@demo.woms", "password": "woms-demo-pass"},
                    headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "set-cookie" not in r.headers
    ok = client.post("/api/login", json={"email": "admin@demo.woms", "password": "woms-demo-pass"},
                     headers={"Origin": "http://localhost:3000"})
    assert ok.status_code == 200


def test_security_headers(client):
    r = client.get("/api/me")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"


def test_dashboard_counts_are_scoped(client):
    with main_session(SYSTEM_CONTEXT) as s:
        orgs = {o.name: o.id for o in s.exec(select(Organization)).all()}
        from woms_app.models import Vendor

        for org_name, n in (("Sunrise Energy", 3), ("Helios Power", 2)):
            v = Vendor(org_id=orgs[org_name], name="V", vendor_type="solarman", base_url="http://x")
            s.add(v)
            s.flush()
            for i in range(n):
                s.add(Plant(org_id=orgs[org_name], vendor_id=v.id, external_id=f"e{i}", name=f"{org_name} {i}",
                            capacity_kw=100.0 * (i + 1)))
    assert client.get("/api/dashboard").status_code == 401
    login(client, "ops@sunrise.demo.woms")
    d = client.get("/api/dashboard").json()
    assert d["plants"] == 3 and d["capacity_kw"] == 600.0
    assert [o["org_name"] for o in d["organizations"]] == ["Sunrise Energy"]
    client.post("/api/logout")
    login(client, "govt@demo.woms")
    d = client.get("/api/dashboard").json()
    assert d["plants"] == 5 and len(d["organizations"]) == 2
    with main_session(SYSTEM_CONTEXT) as s:  # GOVT reads are audited
        assert s.exec(select(AuditLog).where(AuditLog.role == "GOVT", AuditLog.action == "read")).first() is not None


def test_one_address_trying_many_accounts_is_throttled(client):
    # 20 failures from one client address, each for a different email (never 5 for one email)
    for i in range(20):
        assert login(client, f"guess{i}@demo.woms", "nope-nope").status_code == 401
    r = login(client, "ops@sunrise.demo.woms")  # even a real account with the right password
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
