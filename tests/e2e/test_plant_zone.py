"""A plant whose vendor time zone could not be understood says so on the plant list and the plant page."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.e2e.conftest import screenshot, sign_in
from woms_app.core.db import make_engine
from woms_app.models import Organization, Plant, Vendor

ERROR = "time zone 'GMT+5.3' (UTC+05:18) is an offset no time zone uses"


@pytest.fixture(scope="module")
def zone_plant(server):
    engine = make_engine(server.main_url)
    with Session(engine) as s:
        org = s.exec(select(Organization).where(Organization.name == "Helios Power")).one()
        vendor = s.exec(select(Vendor).where(Vendor.org_id == org.id)).first()
        p = Plant(org_id=org.id, vendor_id=vendor.id, external_id="e2e-zone", name="Zoneless Plant",
                  capacity_kw=80.0, timezone="UTC", timezone_error=ERROR)
        s.add(p)
        s.commit()
        pid = p.id
    engine.dispose()
    return pid


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_zone_error_on_list_and_plant_page(browser, server, zone_plant, width, height):
    ctx = browser.new_context(viewport={"width": width, "height": height}, base_url=server.url)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    try:
        sign_in(page, "ops@helios.demo.woms")
        page.goto("/plants/")
        row = page.locator("[data-testid=plant-row]", has_text="Zoneless Plant")
        row.wait_for()
        assert row.locator("[data-testid=plant-tz-error]").inner_text() == "Zone not understood"
        screenshot(page, f"plant-zone-error-list-{width}")
        page.goto(f"/plants/{zone_plant}/")
        callout = page.wait_for_selector("[data-testid=plant-tz-error]")
        assert "GMT+5.3" in callout.inner_text() and "not synced" in callout.inner_text()
        screenshot(page, f"plant-zone-error-page-{width}")
    finally:
        ctx.close()
