"""Checklists and attachments in a real browser: add a checklist to a work order, record pass / flag / fail with
a reading (a bad reading is refused), the corrective work order of a failed item, photo and PDF uploads with a
thumbnail, a page of HTML named .jpg refused, another browser seeing a result live, GOVT without controls."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.e2e.conftest import screenshot, sign_in
from woms_app.core.db import make_engine
from woms_app.models import Organization, Plant, Vendor
from woms_app.services import work_orders
from woms_app.services.viewer import SYSTEM

TITLE = "Quarterly inverter inspection e2e"


@pytest.fixture(scope="module")
def inspection(server):
    """A Sunrise plant on an open inspection work order, written straight to the server's database."""
    engine = make_engine(server.main_url)
    with Session(engine) as s:
        org = s.exec(select(Organization).where(Organization.name == "Sunrise Energy")).one()
        vendor = s.exec(select(Vendor).where(Vendor.org_id == org.id)).first()
        plant = Plant(org_id=org.id, vendor_id=vendor.id, external_id="items-e2e", name="Kolar e2e", capacity_kw=900.0)
        s.add(plant)
        s.flush()
        wo = work_orders.create_work_order(s, SYSTEM, title=TITLE, plant_ids=[plant.id])
        s.commit()
        wo_id = wo.id
    engine.dispose()
    return wo_id


def toast(page, text: str):
    return page.wait_for_selector(f"[data-sonner-toast]:has-text(\"{text}\")")


def _files(tmp_path):
    img = Image.new("RGB", (1600, 1200), (30, 120, 200))
    photo, pdf, fake = tmp_path / "panel.jpg", tmp_path / "report.pdf", tmp_path / "fake.jpg"
    out = io.BytesIO()
    img.save(out, format="JPEG")
    photo.write_bytes(out.getvalue())
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    return photo, pdf, fake


def _open(page, wo_id: int):
    page.goto(f"/work-orders/?wo={wo_id}")
    page.wait_for_selector("[data-testid=wo-detail]")
    page.wait_for_selector("[data-testid=wo-checklists]")


def test_checklist_results_corrective_and_attachments(new_page, inspection, tmp_path):
    page = new_page()
    sign_in(page, "ops@sunrise.demo.woms")
    _open(page, inspection)
    page.click("[data-testid=cl-attach]")  # the first template: "Inverter inspection"
    page.wait_for_selector("[data-testid=wo-checklist]:has-text('Inverter inspection')")
    assert page.locator("[data-testid=cl-item]").count() == 10

    page.locator("[data-testid=cl-item]").nth(0).locator("[data-testid=cl-result-pass]").click()
    page.wait_for_selector("[data-testid=cl-progress]:has-text('1/10 checked')")
    heatsink = page.locator("[data-testid=cl-item]:has-text('Heatsink temperature')")
    heatsink.locator("[data-testid=cl-reading]").fill("hot")
    heatsink.locator("[data-testid=cl-result-flag]").click()
    toast(page, "The reading must be a number")
    assert page.inner_text("[data-testid=cl-progress]") == "1/10 checked"  # nothing recorded
    heatsink.locator("[data-testid=cl-reading]").fill("61.5")
    heatsink.locator("[data-testid=cl-result-flag]").click()
    page.wait_for_selector("[data-testid=cl-progress]:has-text('2/10 checked')")

    # another browser sees the next result without a reload
    other = new_page()
    sign_in(other, "ops@sunrise.demo.woms")
    _open(other, inspection)
    other.wait_for_selector("[data-testid=cl-progress]:has-text('2/10 checked')")
    dc = page.locator("[data-testid=cl-item]:has-text('DC isolator operates')")
    dc.locator("[data-testid=cl-note]").fill("Handle jammed")
    page.wait_for_timeout(500)  # the note's debounce
    dc.locator("[data-testid=cl-result-fail]").click()
    other.wait_for_selector("[data-testid=cl-progress]:has-text('3/10 checked')")
    expect(other.locator("[data-testid=cl-item]:has-text('DC isolator operates') [data-testid=cl-note]")
           ).to_have_value("Handle jammed")

    # the failed item's corrective work order: refused while the plant is on this one, with the reason
    dc.locator("[data-testid=cl-corrective]").click()
    toast(page, f"already on active work order #{inspection}")

    photo, pdf, fake = _files(tmp_path)
    page.set_input_files("[data-testid=wo-upload] input[type=file]", [str(photo), str(pdf)])
    toast(page, "2 file(s) attached")
    page.wait_for_function("() => { const i = document.querySelector('[data-testid=wo-attachment] img');"
                           " return i && i.complete && i.naturalWidth > 0 }")
    assert page.evaluate("() => { const i = document.querySelector('[data-testid=wo-attachment] img');"
                         " return [i.naturalWidth, i.naturalHeight] }") == [320, 240]
    page.set_input_files("[data-testid=wo-upload] input[type=file]", [str(fake)])
    toast(page, "fake.jpg: Only photos (JPEG, PNG, WebP) and PDF files can be attached")
    assert page.locator("[data-testid=wo-attachment]").count() == 2
    history = page.inner_text("[data-testid=wo-history]")
    assert "Checklist result" in history and "Attachment added" in history
    screenshot(page, "work-order-checklist-attachments-ops-light")

    # once the inspection is closed the plant is free and the corrective work order is created; cancelling needs a
    # reason, so the dialog's Cancel opens the work order's own page, which has the same checklist
    page.click("[data-testid=wo-transition-CANCELLED]")
    page.wait_for_selector("[data-testid=wop-note]")
    page.fill("[data-testid=wop-note]", "Inspection closed: the defect goes on its own work order")
    page.click("[data-testid=wop-step-CANCELLED]")
    toast(page, "is now cancelled")
    dc.locator("[data-testid=cl-corrective]").click()
    toast(page, "Corrective work order #")
    assert page.locator("[data-testid=cl-result-pass]").first.is_disabled()  # a closed order takes no results


def test_govt_sees_checklists_and_attachments_without_controls(new_page, inspection):
    page = new_page()
    sign_in(page, "govt@demo.woms")
    _open(page, inspection)
    page.wait_for_selector("[data-testid=wo-checklist]")
    assert page.locator("[data-testid=wo-upload]").count() == 0
    assert page.locator("[data-testid=cl-attach]").count() == 0
    assert page.locator("[data-testid=cl-result-pass]").first.is_disabled()
    page.wait_for_selector("[data-testid=wo-attachment] img")


def test_phone_width_has_no_sideways_scroll(browser, server, inspection):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server.url)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    try:
        sign_in(page, "ops@sunrise.demo.woms")
        _open(page, inspection)
        page.wait_for_selector("[data-testid=wo-checklist]")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "work-order-checklist-ops-390")
    finally:
        ctx.close()
