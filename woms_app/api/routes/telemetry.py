"""GET /api/telemetry?plant_id&from&to&metric[&format=csv]."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlmodel import Session

from woms_app.api.deps import DB, current_viewer
from woms_app.core.db import telemetry_session
from woms_app.core.errors import ValidationFailed
from woms_app.services import plant_series
from woms_app.services.viewer import Viewer

router = APIRouter(tags=["telemetry"])


# The service's dataclass as the response model: pydantic serializes it (≈ 0.3 ms for a 288-point series) where
# FastAPI's generic jsonable_encoder on a plain dict took ≈ 3 ms, the largest single cost of this endpoint (P3).
@router.get("/telemetry", response_model=plant_series.Series, responses={200: {"content": {"text/csv": {}}}})
def get_telemetry(
    plant_id: int = Query(..., description="a plant you may see"),
    from_: str | None = Query(None, alias="from", description="ISO 8601 instant with offset; default: to − 24 h"),
    to: str | None = Query(None, description="ISO 8601 instant with offset; default: now"),
    metric: str = Query("power", description=f"one of {', '.join(plant_series.METRICS)}"),
    format: str = Query("json", description="json (downsampled series) or csv (raw readings)"),
    max_points: int = Query(plant_series.MAX_POINTS, ge=2, le=plant_series.MAX_POINTS),
    viewer: Viewer = Depends(current_viewer),
    session: Session = DB,
):
    """A plant's metric over a window of at most 7 days. JSON: bucket means on a regular grid (≤ 500 points,
    ``value`` null where data is missing; labels on the plant's own clock). CSV: the raw readings."""
    if format not in ("json", "csv"):
        raise ValidationFailed("format must be json or csv", field="format")
    start = plant_series.parse_instant(from_, "from")
    end = plant_series.parse_instant(to, "to")
    with telemetry_session(viewer.db_context) as tel:
        if format == "csv":
            name, text = plant_series.plant_readings_csv(session, tel, viewer, plant_id, metric, start=start,
                                                            end=end)
            return Response(text, media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        series = plant_series.plant_series(session, tel, viewer, plant_id, metric, start=start, end=end,
                                              max_points=max_points)
    return series
