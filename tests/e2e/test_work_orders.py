"""Work orders and alerts in a real browser: create for two plants, the two-WO refusal (form and detail),
transitions with history, create from an alert, GOVT without write controls, screenshots per role/theme."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from tests.e2e.conftest import screenshot, sign_in
from woms_app.core.db import make_engine
from woms_app.models import Alert, AlertSeverity, AlertStatus, Organization, Plant, Vendor
from woms_app.services import work_orders
from woms_app.services.viewer import SYSTEM

PLANTS = ["WO e2e A", "WO e2e B", "WO e2e C", "WO e2e D", "WO e2e E"]
ALERT_TITLE = "Inverter 3 isolation fault"


@pytest.fixture(scope="module")
def wo_fleet(server):
    """Five Sunrise plants, two alerts and one work order, written straight to the server's database."""
    engine = make_engine(server.main_url)
    with Session(engine) as s:
        org = s.exec(select(Organization).where(Organization.name == "Sunrise Energy")).one()
        vendor = s.exec(select(Vendor).where(Vendor.org_id == org.id)).first()
        ids = {}
        for i, name in enumerate(PLANTS):
            p = Plant(org_id=org.id, vendor_id=vendor.id, external_id=f"wo-e2e-{i}", name=name, capacity_kw=500.0)
            s.add(p)
            s.flush()
            ids[name] = p.id
        now = datetime.now(UTC)
        for j, (title, sev) in enumerate(((ALERT_TITLE, AlertSeverity.CRITICAL), ("Grid voltage high", AlertSeverity.MINOR))):
            s.add(Alert(org_id=org.id, plant_id=ids["WO e2e D"], vendor_id=vendor.id, external_id=f"wo-e2e-alert-{j}",
                        title=title, message="String 4 insulation resistance low", vendor_code="F031",
                        severity=sev, status=AlertStatus.ACTIVE, started_at=now - timedelta(minutes=5 + j)))
        s.commit()
        work_orders.create_work_order(s, SYSTEM, title="Seeded e2e job", plant_ids=[ids["WO e2e E"]])
        s.commit()
    engine.dispose()
    return ids


def toast(page, text: str):
    return page.wait_for_selector(f"[data-sonner-toast]:has-text(\"{text}\")")


def pick(page, plant: str):
    page.fill("[data-testid=wo-plant-search]", plant)
    option = page.locator(f"[data-testid=wo-plant-option][data-plant='{plant}']")
    option.wait_for()
    option.locator("[data-testid=wo-plant-checkbox]").click()
    page.wait_for_selector(f"[data-testid=wo-selected-plant]:has-text('{plant}')")


def new_work_order(page, title: str, plants: list[str]):
    page.click("[data-testid=wo-new]")
    page.wait_for_selector("[data-testid=wo-form]")
    page.fill("#wo-form-title", title)
    for p in plants:
        pick(page, p)
    page.click("[data-testid=wo-form-submit]")


def test_create_refuse_second_transition_and_history(new_page, wo_fleet):
    page = new_page()
    sign_in(page, "ops@sunrise.demo.woms")
    page.goto("/work-orders/")
    page.wait_for_selector("[data-testid=wo-new]")

    # form validation shows field errors and saves nothing
    page.click("[data-testid=wo-new]")
    page.fill("#wo-form-title", "ab")
    page.click("[data-testid=wo-form-submit]")
    assert "Title must be 3–200 characters" in page.inner_text("[data-testid=wo-form-error-title]")
    assert "Pick at least one plant" in page.inner_text("[data-testid=wo-form-error-plant_ids]")
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-testid=wo-form]", state="detached")

    new_work_order(page, "Inverter swap e2e", ["WO e2e A", "WO e2e B"])
    toast(page, "'Inverter swap e2e' created")
    row = page.locator("[data-testid=wo-row]", has_text="Inverter swap e2e")
    row.wait_for()
    first_id = int(re.search(r"#(\d+)", row.inner_text()).group(1))
    assert "WO e2e A, WO e2e B" in row.inner_text()

    # the same plant on a second work order: shown as busy, refused with the clear message
    page.click("[data-testid=wo-new]")
    page.fill("#wo-form-title", "Second job e2e")
    page.fill("[data-testid=wo-plant-search]", "WO e2e B")
    busy = page.locator("[data-testid=wo-plant-option][data-plant='WO e2e B'] [data-testid=wo-plant-busy]")
    assert f"#{first_id} 'Inverter swap e2e'" in busy.inner_text()
    pick(page, "WO e2e B")
    page.click("[data-testid=wo-form-submit]")
    message = f"Plant WO e2e B is already on active work order #{first_id} 'Inverter swap e2e'"
    page.wait_for_selector(f"[data-testid=wo-form-error-plant_ids]:has-text(\"{message}\")")
    toast(page, message)
    screenshot(page, "work-orders-refusal-ops-light")
    page.locator("[data-testid=wo-selected-plant]", has_text="WO e2e B").locator("svg").click()
    pick(page, "WO e2e C")
    page.click("[data-testid=wo-form-submit]")
    toast(page, "'Second job e2e' created")

    # in the detail: adding plant A is refused too; then start, remove a plant, history
    page.locator("[data-testid=wo-row]", has_text="Second job e2e").locator("[data-testid=wo-open]").click()
    page.wait_for_selector("[data-testid=wo-detail]")
    page.fill("[data-testid=wo-add-plant-search]", "WO e2e A")
    page.locator("[data-testid=wo-add-plant-row][data-plant='WO e2e A'] [data-testid=wo-add-plant-option]").click()
    err = page.wait_for_selector("[data-testid=wo-add-plant-error]")
    assert f"Plant WO e2e A is already on active work order #{first_id} 'Inverter swap e2e'" in err.inner_text()
    page.click("[data-testid=wo-transition-IN_PROGRESS]")
    toast(page, "is now in progress")
    assert page.inner_text("[data-testid=wo-detail-status]") == "In progress"
    assert page.locator("[data-testid=wo-transition-DONE]").is_visible()
    page.click("[data-testid=wo-deactivate-plant]")
    toast(page, "WO e2e C removed from work order")
    history = page.inner_text("[data-testid=wo-history]")
    assert "Plant removed" in history and "Status Open → In progress" in history and "Created" in history
    assert history.count("ops@sunrise.demo.woms") >= 3
    screenshot(page, "work-order-detail-ops-light")


def test_create_work_order_from_alert(new_page, wo_fleet):
    page = new_page()
    sign_in(page, "ops@sunrise.demo.woms")
    page.goto("/alerts/")
    row = page.locator("[data-testid=alert-row]", has_text=ALERT_TITLE)
    row.wait_for()
    assert row.locator("[data-testid=alert-severity]").inner_text() == "Critical"
    row.locator("[data-testid=alert-create-wo]").click()
    page.wait_for_selector("[data-testid=wo-form]")
    assert page.input_value("#wo-form-title") == f"{ALERT_TITLE} — WO e2e D"
    assert "String 4 insulation resistance low" in page.input_value("#wo-form-description")
    assert page.inner_text("[data-testid=wo-selected-plant]") .startswith("WO e2e D")
    page.click("[data-testid=wo-form-submit]")
    toast(page, f"'{ALERT_TITLE} — WO e2e D' created")
    link = row.locator("[data-testid=alert-wo-link]")
    link.wait_for()
    assert ALERT_TITLE in link.inner_text()
    # the other alert on the same plant can still start a work order (its plant is busy: the form says so)
    link.click()
    page.wait_for_selector("[data-testid=wo-detail]")
    assert "Linked alerts" in page.inner_text("[data-testid=wo-detail]")


@pytest.mark.parametrize("email", ["ops@sunrise.demo.woms", "govt@demo.woms"])
def test_lists_in_both_themes_and_govt_has_no_write_controls(new_page, wo_fleet, email):
    who = email.split("@")[0]
    for scheme in ("light", "dark"):
        page = new_page(scheme)
        sign_in(page, email)
        page.goto("/work-orders/")
        page.wait_for_selector("[data-testid=wo-row], [data-testid=wo-empty]")
        page.wait_for_selector("[data-testid=wo-export]")
        if who == "govt":
            assert page.locator("[data-testid=wo-new]").count() == 0
            page.locator("[data-testid=wo-open]", has_text="Seeded e2e job").click()
            page.wait_for_selector("[data-testid=wo-detail]")
            assert page.locator("[data-testid^=wo-transition-]").count() == 0
            assert page.locator("[data-testid=wo-deactivate-plant]").count() == 0
            assert page.locator("[data-testid=wo-add-plant-search]").count() == 0
            page.keyboard.press("Escape")
        else:
            assert page.locator("[data-testid=wo-new]").is_visible()
            if scheme == "light":  # the CSV button downloads the scoped list
                with page.expect_download() as dl:
                    page.click("[data-testid=wo-export]")
                text = open(dl.value.path(), encoding="utf-8").read()
                assert text.startswith("id,organization,title") and "Seeded e2e job" in text
                assert "Helios" not in text
        screenshot(page, f"work-orders-{who}-{scheme}")
        page.goto("/alerts/")
        page.wait_for_selector("[data-testid=alert-row]")
        if who == "govt":
            assert page.locator("[data-testid=alert-create-wo]").count() == 0
        screenshot(page, f"alerts-{who}-{scheme}")
