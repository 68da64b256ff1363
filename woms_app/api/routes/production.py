"""GET /api/production/today: today's fleet power curve and energy per plant (top/bottom performers)."""
from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from woms_app.api.deps import DB, current_viewer
from woms_app.core.db import telemetry_session
from woms_app.services import fleet_production
from woms_app.services.viewer import Viewer

router = APIRouter(tags=["telemetry"])


@router.get("/production/today")
def production_today(n: int = Query(5, ge=1, le=50), viewer: Viewer = Depends(current_viewer),
                     session: Session = DB) -> dict:
    with telemetry_session(viewer.db_context) as tel:
        curve = fleet_production.fleet_power_today(session, tel, viewer)
        perf = fleet_production.performers(session, tel, viewer, n=n)
    return {"curve": curve.to_dict(), "top": [asdict(r) for r in perf.top], "bottom": [asdict(r) for r in perf.bottom],
            "with_data": perf.with_data, "without_data": perf.without_data}
