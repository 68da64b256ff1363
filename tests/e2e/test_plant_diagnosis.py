"""A fresh demo, seeded as `make run` seeds it (history included), shows its analytics at once: the plants list's
PR / specific-yield columns sort by value, a plant page has the 30-day PR and energy trend and the power-vs-expected
curve over labelled irradiance, and the closed cleaning work order says the maintenance helped. Own server: the
shared one is seeded without history (its tests build their own plants)."""
from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.conftest import migrate
from tests.e2e.conftest import ROOT, Server, _free_port, screenshot, server_env, sign_in, start_server, stop_server


@pytest.fixture(scope="module")
def history_server(tmp_path_factory, emulator) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-history")
    main_url, tel_url = f"sqlite:///{tmp / 'main.db'}", f"sqlite:///{tmp / 'tel.db'}"
    migrate(main_url, tel_url)
    port = _free_port()
    env = server_env(tmp, port, main_url, tel_url, WOMS_EMULATOR_HOST="127.0.0.1",
                     WOMS_EMULATOR_PORT=emulator.url.rsplit(":", 1)[1])
    out = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "woms_app", "seed-demo"], cwd=ROOT, env=env,
                         check=True, capture_output=True, text=True).stdout
    assert "350 KPI days written, 1 work orders created" in out
    log = tmp / "server.log"
    proc = start_server(tmp, env, port, log)
    try:
        yield Server(url=f"http://localhost:{port}", env=env, main_url=main_url, telemetry_url=tel_url, log=log)
    finally:
        stop_server(proc)


def _pct(text: str) -> float:
    return float(text.replace("%", "").strip())


def test_fresh_demo_plant_page_shows_trend_overlay_and_the_closed_work_orders_effect(browser, history_server):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=history_server.url)
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    try:
        sign_in(page, "ops@sunrise.demo.woms")
        page.goto("/plants/")
        rows = page.get_by_test_id("plant-row")
        expect(rows).to_have_count(5)
        prs = page.get_by_test_id("plant-pr")
        expect(prs.first).to_contain_text("%")
        assert all(re.fullmatch(r"\d+\.\d %", t.strip()) for t in prs.all_inner_texts())
        page.get_by_test_id("sort-pr").click()  # ascending
        expect(page.get_by_test_id("sort-pr").locator("svg")).to_be_visible()
        page.wait_for_timeout(500)
        asc = [_pct(t) for t in page.get_by_test_id("plant-pr").all_inner_texts()]
        assert asc == sorted(asc)
        page.get_by_test_id("sort-pr").click()  # descending
        page.wait_for_function("""() => { const v = [...document.querySelectorAll('[data-testid=plant-pr]')]
            .map(e => parseFloat(e.innerText)); return v.length == 5 && v[0] >= v[4] && v[0] > v[4]; }""")
        assert all("kWh/kWp" in t for t in page.get_by_test_id("plant-yield").all_inner_texts())

        page.get_by_test_id("plant-link").filter(has_text="Sevilla Solar Farm").click()
        expect(page.get_by_test_id("plant-name")).to_have_text("Sevilla Solar Farm")
        trend = page.get_by_test_id("pr-trend-chart")
        expect(trend).to_be_visible()
        # PR and efficiency points of the 29 backfilled days in the 30-day window (and today's, once the hourly job
        # has computed it)
        page.wait_for_function("""() => document.querySelectorAll(
            '[data-testid=pr-trend-chart] circle.recharts-line-dot').length >= 58""")
        assert trend.locator("circle.recharts-line-dot").count() in (58, 60)
        energy = page.get_by_test_id("energy-trend-chart")
        page.wait_for_function("""() => document.querySelectorAll(
            '[data-testid=energy-trend-chart] .recharts-bar-rectangle').length >= 29""")
        assert energy.locator(".recharts-bar-rectangle").count() in (29, 30)
        # the devices the plant listing stored (3 inverters, the logger, the weather station), each with its status
        expect(page.get_by_test_id("device-row")).to_have_count(5)
        assert set(page.get_by_test_id("device-status").all_inner_texts()) == {"online"}
        # the power curve over the expected power and the irradiance: the last 24 h arrive with a sync (the
        # tests' servers run no scheduler)
        expect(page.get_by_test_id("diag-empty")).to_be_visible()
        page.get_by_test_id("plant-sync-now").click()
        diag = page.get_by_test_id("diag-chart")
        expect(diag).to_be_visible(timeout=90_000)
        expect(diag.locator(".recharts-line")).to_have_count(2)
        expect(diag.locator(".recharts-area")).to_have_count(1)
        expect(page.get_by_test_id("diag-source")).to_have_text("measured irradiance")
        expect(page.get_by_test_id("diag-source-label")).to_contain_text("measured (plant sensor")
        screenshot(page, "diagnosis-plant-sevilla")

        expect(page.get_by_test_id("plant-wo-row").filter(has_text="Module cleaning")).to_contain_text("Done")
        page.goto("/work-orders/")
        page.locator("[data-testid=wo-row]", has_text="Module cleaning").locator("[data-testid=wo-open]").click()
        expect(page.get_by_test_id("wo-eff-verdict")).to_be_visible()
        expect(page.get_by_test_id("wo-eff-text")).to_contain_text(re.compile(r"^Yes: Efficiency"))
        screenshot(page, "diagnosis-cleaning-work-order")

        # a plant without a sensor says its irradiance is the clear-sky model
        page.goto("/plants/")
        page.get_by_test_id("plant-link").filter(has_text="Cape Town Winery Roof").click()
        expect(page.get_by_test_id("diag-chart")).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("diag-source")).to_have_text("clear-sky irradiance")
    finally:
        ctx.close()
