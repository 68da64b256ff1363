"""Plants, plant detail, dashboard production view and administration in a real browser:
tenant isolation by URL, the telemetry chart with inserted readings, admin creates an organization and an
account that can then sign in, non-admins are sent away from /admin/*, screenshots of every page in both themes."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from tests.e2e.conftest import screenshot, sign_in
from woms_app.core.db import make_engine
from woms_app.models import Alert, AlertSeverity, Organization, Plant, TelemetryReading, Vendor


@pytest.fixture(scope="module")
def tel_plants(server):
    """One plant per demo organization with 24 h of 5-minute readings (a two-hour hole) for the Sunrise plant."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    engine = make_engine(server.main_url)
    ids = {}
    with Session(engine) as s:
        for key, org_name, tz in (("sunrise", "Sunrise Energy", "Asia/Kolkata"), ("helios", "Helios Power",
                                                                                  "Europe/Berlin")):
            org = s.exec(select(Organization).where(Organization.name == org_name)).one()
            vendor = s.exec(select(Vendor).where(Vendor.org_id == org.id)).first()
            p = Plant(org_id=org.id, vendor_id=vendor.id, external_id=f"e2e-tel-{key}", name=f"{org_name} Telemetry",
                      capacity_kw=250.0, latitude=12.97, longitude=77.59, timezone=tz,
                      current_power_kw=120.5 if key == "sunrise" else None,
                      daily_energy_mwh=0.8 if key == "sunrise" else None,
                      last_reading_at=now - timedelta(minutes=2) if key == "sunrise" else None)
            s.add(p)
            s.flush()
            ids[key] = (p.id, org.id)
            if key == "sunrise":
                s.add(Alert(org_id=org.id, plant_id=p.id, vendor_id=vendor.id, external_id="e2e-alert",
                            title="Inverter 2 string fault", severity=AlertSeverity.MAJOR,
                            started_at=now - timedelta(hours=1)))
        s.commit()
    engine.dispose()
    tengine = make_engine(server.telemetry_url)
    pid, oid = ids["sunrise"]
    with Session(tengine) as t:
        for i in range(288):
            if 100 <= i < 124:
                continue
            ts = now - timedelta(minutes=5 * (287 - i))
            t.add(TelemetryReading(plant_id=pid, org_id=oid, ts=ts, generation_power_kw=50.0 + (i % 48),
                                   voltage_v=600.0 + i % 10, current_a=8.0, module_temperature_c=31.0))
        t.flush()
        # as the sync does after each upsert: the plant's and its organization's 15-minute buckets (fleet curve)
        from woms_app.services.telemetry import refresh_power_buckets

        refresh_power_buckets(t, pid, oid, now - timedelta(minutes=5 * 287), now)
        t.commit()
    tengine.dispose()
    return {k: v[0] for k, v in ids.items()}


def test_org_cannot_open_another_orgs_plant_by_url(new_page, tel_plants):
    page = new_page()
    sign_in(page, "ops@sunrise.demo.woms")
    for pid in (tel_plants["helios"], 987654):
        page.goto(f"/plants/{pid}/")
        page.wait_for_selector("[data-testid=plant-not-found]")
        assert page.locator("[data-testid=plant-name]").count() == 0
        assert "Helios" not in page.inner_text("body")
    screenshot(page, "plant-not-found-sunrise-light")
    # the helios operator sees its own plant
    page2 = new_page("dark")
    sign_in(page2, "ops@helios.demo.woms")
    page2.goto(f"/plants/{tel_plants['helios']}/")
    page2.wait_for_selector("[data-testid=plant-name]")
    assert page2.inner_text("[data-testid=plant-name]") == "Helios Power Telemetry"
    page2.wait_for_selector("[data-testid=telemetry-empty]")  # no readings: an empty state, not a flat zero line
    screenshot(page2, "plant-detail-helios-nodata-dark")


def test_plant_page_shows_the_chart_in_the_plants_zone(new_page, tel_plants):
    for who, scheme in (("ops@sunrise.demo.woms", "light"), ("govt@demo.woms", "dark")):
        page = new_page(scheme)
        sign_in(page, who)
        page.goto(f"/plants/{tel_plants['sunrise']}/")
        page.wait_for_selector("[data-testid=telemetry-chart] .recharts-line-curve")
        assert "Asia/Kolkata (UTC+05:30)" in page.inner_text("[data-testid=chart-zone]")
        # the hole in the data is a break in the line: recharts draws more than one segment ("M" moves)
        d = page.get_attribute("[data-testid=telemetry-chart] .recharts-line-curve", "d")
        assert d.count("M") >= 2
        assert page.locator("[data-testid=plant-alert-row]").count() == 1
        assert page.inner_text("[data-testid=freshness-badge]") == "Fresh"
        page.get_by_role("radio", name="Voltage").click()
        page.wait_for_function("document.querySelector('[data-testid=telemetry-chart]')?.innerText.includes('00V')")
        screenshot(page, f"plant-detail-{who.split('@')[0]}-{scheme}")
        # the selected plant is kept: the dashboard's chart shows it
        page.click("[data-testid=nav-dashboard]")
        page.wait_for_selector("[data-testid=freshness]")
        assert page.inner_text("[data-testid=plant-selector]").strip() == "Sunrise Energy Telemetry"
        page.wait_for_selector("[data-testid=telemetry-chart] .recharts-line-curve")
        # attached, not necessarily visible: minutes after midnight (UTC for GOVT, plant-local for ORG) "today"
        # has a single point, which recharts draws as a zero-size path
        page.wait_for_selector("[data-testid=fleet-curve] .recharts-area-curve", state="attached")
        screenshot(page, f"dashboard-production-{who.split('@')[0]}-{scheme}")


def test_plants_table_links_badges_and_screens(new_page, tel_plants):
    for who, scheme in (("ops@sunrise.demo.woms", "dark"), ("admin@demo.woms", "light")):
        page = new_page(scheme)
        sign_in(page, who)
        page.click("[data-testid=nav-plants]")
        page.fill("[data-testid=plant-search]", "Telemetry")
        page.wait_for_function("document.querySelectorAll('[data-testid=plant-row]').length == "
                               + ("1" if "sunrise" in who else "2"))
        row = page.locator("[data-testid=plant-row]", has_text="Sunrise Energy Telemetry")
        assert row.locator("[data-testid=freshness-badge]").inner_text() == "Fresh"
        assert row.locator("[data-testid=plant-alerts]").inner_text() == "1"
        screenshot(page, f"plants-{who.split('@')[0]}-{scheme}")
    row.locator("[data-testid=plant-link]").click()
    page.wait_for_url(re.compile(rf"/plants/{tel_plants['sunrise']}/?$"))
    page.wait_for_selector("[data-testid=plant-name]")


@pytest.mark.parametrize("who, paths", [
    ("govt@demo.woms", ("/admin/organizations/", "/admin/accounts/", "/admin/audit/")),
    ("ops@helios.demo.woms", ("/admin/accounts/",)),
])
def test_non_admins_are_sent_away_from_admin_pages(new_page, who, paths):
    page = new_page()
    sign_in(page, who)
    for path in paths:
        page.goto(path)
        page.wait_for_url(re.compile(r"localhost:\d+/?$"))
        page.wait_for_selector("[data-testid=metric-plants]")
        assert page.locator("[data-testid=org-row], [data-testid=acct-row], [data-testid=audit-row]").count() == 0


def test_admin_creates_an_organization_and_an_account_that_signs_in(new_page, browser, server):
    org_name = f"Nova Solar {uuid.uuid4().hex[:5]}"
    email = f"ops-{uuid.uuid4().hex[:6]}@nova.example"
    password = "nova-pass-2026"
    page = new_page()
    sign_in(page, "admin@demo.woms")
    page.goto("/admin/organizations/")
    page.wait_for_selector("[data-testid=org-row]")
    # a bad time zone is refused with a field error, nothing is created
    page.click("[data-testid=org-new]")
    page.fill("#org-name", org_name)
    page.fill("#org-timezone", "Mars/Olympus")
    page.click("[data-testid=org-save]")
    page.wait_for_selector("[data-testid=field-error]")
    assert "Unknown time zone" in page.inner_text("[data-testid=field-error]")
    page.fill("#org-timezone", "Asia/Kolkata")
    page.click("[data-testid=org-save]")
    page.wait_for_selector(f"[data-testid=org-row]:has-text('{org_name}')")
    screenshot(page, "admin-organizations-admin-light")

    page.goto("/admin/accounts/")
    page.wait_for_selector("[data-testid=acct-row]")
    page.click("[data-testid=acct-new]")
    page.fill("#acct-email", email)
    page.fill("#acct-name", "Nova O&M")
    page.click("#acct-org")
    page.get_by_role("option", name=org_name).click()
    page.fill("#acct-password", password)
    page.fill("#acct-password2", password)
    page.click("[data-testid=acct-save]")
    page.wait_for_selector(f"[data-testid=acct-row]:has-text('{email}')")
    assert password not in page.content()
    screenshot(page, "admin-accounts-admin-light")

    page.goto("/admin/audit/")
    page.wait_for_selector("[data-testid=audit-row]")
    page.fill("[data-testid=audit-who]", "admin@demo.woms")
    page.wait_for_selector(f"[data-testid=audit-row]:has-text('{email}')")
    screenshot(page, "admin-audit-admin-light")

    fresh = new_page("dark")
    sign_in(fresh, email, password)
    assert fresh.inner_text("[data-testid=user-role]") == "Organization"
    assert fresh.locator("[data-testid=nav-organizations]").count() == 0


def test_admin_pages_dark(new_page):
    page = new_page("dark")
    sign_in(page, "admin@demo.woms")
    for nav, name, sel in (("organizations", "admin-organizations", "org-row"),
                           ("audit-log", "admin-audit", "audit-row"),
                           ("accounts", "admin-accounts", "acct-row")):
        page.click(f"[data-testid=nav-{nav}]")  # client-side navigation: the guard runs on every page
        page.wait_for_selector(f"[data-testid={sel}]")
        screenshot(page, f"{name}-admin-dark")
    page.locator("[data-testid=acct-row]", has_text="ops@helios.demo.woms").locator(
        "[data-testid=acct-reset]").click()
    page.fill("#reset-password", "short")
    page.fill("#reset-password2", "short")
    page.click("[data-testid=reset-save]")
    page.wait_for_selector("text=Password must be at least 10 characters")
    screenshot(page, "admin-accounts-reset-error-dark")
