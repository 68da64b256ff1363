"""Reading one plant's telemetry for charts and exports: scoped, downsampled, gaps kept as gaps.

Telemetry readings live in the telemetry database; plants, vendors and scoping live in
the main one. Every function here first resolves the plant the viewer may see in the
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
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.core.errors import ValidationFailed
from woms_app.core.timezones import zone
from woms_app.models.plant import Plant
from woms_app.models.telemetry import TelemetryReading
from woms_app.services import audit
from woms_app.services.viewer import Viewer, get_scoped
from woms_app.services.zones import local_label, zone_label

# metric key -> (column, label, unit)
METRICS: dict[str, tuple[str, str, str]] = {
    "power": ("generation_power_kw", "Power", "kW"),
    "voltage": ("voltage_v", "Voltage", "V"),
    "current": ("current_a", "Current", "A"),
    "temperature": ("module_temperature_c", "Module temperature", "°C"),
}
MAX_POINTS = 500
DEFAULT_WINDOW = timedelta(hours=24)
MAX_WINDOW = timedelta(days=7)
GAP_FACTOR = 1.5  # readings further apart than this × the reading interval are a gap


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ValidationFailed(f"{what} needs a time zone offset (e.g. 2026-01-31T12:00:00Z)", field=what)
    return value.astimezone(UTC)


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
    diffs = [(b - a).total_seconds() for a, b in zip(instants, instants[1:], strict=False) if b > a]
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
        centre = datetime.fromtimestamp(b0 + step / 2, tz=UTC)
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
        points.append({"t": centre.isoformat().replace("+00:00", "Z"), "label": local_label(centre, zi, with_date),
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


__all__ = [
    "MAX_POINTS", "METRICS", "Series", "check_metric", "downsample", "parse_instant", "plant_readings_csv",
    "plant_series", "resolve_window",
]
