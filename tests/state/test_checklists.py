"""state/checklists.py: the rows the checklist and attachment sections show."""
from __future__ import annotations

from datetime import UTC, datetime

from woms_app.models.enums import ChecklistResult, WorkOrderType
from woms_app.services.attachments import AttachmentView
from woms_app.services.checklists import ChecklistItemView, ChecklistView
from woms_app.state.checklists import attachment_rows, checklist_rows

AT = datetime(2026, 5, 1, 14, 5, tzinfo=UTC)


def test_checklist_rows_carry_progress_results_and_readings():
    items = [ChecklistItemView(id=11, position=0, label="DC isolator operates", unit="", result=ChecklistResult.FAIL,
                               reading=None, note="stuck", recorded_by="ops@x", recorded_at=AT, attachments=2),
             ChecklistItemView(id=12, position=1, label="Insulation resistance (MΩ)", unit="MΩ", result=None,
                               reading=None, note="", recorded_by="", recorded_at=None),
             ChecklistItemView(id=13, position=2, label="Voc", unit="V", result=ChecklistResult.PASS, reading=612.5,
                               note="", recorded_by="ops@x", recorded_at=AT)]
    view = ChecklistView(id=5, work_order_id=1, template_id=None, name="Inverter inspection",
                         wo_type=WorkOrderType.INSPECTION, plant_id=3, plant_name="Plant 3", created_by="ops@x",
                         created_at=AT, items=items)
    lists, rows = checklist_rows([view])
    assert lists == [{"id": "5", "name": "Inverter inspection", "plant": "Plant 3", "type": "Inspection",
                      "progress": "2/3 checked", "failed": "1"}]
    assert [(r["checklist_id"], r["id"], r["result"], r["reading"], r["photos"]) for r in rows] == [
        ("5", "11", "fail", "", "2"), ("5", "12", "", "", ""), ("5", "13", "pass", "612.5", "")]
    assert rows[0]["recorded"] == "ops@x · 2026-05-01 14:05 UTC" and rows[1]["recorded"] == ""


def test_attachment_rows_link_only_to_the_authorized_routes():
    photo = AttachmentView(id=7, work_order_id=3, checklist_item_id=None, file_name="a.jpg", content_type="image/jpeg",
                           size_bytes=2_500_000, width=10, height=10, has_thumbnail=True, uploaded_by="ops@x",
                           uploaded_by_id=1, uploaded_at=AT)
    doc = AttachmentView(id=8, work_order_id=3, checklist_item_id=11, file_name="r.pdf", content_type="application/pdf",
                         size_bytes=300, width=None, height=None, has_thumbnail=False, uploaded_by="",
                         uploaded_by_id=None, uploaded_at=AT)
    rows = attachment_rows([photo, doc])
    assert rows[0]["url"] == "/api/work-orders/3/attachments/7" and rows[0]["thumb"].endswith("/7/thumbnail")
    assert rows[0]["meta"].startswith("2.4 MB · ops@x") and rows[0]["image"] == "yes"
    assert rows[1]["thumb"] == "" and rows[1]["meta"].startswith("1 KB · system") and rows[1]["item"] == "11"
