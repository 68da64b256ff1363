"""Telemetry storage: idempotent bulk upserts, day energy, plant current metrics, freshness.

Energy is integrated the same way everywhere (plant metrics, daily roll-ups, retention): every
reading contributes ``power × step`` where ``step`` is the time since the previous reading of the
same plant, capped at ``MAX_STEP`` (a gap counts as missing data, not as energy). Contributions are
additive, so a day's energy is the same whether it is computed at once or in parts (retention
rolls the purged part up before deleting it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.core.timezones import local_day, zone
from woms_app.core.upsert import insert_for
from woms_app.models.enums import Freshness
from woms_app.models.plant import Plant
from woms_app.models.telemetry import OrgPowerBucket, PlantDailyEnergy, PlantPowerBucket, TelemetryReading

MAX_STEP = timedelta(minutes=5)  # the vendors' sampling interval; longer gaps are missing data
CHUNK = 2000  # rows per INSERT statement batch
OFFLINE_AFTER = timedelta(hours=1)  # no data for this long in daylight → offline
READING_FIELDS = ("generation_power_kw", "voltage_v", "current_a", "module_temperature_c", "ambient_temperature_c",
                  "irradiance_w_m2")




def _num(v) -> float | None:
    if type(v) is float:  # fast path (the common case): finite floats pass, NaN / inf → missing
        return v if v - v == 0.0 else None
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None  # NaN / inf → missing


_COLUMNS = ("plant_id", "ts", "org_id", *READING_FIELDS)
_UPDATE = ", ".join(f"{f} = excluded.{f}" for f in (*READING_FIELDS, "org_id"))
_SQLITE_UPSERT = (f"INSERT INTO telemetry_readings ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
                  f"ON CONFLICT (plant_id, ts) DO UPDATE SET {_UPDATE}")
# one statement per call: the rows travel as one array per column (no per-row round trip or statement)
_PG_UPSERT = (f"INSERT INTO telemetry_readings ({', '.join(_COLUMNS)}) "
              f"SELECT * FROM unnest(%s::integer[], %s::timestamptz[], %s::integer[], "
              f"{', '.join(['%s::double precision[]'] * len(READING_FIELDS))}) "
              f"ON CONFLICT (plant_id, ts) DO UPDATE SET {_UPDATE}")
# naive UTC text, exactly as SQLAlchemy's SQLite DateTime stores UTCDateTime values
_SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"


def upsert_readings(tsession: Session, plant_id: int, org_id: int, readings: Iterable) -> int:
    """Insert or update readings of one plant on (plant_id, ts), in bulk. Returns rows written.

    ``readings`` are ``woms_app.vendors.Reading`` records (or anything with ``ts`` and the fields): the
    vendor layer's ``temperature_c`` (module temperature, sensor plants only) is stored as
    ``module_temperature_c``, its ``ambient_temperature_c`` as is. Duplicate instants keep the last one;
    NaN/inf become missing values.

    The rows go straight to the driver (SQLite: one prepared statement, ``executemany``; PostgreSQL: one
    ``INSERT … SELECT FROM unnest(arrays)``): building them through SQLAlchemy's insertmanyvalues cost
    several times the database's own work (bench P2).
    """
    rows: dict[datetime, tuple] = {}
    utc = timezone.utc
    for r in readings:
        ts = r.ts
        if ts.tzinfo is None:
            raise ValueError("naive reading timestamp")
        ts = ts.astimezone(utc)
        module = getattr(r, "temperature_c", None)  # vendors.Reading's name for the module temperature
        if module is None:
            module = getattr(r, "module_temperature_c", None)
        rows[ts] = (_num(getattr(r, "generation_power_kw", None)), _num(getattr(r, "voltage_v", None)),
                    _num(getattr(r, "current_a", None)), _num(module),
                    _num(getattr(r, "ambient_temperature_c", None)), _num(getattr(r, "irradiance_w_m2", None)))
    if not rows:
        return 0
    conn = tsession.connection()
    name = conn.dialect.name
    if name == "sqlite":
        values = [(plant_id, ts.strftime(_SQLITE_TS), org_id, *v) for ts, v in rows.items()]
        for i in range(0, len(values), CHUNK):
            conn.exec_driver_sql(_SQLITE_UPSERT, values[i:i + CHUNK])
    elif name == "postgresql":
        items = list(rows.items())
        for i in range(0, len(items), CHUNK):
            part = items[i:i + CHUNK]
            n = len(part)
            # array literals built here (repr round-trips floats exactly): psycopg's Python-level list dumper
            # cost more than the database's work
            conn.exec_driver_sql(_PG_UPSERT, (
                "{" + ",".join([str(int(plant_id))] * n) + "}",
                "{" + ",".join(ts.isoformat() for ts, _ in part) + "}",
                "{" + ",".join([str(int(org_id))] * n) + "}",
                *("{" + ",".join("NULL" if x is None else repr(x) for x in col) + "}"
                  for col in zip(*(v for _, v in part)))))
    else:
        raise NotImplementedError(f"upserts are implemented for SQLite and PostgreSQL, not {name}")
    return len(rows)


POWER_BUCKET_S = 900  # the fleet curve's resolution: every time zone's midnight falls on a 15-minute boundary
POWER_BUCKETS_KEPT = timedelta(hours=48)  # "today" in any zone started less than 48 h ago


def power_bucket(ts: datetime) -> datetime:
    """The start of the 15-minute UTC bucket holding ``ts``."""
    s = int(ts.timestamp() // POWER_BUCKET_S) * POWER_BUCKET_S
    return datetime.fromtimestamp(s, tz=timezone.utc)


def refresh_power_buckets(tsession: Session, plant_id: int, org_id: int, start: datetime, end: datetime) -> int:
    """Recompute the plant's 15-minute power buckets overlapping ``[start, end]`` from its readings, and carry
    each change into its organization's buckets as a delta (its mean power in and out of the sum, the
    reporting-plant count ±1). Cost: the plant's readings in those buckets (primary-key range) plus one
    upsert per changed bucket, whatever the fleet's size. Returns the buckets changed."""
    lo = power_bucket(start)
    hi = power_bucket(end) + timedelta(seconds=POWER_BUCKET_S)
    new: dict[datetime, tuple[float, int]] = {}
    for ts, kw in tsession.exec(
            select(TelemetryReading.ts, TelemetryReading.generation_power_kw)
            .where(TelemetryReading.plant_id == plant_id, TelemetryReading.ts >= lo, TelemetryReading.ts < hi,
                   TelemetryReading.generation_power_kw.is_not(None))
            .order_by(TelemetryReading.ts)).all():
        b = power_bucket(ts)
        total, n = new.get(b, (0.0, 0))
        new[b] = (total + float(kw), n + 1)
    old = {b: (float(total), int(n)) for b, total, n in tsession.exec(
        select(PlantPowerBucket.bucket, PlantPowerBucket.power_sum_kw, PlantPowerBucket.readings)
        .where(PlantPowerBucket.plant_id == plant_id, PlantPowerBucket.bucket >= lo, PlantPowerBucket.bucket < hi)
    ).all()}
    changed, deltas = [], []
    for b in sorted(new.keys() | old.keys()):
        before, after = old.get(b), new.get(b)
        if before == after:
            continue
        mean_before = before[0] / before[1] if before and before[1] else None
        mean_after = after[0] / after[1] if after else None
        deltas.append({"org_id": org_id, "bucket": b, "power_kw": (mean_after or 0.0) - (mean_before or 0.0),
                       "plants": (mean_after is not None) - (mean_before is not None)})
        if after is not None:
            changed.append({"plant_id": plant_id, "bucket": b, "org_id": org_id, "power_sum_kw": after[0],
                            "readings": after[1]})
    gone = [b for b in old if b not in new]
    if gone:
        tsession.execute(sa.delete(PlantPowerBucket).where(PlantPowerBucket.plant_id == plant_id,
                                                           PlantPowerBucket.bucket.in_(gone)))
    if changed:
        ins = insert_for(tsession, PlantPowerBucket.__table__).values(changed)
        tsession.execute(ins.on_conflict_do_update(
            index_elements=["plant_id", "bucket"],
            set_={"power_sum_kw": ins.excluded.power_sum_kw, "readings": ins.excluded.readings,
                  "org_id": ins.excluded.org_id}))
    _add_to_org_buckets(tsession, deltas)
    return len(deltas)


def _add_to_org_buckets(tsession: Session, deltas: list[dict]) -> None:
    """Add ``{"org_id", "bucket", "power_kw", "plants"}`` deltas to the organization buckets."""
    if not deltas:
        return
    table = OrgPowerBucket.__table__
    ins = insert_for(tsession, table).values(deltas)
    # an increment, atomic in both databases: concurrent runs for other plants of the org add up
    tsession.execute(ins.on_conflict_do_update(
        index_elements=["org_id", "bucket"],
        set_={"power_kw": table.c.power_kw + ins.excluded.power_kw, "plants": table.c.plants + ins.excluded.plants}))


def forget_power_buckets(tsession: Session, plant_ids: Sequence[int]) -> None:
    """Take plants out of the fleet curve (they are being deleted): each of their bucket means leaves its
    organization's sum, then their own bucket rows go."""
    if not plant_ids:
        return
    deltas: dict[tuple[int, datetime], dict] = {}
    for oid, b, total, n in tsession.exec(
            select(PlantPowerBucket.org_id, PlantPowerBucket.bucket, PlantPowerBucket.power_sum_kw,
                   PlantPowerBucket.readings)
            .where(PlantPowerBucket.plant_id.in_(list(plant_ids)), PlantPowerBucket.readings > 0)).all():
        d = deltas.setdefault((oid, b), {"org_id": oid, "bucket": b, "power_kw": 0.0, "plants": 0})
        d["power_kw"] -= float(total) / int(n)
        d["plants"] -= 1
    _add_to_org_buckets(tsession, list(deltas.values()))
    tsession.execute(sa.delete(PlantPowerBucket).where(PlantPowerBucket.plant_id.in_(list(plant_ids))))


def rebuild_power_buckets(tsession: Session, since: datetime, until: datetime) -> int:
    """Refresh the buckets of every plant with readings in ``[since, until]`` (data written outside the sync:
    fixtures, benchmarks). Returns the plants refreshed."""
    plants = tsession.exec(select(TelemetryReading.plant_id, TelemetryReading.org_id)
                           .where(TelemetryReading.ts >= since, TelemetryReading.ts <= until).distinct()).all()
    for plant_id, org_id in plants:
        refresh_power_buckets(tsession, plant_id, org_id, since, until)
    return len(plants)


def purge_power_buckets(tsession: Session, now: datetime) -> None:
    """Drop buckets older than :data:`POWER_BUCKETS_KEPT` (the curve shows the current local day only)."""
    cutoff = now - POWER_BUCKETS_KEPT
    tsession.execute(sa.delete(PlantPowerBucket).where(PlantPowerBucket.bucket < cutoff))
    tsession.execute(sa.delete(OrgPowerBucket).where(OrgPowerBucket.bucket < cutoff))


def last_reading_times(tsession: Session, plant_ids: Sequence[int]) -> dict[int, datetime]:
    if not plant_ids:
        return {}
    rows = tsession.exec(select(TelemetryReading.plant_id, sa.func.max(TelemetryReading.ts))
                         .where(TelemetryReading.plant_id.in_(list(plant_ids)))
                         .group_by(TelemetryReading.plant_id)).all()
    out = {}
    for pid, ts in rows:
        if ts is not None:
            out[pid] = ts if isinstance(ts, datetime) and ts.tzinfo else _as_utc(ts)
    return out


def _as_utc(value) -> datetime:
    # aggregates (max) bypass the column type on SQLite and come back as text
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# ---------------------------------------------------------------- energy integration
@dataclass
class DayAggregate:
    energy_kwh: float = 0.0
    readings: int = 0
    covered_s: float = 0.0
    peak_kw: float | None = None
    first_ts: datetime | None = None
    last_ts: datetime | None = None

    def add(self, ts: datetime, power: float | None, step_s: float) -> None:
        self.readings += 1
        self.first_ts = ts if self.first_ts is None else min(self.first_ts, ts)
        self.last_ts = ts if self.last_ts is None else max(self.last_ts, ts)
        if power is None:
            return
        self.covered_s += step_s
        self.energy_kwh += max(power, 0.0) * step_s / 3600.0
        self.peak_kw = power if self.peak_kw is None else max(self.peak_kw, power)


def contributions(points: Sequence[tuple[datetime, float | None]], prev_ts: datetime | None = None
                  ) -> list[tuple[datetime, float | None, float]]:
    """``(ts, power, step_s)`` per reading (sorted by ts); ``prev_ts`` = the reading before the first."""
    out = []
    cap = MAX_STEP.total_seconds()
    for ts, power in sorted(points, key=lambda p: p[0]):
        step = cap if prev_ts is None else min((ts - prev_ts).total_seconds(), cap)
        out.append((ts, power, max(step, 0.0)))
        prev_ts = ts
    return out


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants of the start and end of a plant-local day (23 h or 25 h on DST days)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def day_length_s(day: date, tz: ZoneInfo) -> float:
    start, end = day_bounds(day, tz)
    return (end - start).total_seconds()


def _points(tsession: Session, plant_id: int, start: datetime, end: datetime) -> list[tuple[datetime, float | None]]:
    rows = tsession.exec(select(TelemetryReading.ts, TelemetryReading.generation_power_kw)
                         .where(TelemetryReading.plant_id == plant_id, TelemetryReading.ts >= start,
                                TelemetryReading.ts < end).order_by(TelemetryReading.ts)).all()
    return [(ts, p) for ts, p in rows]


def _prev_ts(tsession: Session, plant_id: int, before: datetime) -> datetime | None:
    ts = tsession.exec(select(sa.func.max(TelemetryReading.ts))
                       .where(TelemetryReading.plant_id == plant_id, TelemetryReading.ts < before)).one()
    return None if ts is None else _as_utc(ts)


def prev_reading_ts(tsession: Session, plant_id: int, day: date, tz: ZoneInfo) -> datetime | None:
    """The last reading before ``day`` (still present, or already purged into the previous day's row)."""
    start, _ = day_bounds(day, tz)
    prev = _prev_ts(tsession, plant_id, start)
    if prev is None:
        before = tsession.get(PlantDailyEnergy, (plant_id, day - timedelta(days=1)))
        prev = before.purged_last_ts if before is not None else None
    return prev


def day_aggregate(tsession: Session, plant_id: int, day: date, tz: ZoneInfo) -> DayAggregate:
    """A plant-local day: the part already purged (its roll-up row) + the readings still present."""
    start, end = day_bounds(day, tz)
    row = tsession.get(PlantDailyEnergy, (plant_id, day))
    agg = DayAggregate()
    prev = prev_reading_ts(tsession, plant_id, day, tz)
    if row is not None and row.purged_readings:
        agg.energy_kwh, agg.readings, agg.covered_s = row.purged_energy_kwh, row.purged_readings, row.purged_covered_s
        agg.peak_kw, agg.first_ts = row.peak_power_kw, row.first_ts
        agg.last_ts = row.purged_last_ts
        prev = row.purged_last_ts or prev
    points = _points(tsession, plant_id, start, end)
    if row is not None and row.purged_last_ts is not None:
        points = [p for p in points if p[0] > row.purged_last_ts]
    for ts, power, step in contributions(points, prev):
        agg.add(ts, power, step)
    return agg


# ---------------------------------------------------------------- plant metrics and freshness
def update_plant_metrics(session: Session, tsession: Session, plants: Sequence[Plant],
                         now: datetime | None = None) -> None:
    """``current_power_kw``, ``daily_energy_mwh`` (plant-local today) and ``last_reading_at``."""
    now = now or utcnow()
    last = last_reading_times(tsession, [p.id for p in plants])
    for plant in plants:
        ts = last.get(plant.id)
        if ts is None:
            continue
        tz = zone(plant.timezone)
        power = tsession.exec(select(TelemetryReading.generation_power_kw)
                              .where(TelemetryReading.plant_id == plant.id, TelemetryReading.ts == ts)).first()
        today = local_day(now, tz)
        agg = day_aggregate(tsession, plant.id, today, tz)
        plant.last_reading_at = ts
        plant.current_power_kw = None if power is None else round(float(power), 3)
        plant.daily_energy_mwh = round(agg.energy_kwh / 1000.0, 6) if agg.readings else 0.0
        plant.updated_at = now
        session.add(plant)


def counter_is_today(plant, now: datetime | None = None) -> bool:
    """Whether ``plant.daily_energy_mwh`` is the figure of the plant's current local day (``plant``: anything
    with ``daily_energy_mwh``, ``last_reading_at`` and ``timezone``). It is computed at each sync for that sync's
    local day, so it stands for today only while the last reading is from today."""
    if plant.daily_energy_mwh is None or plant.last_reading_at is None:
        return False
    tz = zone(plant.timezone)
    return local_day(plant.last_reading_at, tz) == local_day(now or utcnow(), tz)


def energy_today_mwh(plant, now: datetime | None = None) -> float | None:
    """The plant's energy on its own local today: a plant silent since before its local midnight has produced
    nothing WOMS knows of today — 0, not yesterday's total. ``None``: never computed."""
    if plant.daily_energy_mwh is None:
        return None
    return float(plant.daily_energy_mwh) if counter_is_today(plant, now) else 0.0


def counter_today_clause(zones: Iterable[str], now: datetime, *, daily=Plant.daily_energy_mwh,
                         last=Plant.last_reading_at, tz_col=Plant.timezone):
    """``counter_is_today`` as one SQL condition over the given zones (a fleet has thousands of plants but a
    handful of zones): the last reading lies within the plant's current local day."""
    arms = []
    for name in set(zones):
        start, end = day_bounds(local_day(now, zone(name)), zone(name))
        arms.append(sa.and_(tz_col == name, last >= start, last < end))
    return sa.and_(daily.is_not(None), sa.or_(*arms)) if arms else sa.false()


def zone_day_clause(zones: Iterable[str], now: datetime, days_back: int, *, day_col, tz_col):
    """Rows of each zone's own local day ``days_back`` before today (1 = yesterday), as one SQL condition:
    ``(day = d1 AND timezone IN (…)) OR (day = d2 AND …)`` — at most three distinct days over all zones."""
    by_day: dict[date, list[str]] = {}
    for name in set(zones):
        by_day.setdefault(local_day(now, zone(name)) - timedelta(days=days_back), []).append(name)
    arms = [sa.and_(day_col == d, tz_col.in_(sorted(names))) for d, names in by_day.items()]
    return sa.or_(*arms) if arms else sa.false()


# Solar elevation, NOAA's low-precision formulas (declination and equation of time from the fractional year; good
# to ~0.1°, minutes at sunrise): one formula for Python (one plant) and SQL (a whole fleet counted in the database).
SUN_UP_SIN = math.sin(math.radians(-0.57))  # apparent elevation 0° ≈ geometric −0.57° (refraction at the horizon)


def sun_terms(at: datetime) -> tuple[float, float, float]:
    """(declination [rad], equation of time [min], UTC minutes of the day) at ``at``."""
    at = at.astimezone(timezone.utc)
    hours = at.hour + at.minute / 60 + at.second / 3600
    g = 2 * math.pi / 365 * (at.timetuple().tm_yday - 1 + (hours - 12) / 24)
    eot = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g) - 0.014615 * math.cos(2 * g)
                    - 0.040849 * math.sin(2 * g))
    decl = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
            + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))
    return decl, eot, hours * 60


def sun_elevation_sin(latitude: float, longitude: float, at: datetime) -> float:
    decl, eot, minutes = sun_terms(at)
    ha = math.radians((minutes + eot + 4 * longitude) / 4 - 180)
    lat = math.radians(latitude)
    return math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(ha)


def _hours_daylight(hour: int) -> bool:
    return 7 <= hour < 19  # plants without coordinates


def is_daylight(plant: Plant, at: datetime) -> bool:
    """The sun is up at the plant (apparent elevation > 0; 07–19 local time without coordinates)."""
    if plant.latitude is None or plant.longitude is None:
        return _hours_daylight(at.astimezone(zone(plant.timezone)).hour)
    return sun_elevation_sin(plant.latitude, plant.longitude, at) > SUN_UP_SIN


def daylight_clause(zones: Iterable[str], at: datetime, *, lat=Plant.latitude, lon=Plant.longitude,
                    tz_col=Plant.timezone):
    """``is_daylight`` as one SQL condition (SQLite's and PostgreSQL's sin/cos/radians)."""
    decl, eot, minutes = sun_terms(at)
    f = sa.func
    elevation = (f.sin(f.radians(lat)) * math.sin(decl) + f.cos(f.radians(lat)) * math.cos(decl)
                 * f.cos(f.radians((minutes + eot + 4 * lon) / 4 - 180)))
    by_clock = [name for name in set(zones) if _hours_daylight(at.astimezone(zone(name)).hour)]
    return sa.or_(sa.and_(lat.is_not(None), lon.is_not(None), elevation > SUN_UP_SIN),
                  sa.and_(sa.or_(lat.is_(None), lon.is_(None)), tz_col.in_(by_clock) if by_clock else sa.false()))


def freshness(plant: Plant, poll_interval_s: int, now: datetime | None = None) -> Freshness:
    """fresh (≤ 2× poll interval old), stale (older), offline (no data for an hour in daylight), no_data."""
    now = now or utcnow()
    if plant.last_reading_at is None:
        return Freshness.NO_DATA
    age = now - plant.last_reading_at
    if age <= timedelta(seconds=2 * poll_interval_s):
        return Freshness.FRESH
    if age > OFFLINE_AFTER and is_daylight(plant, now):
        return Freshness.OFFLINE
    return Freshness.STALE
