"""The work order at its own address, in real browsers: a technician takes an unassigned work order, starts it,
comments, puts it on hold and resumes it, is refused "done" without a cause, and closes it with the closure codes;
the manager's open page follows live (the SLA clock shows paused, then running again). Screenshots at desktop and
phone width."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.e2e.conftest import screenshot, sign_in
from woms_app.core.db import make_engine
from woms_app.models import Organization, Plant, Vendor

MANAGER, TECH = "ops@sunrise.demo.woms", "tech1@sunrise.demo.woms"


@pytest.fixture(scope="module")
def free_plant(server) -> int:
    engine = make_engine(server.main_url)
    with Session(engine) as s:
        org = s.exec(select(Organization).where(Organization.name == "Sunrise Energy")).one()
        vendor = s.exec(select(Vendor).where(Vendor.org_id == org.id)).first()
        # in the zone of the organization's other plants: test_every_page reads Sunrise as a one-zone fleet
        other = s.exec(select(Plant).where(Plant.org_id == org.id)).first()
        p = Plant(org_id=org.id, vendor_id=vendor.id, external_id="wop-e2e", name="WO page e2e plant",
                  capacity_kw=250.0, **({"timezone": other.timezone} if other is not None else {}))
        s.add(p)
        s.commit()
        pid = p.id
    engine.dispose()
    return pid


def pick_first(page, trigger: str) -> None:
    page.get_by_test_id(trigger).click()
    page.get_by_role("option").first.click()


def test_a_technician_works_a_work_order_from_assignment_to_closure(new_page, free_plant):
    manager = new_page()
    sign_in(manager, MANAGER)
    r = manager.request.post("/api/work-orders", data={"title": "Inverter 2 trips at noon", "priority": "HIGH",
                                                        "plant_ids": [free_plant], "wo_type": "corrective"})
    assert r.status == 201, r.text()
    wo = r.json()["id"]
    manager.goto(f"/work-orders/{wo}")
    expect(manager.get_by_test_id("wop-title")).to_contain_text("Inverter 2 trips at noon")
    expect(manager.get_by_test_id("wop-assign")).to_be_visible()  # a manager assigns; no "take it"
    expect(manager.get_by_test_id("wop-take")).to_have_count(0)

    tech = new_page()
    sign_in(tech, TECH)
    tech.goto(f"/work-orders/{wo}")
    expect(tech.get_by_test_id("wop-assignee")).to_have_text("Unassigned")
    expect(tech.get_by_test_id("wop-assign")).to_have_count(0)  # a technician does not hand work out
    tech.get_by_test_id("wop-take").click()
    expect(tech.get_by_test_id("wop-assignee")).to_contain_text(TECH)
    expect(manager.get_by_test_id("wop-assignee")).to_contain_text(TECH, timeout=5000)  # live

    tech.get_by_test_id("wop-step-IN_PROGRESS").click()
    expect(tech.get_by_test_id("wop-status")).to_have_text("In progress")
    expect(tech.get_by_test_id("wop-sla-response")).to_contain_text("Met")
    tech.get_by_test_id("wop-comment-input").fill("Inverter log shows DC overvoltage at 12:05; checking strings")
    tech.get_by_test_id("wop-comment-send").click()
    expect(manager.get_by_test_id("wop-comment")).to_contain_text("DC overvoltage", timeout=5000)

    # on hold: the resolution clock pauses, in the manager's page too
    tech.get_by_test_id("wop-note").fill("Waiting for a replacement fuse")
    tech.get_by_test_id("wop-step-ON_HOLD").click()
    expect(tech.get_by_test_id("wop-status")).to_have_text("On hold")
    expect(manager.get_by_test_id("wop-sla-paused")).to_be_visible(timeout=5000)
    expect(manager.get_by_test_id("wop-sla-resolution")).to_contain_text("Paused")
    screenshot(manager, "work-order-page-on-hold-manager")
    tech.get_by_test_id("wop-step-IN_PROGRESS").click()
    expect(manager.get_by_test_id("wop-sla-paused")).to_have_count(0, timeout=5000)
    expect(manager.get_by_test_id("wop-sla-resolution")).to_contain_text("left")

    # done needs a cause and a resolution: refused and nothing changed
    tech.get_by_test_id("wop-step-DONE").click()
    expect(tech.get_by_test_id("wop-error")).to_be_visible()
    expect(tech.get_by_test_id("wop-status")).to_have_text("In progress")
    pick_first(tech, "wop-problem")
    pick_first(tech, "wop-cause")
    tech.get_by_test_id("wop-resolution").fill("Replaced the blown string fuse on MPPT 2; output back to normal")
    tech.get_by_test_id("wop-step-DONE").click()
    expect(tech.get_by_test_id("wop-status")).to_have_text("Done")
    expect(tech.get_by_test_id("wop-closure-codes")).to_be_visible()
    expect(manager.get_by_test_id("wop-status")).to_have_text("Done", timeout=5000)
    history = " ".join(tech.get_by_test_id("wop-history-row").all_inner_texts())
    for step in ("Open → In progress", "In progress → On hold", "On hold → In progress", "In progress → Done"):
        assert step in history, history
    screenshot(tech, "work-order-page-done-technician")
    tech.set_viewport_size({"width": 390, "height": 844})
    tech.wait_for_timeout(300)
    assert tech.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scroll at 390 px"
    screenshot(tech, "work-order-page-done-technician-phone")


def test_a_colleague_s_work_order_is_read_only_for_a_technician(new_page, free_plant):
    manager = new_page()
    sign_in(manager, MANAGER)
    other = manager.request.get("/api/me").json()
    r = manager.request.post("/api/work-orders", data={"title": "Vegetation cut, row 4", "priority": "LOW",
                                                        "plant_ids": [free_plant], "wo_type": "preventive",
                                                        "assignee_id": other["id"]})
    assert r.status == 201, r.text()
    tech = new_page()
    sign_in(tech, TECH)
    tech.goto(f"/work-orders/{r.json()['id']}")
    expect(tech.get_by_test_id("wop-title")).to_contain_text("Vegetation cut")
    expect(tech.get_by_test_id("wop-take")).to_have_count(0)
    expect(tech.get_by_test_id("wop-actions")).to_have_count(0)
    expect(tech.get_by_test_id("wop-comment-input")).to_have_count(0)
    # the plant is free again for the next test
    done = manager.request.patch(f"/api/work-orders/{r.json()['id']}/status",
                                 data={"status": "CANCELLED", "note": "checked in the browser"})
    assert done.ok, done.text()


def test_my_work_on_a_phone(new_page, free_plant):
    manager = new_page()
    sign_in(manager, MANAGER)
    tech = new_page()
    sign_in(tech, TECH)
    me = tech.request.get("/api/me").json()["id"]
    r = manager.request.post("/api/work-orders", data={"title": "Clean array B", "priority": "CRITICAL",
                                                        "plant_ids": [free_plant], "wo_type": "cleaning",
                                                        "assignee_id": me})
    assert r.status == 201, r.text()
    wo = r.json()["id"]
    tech.set_viewport_size({"width": 390, "height": 844})
    tech.goto("/my-work/")
    card = tech.get_by_test_id("mw-mine").get_by_test_id("mw-card").filter(has_text="Clean array B")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("mw-due")).to_contain_text("due in")
    assert tech.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scroll at 390 px"
    screenshot(tech, "my-work-technician-phone")
    card.click()
    expect(tech.get_by_test_id("wop-title")).to_contain_text(f"#{wo} Clean array B")
    # the manager's dashboard counts it among the work orders due within 24 h (a critical one: 24 h to resolve)
    manager.goto("/")
    expect(manager.get_by_test_id("metric-work-orders-hint")).to_contain_text("due within 24 h")
