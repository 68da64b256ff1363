"""The app shell in a real browser: login per role, sidebar, dashboard counts, guards, logout."""
import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, func, select

from tests.e2e.conftest import screenshot, sign_in
from woms_app.core.db import make_engine
from woms_app.models import Organization, Plant, Vendor

SIDEBARS = {
    "admin@demo.woms": ["Dashboard", "Plants", "Work orders", "Alerts", "Vendors", "Notifications", "Organizations",
                        "Accounts", "Audit log"],
    "govt@demo.woms": ["Dashboard", "Plants", "Work orders", "Alerts", "Notifications"],
    "ops@sunrise.demo.woms": ["Dashboard", "Plants", "My work", "Work orders", "Alerts", "Vendors", "Notifications"],
}


@pytest.fixture(scope="module")
def plants_in_db(server):
    """A few plants per organization, written straight to the server's database."""
    engine = make_engine(server.main_url)
    with Session(engine) as s:
        if s.exec(select(func.count(Plant.id))).one() == 0:
            for org in s.exec(select(Organization)).all():
                v = Vendor(org_id=org.id, name=f"{org.name} cloud", vendor_type="solarman", base_url="http://x")
                s.add(v)
                s.flush()
                n = 3 if org.name.startswith("Sunrise") else 2
                for i in range(n):
                    s.add(Plant(org_id=org.id, vendor_id=v.id, external_id=f"e{i}", name=f"{org.name} plant {i + 1}",
                                capacity_kw=250.0))
            s.commit()
        counts = dict(s.exec(select(Organization.name, func.count(Plant.id)).join(Plant, Plant.org_id == Organization.id)
                              .group_by(Organization.name)).all())
    engine.dispose()
    return counts


def _capacity_kw(server, org_name: str | None) -> float:
    engine = make_engine(server.main_url)
    with Session(engine) as s:
        stmt = select(func.coalesce(func.sum(Plant.capacity_kw), 0.0))
        if org_name:
            stmt = stmt.join(Organization, Organization.id == Plant.org_id).where(Organization.name == org_name)
        kw = float(s.exec(stmt).one())
    engine.dispose()
    return kw


def _organizations(server) -> int:
    """Read now: an earlier module may have created an organization (the admin journey does)."""
    engine = make_engine(server.main_url)
    with Session(engine) as s:
        n = s.exec(select(func.count(Organization.id))).one()
    engine.dispose()
    return n


@pytest.mark.parametrize("email", list(SIDEBARS))
def test_each_role_sees_its_sidebar_and_dashboard(new_page, server, email, plants_in_db):
    for scheme in ("light", "dark"):
        page = new_page(scheme)
        sign_in(page, email)
        # (the Alerts entry may carry the live count of unacknowledged alerts: a number, not a page)
        nav = [t.strip() for t in page.inner_text("[data-testid=sidebar-nav]").split("\n")
               if t.strip() and not t.strip().rstrip("+").isdigit()]
        assert nav == SIDEBARS[email]
        expected = sum(plants_in_db.values()) if "sunrise" not in email else plants_in_db["Sunrise Energy"]
        page.wait_for_function(f"document.querySelector('[data-testid=metric-plants]').innerText == '{expected}'")
        capacity = page.inner_text("[data-testid=metric-capacity]")
        # read now: other modules add plants too (a sync brings the emulator's plants, of various sizes)
        kw = _capacity_kw(server, None if "sunrise" not in email else "Sunrise Energy")
        assert capacity == (f"{kw / 1000:,.2f} MWp" if kw >= 1000 else f"{kw:,.1f} kWp")
        if "sunrise" in email:
            assert page.locator("[data-testid=org-breakdown]").count() == 0
        else:
            assert page.locator("[data-testid=org-breakdown] tbody tr").count() == _organizations(server)
        screenshot(page, f"dashboard-{email.split('@')[0]}-{scheme}")


def test_wrong_password_shows_an_error(new_page):
    page = new_page()
    sign_in(page, "ops@sunrise.demo.woms", "not-the-password", expect_ok=False)
    err = page.wait_for_selector("[data-testid=login-error]")
    assert "Invalid email or password" in err.inner_text()
    assert "/login" in page.url
    screenshot(page, "login-error")


def test_signed_out_visit_lands_on_login(new_page):
    page = new_page()
    page.goto("/plants/")
    page.wait_for_url(re.compile(r"/login/?$"))
    expect(page.locator("#login-email")).to_be_visible()  # waits for the page to render (the URL changes first)
    assert page.locator("[data-testid=plant-row]").count() == 0


def test_after_logout_back_shows_no_data(new_page, plants_in_db):
    page = new_page()
    sign_in(page, "govt@demo.woms")
    page.goto("/plants/")
    page.wait_for_selector("[data-testid=plant-row]")
    page.click("[data-testid=logout]")
    page.wait_for_url(re.compile(r"/login/?$"))
    page.go_back()
    page.wait_for_timeout(1500)
    assert page.locator("[data-testid=plant-row]").count() == 0
    page.wait_for_url(re.compile(r"/login/?$"))
    # and the cookie is gone: the API refuses too
    assert page.request.get("/api/me").status == 401


def test_websocket_refuses_a_foreign_origin(server):
    import socket
    from urllib.parse import urlparse

    port = urlparse(server.url).port

    def handshake(origin: str) -> str:
        req = (f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost:{port}\r\n"
               "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: {origin}\r\n\r\n")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(req.encode())
            return sock.recv(200).decode(errors="replace").split("\r\n", 1)[0]

    assert " 403 " in handshake("https://evil.example") + " "
    assert " 101 " in handshake(server.url) + " "


def test_pages_carry_security_headers(server):
    import httpx

    for path in ("/login/", "/", "/plants/"):
        r = httpx.get(f"{server.url}{path}", timeout=10)
        assert r.status_code == 200, path
        assert r.headers.get("x-content-type-options") == "nosniff", path
        assert r.headers.get("x-frame-options") == "DENY", path
        assert r.headers.get("referrer-policy") == "same-origin", path
