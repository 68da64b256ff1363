"""GET /api/plants/{id}/kpis and GET /api/work-orders/{id}/efficiency — persisted PR / efficiency figures."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from woms_app.api.deps import DB, current_viewer
from woms_app.api.ids import PlantId, WorkOrderId
from woms_app.services import kpis
from woms_app.services.viewer import Viewer

router = APIRouter(tags=["analytics"])


@router.get("/plants/{plant_id}/kpis")
def plant_kpis(plant_id: PlantId, days: int = Query(30, ge=1, le=366), viewer: Viewer = Depends(current_viewer),
               session: Session = DB) -> dict:
    """Daily PR, temperature-corrected PR, efficiency %, coverage and method of a plant (oldest day first)."""
    items = kpis.plant_kpis(session, viewer, plant_id, days=days)
    return {"items": items, "total": len(items)}


@router.get("/work-orders/{work_order_id}/efficiency")
def work_order_efficiency(work_order_id: WorkOrderId, viewer: Viewer = Depends(current_viewer),
                          session: Session = DB) -> dict:
    """Before / during / after snapshots per plant of a work order."""
    rows = kpis.work_order_snapshots(session, viewer, work_order_id)
    items = [{"plant_id": r.plant_id, "period": r.period.value if hasattr(r.period, "value") else r.period,
              "window_start": r.window_start, "window_end": r.window_end, "days": r.days, "pr": r.pr,
              "pr_temp_corrected": r.pr_temp_corrected, "efficiency_pct": r.efficiency_pct,
              "coverage_pct": r.coverage_pct, "energy_kwh": r.energy_kwh,
              "expected_energy_kwh": r.expected_energy_kwh, "method": r.method, "computed_at": r.computed_at}
             for r in rows]
    return {"items": items, "total": len(items)}
