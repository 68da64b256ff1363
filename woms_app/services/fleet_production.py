"""Fleet production: today's power curve of the viewer's fleet, each plant's energy today, and the top and bottom
performers on each plant's complete local yesterday."""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.core.timezones import local_day, zone
from woms_app.models.plant import Plant
from woms_app.models.telemetry import OrgPowerBucket, PlantDailyEnergy, PlantDailyKpi
from woms_app.services import audit, telemetry
from woms_app.services.telemetry import POWER_BUCKET_S
from woms_app.services.viewer import Viewer, org_filter
from woms_app.services.zones import display_timezone, local_label, scope_zones, zone_label


@dataclass
class FleetCurve:
    timezone: str
    zone_label: str
    day: str  # local date, ISO
    bucket_minutes: int
    plants: int
    points: list[dict] = field(default_factory=list)  # {"t", "label", "value" (kW) | None, "plants" reporting}

    def to_dict(self) -> dict:
        return asdict(self)


def fleet_power_today(main: Session, tel: Session, viewer: Viewer, *, now: datetime | None = None) -> FleetCurve:
    """Today's fleet power curve (local midnight to midnight in the display zone) in 15-minute buckets: per
    bucket, the sum over plants of each plant's mean power in that bucket, counting only plants that reported;
    buckets where no plant reported (and the future) are ``None``.

    Read from the per-organization buckets the sync maintains (``org_power_15m``): at most 96 rows per
    organization, however many plants and readings the day holds."""
    now = now or utcnow()
    zones = scope_zones(main, viewer)
    tz = display_timezone(main, viewer, zones)
    zi = zone(tz)
    today = local_day(now, zi)
    day_start = datetime.combine(today, time(0), zi).astimezone(UTC)
    day_end = datetime.combine(today + timedelta(days=1), time(0), zi).astimezone(UTC)
    step = POWER_BUCKET_S
    n = math.ceil((day_end - day_start).total_seconds() / step)
    sums = [0.0] * n
    reporting = [0] * n
    if zones:
        rows = tel.exec(
            select(OrgPowerBucket.bucket, func.sum(OrgPowerBucket.power_kw), func.sum(OrgPowerBucket.plants))
            .where(org_filter(viewer, OrgPowerBucket.org_id), OrgPowerBucket.bucket >= day_start,
                   OrgPowerBucket.bucket < min(day_end, now), OrgPowerBucket.plants > 0)
            .group_by(OrgPowerBucket.bucket)
        ).all()
        for bucket, kw, plants in rows:
            i = int((bucket - day_start).total_seconds() // step)
            if 0 <= i < n and plants:
                sums[i] += float(kw)
                reporting[i] += int(plants)
    points = []
    for i in range(n):
        b0 = day_start + timedelta(seconds=i * step)
        points.append({"t": b0.isoformat().replace("+00:00", "Z"), "label": local_label(b0, zi, False),
                       "value": round(sums[i], 3) if reporting[i] else None, "plants": reporting[i]})
    audit.record_read(main, viewer, "telemetry", detail="fleet power curve today")
    return FleetCurve(timezone=tz, zone_label=zone_label(tz, now), day=today.isoformat(),
                      bucket_minutes=step // 60, plants=sum(zones.values()), points=points)


@dataclass
class PlantEnergy:
    plant_id: int
    name: str
    org_id: int
    capacity_kw: float
    energy_kwh: float | None
    specific_yield: float | None  # kWh/kWp
    source: str  # "vendor" (today's counter) | "rollup" (plant_daily_energy) | "kpi" (plant_daily_kpis) | ""
    day: str = ""  # the plant-local day the figures are of (ISO)
    pr: float | None = None  # that day's performance ratio, when the plant has one


@dataclass
class Performers:
    top: list[PlantEnergy]
    bottom: list[PlantEnergy]
    with_data: int
    without_data: int
    basis: str = "yesterday"  # each plant's own complete local yesterday


def energy_today(main: Session, tel: Session, viewer: Viewer, *, now: datetime | None = None,
                 org_id: int | None = None) -> list[PlantEnergy]:
    """Energy of each plant on its own local today: the vendor's daily counter when its last reading is from the
    plant's today, else the daily roll-up row of that day; ``None`` when neither exists."""
    now = now or utcnow()
    stmt = select(Plant.id, Plant.name, Plant.org_id, Plant.capacity_kw, Plant.timezone, Plant.daily_energy_mwh,
                  Plant.last_reading_at).where(org_filter(viewer, Plant.org_id))
    if org_id is not None:
        stmt = stmt.where(Plant.org_id == org_id)
    plants = main.exec(stmt.order_by(Plant.id)).all()  # columns, not ORM objects: thousands of rows
    today_in: dict[str, date] = {tz: local_day(now, tz) for tz in {p.timezone for p in plants}}
    rollups: dict[tuple[int, date], float] = {}
    if plants:
        org_of = {p.id: p.org_id for p in plants}
        # scoped by organization and day, matched to the plants here: no IN list of thousands of ids
        rows = tel.exec(select(PlantDailyEnergy.plant_id, PlantDailyEnergy.org_id, PlantDailyEnergy.day,
                               PlantDailyEnergy.energy_kwh)
                        .where(org_filter(viewer, PlantDailyEnergy.org_id),
                               PlantDailyEnergy.day.in_(set(today_in.values())))).all()
        for pid, oid, day, kwh in rows:
            if org_of.get(pid) == oid:
                rollups[(pid, day)] = float(kwh)
    out = []
    for p in plants:
        today = today_in[p.timezone]
        kwh, source = None, ""
        if telemetry.counter_is_today(p, now):
            kwh, source = p.daily_energy_mwh * 1000.0, "vendor"
        elif (p.id, today) in rollups:
            kwh, source = rollups[(p.id, today)], "rollup"
        sy = round(kwh / p.capacity_kw, 3) if kwh is not None and p.capacity_kw > 0 else None
        out.append(PlantEnergy(plant_id=p.id, name=p.name, org_id=p.org_id, capacity_kw=p.capacity_kw,
                               energy_kwh=None if kwh is None else round(kwh, 3), specific_yield=sy, source=source))
    return out


def performers(main: Session, tel: Session, viewer: Viewer, *, n: int = 5, now: datetime | None = None,
               zones: Iterable[str] | None = None) -> Performers:
    """Top and bottom ``n`` plants by specific yield (kWh/kWp) on a complete day: each plant's own local
    yesterday, from ``plant_daily_kpis`` (final, coverage complete). "Today" would rank plants that sit at
    different hours of their own day (Brisbane at 02:10 beside Phoenix at 09:00). A plant appears in one list
    only. Ranked and counted in the database; only the ≤ 2n plants shown are named."""
    now = now or utcnow()
    zones = list(scope_zones(main, viewer)) if zones is None else list(zones)
    total = main.exec(select(func.count(Plant.id)).where(org_filter(viewer, Plant.org_id))).one()
    K = PlantDailyKpi
    # the final yield; a row without one (written before yields were stored) has energy ÷ capacity
    yf = func.coalesce(K.yf_kwh_kwp, K.energy_kwh / func.nullif(K.capacity_kw, 0.0))
    where = (org_filter(viewer, K.org_id), telemetry.zone_day_clause(zones, now, 1, day_col=K.day, tz_col=K.timezone),
             K.final.is_(True), K.incomplete.is_(False), yf.is_not(None))
    cols = (K.plant_id, K.org_id, K.day, K.capacity_kw, K.energy_kwh, yf.label("yf"), K.pr)
    ranked = tel.exec(select(func.count()).select_from(K).where(*where)).one()
    top_rows = tel.exec(select(*cols).where(*where).order_by(yf.desc(), K.plant_id).limit(n)).all()
    bottom_rows = []
    if ranked > n:
        bottom_rows = tel.exec(select(*cols).where(*where).order_by(yf.asc(), K.plant_id.desc())
                               .limit(min(n, ranked - n))).all()
    ids = {r.plant_id for r in (*top_rows, *bottom_rows)}
    names = dict(main.exec(select(Plant.id, Plant.name).where(org_filter(viewer, Plant.org_id), Plant.id.in_(ids)))
                 .all()) if ids else {}

    def item(r) -> PlantEnergy:
        return PlantEnergy(plant_id=r.plant_id, name=names.get(r.plant_id, f"Plant {r.plant_id}"), org_id=r.org_id,
                           capacity_kw=float(r.capacity_kw), energy_kwh=None if r.energy_kwh is None
                           else round(float(r.energy_kwh), 3), specific_yield=round(float(r.yf), 3),
                           source="kpi", day=r.day.isoformat(), pr=None if r.pr is None else float(r.pr))

    audit.record_read(main, viewer, "telemetry", detail="performers (yesterday)")
    return Performers(top=[item(r) for r in top_rows], bottom=[item(r) for r in bottom_rows], with_data=int(ranked),
                      without_data=max(0, int(total) - int(ranked)))


__all__ = ["FleetCurve", "PlantEnergy", "Performers", "energy_today", "fleet_power_today", "performers"]
