"""Plants: scoped lists and lookups."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core.errors import ValidationFailed
from woms_app.models.alert import Alert
from woms_app.models.enums import AlertSeverity, AlertStatus
from woms_app.models.org import Organization
from woms_app.models.plant import Plant
from woms_app.models.work_order import WorkOrder, WorkOrderPlant
from woms_app.services import audit
from woms_app.services.viewer import Viewer, get_scoped, scoped

SORTS = {
    "name": Plant.name,
    "capacity": Plant.capacity_kw,
    "power": Plant.current_power_kw,
    "energy": Plant.daily_energy_mwh,
    "last_reading": Plant.last_reading_at,
}
MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list
    total: int


def list_plants(session: Session, viewer: Viewer, *, search: str = "", sort: str = "name", descending: bool = False,
                page: int = 1, page_size: int = 25, org_id: int | None = None, vendor_id: int | None = None) -> Page:
    """Items: (Plant, organization name). ``org_id``/``vendor_id`` narrow the viewer's scope, never widen it."""
    if sort not in SORTS:
        raise ValidationFailed(f"sort must be one of {', '.join(SORTS)}", field="sort")
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"page must be ≥ 1 and page_size 1–{MAX_PAGE_SIZE}", field="page")
    stmt = scoped(select(Plant, Organization.name).join(Organization, Organization.id == Plant.org_id), viewer, Plant)
    if search.strip():
        stmt = stmt.where(sa.func.lower(Plant.name).contains(search.strip().lower(), autoescape=True))
    if org_id is not None:
        stmt = stmt.where(Plant.org_id == org_id)
    if vendor_id is not None:
        stmt = stmt.where(Plant.vendor_id == vendor_id)
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    col = SORTS[sort]
    order = col.desc() if descending else col.asc()
    rows = session.exec(stmt.order_by(order.nulls_last(), Plant.id).offset((page - 1) * page_size).limit(page_size)).all()
    audit.record_read(session, viewer, "plants", detail=f"list search={search!r} page={page}")
    return Page(items=[(p, org_name) for p, org_name in rows], total=total)


def get_plant(session: Session, viewer: Viewer, plant_id: int) -> Plant:
    plant = get_scoped(session, viewer, Plant, plant_id, "Plant")
    audit.record_read(session, viewer, "plants", plant.id, org_id=plant.org_id)
    return plant


@dataclass
class PlantStatus:
    active_alerts: int = 0
    worst_severity: str = ""  # AlertSeverity value of the worst active alert
    work_order_id: int | None = None  # the active work order holding the plant
    work_order_title: str = ""


def plant_status(session: Session, plant_ids: list[int]) -> dict[int, PlantStatus]:
    """Active alerts and the active work order of plants already loaded through the viewer's scope."""
    out = {pid: PlantStatus() for pid in plant_ids}
    if not plant_ids:
        return out
    order = {s.value: i for i, s in enumerate(AlertSeverity)}  # critical first
    for pid, sev, n in session.exec(
        select(Alert.plant_id, Alert.severity, sa.func.count(Alert.id))
        .where(Alert.plant_id.in_(plant_ids), Alert.status == AlertStatus.ACTIVE)
        .group_by(Alert.plant_id, Alert.severity)
    ).all():
        st = out[pid]
        st.active_alerts += n
        sev = AlertSeverity(sev).value
        if not st.worst_severity or order[sev] < order[st.worst_severity]:
            st.worst_severity = sev
    for pid, wo_id, title in session.exec(
        select(WorkOrderPlant.plant_id, WorkOrder.id, WorkOrder.title)
        .join(WorkOrder, WorkOrder.id == WorkOrderPlant.work_order_id)
        .where(WorkOrderPlant.plant_id.in_(plant_ids), WorkOrderPlant.is_active)
    ).all():
        out[pid].work_order_id, out[pid].work_order_title = wo_id, title
    return out
