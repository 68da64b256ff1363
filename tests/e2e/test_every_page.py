"""Every page, for every demo role, in both themes: no error or crash, no console error, a screenshot each.
Then the analytics pieces (PR trend from rows inserted into the server's plant_daily_kpis, fleet PR with its
coverage) and live refresh (a change made by a service shows up on the dashboard and the plants list without
reload). One server and one browser for the module; a role's pages are visited in one tab, the theme switched
by the system preference (the app follows it)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.e2e.conftest import ARTIFACTS, screenshot, sign_in
from woms_app.core.db import make_engine
from woms_app.core.upsert import upsert
from woms_app.models import Organization, Plant, PlantDailyKpi, Vendor, VendorStatus

pytestmark = pytest.mark.e2e

ROLES = {
    "admin": "admin@demo.woms",
    "govt": "govt@demo.woms",
    "sunrise": "ops@sunrise.demo.woms",
    "helios": "ops@helios.demo.woms",
}
ERROR_TEXTS = ["An error occurred", "Application error", "Something went wrong", "Traceback", "Internal Server Error"]
KPI_DAYS = 12
INCOMPLETE_AGO = 4  # days ago: the one incomplete day
TZ = "Asia/Kolkata"


@pytest.fixture(scope="module")
def plants(server):
    """A plant per demo organization; the Sunrise one has 12 days of daily KPIs (one incomplete)."""
    engine = make_engine(server.main_url)
    ids = {}
    with Session(engine) as s:
        for key, org_name in (("sunrise", "Sunrise Energy"), ("helios", "Helios Power")):
            org = s.exec(select(Organization).where(Organization.name == org_name)).one()
            # a vendor of its own (paused, so never scheduled): the demo vendors' plant counts stay as other
            # tests expect them
            vendor = Vendor(org_id=org.id, name=f"E2E every page ({key})", vendor_type="solarman",
                            base_url="http://127.0.0.1:9", status=VendorStatus.PAUSED)
            s.add(vendor)
            s.flush()
            p = Plant(org_id=org.id, vendor_id=vendor.id, external_id=f"e2e-every-{key}", name=f"{org_name} Every Page",
                      capacity_kw=250.0, latitude=12.97, longitude=77.59, timezone=TZ)
            s.add(p)
            s.flush()
            ids[key] = (p.id, org.id)
        s.commit()
    engine.dispose()
    pid, oid = ids["sunrise"]
    today = datetime.now(ZoneInfo(TZ)).date()
    rows = []
    for ago in range(KPI_DAYS, 0, -1):
        incomplete = ago == INCOMPLETE_AGO
        energy, ref = 800.0 + ago, 1000.0
        rows.append({"plant_id": pid, "day": today - timedelta(days=ago), "org_id": oid, "timezone": TZ,
                     "final": True, "incomplete": incomplete, "capacity_kw": 250.0,
                     "coverage_pct": 41.0 if incomplete else 99.3, "energy_kwh": energy,
                     "reference_energy_kwh": ref, "expected_energy_kwh": energy / 0.95, "irradiation_kwh_m2": 4.0,
                     "pr": energy / ref, "pr_temp_corrected": energy / ref * 1.04, "efficiency_pct": 95.0,
                     "irradiance_source": "clearsky", "method": "clear-sky POA (e2e inputs); g=-0.004/C loss=0.14"})
    tengine = make_engine(server.telemetry_url)
    with Session(tengine) as t:
        upsert(t, PlantDailyKpi, rows, keys=["plant_id", "day"])
        t.commit()
    tengine.dispose()
    return {k: v[0] for k, v in ids.items()}


# (path, sidebar link, page title); pages are reached by the sidebar (client-side navigation, like a person)
PAGES = [
    ("/", "nav-dashboard", "Dashboard"),
    ("/plants/", "nav-plants", "Plants"),
    ("/work-orders/", "nav-work-orders", "Work orders"),
    ("/alerts/", "nav-alerts", "Alerts"),
    ("/vendors/", "nav-vendors", "Vendors"),
]
ADMIN_PAGES = [
    ("/admin/organizations/", "nav-organizations", "Organizations"),
    ("/admin/accounts/", "nav-accounts", "Accounts"),
    ("/admin/audit/", "nav-audit-log", "Audit log"),
]


def _settle(page, title: str) -> None:
    expect(page.get_by_test_id("page-title")).to_have_text(title)
    page.wait_for_function("!document.querySelector('[data-testid$=-loading]')")
    page.wait_for_timeout(150)


SHOT_SECONDS: list[float] = []


def _check_and_shoot(page, problems: list[str], label: str, name: str) -> None:
    body = page.inner_text("body")
    problems.extend(f"{label}: shows {t!r}" for t in ERROR_TEXTS if t in body)
    path = ARTIFACTS / "screenshots" / "every-page" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    SHOT_SECONDS.append(time.monotonic() - t0)


def test_every_page_for_every_role_in_both_themes(browser, server, plants):
    started = time.monotonic()
    problems: list[str] = []
    for role, email in ROLES.items():
        plant_id = plants["helios" if role == "helios" else "sunrise"]
        ctx = browser.new_context(viewport={"width": 1400, "height": 900}, color_scheme="light", base_url=server.url)
        ctx.set_default_timeout(15_000)
        page = ctx.new_page()
        console: list[str] = []
        page.on("console", lambda m, c=console: c.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, c=console: c.append(f"pageerror: {e}"))
        sign_in(page, email)
        for theme in ("light", "dark"):
            page.emulate_media(color_scheme=theme)
            for path, nav, title in PAGES + (ADMIN_PAGES if role == "admin" else []):
                link = page.get_by_test_id(nav)
                if link.count():
                    link.click()
                else:  # not in this role's sidebar (GOVT and /vendors): by URL, as a curious person would
                    page.goto(path)
                _settle(page, title)
                name = path.strip("/").replace("/", "-") or "dashboard"
                _check_and_shoot(page, problems, f"{role} {theme} {path}", f"{role}-{theme}-{name}")
            page.goto(f"/plants/{plant_id}/")
            _settle(page, "Plant")
            if page.get_by_test_id("plant-not-found").count():
                problems.append(f"{role} {theme}: plant {plant_id} not found")
            _check_and_shoot(page, problems, f"{role} {theme} plant page", f"{role}-{theme}-plant-detail")
        if console:
            problems.append(f"{role}: console errors {console[:3]}")
        ctx.close()
    took = time.monotonic() - started
    print(f"every page: {len(SHOT_SECONDS)} pages in {took:.1f} s, of which screenshots {sum(SHOT_SECONDS):.1f} s")
    assert not problems, "\n".join(problems)
    assert took < 150  # ~25 s on an idle 2-core machine; generous for a loaded CI box


def test_pr_trend_shows_the_inserted_days_and_marks_the_incomplete_one(new_page, plants):
    page = new_page()
    sign_in(page, ROLES["sunrise"])
    page.goto(f"/plants/{plants['sunrise']}/")
    expect(page.get_by_test_id("pr-trend-chart")).to_be_visible()
    # each complete day is a point of the PR and of the efficiency line; the incomplete day is a larger open
    # point of its own in each (r=5), never a dip in the lines
    chart = page.get_by_test_id("pr-trend-chart")
    expect(chart.locator("circle.recharts-line-dot")).to_have_count(2 * (KPI_DAYS - 1) + 2)
    expect(chart.locator('circle.recharts-line-dot[r="5"]')).to_have_count(2)
    expect(page.get_by_test_id("pr-incomplete-note")).to_contain_text("1 day(s) below 90 %")
    page.get_by_test_id("pr-daily-figures").get_by_text("Daily figures").click()
    rows = page.get_by_test_id("pr-day-row")
    expect(rows).to_have_count(KPI_DAYS)
    incomplete_row = rows.nth(INCOMPLETE_AGO - 1)  # newest first
    expect(incomplete_row).to_contain_text("Incomplete")
    expect(incomplete_row).to_contain_text("41 %")
    expect(rows.first).to_contain_text("80.1 %")  # yesterday: 801 / 1000
    page.get_by_test_id("pr-method").hover()
    expect(page.get_by_test_id("pr-method-text")).to_contain_text("clear-sky POA (e2e inputs)")
    expect(page.get_by_test_id("plant-sync-now")).to_be_enabled()  # writers may sync the plant's vendor
    screenshot(page, "pr-trend-sunrise-light")

    govt = new_page()
    sign_in(govt, ROLES["govt"])
    govt.goto(f"/plants/{plants['sunrise']}/")
    expect(govt.get_by_test_id("pr-trend-chart")).to_be_visible()
    expect(govt.get_by_test_id("plant-sync-now")).to_have_count(0)  # read-only: no sync control

    other = new_page("dark")
    sign_in(other, ROLES["helios"])
    other.goto(f"/plants/{plants['helios']}/")
    expect(other.get_by_test_id("pr-trend-empty")).to_contain_text("after this plant has a full day of readings")
    screenshot(other, "pr-trend-empty-helios-dark")


def test_fleet_pr_on_the_dashboard_counts_complete_plant_days(new_page, server, plants):
    page = new_page()
    sign_in(page, ROLES["sunrise"])
    expect(page.get_by_test_id("metric-pr")).not_to_have_text("—")
    # the oracle: Σ energy ÷ Σ reference over Sunrise's plants whose yesterday is final and complete
    engine, tengine = make_engine(server.main_url), make_engine(server.telemetry_url)
    with Session(engine) as s:
        org_id = s.exec(select(Organization.id).where(Organization.name == "Sunrise Energy")).one()
        sunrise = s.exec(select(Plant.id, Plant.timezone).where(Plant.org_id == org_id)).all()
    energy = ref = counted = 0
    now = datetime.now(timezone.utc)
    with Session(tengine) as t:
        for pid, tz in sunrise:
            k = t.get(PlantDailyKpi, (pid, now.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)))
            if k and k.final and not k.incomplete and k.energy_kwh is not None and (k.reference_energy_kwh or 0) > 0:
                energy, ref, counted = energy + k.energy_kwh, ref + k.reference_energy_kwh, counted + 1
    engine.dispose()
    tengine.dispose()
    assert counted >= 1
    expect(page.get_by_test_id("metric-pr")).to_have_text(f"{100 * energy / ref:.1f} %")
    expect(page.get_by_test_id("metric-pr-coverage")).to_contain_text(f"{counted} of {len(sunrise)} plants")


def test_live_refresh_dashboard_and_plants_without_reload(new_page, plants):
    dash = new_page()
    sign_in(dash, ROLES["sunrise"])
    dash.wait_for_function("document.querySelector('[data-testid=live-marker]') !== null")
    lst = new_page("dark")
    sign_in(lst, ROLES["sunrise"])
    lst.goto("/plants/")
    lst.get_by_test_id("plant-search").fill("Every Page")
    row = lst.locator("[data-testid=plant-row]", has_text="Sunrise Energy Every Page")
    expect(row).to_have_count(1)
    before = int(dash.get_by_test_id("metric-work-orders").inner_text())
    for p in (dash, lst):
        p.evaluate("window.__noReload = 'still here'")

    # a service changes data (the work-order service, through the API) and announces it on the change feed
    r = dash.request.post("/api/work-orders", data={"title": "Live dashboard check", "priority": "LOW",
                                                    "plant_ids": [plants["sunrise"]]})
    assert r.status == 201, r.text()
    wo_id = r.json()["id"]
    expect(dash.get_by_test_id("metric-work-orders")).to_have_text(str(before + 1), timeout=3000)
    expect(row.get_by_text(f"#{wo_id}")).to_be_visible(timeout=3000)
    for p in (dash, lst):
        assert p.evaluate("window.__noReload") == "still here"  # no reload happened
    screenshot(dash, "live-dashboard-sunrise-light")

    # and back: cancelling it frees the plant and lowers the count, live
    r = dash.request.patch(f"/api/work-orders/{wo_id}/status", data={"status": "CANCELLED"})
    assert r.ok, r.text()
    expect(dash.get_by_test_id("metric-work-orders")).to_have_text(str(before), timeout=3000)
    expect(row.get_by_text(f"#{wo_id}")).to_have_count(0, timeout=3000)
