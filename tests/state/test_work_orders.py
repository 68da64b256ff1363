"""state/work_orders.py: the rows of the detail dialog (efficiency before/during/after, history lines)."""
from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from woms_app.models.enums import WorkOrderStatus
from woms_app.services.work_orders import HistoryEntry, PlantLink
from woms_app.state.work_orders import _history_text, efficiency_rows

AT = datetime(2026, 5, 1, 14, 5, tzinfo=UTC)


def _link(pid: int, name: str) -> PlantLink:
    return PlantLink(plant_id=pid, plant_name=name, is_active=True, assigned_at=AT, assigned_by="a@x",
                     deactivated_at=None, deactivated_by="")


def _snap(pid: int, period: str, eff: float | None, cov: float | None = 100.0, pr: float | None = 0.8):
    return SimpleNamespace(plant_id=pid, period=period, efficiency_pct=eff, pr=pr, pr_temp_corrected=pr,
                           coverage_pct=cov, method="sapm", computed_at=AT, days=3,
                           window_start=datetime(2026, 4, 1, tzinfo=UTC), window_end=datetime(2026, 4, 3, tzinfo=UTC))


def test_efficiency_rows_one_per_plant_with_period_figures():
    plants = [_link(1, "North"), _link(1, "North"), _link(2, "South")]  # a plant added twice: one row
    rows = efficiency_rows(plants, [_snap(1, "before", 14.0), _snap(1, "after", 16.5, cov=80.0)])
    assert [r["plant"] for r in rows] == ["North", "South"]
    north, south = rows
    assert north["before_eff"] == "14.0 %" and north["after_eff"] == "16.5 %" and north["during_eff"] == "—"
    assert north["before_pr"] == "80.0 %"  # a ratio shown in %
    assert north["after_cov"] == "80 %" and north["after_low"] == "yes" and north["before_low"] == ""
    assert north["before_window"] == "01 Apr – 03 Apr · 3 d" and north["during_window"] == "no window yet"
    assert north["computed"] == "2026-05-01 14:05 UTC" and north["method"] == "sapm" and north["has_data"] == "yes"
    assert north["verdict"] == "uncertain"  # after's coverage is low
    assert south["has_data"] == "" and south["verdict"] == "not_enough_data" and south["computed"] == ""


def test_history_text():
    def entry(kind, frm=None, to=None):
        return HistoryEntry(at=AT, who="a@x", kind=kind, from_status=frm, to_status=to, note="")

    assert _history_text(entry("status", WorkOrderStatus.OPEN, WorkOrderStatus.IN_PROGRESS)) == (
        f"Status {WorkOrderStatus.OPEN.label} → {WorkOrderStatus.IN_PROGRESS.label}")
    assert _history_text(entry("plant_added")) == "Plant added"
    assert _history_text(entry("something_new")) == "Something new"
