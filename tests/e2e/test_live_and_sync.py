"""Live push and Sync now in real browsers: progress across browsers, an alert of org A reaches A and GOVT
within a second and never org B; the vendors page in both themes; GOVT refused. Alerts that get attention: a new
critical alert of org A raises a toast and the sidebar count on A's open pages (and GOVT's), never on org B's;
acknowledging it (with a note) shows who and when live in every open alerts list and lowers the count; taking it
back raises it again. (These tests sync Sunrise: they run after test_every_page, which wants it unsynced.)"""
from __future__ import annotations

import time
import uuid

from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.e2e.conftest import screenshot, sign_in
from woms_app.core.db import make_engine
from woms_app.models import Vendor

SUNRISE_VENDOR = "Sunrise SOLARMAN"


def vendor_id(server, name: str) -> int:
    engine = make_engine(server.main_url)
    with Session(engine) as s:
        vid = s.exec(select(Vendor.id).where(Vendor.name == name)).one()
    engine.dispose()
    return vid


def row(page, name: str):
    return page.locator("[data-testid=vendor-row]", has_text=name)


def test_sync_now_progress_across_browsers_and_live_alerts(server, emulator, new_page):
    emulator.admin("POST", "/reset")
    emulator.admin("POST", "/config", json={"latency_s": 0.12})  # a sync of a few seconds: progress is visible
    try:
        ops_a = new_page()
        sign_in(ops_a, "ops@sunrise.demo.woms")
        admin = new_page("dark")
        sign_in(admin, "admin@demo.woms")
        for p in (ops_a, admin):
            p.goto("/vendors/")
            expect(row(p, SUNRISE_VENDOR)).to_be_visible()

        # Sync now in A's browser: progress bar here, and the button disabled in the admin's browser too
        row(ops_a, SUNRISE_VENDOR).get_by_test_id("sync-now").click()
        expect(row(ops_a, SUNRISE_VENDOR).get_by_test_id("sync-progress")).to_be_visible(timeout=5000)
        expect(row(admin, SUNRISE_VENDOR).get_by_test_id("sync-now")).to_be_disabled(timeout=5000)
        expect(row(admin, SUNRISE_VENDOR).get_by_test_id("sync-progress-label")).to_contain_text("/ 5 plants")
        screenshot(ops_a, "vendors-sync-progress-light")
        expect(ops_a.get_by_test_id("sync-outcome-status")).to_have_text("Succeeded", timeout=30_000)
        expect(ops_a.get_by_test_id("plant-outcome")).to_have_count(5)
        expect(row(ops_a, SUNRISE_VENDOR).get_by_test_id("vendor-plants")).to_have_text("5")
        expect(row(ops_a, SUNRISE_VENDOR).get_by_test_id("last-run-badge")).to_have_text("Succeeded")
        # the admin's browser learns the outcome live, without reload
        expect(row(admin, SUNRISE_VENDOR).get_by_test_id("sync-now")).to_be_enabled(timeout=5000)
        expect(row(admin, SUNRISE_VENDOR).get_by_test_id("last-run-badge")).to_have_text("Succeeded")
        screenshot(ops_a, "vendors-sync-done-light")
        screenshot(admin, "vendors-superadmin-dark")
        emulator.admin("POST", "/config", json={"latency_s": 0.0})

        # three alert feeds open: org A, org B, GOVT
        ops_b = new_page()
        sign_in(ops_b, "ops@helios.demo.woms")
        govt = new_page("dark")
        sign_in(govt, "govt@demo.woms")
        for p in (ops_a, ops_b, govt):
            p.goto("/alerts/")
            expect(p.get_by_test_id("page-title")).to_have_text("Alerts")
            p.wait_for_function("document.querySelector('[data-testid=live-marker]') !== null")
        title = f"Injected Live Fault {uuid.uuid4().hex[:6]}"
        emulator.admin("POST", "/alerts", json={"vendor": "solarman", "plant_id": 61200003, "severity": "critical",
                                                "name": title})
        vid = vendor_id(server, SUNRISE_VENDOR)
        r = ops_a.request.post(f"/api/vendors/{vid}/sync")
        assert r.ok and r.json()["alerts_new"] >= 1, r.text()
        synced = time.monotonic()
        for p in (ops_a, govt):
            expect(p.locator("[data-testid=alert-row]", has_text=title)).to_be_visible(timeout=1000)
        assert time.monotonic() - synced < 1.5  # both within a second of the commit (+ assertion overhead)
        ops_b.wait_for_timeout(1200)
        expect(ops_b.locator("[data-testid=alert-row]", has_text=title)).to_have_count(0)
        assert title not in ops_b.content()
        screenshot(ops_a, "alerts-live-org-a-light")
        screenshot(govt, "alerts-live-govt-dark")
    finally:
        emulator.admin("POST", "/config", json={"latency_s": 0.0})


def test_bad_credentials_show_the_reason_and_govt_is_refused(server, emulator, new_page):
    page = new_page("dark")
    sign_in(page, "ops@helios.demo.woms")
    page.goto("/vendors/")
    page.get_by_test_id("add-vendor").click()
    page.get_by_test_id("vendor-name").fill("Second cloud")
    # the type select defaults to the first registered type (solarman); point it at the emulator
    page.get_by_test_id("vendor-url").fill(emulator.url + "/solarman")
    for field, value in (("app_id", "1"), ("app_secret", "s"), ("account", "a@b.c"), ("password", "wrong-password")):
        page.get_by_test_id(f"cred-{field}").fill(value)
    page.get_by_test_id("vendor-save").click()
    expect(page.get_by_test_id("vendor-form-error")).to_contain_text("Credentials rejected", timeout=10_000)
    assert page.get_by_test_id("cred-password").get_attribute("type") == "password"
    screenshot(page, "vendors-bad-credentials-dark")
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=vendor-row]", has_text="Second cloud")).to_have_count(0)

    govt = new_page()
    sign_in(govt, "govt@demo.woms")
    expect(govt.get_by_test_id("nav-vendors")).to_have_count(0)
    govt.goto("/vendors/")
    expect(govt.get_by_text("not available to government observers").first).to_be_visible()
    expect(govt.get_by_test_id("vendor-row")).to_have_count(0)
    expect(govt.get_by_test_id("add-vendor")).to_have_count(0)
    assert govt.request.get("/api/vendors").status == 403


def badge(page) -> int:
    loc = page.get_by_test_id("nav-alerts-badge")
    return int(loc.inner_text()) if loc.count() else 0


def test_new_critical_alert_toasts_counts_and_is_acknowledged_live(server, emulator, new_page):
    # no emulator reset here: it restarts the emulator's alert ids, and a reused id is not a new alert
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
    screenshot(ops_a, "alert-ack-dialog-sunrise")
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
    ops_a.set_viewport_size({"width": 390, "height": 844})
    screenshot(ops_a, "alerts-acknowledged-sunrise-phone")
    ops_a.set_viewport_size({"width": 1400, "height": 900})

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
