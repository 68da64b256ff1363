"""The vendors page's quota panel in a real browser: calls used, allowance left, the projected run-out date,
the plan, each plant's data lag, and a Sync now refused for overspending (the reason shown); desktop + phone."""
from __future__ import annotations

import re
from datetime import timedelta

import httpx
from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.e2e.conftest import DEMO_PASSWORD, screenshot, sign_in
from woms_app.core.clock import utcnow
from woms_app.core.db import make_engine
from woms_app.models import Vendor


def _sync_both(server) -> None:
    """A first sync of each demo vendor through the server's API (the tests run without the scheduler)."""
    with httpx.Client(base_url=server.url, timeout=120) as c:
        assert c.post("/api/login", json={"email": "admin@demo.woms", "password": DEMO_PASSWORD}).status_code == 200
        # the demo vendors only: other modules on this session's server add paused vendors without credentials
        for v in (v for v in c.get("/api/vendors").json()["items"] if v["status"] != "PAUSED"):
            r = c.post(f"/api/vendors/{v['id']}/sync")
            assert r.status_code == 200 and r.json()["status"] == "succeeded", r.text


def _set_quota(server, name: str, *, calls: int, used: int, period: str, started_days_ago: int) -> None:
    engine = make_engine(server.main_url)
    now = utcnow()
    with Session(engine) as s:
        v = s.exec(select(Vendor).where(Vendor.name == name)).one()
        v.quota_calls, v.quota_calls_used, v.quota_period, v.quota_source = calls, used, period, "configured"
        v.quota_period_start = now - timedelta(days=started_days_ago)
        v.quota_used_since = v.quota_period_start if period == "year" else now.replace(hour=0, minute=0, second=0)
        v.quota_checked_at = now
        s.add(v)
        s.commit()
    engine.dispose()


def test_quota_panel_and_the_refused_sync(server, browser):
    _sync_both(server)
    # a free-plan SOLARMAN account 200 days into its year; a Sungrow account with 5 calls left today
    _set_quota(server, "Sunrise SOLARMAN", calls=200_000, used=120_000, period="year", started_days_ago=200)
    _set_quota(server, "Helios iSolarCloud", calls=100, used=95, period="day", started_days_ago=0)
    shots = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
    for label, viewport in shots.items():
        ctx = browser.new_context(viewport=viewport, base_url=server.url)
        ctx.set_default_timeout(15_000)
        page = ctx.new_page()
        try:
            sign_in(page, "admin@demo.woms")
            page.goto("/vendors/")
            cards = page.get_by_test_id("quota-card")
            # one card per vendor: the two demo vendors, and the paused ones other modules add on this server
            expect(cards.filter(has_text="Sunrise SOLARMAN")).to_have_count(1)
            expect(cards.filter(has_text="Helios iSolarCloud")).to_have_count(1)
            sm = cards.filter(has_text="Sunrise SOLARMAN")
            expect(sm.get_by_test_id("quota-allowance")).to_contain_text("200,000 calls per year")
            expect(sm.get_by_test_id("quota-used")).to_have_text(re.compile(r"^12\d,\d{3}$"))
            expect(sm.get_by_test_id("quota-left")).to_have_text(re.compile(r"^[78]\d,\d{3}$"))
            expect(sm.get_by_test_id("quota-runs-out")).to_have_text(re.compile(r"^20\d\d-\d\d-\d\d$"))
            expect(sm.get_by_test_id("quota-projection")).to_contain_text("calls a day")
            expect(sm.get_by_test_id("quota-plan")).to_contain_text("power every")
            # the 5 demo plants (other modules on this session's server may add plants to the same vendor)
            expect(sm.get_by_test_id("plant-lag").nth(4)).to_be_visible()
            sg = cards.filter(has_text="Helios iSolarCloud")
            if label == "desktop":
                # Sync now of the Sungrow account needs more calls than the 5 left: not started, reason shown
                page.locator("[data-testid=vendor-row]", has_text="Helios iSolarCloud").get_by_test_id(
                    "sync-now").click()
            expect(sg.get_by_test_id("quota-refused")).to_contain_text("Not started", timeout=20_000)
            expect(sg.get_by_test_id("quota-refused")).to_contain_text("of 100 left")
            page.get_by_test_id("quota-panel").scroll_into_view_if_needed()
            screenshot(page, f"vendors-quota-panel-{label}")
        finally:
            ctx.close()
