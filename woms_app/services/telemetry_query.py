"""Reading telemetry for charts and exports: scoped, downsampled, gaps kept as gaps.

Telemetry readings live in the telemetry database; plants, vendors and scoping live in
the main one. Every function here first resolves the plants the viewer may see in the
main database (through the scoping helper), then reads readings by plant id from the
telemetry database and joins in Python — never across databases.

Downsampling (``plant_series``): the window is cut into a regular grid of buckets of
``bucket_s`` seconds (at least the plant's own reading interval, and coarse enough that
the grid holds at most ``max_points`` buckets). A bucket's value is the mean of the
readings inside it; a bucket without readings is ``None`` when it lies in a real gap
(the readings around it are further apart than 1.5 × the reading interval) and is left
out when it is only an alignment artefact of jittered timestamps. No value is ever
invented: there is no interpolation and no zero filling. Each point carries its UTC
instant and a label on the plant's own wall clock.
"""
from __future__ import annotations

import csv
import io
import math
import statistics
from bisect import bisect_left
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.core.errors import ValidationFailed
from woms_app.models.enums import Freshness
from woms_app.models.org import Organization
from woms_app.models.plant import Plant
from woms_app.models.telemetry import OrgPowerBucket, PlantDailyEnergy, TelemetryReading
from woms_app.models.vendor import Vendor
from woms_app.services import audit, telemetry
from woms_app.services.telemetry import POWER_BUCKET_S
from woms_app.services.viewer import Viewer, get_scoped, org_filter

# metric key -> (column, label, unit)
METRICS: dict[str, tuple[str, str, str]] = {
    "power": ("generation_power_kw", "Power", "kW"),
    "voltage": ("voltage_v", "Voltage", "V"),
    "current": ("current_a", "Current", "A"),
    "temperature": ("temperature_c", "Temperature", "°C"),
}
MAX_POINTS = 500
DEFAULT_WINDOW = timedelta(hours=24)
MAX_WINDOW = timedelta(days=7)
GAP_FACTOR = 1.5  # readings further apart than this × the reading interval are a gap
DEFAULT_POLL_S = 300


# ---------------------------------------------------------------------------------------------
# time zones and labels


zone = telemetry.zone  # an unknown or empty name falls back to UTC


def utc_offset_label(tz: str, at: datetime) -> str:
    """``UTC+05:30`` for ``Asia/Kolkata``; ``UTC`` for a zero offset."""
    off = at.astimezone(zone(tz)).utcoffset() or timedelta(0)
    minutes = int(off.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


def zone_label(tz: str, at: datetime) -> str:
    """What the time axis is labelled with, e.g. ``Asia/Kolkata (UTC+05:30)``; plain ``UTC`` for UTC."""
    offset = utc_offset_label(tz, at)
    return offset if tz in ("UTC", "Etc/UTC") else f"{tz} ({offset})"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _local_label(instant: datetime, tz: ZoneInfo, with_date: bool) -> str:
    # strftime("%d %b %H:%M") without strftime: a third of a 288-point series' cost, and locale-independent
    local = instant.astimezone(tz)
    hm = f"{local.hour:02d}:{local.minute:02d}"
    return f"{local.day:02d} {_MONTHS[local.month - 1]} {hm}" if with_date else hm


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ValidationFailed(f"{what} needs a time zone offset (e.g. 2026-01-31T12:00:00Z)", field=what)
    return value.astimezone(timezone.utc)


def parse_instant(text: str | None, what: str) -> datetime | None:
    """Parse an ISO 8601 instant with offset (``Z`` allowed); ``None``/empty stays ``None``."""
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{what} must be an ISO 8601 date-time, got {text!r}", field=what) from exc
    return _aware(value, what)


def resolve_window(start: datetime | None, end: datetime | None, *, now: datetime | None = None
                   ) -> tuple[datetime, datetime]:
    """The window to read: defaults to the last 24 h; at most 7 days; ``start`` before ``end``."""
    now = now or utcnow()
    end = _aware(end, "to") if end is not None else now
    start = _aware(start, "from") if start is not None else end - DEFAULT_WINDOW
    if start >= end:
        raise ValidationFailed("from must be before to", field="from")
    if end - start > MAX_WINDOW:
        raise ValidationFailed(f"The window may span at most {MAX_WINDOW.days} days", field="from")
    return start, end


def check_metric(metric: str) -> tuple[str, str, str]:
    if metric not in METRICS:
        raise ValidationFailed(f"metric must be one of {', '.join(METRICS)}", field="metric")
    return METRICS[metric]


# ---------------------------------------------------------------------------------------------
# downsampling


@dataclass
class Series:
    plant_id: int
    plant_name: str
    metric: str
    label: str
    unit: str
    timezone: str
    zone_label: str
    start: datetime
    end: datetime
    bucket_s: int
    readings: int  # raw readings with a value in the window
    points: list[dict] = field(default_factory=list)  # {"t": ISO UTC, "label": local time, "value": float | None}

    @property
    def values(self) -> list[float | None]:
        return [p["value"] for p in self.points]

    def to_dict(self) -> dict:
        # shallow: the points are flat dicts (asdict's recursive deep copy of ≤ 500 points cost ~3 ms per request)
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["points"] = [dict(p) for p in self.points]
        d["start"], d["end"] = self.start.isoformat(), self.end.isoformat()
        return d


def nominal_interval(instants: list[datetime]) -> float | None:
    """The typical spacing of readings in seconds (median of positive differences)."""
    diffs = [(b - a).total_seconds() for a, b in zip(instants, instants[1:]) if b > a]
    return float(statistics.median(diffs)) if diffs else None


def bucket_seconds(window_s: float, max_points: int, nominal_s: float | None) -> int:
    """Grid step: coarse enough for ≤ max_points buckets (one spare for alignment), never finer than the
    reading interval; whole minutes from a minute up."""
    needed = math.ceil(max(window_s / max(max_points - 1, 1), 1.0))
    if needed >= 60:
        needed = math.ceil(needed / 60) * 60
    native = 0
    if nominal_s:  # a jittered 5-minute feed (e.g. 307 s median) still gets 5-minute buckets
        native = max(60, round(nominal_s / 60) * 60) if nominal_s >= 60 else math.ceil(nominal_s)
    return int(max(needed, native))


def downsample(samples: list[tuple[datetime, float]], start: datetime, end: datetime, tz: str,
               max_points: int = MAX_POINTS) -> tuple[int, list[dict]]:
    """Bucket means on a regular grid over [start, end); see the module docstring. ``samples`` sorted by time."""
    if max_points < 2:
        raise ValidationFailed("max_points must be at least 2", field="max_points")
    if not samples:
        return 0, []
    instants = [t for t, _ in samples]
    nominal = nominal_interval(instants)
    window_s = (end - start).total_seconds()
    step = bucket_seconds(window_s, max_points, nominal)
    # Anchor the grid so readings sit mid-bucket: timestamps jittered by up to half a step stay put.
    phase = instants[0].timestamp() - step / 2
    first = phase + math.floor((start.timestamp() - phase) / step) * step
    n = max(1, math.ceil((end.timestamp() - first) / step))
    while n > max_points:  # cannot happen with the spare bucket, but never exceed the promise
        step += 60 if step >= 60 else 1
        first = phase + math.floor((start.timestamp() - phase) / step) * step
        n = max(1, math.ceil((end.timestamp() - first) / step))
    sums = [0.0] * n
    counts = [0] * n
    for t, v in samples:
        i = int((t.timestamp() - first) // step)
        if 0 <= i < n:
            sums[i] += v
            counts[i] += 1
    gap_s = GAP_FACTOR * (nominal or step)
    epochs = [t.timestamp() for t in instants]
    zi = zone(tz)
    with_date = window_s > 86400 + 1
    points: list[dict] = []
    for i in range(n):
        b0 = first + i * step
        centre = datetime.fromtimestamp(b0 + step / 2, tz=timezone.utc)
        if counts[i]:
            value: float | None = round(sums[i] / counts[i], 4)
        else:
            # the readings on either side of this empty bucket
            j = bisect_left(epochs, b0)
            before = epochs[j - 1] if j > 0 else None
            after = epochs[j] if j < len(epochs) else None
            if before is not None and after is not None and after - before <= gap_s:
                continue  # an alignment artefact, not missing data: leave the bucket out
            value = None
        points.append({"t": centre.isoformat().replace("+00:00", "Z"), "label": _local_label(centre, zi, with_date),
                       "value": value})
    return step, points


def _viewer_plant(main: Session, viewer: Viewer, plant_id: int) -> Plant:
    plant = get_scoped(main, viewer, Plant, plant_id, "Plant")
    audit.record_read(main, viewer, "telemetry", plant.id, org_id=plant.org_id)
    return plant


def _readings(tel: Session, plant: Plant, column: str, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    col = getattr(TelemetryReading, column)
    rows = tel.exec(
        select(TelemetryReading.ts, col)
        .where(TelemetryReading.plant_id == plant.id, TelemetryReading.org_id == plant.org_id,
               TelemetryReading.ts >= start, TelemetryReading.ts < end, col.is_not(None))
        .order_by(TelemetryReading.ts)
    ).all()
    return [(ts, float(v)) for ts, v in rows]


def plant_series(main: Session, tel: Session, viewer: Viewer, plant_id: int, metric: str = "power", *,
                 start: datetime | None = None, end: datetime | None = None, max_points: int = MAX_POINTS) -> Series:
    """One plant's metric over a window (default: the last 24 h), downsampled to ≤ ``max_points``."""
    column, label, unit = check_metric(metric)
    if not 2 <= max_points <= MAX_POINTS:
        raise ValidationFailed(f"max_points must be 2–{MAX_POINTS}", field="max_points")
    start, end = resolve_window(start, end)
    plant = _viewer_plant(main, viewer, plant_id)
    samples = _readings(tel, plant, column, start, end)
    step, points = downsample(samples, start, end, plant.timezone, max_points)
    return Series(plant_id=plant.id, plant_name=plant.name, metric=metric, label=label, unit=unit,
                  timezone=plant.timezone, zone_label=zone_label(plant.timezone, end), start=start, end=end,
                  bucket_s=step, readings=len(samples), points=points)


def plant_readings_csv(main: Session, tel: Session, viewer: Viewer, plant_id: int, metric: str = "power", *,
                       start: datetime | None = None, end: datetime | None = None) -> tuple[str, str]:
    """The raw readings of one metric as CSV (no downsampling). Returns (filename, text)."""
    column, label, unit = check_metric(metric)
    start, end = resolve_window(start, end)
    plant = _viewer_plant(main, viewer, plant_id)
    zi = zone(plant.timezone)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["timestamp_utc", f"timestamp_local ({plant.timezone})", "plant_id", f"{metric}_{unit}"])
    for ts, value in _readings(tel, plant, column, start, end):
        w.writerow([ts.isoformat().replace("+00:00", "Z"), ts.astimezone(zi).isoformat(), plant.id, value])
    name = f"telemetry-plant{plant.id}-{metric}-{start:%Y%m%dT%H%M}Z-{end:%Y%m%dT%H%M}Z.csv"
    return name, out.getvalue()


# ---------------------------------------------------------------------------------------------
# freshness


def plant_freshness(plant: Plant, poll_interval_s: int | None, now: datetime | None = None) -> Freshness:
    """The sync service's rule (services.telemetry.freshness), with the default poll interval as fallback."""
    return telemetry.freshness(plant, int(poll_interval_s or DEFAULT_POLL_S), now)


def freshness_for(main: Session, plants: list[Plant], now: datetime | None = None) -> dict[int, Freshness]:
    """Freshness of already-scoped plants (one query for their vendors' poll intervals)."""
    vendor_ids = {p.vendor_id for p in plants}
    polls = dict(main.exec(select(Vendor.id, Vendor.poll_interval_s).where(Vendor.id.in_(vendor_ids))).all()) \
        if vendor_ids else {}
    now = now or utcnow()
    return {p.id: plant_freshness(p, polls.get(p.vendor_id), now) for p in plants}


def freshness_counts(main: Session, viewer: Viewer, now: datetime | None = None) -> dict[str, int]:
    """How many of the viewer's plants are fresh / stale / offline / without data.

    Fresh and no-data plants are counted in the database; only the others are loaded (four columns) for the
    daylight rule that tells stale from offline. Loading every Plant row made the dashboard of a
    2,000-plant fleet cost ~60 ms of ORM work (bench P3)."""
    counts = {f.value: 0 for f in Freshness}
    now = now or utcnow()
    scope = org_filter(viewer, Plant.org_id)
    joined = lambda *cols: select(*cols).select_from(Plant).join(Vendor, Vendor.id == Plant.vendor_id).where(scope)  # noqa: E731
    counts[Freshness.NO_DATA.value] = main.exec(joined(func.count(Plant.id)).where(Plant.last_reading_at.is_(None))).one()
    for poll in main.exec(joined(Vendor.poll_interval_s).distinct()).all():
        cutoff = now - timedelta(seconds=2 * int(poll or DEFAULT_POLL_S))  # telemetry.freshness: age ≤ 2× poll
        same_poll = Vendor.poll_interval_s.is_(None) if poll is None else Vendor.poll_interval_s == poll
        counts[Freshness.FRESH.value] += main.exec(joined(func.count(Plant.id)).where(
            same_poll, Plant.last_reading_at >= cutoff)).one()
        older = main.exec(joined(Plant.last_reading_at, Plant.latitude, Plant.longitude, Plant.timezone).where(
            same_poll, Plant.last_reading_at < cutoff)).all()
        for row in older:
            counts[plant_freshness(row, poll, now).value] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# production overview


def _scope_zones(main: Session, viewer: Viewer) -> dict[str, int]:
    """Plants in scope per time zone."""
    return dict(main.exec(select(Plant.timezone, func.count(Plant.id)).where(org_filter(viewer, Plant.org_id))
                          .group_by(Plant.timezone)).all())


def display_timezone(main: Session, viewer: Viewer, zones: Iterable[str]) -> str:
    """The clock of fleet-wide views: the organization's zone for ORG viewers; else the plants' common zone, or
    UTC when they differ."""
    if viewer.is_org and viewer.org_id is not None:
        org = main.get(Organization, viewer.org_id)
        if org is not None:
            return org.timezone
    zones = set(zones)
    return zones.pop() if len(zones) == 1 else "UTC"


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
    zones = _scope_zones(main, viewer)
    tz = display_timezone(main, viewer, zones)
    zi = zone(tz)
    today = now.astimezone(zi).date()
    day_start = datetime.combine(today, time(0), zi).astimezone(timezone.utc)
    day_end = datetime.combine(today + timedelta(days=1), time(0), zi).astimezone(timezone.utc)
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
        points.append({"t": b0.isoformat().replace("+00:00", "Z"), "label": _local_label(b0, zi, False),
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
    source: str  # "vendor" (today's counter) | "rollup" (plant_daily_energy) | ""


@dataclass
class Performers:
    top: list[PlantEnergy]
    bottom: list[PlantEnergy]
    with_data: int
    without_data: int


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
    today_in: dict[str, date] = {tz: now.astimezone(zone(tz)).date() for tz in {p.timezone for p in plants}}
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


def performers(main: Session, tel: Session, viewer: Viewer, *, n: int = 5, now: datetime | None = None) -> Performers:
    """Top and bottom ``n`` plants by today's specific yield (kWh/kWp); a plant appears in one list only."""
    rows = energy_today(main, tel, viewer, now=now)
    ranked = sorted((r for r in rows if r.specific_yield is not None), key=lambda r: (-r.specific_yield, r.name))
    top = ranked[:n]
    rest = ranked[n:]
    bottom = list(reversed(rest[-n:])) if rest else []
    audit.record_read(main, viewer, "telemetry", detail="energy per plant today")
    return Performers(top=top, bottom=bottom, with_data=len(ranked), without_data=len(rows) - len(ranked))


__all__ = [
    "METRICS", "MAX_POINTS", "Series", "FleetCurve", "PlantEnergy", "Performers", "plant_series",
    "plant_readings_csv", "downsample", "plant_freshness", "freshness_for", "freshness_counts",
    "fleet_power_today", "energy_today", "performers", "parse_instant", "resolve_window", "zone_label",
]
