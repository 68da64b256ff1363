"""Retention: roll readings up into ``plant_daily_energy`` per plant-local day, then purge raw
readings older than 24 h.

Both steps are idempotent. The purge of one plant happens in the same telemetry transaction as
the roll-up of what it deletes: the deleted readings' contribution moves into the day row's
``purged_*`` part before the rows go, so a reading is never deleted without being rolled up and
never counted twice (a reading re-inserted at or before ``purged_last_ts`` is ignored).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.timezones import local_day, zone
from woms_app.models.plant import Plant
from woms_app.models.telemetry import PlantDailyEnergy, TelemetryReading
from woms_app.services import partitions
from woms_app.services.telemetry import (
    _as_utc,
    contributions,
    day_aggregate,
    day_length_s,
    prev_reading_ts,
    purge_power_buckets,
)
from woms_app.services.viewer import Viewer, org_filter

log = logging.getLogger(__name__)

KEEP = timedelta(hours=24)


@dataclass
class RetentionResult:
    plants: int = 0
    days_rolled_up: int = 0
    readings_deleted: int = 0


def _days_with_readings(tsession: Session, plant_id: int, tz) -> list[date]:
    rng = tsession.exec(select(sa.func.min(TelemetryReading.ts), sa.func.max(TelemetryReading.ts))
                        .where(TelemetryReading.plant_id == plant_id)).one()
    if rng[0] is None:
        return []
    first, last = local_day(_as_utc(rng[0]), tz), local_day(_as_utc(rng[1]), tz)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _write_day(tsession: Session, plant: Plant, day: date, tz, now: datetime) -> bool:
    agg = day_aggregate(tsession, plant.id, day, tz)
    if agg.readings == 0:
        return False
    row = tsession.get(PlantDailyEnergy, (plant.id, day))
    if row is None:
        row = PlantDailyEnergy(plant_id=plant.id, day=day, org_id=plant.org_id, timezone=plant.timezone)
    row.org_id, row.timezone = plant.org_id, plant.timezone
    row.energy_kwh = round(agg.energy_kwh, 6)
    row.peak_power_kw = agg.peak_kw
    row.readings_count = agg.readings
    row.coverage_pct = round(min(100.0, 100.0 * agg.covered_s / day_length_s(day, tz)), 3)
    row.first_ts, row.last_ts, row.updated_at = agg.first_ts, agg.last_ts, now
    tsession.add(row)
    return True


def roll_up_plant(tsession: Session, plant: Plant, now: datetime | None = None) -> int:
    """(Re)compute the roll-up rows of every day that still has readings. Returns days written."""
    now = now or utcnow()
    tz = zone(plant.timezone)
    n = 0
    for day in _days_with_readings(tsession, plant.id, tz):
        n += _write_day(tsession, plant, day, tz, now)
    tsession.flush()
    return n


def purge_plant(tsession: Session, plant: Plant, cutoff: datetime, now: datetime | None = None,
                *, delete: bool = True) -> int:
    """Move the contribution of readings older than ``cutoff`` into their day rows, then delete them
    (``delete=False``: the caller drops whole partitions instead). Returns the readings purged."""
    now = now or utcnow()
    tz = zone(plant.timezone)
    old = tsession.exec(select(TelemetryReading.ts, TelemetryReading.generation_power_kw)
                        .where(TelemetryReading.plant_id == plant.id, TelemetryReading.ts < cutoff)
                        .order_by(TelemetryReading.ts)).all()
    if not old:
        return 0
    by_day: dict[date, list] = {}
    for ts, power in old:
        by_day.setdefault(local_day(ts, tz), []).append((ts, power))
    prev = prev_reading_ts(tsession, plant.id, min(by_day), tz)
    for day in sorted(by_day):
        row = tsession.get(PlantDailyEnergy, (plant.id, day))
        if row is None:  # roll_up_plant normally wrote it; be safe anyway
            _write_day(tsession, plant, day, tz, now)
            tsession.flush()
            row = tsession.get(PlantDailyEnergy, (plant.id, day))
        points = by_day[day]
        if row.purged_last_ts is not None:
            points = [p for p in points if p[0] > row.purged_last_ts]  # already counted once
            prev = row.purged_last_ts
        for ts, power, step in contributions(points, prev):
            row.purged_readings += 1
            if power is not None:
                row.purged_covered_s += step
                row.purged_energy_kwh += max(power, 0.0) * step / 3600.0
            row.purged_last_ts = ts
        if points:
            prev = points[-1][0]
        tsession.add(row)
    tsession.flush()
    if not delete:
        return len(old)
    result = tsession.execute(sa.delete(TelemetryReading).where(TelemetryReading.plant_id == plant.id,
                                                                TelemetryReading.ts < cutoff))
    return result.rowcount or 0


def _finalize_kpis(cutoff: datetime, now: datetime) -> bool:
    """The daily PR/efficiency figures of the days about to lose readings (services.kpis), first.
    False (purge nothing this time) when they cannot be computed."""
    try:
        from woms_app.services import kpis
    except ImportError:  # analytics not installed: nothing else to roll up
        return True
    try:
        kpis.finalize_before_purge(cutoff, now)
    except Exception:
        log.exception("daily KPIs could not be finalized; readings are kept until they are")
        return False
    return True


def run_retention(session: Session, tsession_factory, viewer: Viewer, now: datetime | None = None,
                  keep: timedelta = KEEP) -> RetentionResult:
    """Roll up and purge every plant in the viewer's scope (SYSTEM for the hourly job).

    ``tsession_factory`` is a context manager factory (``core.db.telemetry_session``): each plant
    commits on its own, so one plant's failure never loses another's work.
    """
    now = now or utcnow()
    cutoff = now - keep
    result = RetentionResult()
    plants = session.exec(select(Plant).where(org_filter(viewer, Plant.org_id)).order_by(Plant.id)).all()
    # On PostgreSQL readings live in daily partitions: only whole expired partitions go, by DROP, once every
    # reading in them is rolled up; so the effective cutoff is the upper bound of the newest expired one.
    with tsession_factory() as tsession:
        partitioned = partitions.is_partitioned(tsession)
        if partitioned:
            partitions.ensure_partitions(tsession, now)
            expired = partitions.expired_partitions(tsession, cutoff)
            cutoff = partitions.partition_bounds(expired[-1])[1] if expired else None
    purge = cutoff is not None and _finalize_kpis(cutoff, now)
    orgs: set[int] = set()
    all_accounted = True
    for plant in plants:
        try:
            with tsession_factory() as tsession:
                result.days_rolled_up += roll_up_plant(tsession, plant, now)
                deleted = purge_plant(tsession, plant, cutoff, now, delete=not partitioned) if purge else 0
                # the days of the purged readings are final once purged: refresh their totals
                roll_up_plant(tsession, plant, now)
        except Exception:
            log.exception("retention failed for plant %s", plant.id)
            all_accounted = False
            continue
        result.plants += 1
        result.readings_deleted += deleted
        if deleted:
            orgs.add(plant.org_id)
    if partitioned and purge and all_accounted and viewer.fleet_wide:
        with tsession_factory() as tsession:
            for day in expired:
                partitions.drop_partition(tsession, day)
            # stragglers in the default partition (readings older than every partition)
            tsession.execute(sa.delete(TelemetryReading).where(TelemetryReading.ts < cutoff))
    with tsession_factory() as tsession:
        purge_power_buckets(tsession, now)
    for org_id in orgs:
        feed.publish(org_id, feed.METRICS)
    return result
