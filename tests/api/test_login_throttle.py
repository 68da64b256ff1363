"""Login throttling cannot be turned into a lockout of someone else: failures count per (email, client address),
and the client address comes from X-Forwarded-For only when the TCP peer is a trusted proxy (WOMS_TRUSTED_PROXIES)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from woms_app.api.app import create_api
from woms_app.core.config import reset_settings
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models.org import LoginAttempt

OWNER = "ops@sunrise.demo.woms"
PASSWORD = "woms-demo-pass"
ATTACKER, OWNER_HOME = "203.0.113.7", "198.51.100.20"
PROXY = "10.1.2.3"


@contextmanager
def peer(address: str):
    with TestClient(create_api(), base_url="http://localhost:3000", client=(address, 40000)) as c:
        yield c


def _login(c, password, xff=None):
    headers = {"X-Forwarded-For": xff} if xff else {}
    return c.post("/api/login", json={"email": OWNER, "password": password}, headers=headers)


@pytest.fixture
def trusted_proxies(monkeypatch):
    monkeypatch.setenv("WOMS_TRUSTED_PROXIES", f"10.0.0.0/8, {PROXY}")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def _recorded_addresses() -> set[str]:
    with main_session(SYSTEM_CONTEXT) as s:
        return set(s.exec(select(LoginAttempt.ip)).all())


def test_a_flood_from_one_address_does_not_lock_the_owner_out_from_another(demo):
    with peer(ATTACKER) as attacker, peer(OWNER_HOME) as owner:
        for _ in range(5):
            assert _login(attacker, "wrong-password").status_code == 401
        # the attacker is slowed for this email, even with the right password
        r = _login(attacker, PASSWORD)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        # the owner, from home, signs in at once
        r = _login(owner, PASSWORD)
        assert r.status_code == 200, r.text
        # and the owner's success does not clear the attacker's failures
        assert _login(attacker, PASSWORD).status_code == 429


def test_a_spoofed_forwarded_for_is_ignored_without_trusted_proxies(demo):
    """The attacker names the owner's address in X-Forwarded-For: it is not believed (no trusted proxy), so the
    failures count under the attacker's own address and the owner's address stays clean."""
    with peer(ATTACKER) as attacker, peer(OWNER_HOME) as owner:
        for _i in range(5):
            assert _login(attacker, "wrong-password", xff=OWNER_HOME).status_code == 401
        assert _recorded_addresses() == {ATTACKER}
        assert _login(attacker, PASSWORD, xff=f"192.0.2.{9}").status_code == 429  # a new spoof does not help
        assert _login(owner, PASSWORD).status_code == 200


def test_forwarded_for_is_honoured_from_a_trusted_proxy(demo, trusted_proxies):
    """Behind the proxy every request has the proxy's peer address; the client's own address (the proxy appends
    it, rightmost) is what counts. A spoofed entry the client put in front of it changes nothing."""
    with peer(PROXY) as via_proxy:
        for i in range(5):
            r = _login(via_proxy, "wrong-password", xff=f"192.0.2.{i}, {ATTACKER}")
            assert r.status_code == 401
        assert _recorded_addresses() == {ATTACKER}
        assert _login(via_proxy, PASSWORD, xff=f"192.0.2.77, {ATTACKER}").status_code == 429
        # the owner comes through the same proxy (and a second, internal one) from home
        r = _login(via_proxy, PASSWORD, xff=f"{OWNER_HOME}, 10.9.9.9")
        assert r.status_code == 200, r.text
    # a peer that is not a trusted proxy cannot use the header even with the setting on
    with peer(OWNER_HOME) as direct:
        for _ in range(5):
            _login(direct, "wrong-password", xff=ATTACKER)
    assert _recorded_addresses() == {ATTACKER, OWNER_HOME}


def test_trusted_proxies_setting_is_validated(monkeypatch):
    from woms_app.core.config import Settings

    with pytest.raises(ValueError, match="WOMS_TRUSTED_PROXIES: 'proxy.local' is not an IP address or CIDR"):
        Settings(_env_file=None, trusted_proxies="10.0.0.0/8, proxy.local")
    assert [str(n) for n in Settings(_env_file=None, trusted_proxies="10.0.0.0/8,::1").trusted_proxy_networks] == \
        ["10.0.0.0/8", "::1/128"]
