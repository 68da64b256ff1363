"""Alerts that get attention, in real browsers: a new critical alert of org A raises a toast and the sidebar count
on A's open pages (and GOVT's), never on org B's; acknowledging it (with a note) shows who and when live in every
open alerts list and lowers the count; taking it back raises it again."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_live_and_sync import SUNRISE_VENDOR, vendor_id


def badge(page) -> int:
    loc = page.get_by_test_id("nav-alerts-badge")
    return int(loc.inner_text()) if loc.count() else 0


def test_new_critical_alert_toasts_counts_and_is_acknowledged_live(server, emulator, new_page):
    emulator.admin("POST", "/reset")
    ops_a, govt, ops_b = new_page(), new_page("dark"), new_page()
    sign_in(ops_a, "ops@sunrise.demo.woms")
    sign_in(govt, "govt@demo.woms")
    sign_in(ops_b, "ops@helios.demo.woms")
    ops_a.goto("/plants/")
    govt.goto("/alerts/")
    ops_b.goto("/plants/")
    for p in (ops_a, govt, ops_b):
        p.wait_for_function("document.querySelector('[data-testid=attention-marker]') !== null")
    ops_a.wait_for_timeout(500)
    before_a, before_b = badge(ops_a), badge(ops_b)

    title = f"Ground fault e2e {uuid.uuid4().hex[:6]}"
    emulator.admin("POST", "/alerts", json={"vendor": "solarman", "plant_id": 61200003, "severity": "critical",
                                            "name": title})
    r = ops_a.request.post(f"/api/vendors/{vendor_id(server, SUNRISE_VENDOR)}/sync")
    assert r.ok and r.json()["alerts_new"] >= 1, r.text()

    # org A, on another page: a toast with the title and one more in the sidebar count; GOVT too
    for p in (ops_a, govt):
        expect(p.locator("[data-sonner-toast]", has_text=title)).to_be_visible(timeout=5000)
    expect(ops_a.get_by_test_id("nav-alerts-badge")).to_have_text(str(before_a + 1))
    screenshot(ops_a, "alert-toast-and-badge-sunrise")
    # org B: nothing
    ops_b.wait_for_timeout(1000)
    assert title not in ops_b.content() and badge(ops_b) == before_b

    # acknowledge from A's alerts list with a note; GOVT's list shows it live, without write controls
    ops_a.goto("/alerts/")
    row_a = ops_a.locator("[data-testid=alert-row]", has_text=title)
    row_a.get_by_test_id("alert-ack").click()
    ops_a.get_by_test_id("alert-ack-note-input").fill("Technician on site at 14:00")
    ops_a.get_by_test_id("alert-ack-confirm").click()
    expect(row_a.get_by_test_id("alert-acked-by")).to_have_text("ops@sunrise.demo.woms")
    expect(row_a.get_by_test_id("alert-ack-note")).to_have_text("Technician on site at 14:00")
    if before_a:
        expect(ops_a.get_by_test_id("nav-alerts-badge")).to_have_text(str(before_a))
    else:
        expect(ops_a.get_by_test_id("nav-alerts-badge")).to_have_count(0)
    row_g = govt.locator("[data-testid=alert-row]", has_text=title)
    expect(row_g.get_by_test_id("alert-acked-by")).to_have_text("ops@sunrise.demo.woms", timeout=3000)
    expect(row_g.get_by_test_id("alert-unack")).to_have_count(0)
    expect(govt.get_by_test_id("alert-ack")).to_have_count(0)
    screenshot(ops_a, "alerts-acknowledged-sunrise-light")
    screenshot(govt, "alerts-acknowledged-govt-dark")

    # the filter: not acknowledged hides it
    ops_a.get_by_test_id("alert-filter-ack").click()
    ops_a.get_by_role("option", name="Not acknowledged").click()
    expect(ops_a.locator("[data-testid=alert-row]", has_text=title)).to_have_count(0)
    ops_a.get_by_test_id("alert-filter-ack").click()
    ops_a.get_by_role("option", name="Acknowledged", exact=True).click()
    expect(row_a).to_be_visible()

    # taken back: the count is up again, in GOVT's list too
    row_a.get_by_test_id("alert-unack").click()
    expect(row_a).to_have_count(0)  # the list is filtered to acknowledged ones
    expect(ops_a.get_by_test_id("nav-alerts-badge")).to_have_text(str(before_a + 1))
    expect(row_g.get_by_test_id("alert-acked-by")).to_have_count(0, timeout=3000)
