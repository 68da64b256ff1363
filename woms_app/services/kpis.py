"""Persisted PR / efficiency figures: per plant-local day and per work-order window.

The maths is in :mod:`woms_app.services.efficiency` (pure functions, pr-methodology.md §7). This
module feeds it readings from the telemetry database and stores the results:

- ``plant_daily_kpis`` (telemetry DB), one row per plant and plant-local day. Today's row is refreshed
  hourly; a day becomes ``final`` once it is computed after its end with its readings complete, and
  is never recomputed afterwards (retention would have purged part of its readings).
- ``work_order_plant_eff`` (main DB), before / during / after snapshots per plant of a work order.

Retention calls :func:`finalize_before_purge` before deleting readings, so no day is lost.
"""
from __future__ import annotations

import functools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.db import SYSTEM_CONTEXT, DbContext, db_context, main_session, telemetry_session
from woms_app.core.upsert import upsert
from woms_app.models.enums import WorkOrderStatus
from woms_app.models.plant import Plant
from woms_app.models.telemetry import PlantDailyKpi, TelemetryReading
from woms_app.models.work_order import WorkOrder, WorkOrderPlant, WorkOrderPlantEff
from woms_app.services import audit, efficiency
from woms_app.services.viewer import Viewer, get_scoped, org_filter

log = logging.getLogger(__name__)

KPI_COLUMNS = [c.name for c in PlantDailyKpi.__table__.columns
               if c.name not in ("plant_id", "day", "org_id", "timezone", "final", "computed_at")]
SNAPSHOT_RECENT_DAYS = efficiency.WINDOW_DAYS + 1


def _as_system(fn):
    """Jobs without a viewer (scheduler, retention) read and write every organization's rows: they act as
    the SYSTEM under PostgreSQL row-level security."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with db_context(SYSTEM_CONTEXT):
            return fn(*args, **kwargs)

    return wrapper


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _local_day(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


def load_readings(tel: Session, plant_id: int, start: datetime, end: datetime) -> pd.DataFrame:
    """Readings of one plant with ``start <= ts <= end`` as the frame efficiency.compute_daily_kpis takes."""
    rows = tel.exec(
        select(TelemetryReading.ts, TelemetryReading.generation_power_kw, TelemetryReading.temperature_c,
               TelemetryReading.irradiance_w_m2)
        .where(TelemetryReading.plant_id == plant_id, TelemetryReading.ts >= start, TelemetryReading.ts <= end)
        .order_by(TelemetryReading.ts)
    ).all()
    frame = pd.DataFrame(rows, columns=["ts", "generation_power_kw", "temperature_c", "irradiance_w_m2"])
    if not frame.empty:
        frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
        for c in ("generation_power_kw", "temperature_c", "irradiance_w_m2"):
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
    return frame


@_as_system
def compute_plant_days(plant: Plant, days: Iterable[date], *, now: datetime | None = None) -> int:
    """Compute and store the KPIs of ``plant`` for the given plant-local ``days`` (final days are skipped).

    Returns the number of day rows written.
    """
    now = now or utcnow()
    days = sorted(set(days))
    if not days:
        return 0
    try:
        spec = efficiency.PlantSpec.from_record(plant)
    except (ValueError, TypeError) as exc:
        log.info("plant %s: no KPIs (%s)", plant.id, exc)
        return 0
    written = 0
    with telemetry_session() as tel:
        finals = set(tel.exec(select(PlantDailyKpi.day).where(PlantDailyKpi.plant_id == plant.id,
                                                              PlantDailyKpi.day.in_(days),
                                                              PlantDailyKpi.final.is_(True))).all())
        todo = [d for d in days if d not in finals]
        if not todo:
            return 0
        start, _ = efficiency.local_day_bounds(todo[0], plant.timezone)
        _, end = efficiency.local_day_bounds(todo[-1], plant.timezone)
        frame = load_readings(tel, plant.id, start.to_pydatetime(), min(end.to_pydatetime(), now))
        if frame.empty:
            return 0
        try:
            daily = efficiency.compute_daily_kpis(frame, spec)
        except ValueError as exc:
            log.warning("plant %s: KPI computation refused the data: %s", plant.id, exc)
            return 0
        rows = []
        for rec in daily.to_dict("records"):
            day = rec["day"] if isinstance(rec["day"], date) else pd.Timestamp(rec["day"]).date()
            if day not in todo:
                continue
            _, day_end = efficiency.local_day_bounds(day, plant.timezone)
            row = {"plant_id": plant.id, "day": day, "org_id": plant.org_id, "timezone": plant.timezone,
                   "final": bool(now >= day_end.to_pydatetime()), "computed_at": now}
            for col in KPI_COLUMNS:
                value = _clean(rec.get(col))
                if col in ("samples", "intervals_valid", "intervals_expected", "availability_samples_lit",
                           "availability_samples_up"):
                    value = int(value or 0)
                elif col == "incomplete":
                    value = bool(value) if value is not None else True
                elif col in ("irradiance_source", "method"):
                    value = str(value or "")[:200]
                elif col in ("capacity_kw", "day_hours", "coverage_pct"):
                    value = float(value or 0.0)
                row[col] = value
            rows.append(row)
        written = upsert(tel, PlantDailyKpi, rows, keys=["plant_id", "day"])
        if written:  # open plant pages and dashboards re-read their PR figures
            feed.publish_after_commit(tel, plant.org_id, feed.METRICS)
    return written


def _plants(plant_ids: Iterable[int] | None = None) -> list[Plant]:
    with main_session() as session:
        stmt = select(Plant)
        if plant_ids is not None:
            stmt = stmt.where(Plant.id.in_(list(plant_ids)))
        return list(session.exec(stmt).all())


@_as_system
def refresh_recent(now: datetime | None = None, plant_ids: Iterable[int] | None = None) -> int:
    """The hourly job: today's figures (provisional) and yesterday's (final once complete) per plant."""
    now = now or utcnow()
    total = 0
    for plant in _plants(plant_ids):
        today = _local_day(now, plant.timezone)
        total += compute_plant_days(plant, [today - timedelta(days=1), today], now=now)
    return total


@_as_system
def finalize_before_purge(cutoff: datetime, now: datetime | None = None) -> int:
    """Compute, before retention deletes readings with ``ts < cutoff``, every plant-local day they belong
    to that has no final figures yet. Idempotent."""
    now = now or utcnow()
    with telemetry_session() as tel:
        spans = tel.exec(
            select(TelemetryReading.plant_id, sa.func.min(TelemetryReading.ts), sa.func.max(TelemetryReading.ts))
            .where(TelemetryReading.ts < cutoff).group_by(TelemetryReading.plant_id)
        ).all()
    if not spans:
        return 0
    by_id = {p.id: p for p in _plants([s[0] for s in spans])}
    total = 0
    for plant_id, first, last in spans:
        plant = by_id.get(plant_id)
        if plant is None:
            continue
        if first.tzinfo is None:  # SQLite aggregates bypass the column type
            first = first.replace(tzinfo=ZoneInfo("UTC"))
            last = last.replace(tzinfo=ZoneInfo("UTC"))
        d, last_day = _local_day(first, plant.timezone), _local_day(last, plant.timezone)
        days = []
        while d <= last_day:
            days.append(d)
            d += timedelta(days=1)
        total += compute_plant_days(plant, days, now=now)
    return total


def daily_frame(plant_id: int, first: date, last: date, ctx: DbContext | None = None) -> pd.DataFrame:
    with telemetry_session(ctx) as tel:
        rows = tel.exec(select(PlantDailyKpi).where(PlantDailyKpi.plant_id == plant_id, PlantDailyKpi.day >= first,
                                                    PlantDailyKpi.day <= last).order_by(PlantDailyKpi.day)).all()
    return pd.DataFrame([r.model_dump() for r in rows])


@_as_system
def refresh_work_order_snapshots(now: datetime | None = None, work_order_ids: Iterable[int] | None = None) -> int:
    """Before / during / after snapshots for each plant of the active and recently closed work orders."""
    now = now or utcnow()
    recent = now - timedelta(days=SNAPSHOT_RECENT_DAYS + 1)
    written = 0
    with main_session() as session:
        stmt = select(WorkOrder)
        if work_order_ids is not None:
            stmt = stmt.where(WorkOrder.id.in_(list(work_order_ids)))
        else:
            stmt = stmt.where(sa.or_(WorkOrder.status.in_([WorkOrderStatus.OPEN, WorkOrderStatus.IN_PROGRESS]),
                                     WorkOrder.closed_at >= recent))
        orders = session.exec(stmt).all()
        for wo in orders:
            links = session.exec(select(WorkOrderPlant, Plant).join(Plant, Plant.id == WorkOrderPlant.plant_id)
                                 .where(WorkOrderPlant.work_order_id == wo.id)).all()
            for link, plant in links:
                activated = link.assigned_at
                closed = link.deactivated_at or wo.closed_at
                if closed is not None and closed < activated:
                    closed = activated
                first = _local_day(activated, plant.timezone) - timedelta(days=efficiency.WINDOW_DAYS)
                last = _local_day(closed or now, plant.timezone) + timedelta(days=efficiency.WINDOW_DAYS)
                daily = daily_frame(plant.id, first, last)
                try:
                    windows = efficiency.compute_work_order_snapshots(daily, activated, closed, now, plant.timezone)
                except ValueError as exc:
                    log.info("work order %s plant %s: no snapshot (%s)", wo.id, plant.id, exc)
                    continue
                rows = [{"work_order_id": wo.id, "plant_id": plant.id, "computed_at": now,
                         **{k: _clean(v) for k, v in w.as_snapshot().items()}} for w in windows]
                written += upsert(session, WorkOrderPlantEff, rows, keys=["work_order_id", "plant_id", "period"])
    return written


@_as_system
def run_efficiency_job(now: datetime | None = None) -> dict[str, int]:
    """What the scheduler runs hourly: recent daily figures, then work-order snapshots."""
    now = now or utcnow()
    days = refresh_recent(now)
    snapshots = refresh_work_order_snapshots(now)
    return {"days": days, "snapshots": snapshots}


# ------------------------------------------------------------------ reads (scoped)
def plant_kpis(session: Session, viewer: Viewer, plant_id: int, *, days: int = 30) -> list[dict]:
    """The last ``days`` daily figures of a plant the viewer may see (oldest first)."""
    if not 1 <= days <= 366:
        from woms_app.core.errors import ValidationFailed

        raise ValidationFailed("days must be between 1 and 366", field="days")
    plant = get_scoped(session, viewer, Plant, plant_id, "Plant")
    today = _local_day(utcnow(), plant.timezone)
    frame = daily_frame(plant.id, today - timedelta(days=days - 1), today, viewer.db_context)
    audit.record_read(session, viewer, "plant_kpis", plant.id, org_id=plant.org_id)
    if frame.empty:
        return []
    keep = ["day", "final", "incomplete", "coverage_pct", "energy_kwh", "expected_energy_kwh", "irradiation_kwh_m2",
            "yf_kwh_kwp", "yr_h", "pr", "pr_g50", "pr_temp_corrected", "efficiency_pct", "availability_pct",
            "peak_power_kw", "irradiance_source", "method"]
    return [{k: _clean(r[k]) for k in keep} for r in frame.to_dict("records")]


def work_order_snapshots(session: Session, viewer: Viewer, work_order_id: int) -> list[WorkOrderPlantEff]:
    wo = get_scoped(session, viewer, WorkOrder, work_order_id, "Work order")
    rows = session.exec(select(WorkOrderPlantEff).where(WorkOrderPlantEff.work_order_id == wo.id)
                        .order_by(WorkOrderPlantEff.plant_id, WorkOrderPlantEff.window_start)).all()
    audit.record_read(session, viewer, "work_order_plant_eff", wo.id, org_id=wo.org_id)
    return list(rows)


# ------------------------------------------------------------------ fleet PR and "did the maintenance help?"
@dataclass(frozen=True)
class FleetPr:
    """Fleet PR of yesterday's complete plant-days in a viewer's scope.

    ``pr`` = Σ E_AC ÷ Σ reference energy P0·Yr over the plants whose yesterday (in each plant's own time
    zone) is final and complete — energy-weighted, never an average of the plants' ratios. ``None`` when
    no plant-day qualifies. ``plants_counted`` of ``plants_total`` plants contributed.
    """

    pr: float | None
    plants_counted: int
    plants_total: int
    energy_kwh: float = 0.0
    reference_energy_kwh: float = 0.0


def fleet_pr(session: Session, viewer: Viewer, *, now: datetime | None = None) -> FleetPr:
    now = now or utcnow()
    plants = session.exec(select(Plant.id, Plant.timezone).where(org_filter(viewer, Plant.org_id))).all()
    by_tz: dict[str, date] = {}  # a fleet has thousands of plants but a handful of time zones
    for tz in {tz for _pid, tz in plants}:
        by_tz[tz] = _local_day(now, tz) - timedelta(days=1)
    yesterday = {pid: by_tz[tz] for pid, tz in plants}
    energy = reference = 0.0
    counted = 0
    # one scoped query over the (one or two) candidate days, matched to each plant's own yesterday in Python:
    # no IN list of thousands of ids
    with telemetry_session(viewer.db_context) as tel:
        rows = tel.exec(
            select(PlantDailyKpi.plant_id, PlantDailyKpi.day, PlantDailyKpi.energy_kwh,
                   PlantDailyKpi.reference_energy_kwh)
            .where(org_filter(viewer, PlantDailyKpi.org_id), PlantDailyKpi.day.in_(set(yesterday.values())),
                   PlantDailyKpi.final.is_(True), PlantDailyKpi.incomplete.is_(False),
                   PlantDailyKpi.energy_kwh.is_not(None), PlantDailyKpi.reference_energy_kwh > 0)
        ).all()
    for pid, day, e, ref in rows:
        if yesterday.get(pid) == day:
            energy += float(e)
            reference += float(ref)
            counted += 1
    pr = efficiency.round_sig(energy / reference) if reference > 0 else None
    return FleetPr(pr=pr, plants_counted=counted, plants_total=len(plants), energy_kwh=round(energy, 3),
                   reference_energy_kwh=round(reference, 3))


MIN_EFFICIENCY_CHANGE_PCT = 2.0  #: a change in efficiency % below this many points reads as "no clear change"


@dataclass(frozen=True)
class MaintenanceEffect:
    """The plain reading of one plant's before / during / after snapshots."""

    verdict: str  # helped | no_change | worse | uncertain | not_enough_data
    change_pct_points: float | None  # efficiency % after − baseline (percentage points)
    baseline: str  # "before" or "during" ("" when there is no comparison)
    text: str


def _usable(row) -> bool:
    return row is not None and row.efficiency_pct is not None and (row.days or 0) > 0


def maintenance_effect(rows: Iterable[WorkOrderPlantEff],
                       coverage_limit_pct: float = efficiency.COVERAGE_LIMIT_PCT) -> MaintenanceEffect:
    """"Did the maintenance help?" for one plant: efficiency % after the work against before it (or, when
    the before window has no figure, against the window while the work order was active).

    Both windows need an efficiency figure; when either covers less than ``coverage_limit_pct`` of its
    intervals the reading is ``uncertain`` (shown, but flagged), never a silent verdict.
    """
    by_period = {(r.period.value if hasattr(r.period, "value") else str(r.period)): r for r in rows}
    after = by_period.get("after")
    if not _usable(after):
        return MaintenanceEffect("not_enough_data", None, "",
                                 "Not enough data yet: the figures after the work appear once the work order is "
                                 "closed and a day of readings has been computed.")
    base_name = "before" if _usable(by_period.get("before")) else "during"
    base = by_period.get(base_name)
    if not _usable(base):
        return MaintenanceEffect("not_enough_data", None, "",
                                 "Not enough data yet: there is no efficiency figure before or during the work "
                                 "to compare with.")
    change = round(after.efficiency_pct - base.efficiency_pct, 1)
    low = [n for n, r in ((base_name, base), ("after", after))
           if r.coverage_pct is None or r.coverage_pct < coverage_limit_pct]
    direction = (f"up {change:+.1f} points" if change > 0 else f"down {change:.1f} points" if change < 0
                 else "unchanged")
    comparison = f"Efficiency {base.efficiency_pct:.1f} % {base_name} → {after.efficiency_pct:.1f} % after ({direction})"
    if low:
        return MaintenanceEffect("uncertain", change, base_name,
                                 f"{comparison}, but data coverage is low ({' and '.join(low)}): read with care.")
    if change >= MIN_EFFICIENCY_CHANGE_PCT:
        return MaintenanceEffect("helped", change, base_name, f"Yes: {comparison}.")
    if change <= -MIN_EFFICIENCY_CHANGE_PCT:
        return MaintenanceEffect("worse", change, base_name, f"No: {comparison}.")
    return MaintenanceEffect("no_change", change, base_name, f"No clear change: {comparison}.")
