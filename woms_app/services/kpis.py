"""Persisted PR / efficiency figures: per plant-local day and per work-order window.

The maths is in :mod:`woms_app.analytics` (pure functions, pr-methodology.md §7). This
module feeds it readings from the telemetry database and stores the results:

- ``plant_daily_kpis`` (telemetry DB), one row per plant and plant-local day. Today's and yesterday's
  rows are refreshed hourly, every plant of a chunk in one array pass (``analytics.compute_daily_kpis_many``).
  A day becomes ``final`` once computed after its end with complete data; it is never rewritten from fewer
  samples (retention purges readings), and a final day whose readings change later (late data) is
  recomputed with the revision counted on its row (``revisions``, ``revised_at``): a column rather than an
  event table, because the count belongs to the figures it qualifies and is read with them.
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

from woms_app import analytics
from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.db import SYSTEM_CONTEXT, DbContext, db_context, main_session, telemetry_session
from woms_app.core.timezones import local_day
from woms_app.core.upsert import upsert
from woms_app.models.enums import ACTIVE_WORK_ORDER_STATUSES, WorkOrderStatus
from woms_app.models.plant import Plant
from woms_app.models.telemetry import PlantDailyKpi, TelemetryReading
from woms_app.models.work_order import WorkOrder, WorkOrderPlant, WorkOrderPlantEff
from woms_app.services import audit
from woms_app.services.viewer import Viewer, get_scoped, org_filter

log = logging.getLogger(__name__)

KPI_COLUMNS = [c.name for c in PlantDailyKpi.__table__.columns
               if c.name not in ("plant_id", "day", "org_id", "timezone", "final", "computed_at")]
SNAPSHOT_RECENT_DAYS = analytics.WINDOW_DAYS + 1


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


READING_COLUMNS = ["ts", "generation_power_kw", "module_temperature_c", "ambient_temperature_c", "irradiance_w_m2"]
JOB_CHUNK = 500  #: plants computed together by the hourly job (one readings query, one array pass, one upsert)
_COUNTS = ("samples", "intervals_valid", "intervals_expected", "availability_samples_lit", "availability_samples_up")


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    if rows:  # column-wise: building a frame from row objects costs more than the query
        frame = pd.DataFrame(dict(zip(columns, (list(col) for col in zip(*rows)))))
    else:
        frame = pd.DataFrame(columns=columns)
    if not frame.empty:
        frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
        for c in columns:
            if c not in ("ts", "plant_id"):
                frame[c] = pd.to_numeric(frame[c], errors="coerce")
    return frame


def load_readings(tel: Session, plant_id: int, start: datetime, end: datetime) -> pd.DataFrame:
    """Readings of one plant with ``start <= ts <= end`` as the frame analytics.compute_daily_kpis takes
    (``READING_COLUMNS``: module and ambient temperature in their own columns, as the sync stores them)."""
    rows = tel.exec(
        select(TelemetryReading.ts, TelemetryReading.generation_power_kw, TelemetryReading.module_temperature_c,
               TelemetryReading.ambient_temperature_c, TelemetryReading.irradiance_w_m2)
        .where(TelemetryReading.plant_id == plant_id, TelemetryReading.ts >= start, TelemetryReading.ts <= end)
        .order_by(TelemetryReading.ts)
    ).all()
    return _frame(rows, READING_COLUMNS)


def load_readings_many(tel: Session, plant_ids: list[int], start: datetime, end: datetime) -> pd.DataFrame:
    """Readings of several plants with ``start <= ts <= end`` (``plant_id`` + ``READING_COLUMNS``), one query.

    The timestamps come back raw (SQLite: the stored UTC text; PostgreSQL: the driver's datetimes) and are parsed
    for the whole column at once: the per-row type processing of the ORM cost more than the query."""
    t = TelemetryReading.__table__.c
    stmt = (sa.select(t.plant_id, sa.type_coerce(t.ts, sa.String()).label("ts"), t.generation_power_kw,
                      t.module_temperature_c, t.ambient_temperature_c, t.irradiance_w_m2)
            .where(t.plant_id.in_(plant_ids), t.ts >= start, t.ts <= end))
    rows = tel.connection().execute(stmt).fetchall()
    return _frame(rows, ["plant_id", *READING_COLUMNS])


def plant_spec(plant: Plant) -> analytics.PlantSpec:
    """The efficiency method's view of a plant (the assumed ambient of days without temperature from settings)."""
    from woms_app.core.config import get_settings

    return analytics.PlantSpec.from_record(plant, fallback_ambient_c=get_settings().kpi_fallback_ambient_c)


def kpi_row(plant: Plant, day: date, rec: dict, now: datetime) -> dict:
    """The ``plant_daily_kpis`` row of one record of :func:`analytics.compute_daily_kpis` (NaN → None, counts as
    int, text cut to its column); ``final`` and the revision columns are the caller's."""
    row = {"plant_id": plant.id, "day": day, "org_id": plant.org_id, "timezone": plant.timezone, "computed_at": now}
    for col in KPI_COLUMNS:
        if col in ("revisions", "revised_at"):
            continue
        value = _clean(rec.get(col))
        if col in _COUNTS:
            value = int(value or 0)
        elif col == "incomplete":
            value = bool(value) if value is not None else True
        elif col in ("irradiance_source", "method"):
            value = str(value or "")[:200]
        elif col in ("capacity_kw", "day_hours", "coverage_pct"):
            value = float(value or 0.0)
        row[col] = value
    return row


def _same_figures(old: PlantDailyKpi, new: dict) -> bool:
    if old.samples != new["samples"] or old.intervals_valid != new["intervals_valid"]:
        return False
    for col in ("energy_kwh", "reference_energy_kwh", "reference_energy_tc_kwh", "expected_energy_kwh"):
        a, b = getattr(old, col), new[col]
        if (a is None) != (b is None) or (a is not None and not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)):
            return False
    return True


def _compute(work: list[tuple[Plant, list[date]]], now: datetime) -> int:
    """Compute and store the KPIs of each (plant, plant-local days) in one pass. Rules of a day row:

    - it is ``final`` once computed after the local day ended with complete data (coverage ≥ the limit);
      an incomplete or unfinished day stays provisional and is recomputed as data arrives (late data,
      backfill);
    - it is never rewritten from fewer samples than it holds (retention purges readings);
    - a final day whose readings changed since (late data) is recomputed, and the revision is counted on
      the row (``revisions`` + ``revised_at``); an unchanged final day is left as it is.
    """
    specs: dict[int, analytics.PlantSpec] = {}
    wanted: dict[int, set[date]] = {}
    plants: dict[int, Plant] = {}
    for plant, days in work:
        if not days:
            continue
        try:
            spec = plant_spec(plant)
        except (ValueError, TypeError) as exc:
            log.info("plant %s: no KPIs (%s)", plant.id, exc)
            continue
        why = spec.refusal()
        if why:
            log.info("plant %s: no KPIs (%s)", plant.id, why)
            continue
        specs[plant.id], plants[plant.id] = spec, plant
        wanted.setdefault(plant.id, set()).update(days)
    if not specs:
        return 0
    windows = {}
    for pid, days in wanted.items():
        start, _ = analytics.local_day_bounds(min(days), plants[pid].timezone)
        _, end = analytics.local_day_bounds(max(days), plants[pid].timezone)
        windows[pid] = (start.to_pydatetime(), min(end.to_pydatetime(), now))
    lo = min(w[0] for w in windows.values())
    hi = max(w[1] for w in windows.values())
    written = 0
    with telemetry_session() as tel:
        frame = load_readings_many(tel, list(specs), lo, hi)
        if frame.empty:
            return 0
        starts = frame["plant_id"].map({k: w[0] for k, w in windows.items()})
        ends = frame["plant_id"].map({k: w[1] for k, w in windows.items()})
        frame = frame.loc[(frame["ts"] >= pd.to_datetime(starts, utc=True))
                          & (frame["ts"] <= pd.to_datetime(ends, utc=True))]
        try:
            daily = analytics.compute_daily_kpis_many(frame, specs)
        except ValueError as exc:
            log.warning("KPI computation refused the data: %s", exc)
            return 0
        all_days = set().union(*wanted.values())
        existing = {(r.plant_id, r.day): r for r in tel.exec(
            select(PlantDailyKpi).where(PlantDailyKpi.plant_id.in_(list(specs)),
                                        PlantDailyKpi.day.in_(list(all_days)))).all()}
        rows = []
        orgs = set()
        for rec in daily.to_dict("records"):
            pid, day = rec["plant_id"], rec["day"]
            if day not in wanted[pid]:
                continue
            plant = plants[pid]
            row = kpi_row(plant, day, rec, now)
            row["final"] = bool(now >= rec["day_end_utc"].to_pydatetime() and not row["incomplete"])
            old = existing.get((pid, day))
            row["revisions"], row["revised_at"] = (old.revisions, old.revised_at) if old else (0, None)
            if old is not None:
                if row["samples"] < old.samples:
                    continue  # part of the day's readings are gone (retention): keep what was computed
                if old.final:
                    if _same_figures(old, row):
                        continue
                    row["final"] = True
                    row["revisions"], row["revised_at"] = old.revisions + 1, now
                    log.info("plant %s day %s: final figures recomputed (late readings), revision %s",
                             pid, day, row["revisions"])
            rows.append(row)
            orgs.add(plant.org_id)
        written = upsert(tel, PlantDailyKpi, rows, keys=["plant_id", "day"])
        for org_id in orgs:  # open plant pages and dashboards re-read their PR figures
            feed.publish_after_commit(tel, org_id, feed.METRICS)
    if written:  # the plants list sorts by the latest final day's PR / specific yield
        from woms_app.services.plants import refresh_latest_kpis

        refresh_latest_kpis(list(specs))
    return written


@_as_system
def compute_plant_days(plant: Plant, days: Iterable[date], *, now: datetime | None = None) -> int:
    """Compute and store the KPIs of ``plant`` for the given plant-local ``days`` (rules: :func:`_compute`).

    Returns the number of day rows written.
    """
    return _compute([(plant, sorted(set(days)))], now or utcnow())


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
    plants = _plants(plant_ids)
    today_in: dict[str, date] = {}  # a fleet has thousands of plants but a handful of zones
    total = 0
    for i in range(0, len(plants), JOB_CHUNK):
        work = []
        for plant in plants[i:i + JOB_CHUNK]:
            today = today_in.get(plant.timezone)
            if today is None:
                today = today_in[plant.timezone] = local_day(now, plant.timezone)
            work.append((plant, [today - timedelta(days=1), today]))
        total += _compute(work, now)
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
    work = []
    for plant_id, first, last in spans:
        plant = by_id.get(plant_id)
        if plant is None:
            continue
        if first.tzinfo is None:  # SQLite aggregates bypass the column type
            first = first.replace(tzinfo=ZoneInfo("UTC"))
            last = last.replace(tzinfo=ZoneInfo("UTC"))
        d, last_day = local_day(first, plant.timezone), local_day(last, plant.timezone)
        days = []
        while d <= last_day:
            days.append(d)
            d += timedelta(days=1)
        work.append((plant, days))
    return sum(_compute(work[i:i + JOB_CHUNK], now) for i in range(0, len(work), JOB_CHUNK))


def daily_frame(plant_id: int, first: date, last: date, ctx: DbContext | None = None) -> pd.DataFrame:
    with telemetry_session(ctx) as tel:
        rows = tel.exec(select(PlantDailyKpi).where(PlantDailyKpi.plant_id == plant_id, PlantDailyKpi.day >= first,
                                                    PlantDailyKpi.day <= last).order_by(PlantDailyKpi.day)).all()
    return pd.DataFrame([r.model_dump() for r in rows])


@_as_system
def refresh_lost_energy(work_order_ids: Iterable[int]) -> int:
    """The energy a DONE work order's plants lost over its downtime window: Σ over its plants of expected − actual
    (``analytics.lost_energy`` on the readings as the KPIs load them: the same model, inputs and 300 s interval
    rule as the daily efficiency figure). Stored on the work order (``lost_energy_kwh``; None when no plant had
    readings and a reference for the window), computed when it closes — readings are purged after a few days.
    The plants are the ones its closing released. Returns how many work orders got a figure."""
    done = 0
    with main_session() as session:
        orders = session.exec(select(WorkOrder).where(WorkOrder.id.in_(list(work_order_ids)),
                                                      WorkOrder.status == WorkOrderStatus.DONE,
                                                      WorkOrder.downtime_start.is_not(None),
                                                      WorkOrder.downtime_end.is_not(None))).all()
        for wo in orders:
            plants = session.exec(select(Plant).join(WorkOrderPlant, WorkOrderPlant.plant_id == Plant.id)
                                  .where(WorkOrderPlant.work_order_id == wo.id,
                                         WorkOrderPlant.deactivated_at == wo.closed_at)).unique().all()
            total, counted = 0.0, 0
            for plant in plants:
                with telemetry_session() as tel:
                    frame = load_readings(tel, plant.id, wo.downtime_start, wo.downtime_end)
                if frame.empty:
                    continue
                try:
                    lost = analytics.lost_energy(analytics.expected_power(frame, plant_spec(plant)))
                except ValueError as exc:  # no capacity, or neither sensor nor coordinates: no reference
                    log.info("work order %s plant %s: no lost energy (%s)", wo.id, plant.id, exc)
                    continue
                if lost is not None:
                    total += lost[0]
                    counted += 1
            wo.lost_energy_kwh = round(total, 3) if counted else None
            session.add(wo)
            done += counted > 0
            feed.publish_after_commit(session, wo.org_id, feed.WORK_ORDERS)
    return done


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
            stmt = stmt.where(sa.or_(WorkOrder.status.in_(ACTIVE_WORK_ORDER_STATUSES),
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
                first = local_day(activated, plant.timezone) - timedelta(days=analytics.WINDOW_DAYS)
                last = local_day(closed or now, plant.timezone) + timedelta(days=analytics.WINDOW_DAYS)
                daily = daily_frame(plant.id, first, last)
                try:
                    windows = analytics.compute_work_order_snapshots(daily, activated, closed, now, plant.timezone)
                except ValueError as exc:
                    log.info("work order %s plant %s: no snapshot (%s)", wo.id, plant.id, exc)
                    continue
                rows = [{"work_order_id": wo.id, "plant_id": plant.id, "computed_at": now,
                         **{k: _clean(v) for k, v in w.as_snapshot().items()}} for w in windows]
                written += upsert(session, WorkOrderPlantEff, rows, keys=["work_order_id", "plant_id", "period"])
                if rows:  # an open work-order page re-reads its before / during / after figures
                    feed.publish_after_commit(session, wo.org_id, feed.WORK_ORDERS)
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
    today = local_day(utcnow(), plant.timezone)
    frame = daily_frame(plant.id, today - timedelta(days=days - 1), today, viewer.db_context)
    audit.record_read(session, viewer, "plant_kpis", plant.id, org_id=plant.org_id)
    if frame.empty:
        return []
    keep = ["day", "final", "incomplete", "coverage_pct", "energy_kwh", "expected_energy_kwh", "irradiation_kwh_m2",
            "yf_kwh_kwp", "yr_h", "pr", "pr_g50", "pr_temp_corrected", "efficiency_pct", "availability_pct",
            "peak_power_kw", "irradiance_source", "method", "revisions"]
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


def fleet_pr(session: Session, viewer: Viewer, *, now: datetime | None = None,
             zones: dict[str, int] | None = None) -> FleetPr:
    """One aggregate in each database: the plants in scope per zone (main), and the sums over the KPI rows of
    each zone's own yesterday (telemetry; the row carries its plant's zone), whatever the fleet's size.
    ``zones``: {zone: plants in scope}, when the caller has it."""
    from woms_app.services.telemetry import zone_day_clause

    now = now or utcnow()
    if zones is None:
        zones = dict(session.exec(select(Plant.timezone, sa.func.count(Plant.id))
                                  .where(org_filter(viewer, Plant.org_id)).group_by(Plant.timezone)).all())
    K = PlantDailyKpi
    with telemetry_session(viewer.db_context) as tel:
        energy, reference, counted = tel.exec(
            select(sa.func.coalesce(sa.func.sum(K.energy_kwh), 0.0),
                   sa.func.coalesce(sa.func.sum(K.reference_energy_kwh), 0.0), sa.func.count())
            .where(org_filter(viewer, K.org_id), zone_day_clause(zones, now, 1, day_col=K.day, tz_col=K.timezone),
                   K.final.is_(True), K.incomplete.is_(False), K.energy_kwh.is_not(None),
                   K.reference_energy_kwh > 0)
        ).one()
    energy, reference = float(energy), float(reference)
    pr = analytics.round_sig(energy / reference) if reference > 0 else None
    return FleetPr(pr=pr, plants_counted=int(counted), plants_total=int(sum(zones.values())),
                   energy_kwh=round(energy, 3), reference_energy_kwh=round(reference, 3))


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
                       coverage_limit_pct: float = analytics.COVERAGE_LIMIT_PCT) -> MaintenanceEffect:
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
    comparison = (f"Efficiency {base.efficiency_pct:.1f} % {base_name} → "
                  f"{after.efficiency_pct:.1f} % after ({direction})")
    if low:
        return MaintenanceEffect("uncertain", change, base_name,
                                 f"{comparison}, but data coverage is low ({' and '.join(low)}): read with care.")
    if change >= MIN_EFFICIENCY_CHANGE_PCT:
        return MaintenanceEffect("helped", change, base_name, f"Yes: {comparison}.")
    if change <= -MIN_EFFICIENCY_CHANGE_PCT:
        return MaintenanceEffect("worse", change, base_name, f"No: {comparison}.")
    return MaintenanceEffect("no_change", change, base_name, f"No clear change: {comparison}.")
