"""Plants: scoped lists and lookups; the vendor's plant and device lists stored by the sync.

Read side (scoped to a viewer): ``list_plants``, ``get_plant``, ``plant_devices``, ``plant_status``, KPI copies.
Write side (the sync, as the system): ``upsert_plants`` / ``store_devices`` keep the ``plants`` and
``plant_devices`` rows in step with the vendor's lists, idempotently (plants by (vendor, external id), devices by
(plant, serial)); ``store_plants`` / ``vendor_plants`` are the sync's own transactions around them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.core.errors import ValidationFailed
from woms_app.core.timezones import local_day
from woms_app.models.alert import Alert
from woms_app.models.enums import AlertSeverity, AlertStatus
from woms_app.models.org import Organization
from woms_app.models.plant import Plant, PlantDevice
from woms_app.models.telemetry import PlantDailyKpi
from woms_app.models.vendor import Vendor
from woms_app.models.work_order import WorkOrder, WorkOrderPlant
from woms_app.services import audit
from woms_app.services.paging import Page, check_page
from woms_app.services.viewer import Viewer, get_scoped, scoped

SORTS = {
    "name": Plant.name,
    "capacity": Plant.capacity_kw,
    "power": Plant.current_power_kw,
    "energy": Plant.daily_energy_mwh,
    "last_reading": Plant.last_reading_at,
    "pr": Plant.kpi_pr,  # yesterday's (see _yesterday_only)
    "yield": Plant.kpi_yield_kwh_kwp,
}
YESTERDAY_SORTS = {"pr", "yield"}


def local_yesterday(tz: str, now: datetime | None = None) -> date:
    return local_day(now or utcnow(), tz) - timedelta(days=1)


def yesterday_kpis(plant: Plant, now: datetime | None = None) -> tuple[float | None, float | None]:
    """(PR, specific yield kWh/kWp) of the plant's own local yesterday, or (None, None) when its latest final
    day is older (the hourly job has not finished yesterday yet, or the day had too little data)."""
    if plant.kpi_day is None or plant.kpi_day != local_yesterday(plant.timezone, now):
        return None, None
    return plant.kpi_pr, plant.kpi_yield_kwh_kwp


def _yesterday_only(session: Session, viewer: Viewer, col, now: datetime | None = None):
    """``col`` where the plant's stored KPI day is its own local yesterday, else NULL: the sort key of the PR and
    specific-yield columns, in SQL. Plants have a handful of zones; each zone's yesterday is a literal."""
    zones = session.exec(scoped(select(Plant.timezone).distinct(), viewer, Plant)).all()
    if not zones:
        return col
    day_of_zone = sa.case({tz: sa.literal(local_yesterday(tz, now), sa.Date) for tz in zones}, value=Plant.timezone)
    return sa.case((Plant.kpi_day == day_of_zone, col), else_=sa.null())


def refresh_latest_kpis(plant_ids: Iterable[int]) -> int:
    """Copy each plant's latest final, complete KPI day (PR, specific yield) from ``plant_daily_kpis`` onto its
    ``plants`` row. Called after daily KPI rows are written (hourly job, demo history). Returns plants changed."""
    ids = sorted(set(int(i) for i in plant_ids))
    if not ids:
        return 0
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        latest = (select(PlantDailyKpi.plant_id, sa.func.max(PlantDailyKpi.day).label("day"))
                  .where(PlantDailyKpi.plant_id.in_(ids), PlantDailyKpi.final.is_(True),
                         PlantDailyKpi.incomplete.is_(False), PlantDailyKpi.pr.is_not(None))
                  .group_by(PlantDailyKpi.plant_id).subquery())
        rows = tel.exec(select(PlantDailyKpi.plant_id, PlantDailyKpi.day, PlantDailyKpi.pr, PlantDailyKpi.yf_kwh_kwp)
                        .join(latest, sa.and_(latest.c.plant_id == PlantDailyKpi.plant_id,
                                              latest.c.day == PlantDailyKpi.day))).all()
    changed = 0
    with main_session(SYSTEM_CONTEXT) as session:
        for plant_id, day, pr, yf in rows:
            plant = session.get(Plant, plant_id)
            if plant is None or (plant.kpi_day, plant.kpi_pr, plant.kpi_yield_kwh_kwp) == (day, pr, yf):
                continue
            plant.kpi_day, plant.kpi_pr, plant.kpi_yield_kwh_kwp = day, pr, yf
            session.add(plant)
            changed += 1
        if changed:
            for org_id in {session.get(Plant, pid).org_id for pid, *_ in rows}:
                feed.publish_after_commit(session, org_id, feed.METRICS)
    return changed


def list_plants(session: Session, viewer: Viewer, *, search: str = "", sort: str = "name", descending: bool = False,
                page: int = 1, page_size: int = 25, org_id: int | None = None, vendor_id: int | None = None) -> Page:
    """Items: (Plant, organization name). ``org_id``/``vendor_id`` narrow the viewer's scope, never widen it."""
    if sort not in SORTS:
        raise ValidationFailed(f"sort must be one of {', '.join(SORTS)}", field="sort")
    check_page(page, page_size)
    stmt = scoped(select(Plant, Organization.name).join(Organization, Organization.id == Plant.org_id), viewer, Plant)
    if search.strip():
        stmt = stmt.where(sa.func.lower(Plant.name).contains(search.strip().lower(), autoescape=True))
    if org_id is not None:
        stmt = stmt.where(Plant.org_id == org_id)
    if vendor_id is not None:
        stmt = stmt.where(Plant.vendor_id == vendor_id)
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    col = _yesterday_only(session, viewer, SORTS[sort]) if sort in YESTERDAY_SORTS else SORTS[sort]
    order = col.desc() if descending else col.asc()
    rows = session.exec(stmt.order_by(order.nulls_last(), Plant.id)
                        .offset((page - 1) * page_size).limit(page_size)).all()
    audit.record_read(session, viewer, "plants", detail=f"list search={search!r} page={page}")
    return Page(items=[(p, org_name) for p, org_name in rows], total=total)


DEVICE_ORDER = {"inverter": 0, "logger": 1, "weather": 2, "meter": 3, "other": 4}


def plant_devices(session: Session, viewer: Viewer, plant_id: int) -> list[PlantDevice]:
    """The devices of a plant the viewer may see (inverters first, then loggers, weather stations, meters)."""
    plant = get_scoped(session, viewer, Plant, plant_id, "Plant")
    rows = session.exec(select(PlantDevice).where(PlantDevice.plant_id == plant.id)).all()
    audit.record_read(session, viewer, "plant_devices", plant.id, org_id=plant.org_id)
    return sorted(rows, key=lambda d: (DEVICE_ORDER.get(d.kind, 9), d.sn))


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


# ---------------------------------------------------------------- the vendor's lists (written by the sync)
def _clean_coord(v: float | None, bound: float) -> float | None:
    return v if v is not None and -bound <= v <= bound else None


def upsert_plants(session: Session, vendor: Vendor, plants: list, now: datetime) -> tuple[list[Plant], bool]:
    """Insert new plants, update changed ones. Returns (the vendor's listed plants, anything changed)."""
    existing = {p.external_id: p for p in session.exec(select(Plant).where(Plant.vendor_id == vendor.id)).all()}
    changed = False
    out = []
    for np in plants:
        ext = str(np.external_id)[:80]
        values: dict[str, Any] = {
            "name": (np.name or ext)[:200],
            "latitude": _clean_coord(np.latitude, 90), "longitude": _clean_coord(np.longitude, 180),
            "altitude_m": np.altitude_m, "tilt_deg": np.tilt_deg, "azimuth_deg": np.azimuth_deg,
            "timezone": (np.timezone or "UTC")[:64], "has_irradiance_sensor": bool(np.has_irradiance_sensor),
            "timezone_error": (getattr(np, "timezone_error", None) or None) and np.timezone_error[:200],
        }
        if np.capacity_kw is not None and np.capacity_kw >= 0:
            values["capacity_kw"] = float(np.capacity_kw)
        plant = existing.get(ext)
        if values["timezone_error"] and plant is not None:
            values.pop("timezone")  # keep the zone it had; the error says why it is not refreshed
        if plant is None:
            plant = Plant(org_id=vendor.org_id, vendor_id=vendor.id, external_id=ext, created_at=now, updated_at=now,
                          **values)
            session.add(plant)
            changed = True
        else:
            diff = {k: v for k, v in values.items() if getattr(plant, k) != v}
            if diff:
                for k, v in diff.items():
                    setattr(plant, k, v)
                plant.updated_at = now
                session.add(plant)
                changed = True
        out.append(plant)
    session.flush()
    for np, plant in zip(plants, out):
        if getattr(np, "devices", ()):
            changed |= store_devices(session, plant, np.devices, now)
    if changed:
        feed.publish_after_commit(session, vendor.org_id, feed.PLANTS)
    return out, changed


def store_devices(session: Session, plant: Plant, devices, now: datetime) -> bool:
    """Upsert the devices the vendor listed for ``plant`` (by serial); a device no longer listed is kept with
    status ``unknown`` (its history stays readable). Returns whether anything but ``seen_at`` changed."""
    existing = {d.sn: d for d in session.exec(select(PlantDevice).where(PlantDevice.plant_id == plant.id)).all()}
    changed = False
    listed = set()
    for dev in devices:
        sn = str(dev.sn)[:80]
        if sn in listed:
            continue
        listed.add(sn)
        values = {"kind": str(dev.kind)[:20], "name": str(dev.name or "")[:80], "status": str(dev.status)[:20],
                  "last_data_at": dev.last_data_at}
        row = existing.get(sn)
        if row is None:
            session.add(PlantDevice(org_id=plant.org_id, plant_id=plant.id, sn=sn, seen_at=now, **values))
            changed = True
            continue
        if any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed = True
        row.seen_at = now
        session.add(row)
    for sn, row in existing.items():
        if sn not in listed and row.status != "unknown":
            row.status = "unknown"
            session.add(row)
            changed = True
    session.flush()
    return changed


def store_plants(vendor: Vendor, listed: list, now: datetime) -> list[Plant]:
    """``upsert_plants`` in its own transaction; the plants come back detached (the sync reads them later)."""
    with main_session() as session:
        plants, _ = upsert_plants(session, vendor, listed, now)
        for p in plants:
            session.expunge(p)
    return plants


def vendor_plants(vendor_id: int) -> list[Plant]:
    """The vendor's stored plants, detached (a run that does not refresh the lists)."""
    with main_session() as session:
        plants = session.exec(select(Plant).where(Plant.vendor_id == vendor_id).order_by(Plant.id)).all()
        for p in plants:
            session.expunge(p)
    return list(plants)
