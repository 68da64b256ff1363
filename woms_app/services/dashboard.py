"""Dashboard figures for the viewer's scope."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.models.alert import Alert
from woms_app.models.enums import AlertSeverity, AlertStatus, WorkOrderStatus
from woms_app.models.org import Organization
from woms_app.models.plant import Plant
from woms_app.models.work_order import WorkOrder
from woms_app.services import audit, kpis, telemetry, telemetry_query
from woms_app.services.viewer import Viewer, org_filter

ACTIVE_WO = (WorkOrderStatus.OPEN, WorkOrderStatus.IN_PROGRESS)


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


@dataclass
class DashboardSummary:
    plants: int = 0
    capacity_kw: float = 0.0
    current_power_kw: float = 0.0
    energy_today_mwh: float = 0.0
    active_alerts: int = 0
    alerts_by_severity: dict[str, int] = field(default_factory=dict)
    open_work_orders: int = 0
    freshness: dict[str, int] = field(default_factory=dict)  # Freshness value -> plants
    fleet_pr: float | None = None  # Σ energy ÷ Σ reference energy over yesterday's complete plant-days
    fleet_pr_plants: int = 0  # plants whose yesterday counted …
    fleet_pr_of: int = 0  # … of the plants in scope
    organizations: list[OrgFigures] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def summary(session: Session, viewer: Viewer) -> DashboardSummary:
    """Counts and sums over the viewer's scope, with a per-organization breakdown."""
    per_org: dict[int, OrgFigures] = {}
    orgs = session.exec(select(Organization.id, Organization.name).where(org_filter(viewer, Organization.id))
                        .order_by(Organization.name)).all()
    for oid, name in orgs:
        per_org[oid] = OrgFigures(org_id=oid, org_name=name)

    plant_rows = session.exec(
        select(Plant.org_id, sa.func.count(Plant.id), sa.func.coalesce(sa.func.sum(Plant.capacity_kw), 0.0),
               sa.func.coalesce(sa.func.sum(Plant.current_power_kw), 0.0))
        .where(org_filter(viewer, Plant.org_id)).group_by(Plant.org_id)
    ).all()
    for oid, n, cap, power in plant_rows:
        f = per_org.get(oid)
        if f:
            f.plants, f.capacity_kw, f.current_power_kw = n, float(cap), float(power)
    # today's energy per plant-local day (a figure from before a plant's midnight is not today's)
    now = utcnow()
    for row in session.exec(select(Plant.org_id, Plant.daily_energy_mwh, Plant.last_reading_at, Plant.timezone)
                            .where(org_filter(viewer, Plant.org_id), Plant.daily_energy_mwh.is_not(None))).all():
        f = per_org.get(row.org_id)
        if f:
            f.energy_today_mwh += telemetry.energy_today_mwh(row, now) or 0.0

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
        .where(org_filter(viewer, WorkOrder.org_id), WorkOrder.status.in_(ACTIVE_WO))
        .group_by(WorkOrder.org_id)
    ).all()
    for oid, n in wo_rows:
        if oid in per_org:
            per_org[oid].open_work_orders = n

    figures = list(per_org.values())
    pr = kpis.fleet_pr(session, viewer)
    result = DashboardSummary(
        plants=sum(f.plants for f in figures),
        capacity_kw=round(sum(f.capacity_kw for f in figures), 3),
        current_power_kw=round(sum(f.current_power_kw for f in figures), 3),
        energy_today_mwh=round(sum(f.energy_today_mwh for f in figures), 4),
        active_alerts=sum(by_sev.values()),
        alerts_by_severity=by_sev,
        open_work_orders=sum(f.open_work_orders for f in figures),
        freshness=telemetry_query.freshness_counts(session, viewer),
        fleet_pr=pr.pr,
        fleet_pr_plants=pr.plants_counted,
        fleet_pr_of=pr.plants_total,
        organizations=figures,
    )
    audit.record_read(session, viewer, "dashboard", detail="fleet summary")
    return result
