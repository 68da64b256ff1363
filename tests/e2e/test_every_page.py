"""Every page, for every demo role, in both themes: no error or crash, no console error, a screenshot each; then
the same pages at phone width (390 px): no horizontal overflow, reached through the top bar's menu sheet.
Then the analytics pieces (PR trend from rows inserted into the server's plant_daily_kpis, fleet PR with its
coverage) and live refresh (a change made by a service shows up on the dashboard and the plants list without
reload). One server and one browser for the module; a role's pages are visited in one tab, the theme switched
by the system preference (the app follows it)."""
from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.e2e.conftest import ARTIFACTS, screenshot, sign_in
from woms_app.core.db import make_engine
from woms_app.core.upsert import upsert
from woms_app.models import Organization, Plant, PlantDailyKpi, Vendor, VendorStatus

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
            # get or create: another module (test_csp_and_origins.py) imports this fixture, and pytest then
            # instantiates it once per module on the one session server
            p = s.exec(select(Plant).where(Plant.external_id == f"e2e-every-{key}")).first()
            if p is None:
                vendor = Vendor(org_id=org.id, name=f"E2E every page ({key})", vendor_type="solarman",
                                base_url="http://127.0.0.1:9", status=VendorStatus.PAUSED)
                s.add(vendor)
                s.flush()
                p = Plant(org_id=org.id, vendor_id=vendor.id, external_id=f"e2e-every-{key}",
                          name=f"{org_name} Every Page", capacity_kw=250.0, latitude=12.97, longitude=77.59,
                          timezone=TZ)
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
    ("/my-work/", "nav-my-work", "My work"),
    ("/alerts/", "nav-alerts", "Alerts"),
    ("/vendors/", "nav-vendors", "Vendors"),
    ("/settings/notifications/", "nav-notifications", "Notifications"),
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


def _one_h1_naming(page, problems: list[str], label: str, title: str) -> None:
    """The page's only h1 is its title (metric values and section headings are not h1)."""
    h1s = page.locator("h1").all_inner_texts()
    if h1s != [title]:
        problems.append(f"{label}: h1 elements {h1s[:5]!r}, want exactly [{title!r}]")


SHOT_SECONDS: list[float] = []


def _check_and_shoot(page, problems: list[str], label: str, name: str) -> None:
    body = page.inner_text("body")
    problems.extend(f"{label}: shows {t!r}" for t in ERROR_TEXTS if t in body)
    path = ARTIFACTS / "screenshots" / "every-page" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    SHOT_SECONDS.append(time.monotonic() - t0)


OVERFLOW = "[document.documentElement.scrollWidth, window.innerWidth]"
# phone-width overflow inside a page another part is reworking (not the shell): expected, strictly — once it is
# fixed this test says so, and the entry goes
PHONE_OVERFLOW_ELSEWHERE: dict[str, str] = {}  # path → why a page is still wider than a phone (none today)


def _check_width(page, problems: list[str], label: str, path: str = "", phone: bool = False) -> None:
    scroll, inner = page.evaluate(OVERFLOW)
    known = phone and path in PHONE_OVERFLOW_ELSEWHERE
    if scroll > inner and not known:
        problems.append(f"{label}: page is {scroll} px wide in a {inner} px viewport")
    elif known and scroll <= inner:
        problems.append(f"{label}: fits now — drop it from PHONE_OVERFLOW_ELSEWHERE")


def _menu_to(page, nav: str, *, probe: bool = False, name: str = "") -> None:
    """Open the top bar's menu and choose a page; with probe, check the sheet's keyboard behaviour first."""
    expect(page.get_by_test_id("sidebar")).to_be_hidden()
    menu = page.get_by_test_id("nav-menu")
    expect(menu).to_have_attribute("aria-label", "Open navigation")
    menu.click()
    sheet = page.get_by_test_id("nav-sheet")
    expect(sheet).to_be_visible()
    if probe:
        expect(sheet).to_have_attribute("role", "dialog")
        expect(sheet.locator("[data-testid^=nav-]:not([data-testid=nav-close])")).to_have_count(
            page.get_by_test_id("sidebar").locator("[data-testid^=nav-]").count())  # the role's pages, all
        screenshot(page, f"nav-sheet-{name}")
        assert page.evaluate("!!document.activeElement.closest('[data-testid=nav-sheet]')"), "focus not in the sheet"
        page.keyboard.press("Escape")
        expect(sheet).to_have_count(0)
        menu.click()
        expect(sheet).to_be_visible()
    sheet.get_by_test_id(nav).click()
    expect(sheet).to_have_count(0)  # a choice closes it


def test_every_page_for_every_role_in_both_themes(browser, server, plants):
    started = time.monotonic()
    problems: list[str] = []
    for role, email in ROLES.items():
        plant_id = plants["helios" if role == "helios" else "sunrise"]
        ctx = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme="light", base_url=server.url)
        ctx.set_default_timeout(15_000)
        page = ctx.new_page()
        console: list[str] = []
        page.on("console", lambda m, c=console: c.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, c=console: c.append(f"pageerror: {e}"))
        page.goto("/login/")
        _one_h1_naming(page, problems, f"{role} login", "Sign in to WOMS")
        if role == "admin":  # the login page on a phone, once
            page.set_viewport_size({"width": 390, "height": 844})
            expect(page.locator("#login-email")).to_be_visible()
            _check_width(page, problems, "phone /login/")
            _check_and_shoot(page, problems, "phone /login/", "phone-login")
            page.set_viewport_size({"width": 1440, "height": 900})
        sign_in(page, email)
        expect(page.get_by_test_id("sidebar")).to_be_visible()  # desktop: the sidebar as ever, no top bar
        expect(page.get_by_test_id("topbar")).to_be_hidden()
        for theme in ("light", "dark"):
            page.emulate_media(color_scheme=theme)
            for path, nav, title in PAGES + (ADMIN_PAGES if role == "admin" else []):
                link = page.get_by_test_id(nav)
                if link.count():
                    link.click()
                else:  # not in this role's sidebar (GOVT and /vendors): by URL, as a curious person would
                    page.goto(path)
                _settle(page, title)
                _one_h1_naming(page, problems, f"{role} {theme} {path}", title)
                name = path.strip("/").replace("/", "-") or "dashboard"
                _check_width(page, problems, f"{role} {theme} {path}")
                _check_and_shoot(page, problems, f"{role} {theme} {path}", f"{role}-{theme}-{name}")
            page.goto(f"/plants/{plant_id}/")
            _settle(page, "Plant")
            _one_h1_naming(page, problems, f"{role} {theme} plant page", "Plant")
            if page.get_by_test_id("plant-not-found").count():
                problems.append(f"{role} {theme}: plant {plant_id} not found")
            _check_width(page, problems, f"{role} {theme} plant page")
            _check_and_shoot(page, problems, f"{role} {theme} plant page", f"{role}-{theme}-plant-detail")
        # phone width, same tab and login (light): every page through the menu, none wider than the screen
        page.emulate_media(color_scheme="light")
        page.set_viewport_size({"width": 390, "height": 844})
        for i, (path, nav, title) in enumerate(PAGES + (ADMIN_PAGES if role == "admin" else [])):
            if page.get_by_test_id(nav).count():  # the (hidden) sidebar tells whether the role has the page
                _menu_to(page, nav, probe=i == 0, name=role)
            else:
                page.goto(path)
            _settle(page, title)
            expect(page.get_by_test_id("topbar-page")).to_have_text(title)
            name = path.strip("/").replace("/", "-") or "dashboard"
            _check_width(page, problems, f"{role} phone {path}", path, phone=True)
            _check_and_shoot(page, problems, f"{role} phone {path}", f"{role}-phone-{name}")
        page.goto(f"/plants/{plant_id}/")
        _settle(page, "Plant")
        _check_width(page, problems, f"{role} phone plant page")
        _check_and_shoot(page, problems, f"{role} phone plant page", f"{role}-phone-plant-detail")
        if console:
            problems.append(f"{role}: console errors {console[:3]}")
        ctx.close()
    took = time.monotonic() - started
    print(f"every page: {len(SHOT_SECONDS)} pages in {took:.1f} s, of which screenshots {sum(SHOT_SECONDS):.1f} s")
    assert not problems, "\n".join(problems)
    assert took < 240  # ~40 s on an idle 2-core machine; generous for a loaded CI box


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
    now = datetime.now(UTC)
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
    r = dash.request.patch(f"/api/work-orders/{wo_id}/status", data={"status": "CANCELLED", "note": "test done"})
    assert r.ok, r.text()
    expect(dash.get_by_test_id("metric-work-orders")).to_have_text(str(before), timeout=3000)
    expect(row.get_by_text(f"#{wo_id}")).to_have_count(0, timeout=3000)


AGE_RE = r"^updated (just now|\d+ min ago|\d+ h ago|\d+ days ago)$"


def test_live_numbers_say_how_old_they_are(new_page, server, plants):
    """Power now / energy today carry the age of the newest reading behind them, and it keeps counting."""
    import re

    engine = make_engine(server.main_url)
    with Session(engine) as s:
        p = s.get(Plant, plants["sunrise"])
        newest = datetime.now(UTC) - timedelta(minutes=3, seconds=10)
        p.last_reading_at, p.daily_energy_mwh, p.current_power_kw = newest, 0.5, 42.0
        s.add(p)
        # this plant's reading is the organization's newest (an earlier test may have synced the others)
        for other in s.exec(select(Plant).where(Plant.org_id == p.org_id, Plant.id != p.id)).all():
            if other.last_reading_at is not None and other.last_reading_at > newest:
                other.last_reading_at = newest - timedelta(minutes=10)
                s.add(other)
        s.commit()
    engine.dispose()
    page = new_page()
    sign_in(page, ROLES["sunrise"])
    expect(page.get_by_test_id("metric-power-age")).to_have_text(re.compile(AGE_RE))
    expect(page.get_by_test_id("metric-power-age")).to_have_text("updated 3 min ago")
    expect(page.get_by_test_id("metric-energy-age")).to_have_text("updated 3 min ago")
    expect(page.get_by_test_id("freshness-age")).to_have_text(re.compile(AGE_RE))
    # "today" says which day: Sunrise's plants are all in one zone → its date and zone, as people read it
    expect(page.get_by_test_id("metric-energy-hint")).to_contain_text("UTC+")
    expect(page.get_by_test_id("fleet-curve-zone")).to_contain_text("time axis")
    # the clock moves on: 61 s later the same figure is a minute older, without a server round trip
    page.evaluate("() => { const real = Date.now; Date.now = () => real() + 61000; }")
    page.wait_for_timeout(21_000)
    expect(page.get_by_test_id("metric-power-age")).to_have_text("updated 4 min ago")


def test_plant_selector_is_an_accessible_combobox(new_page, plants):
    page = new_page()
    sign_in(page, ROLES["sunrise"])
    box = page.get_by_role("combobox", name="Plant")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.focus()
    page.keyboard.press("Enter")
    expect(box).to_have_attribute("aria-expanded", "true")
    listbox = page.get_by_role("listbox", name="Plants")
    expect(listbox).to_be_visible()
    search = page.get_by_role("textbox", name="Search plants")
    expect(search).to_be_focused()
    search.fill("Every Page")
    option = listbox.get_by_role("option", name=re.compile("Sunrise Energy Every Page"))
    expect(option).to_have_count(1)
    expect(option).to_contain_text("UTC+05:30")  # the zone as people read it
    page.keyboard.press("ArrowDown")
    expect(option).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(search).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_contain_text("Sunrise Energy Every Page")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.focus()
    page.keyboard.press("Enter")
    expect(listbox.get_by_role("option", selected=True)).to_contain_text("Sunrise Energy Every Page")
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")


def test_accounts_pager_disables_next_on_the_last_page(new_page):
    page = new_page()
    sign_in(page, ROLES["admin"])
    page.goto("/admin/accounts/")
    _settle(page, "Accounts")
    nxt, prev = page.get_by_test_id("accounts-next"), page.get_by_test_id("accounts-prev")
    expect(prev).to_be_disabled()
    for _ in range(50):  # walk to the last page
        if nxt.is_disabled():
            break
        nxt.click()
        page.wait_for_timeout(200)
    expect(nxt).to_be_disabled()
    label = page.get_by_text(re.compile(r"^\d+–\d+ of \d+$")).first.inner_text()
    last, total = label.split("–")[1].split(" of ")
    assert last == total, label


@pytest.fixture(scope="module")
def todays_readings(server, plants):
    """Today's 5-minute readings so far for the Sunrise e2e plant, stored as the sync stores them (readings,
    then its 15-minute buckets), so the fleet curve has a day to draw."""
    from woms_app.models import TelemetryReading
    from woms_app.services.telemetry import refresh_power_buckets

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = datetime.combine(now.astimezone(ZoneInfo(TZ)).date(), datetime.min.time(), ZoneInfo(TZ)).astimezone(
        UTC)
    instants = [start + timedelta(minutes=5 * i) for i in range(int((now - start).total_seconds() // 300))]
    engine, tengine = make_engine(server.main_url), make_engine(server.telemetry_url)
    with Session(engine) as s:
        org_id = s.get(Plant, plants["sunrise"]).org_id
    with Session(tengine) as t:
        for _i, ts in enumerate(instants):
            h = (ts - start).total_seconds() / 3600
            t.add(TelemetryReading(plant_id=plants["sunrise"], org_id=org_id, ts=ts, voltage_v=400.0, current_a=10.0,
                                   generation_power_kw=round(max(0.0, 200 * __import__("math").sin(
                                       __import__("math").pi * (h - 6) / 12)), 2)))
        t.flush()
        if instants:
            refresh_power_buckets(t, plants["sunrise"], org_id, instants[0], instants[-1])
        t.commit()
    engine.dispose()
    tengine.dispose()


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_dashboard_screenshots_for_every_role(browser, server, plants, todays_readings, width, height):
    for role, email in ROLES.items():
        ctx = browser.new_context(viewport={"width": width, "height": height}, base_url=server.url)
        page = ctx.new_page()
        sign_in(page, email)
        _settle(page, "Dashboard")
        page.wait_for_timeout(500)
        path = ARTIFACTS / "screenshots" / "dashboard" / f"dashboard-{role}-{width}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        ctx.close()
