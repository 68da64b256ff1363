"""GET /api/plants (search, sort, pagination, filters) and GET /api/plants/{id}."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from woms_app.api.deps import DB, current_viewer
from woms_app.api.ids import PlantId
from woms_app.models.plant import Plant
from woms_app.services import plants as plant_service
from woms_app.services.freshness import freshness_for
from woms_app.services.paging import MAX_PAGE_SIZE
from woms_app.services.telemetry import energy_today_mwh
from woms_app.services.viewer import Viewer

router = APIRouter(tags=["plants"])


def _iso(value):
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def plant_out(plant: Plant, org_name: str, freshness, status: plant_service.PlantStatus) -> dict:
    pr, yf = plant_service.yesterday_kpis(plant)
    return {
        "id": plant.id, "name": plant.name, "org_id": plant.org_id, "org_name": org_name,
        "vendor_id": plant.vendor_id, "external_id": plant.external_id, "capacity_kw": plant.capacity_kw,
        "latitude": plant.latitude, "longitude": plant.longitude, "altitude_m": plant.altitude_m,
        "tilt_deg": plant.tilt_deg, "azimuth_deg": plant.azimuth_deg, "timezone": plant.timezone,
        "current_power_kw": plant.current_power_kw, "daily_energy_mwh": energy_today_mwh(plant),
        "last_reading_at": _iso(plant.last_reading_at), "freshness": freshness.value,
        "active_alerts": status.active_alerts, "active_work_order_id": status.work_order_id,
        "active_work_order_title": status.work_order_title or None,
        "pr_yesterday": pr, "specific_yield_yesterday_kwh_kwp": yf,
        "kpi_day": None if plant.kpi_day is None else plant.kpi_day.isoformat(),
    }


@router.get("/plants")
def list_plants(
    search: str = Query("", max_length=100),
    sort: str = Query("name", description=f"one of {', '.join(plant_service.SORTS)}"),
    order: str = Query("asc", pattern="^(asc|desc)$"),
    page: int = Query(1, ge=1),
    page_size: int = Query(25, ge=1, le=MAX_PAGE_SIZE),
    org_id: int | None = Query(None, description="narrow to one organization (within your scope)"),
    vendor_id: int | None = None,
    viewer: Viewer = Depends(current_viewer),
    session: Session = DB,
) -> dict:
    """The plants you may see, paginated: ``{"items": [...], "total": N}``."""
    result = plant_service.list_plants(session, viewer, search=search, sort=sort, descending=order == "desc",
                                       page=page, page_size=page_size, org_id=org_id, vendor_id=vendor_id)
    plants = [p for p, _ in result.items]
    fresh = freshness_for(session, plants)
    status = plant_service.plant_status(session, [p.id for p in plants])
    return {"items": [plant_out(p, org, fresh[p.id], status[p.id]) for p, org in result.items],
            "total": result.total, "page": page, "page_size": page_size}


@router.get("/plants/{plant_id}")
def get_plant(plant_id: PlantId, viewer: Viewer = Depends(current_viewer), session: Session = DB) -> dict:
    """One plant (404 when unknown or outside your scope)."""
    from woms_app.models.org import Organization

    plant = plant_service.get_plant(session, viewer, plant_id)
    org = session.get(Organization, plant.org_id)
    fresh = freshness_for(session, [plant])[plant.id]
    status = plant_service.plant_status(session, [plant.id])[plant.id]
    return plant_out(plant, org.name if org else "", fresh, status)
