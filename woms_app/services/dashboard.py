"""Dashboard figures for the viewer's scope."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.core.timezones import local_day
from woms_app.models.alert import Alert
from woms_app.models.enums import ACTIVE_WORK_ORDER_STATUSES, AlertSeverity, AlertStatus
from woms_app.models.org import Organization
from woms_app.models.plant import Plant
from woms_app.models.work_order import WorkOrder
from woms_app.services import audit, kpis, sla, telemetry
from woms_app.services.freshness import freshness_counts
from woms_app.services.viewer import Viewer, org_filter
from woms_app.services.zones import zone_label

DUE_SOON_HOURS = 24


@dataclass
class OrgFigures:
    org_id: int
    org_name: str
    plants: int = 0
    capacity_kw: float = 0.0
    current_power_kw: float = 0.0
    energy_today_mwh: float = 0.0
    active_alerts: int = 0
    open_work_orders: int = 0
    overdue_work_orders: int = 0
    due_soon_work_orders: int = 0


@dataclass
class DashboardSummary:
    plants: int = 0
    capacity_kw: float = 0.0
    current_power_kw: float = 0.0
    energy_today_mwh: float = 0.0
    energy_day: str = ""  # which day "today" is: one zone's date and zone, or each plant's own local day
    active_alerts: int = 0
    alerts_by_severity: dict[str, int] = field(default_factory=dict)
    open_work_orders: int = 0
    overdue_work_orders: int = 0  # active and past the due time or the resolution clock (services/sla.py)
    due_soon_work_orders: int = 0  # active, not overdue, due within DUE_SOON_HOURS
    freshness: dict[str, int] = field(default_factory=dict)  # Freshness value -> plants
    fleet_pr: float | None = None  # Σ energy ÷ Σ reference energy over yesterday's complete plant-days
    fleet_pr_plants: int = 0  # plants whose yesterday counted …
    fleet_pr_of: int = 0  # … of the plants in scope
    fleet_pr_energy_kwh: float = 0.0  # Σ energy of the counted plant-days
    fleet_pr_reference_kwh: float = 0.0  # Σ reference energy of the counted plant-days
    computed_at: str = ""  # ISO UTC: when these figures were computed
    latest_reading_at: str | None = None  # ISO UTC: the newest reading behind the live figures
    organizations: list[OrgFigures] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def summary(session: Session, viewer: Viewer, *, now: datetime | None = None) -> DashboardSummary:
    """Counts and sums over the viewer's scope, with a per-organization breakdown.

    Set-based: every figure is an aggregate in the database (grouped by organization, or by the handful of time
    zones), so the cost grows with organizations and zones, not with plants, at any hour of the day."""
    now = now or utcnow()
    per_org: dict[int, OrgFigures] = {}
    orgs = session.exec(select(Organization.id, Organization.name).where(org_filter(viewer, Organization.id))
                        .order_by(Organization.name)).all()
    for oid, name in orgs:
        per_org[oid] = OrgFigures(org_id=oid, org_name=name)

    scope = org_filter(viewer, Plant.org_id)
    zones = dict(session.exec(select(Plant.timezone, sa.func.count(Plant.id)).where(scope)
                              .group_by(Plant.timezone)).all())
    # today's energy per plant-local day (a figure from before a plant's midnight is not today's: 0)
    today = telemetry.counter_today_clause(zones, now)
    plant_rows = session.exec(
        select(Plant.org_id, sa.func.count(Plant.id), sa.func.coalesce(sa.func.sum(Plant.capacity_kw), 0.0),
               sa.func.coalesce(sa.func.sum(Plant.current_power_kw), 0.0),
               sa.func.coalesce(sa.func.sum(sa.case((today, Plant.daily_energy_mwh), else_=0.0)), 0.0),
               sa.func.max(Plant.last_reading_at))
        .where(scope).group_by(Plant.org_id)
    ).all()
    latest: datetime | None = None
    for oid, n, cap, power, energy, last in plant_rows:
        f = per_org.get(oid)
        if f:
            f.plants, f.capacity_kw, f.current_power_kw = n, float(cap), float(power)
            f.energy_today_mwh = float(energy)
        last = _aware(last)
        if last is not None and (latest is None or last > latest):
            latest = last

    alert_rows = session.exec(
        select(Alert.org_id, Alert.severity, sa.func.count(Alert.id))
        .where(org_filter(viewer, Alert.org_id), Alert.status == AlertStatus.ACTIVE)
        .group_by(Alert.org_id, Alert.severity)
    ).all()
    by_sev = {s.value: 0 for s in AlertSeverity}
    for oid, sev, n in alert_rows:
        by_sev[AlertSeverity(sev).value] += n
        if oid in per_org:
            per_org[oid].active_alerts += n

    wo_rows = session.exec(
        select(WorkOrder.org_id, sa.func.count(WorkOrder.id))
        .where(org_filter(viewer, WorkOrder.org_id), WorkOrder.status.in_(ACTIVE_WORK_ORDER_STATUSES))
        .group_by(WorkOrder.org_id)
    ).all()
    for oid, n in wo_rows:
        if oid in per_org:
            per_org[oid].open_work_orders = n
    for attr, clause in (("overdue_work_orders", sla.overdue_clause(now)),
                         ("due_soon_work_orders", sla.due_within_clause(now, DUE_SOON_HOURS))):
        for oid, n in session.exec(select(WorkOrder.org_id, sa.func.count(WorkOrder.id))
                                   .where(org_filter(viewer, WorkOrder.org_id), clause)
                                   .group_by(WorkOrder.org_id)).all():
            if oid in per_org:
                setattr(per_org[oid], attr, n)

    figures = list(per_org.values())
    pr = kpis.fleet_pr(session, viewer, now=now, zones=zones)
    days = {local_day(now, tz) for tz in zones}
    if len(zones) == 1:
        tz = next(iter(zones))
        energy_day = f"{next(iter(days)).isoformat()}, {zone_label(tz, now)}"
    elif zones:
        energy_day = "each plant's own local today" + (f" ({next(iter(days)).isoformat()})" if len(days) == 1 else "")
    else:
        energy_day = ""
    result = DashboardSummary(
        plants=sum(f.plants for f in figures),
        capacity_kw=round(sum(f.capacity_kw for f in figures), 3),
        current_power_kw=round(sum(f.current_power_kw for f in figures), 3),
        energy_today_mwh=round(sum(f.energy_today_mwh for f in figures), 4),
        energy_day=energy_day,
        active_alerts=sum(by_sev.values()),
        alerts_by_severity=by_sev,
        open_work_orders=sum(f.open_work_orders for f in figures),
        overdue_work_orders=sum(f.overdue_work_orders for f in figures),
        due_soon_work_orders=sum(f.due_soon_work_orders for f in figures),
        freshness=freshness_counts(session, viewer, now, zones=zones),
        fleet_pr=pr.pr,
        fleet_pr_plants=pr.plants_counted,
        fleet_pr_of=pr.plants_total,
        fleet_pr_energy_kwh=pr.energy_kwh,
        fleet_pr_reference_kwh=pr.reference_energy_kwh,
        computed_at=now.isoformat(),
        latest_reading_at=None if latest is None else latest.isoformat(),
        organizations=figures,
    )
    audit.record_read(session, viewer, "dashboard", detail="fleet summary")
    return result


def _aware(value):
    if isinstance(value, str):  # an aggregate over a UTCDateTime column on SQLite comes back as text
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value
