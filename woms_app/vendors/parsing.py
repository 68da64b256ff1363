"""Pure, vendor-neutral parsing helpers shared by the adapters' field maps.

Everything here is a pure function: no I/O, no clock, no logging. Vendors send numbers as numbers
or as numeric strings, use ``null``/``""``/``"--"`` for "no data", and occasionally send NaN.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from woms_app.core.timezones import zone as core_zone
from woms_app.vendors.base import Reading

_MISSING = {"", "--", "-", "null", "none", "nan", "n/a", "na"}


def num(value: Any) -> float | None:
    """A finite float from a number or numeric string; ``None`` for missing / NaN / inf / garbage."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        f = float(value)
    elif isinstance(value, str):
        s = value.strip().replace(",", "") if value.count(",") and value.count(".") else value.strip()
        if s.lower() in _MISSING:
            return None
        if "," in s and "." not in s:  # "12,5" decimal comma
            s = s.replace(",", ".")
        try:
            f = float(s)
        except ValueError:
            return None
    else:
        return None
    return f if math.isfinite(f) else None


def integer(value: Any) -> int | None:
    f = num(value)
    return int(f) if f is not None else None


def text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def epoch_to_utc(value: Any) -> datetime | None:
    """UNIX seconds (number, numeric string, ``"1732607100.000"``; milliseconds detected) → aware UTC."""
    f = num(value)
    if f is None or f <= 0:
        return None
    if f > 1e11:  # milliseconds
        f /= 1000.0
    return datetime.fromtimestamp(round(f), tz=UTC)


# ---------------------------------------------------------------- time zones
# "GMT+8", "GMT-3", "UTC+10", "GMT+5:30", "GMT+05:30", "GMT+0530", "GMT+5.5" (decimal hours), "GMT+5:45".
_GMT_RE = re.compile(
    r"^\s*(?:GMT|UTC)\s*(?:([+-])\s*(\d{1,2})(?::(\d{2})|\.(\d{1,4})|(\d{2}))?)?\s*$", re.IGNORECASE)
MIN_OFFSET_MIN, MAX_OFFSET_MIN = -12 * 60, 14 * 60

# Offsets that have no Etc/GMT zone, each mapped to a real zone whose standard offset it is. Those marked
# fixed have no daylight saving time (the offset holds all year); the three others are the only zones
# with that standard offset anywhere (Newfoundland, Lord Howe Island, Chatham Islands) and follow their DST.
_FRACTIONAL_ZONES = {
    -(9 * 60 + 30): "Pacific/Marquesas",  # fixed
    -(3 * 60 + 30): "America/St_Johns",
    3 * 60 + 30: "Asia/Tehran",  # fixed since 2022
    4 * 60 + 30: "Asia/Kabul",  # fixed
    5 * 60 + 30: "Asia/Kolkata",  # fixed
    5 * 60 + 45: "Asia/Kathmandu",  # fixed
    6 * 60 + 30: "Asia/Yangon",  # fixed
    8 * 60 + 45: "Australia/Eucla",  # fixed
    9 * 60 + 30: "Australia/Darwin",  # fixed
    10 * 60 + 30: "Australia/Lord_Howe",
    12 * 60 + 45: "Pacific/Chatham",
}


class ZoneError(ValueError):
    """A plant's time zone cannot be understood: never guessed as UTC."""


def gmt_offset_minutes(value: str | None) -> int | None:
    """Minutes east of UTC of a ``"GMT+x"`` form (see ``_GMT_RE``); ``None`` if the text is not that form
    or the offset is impossible (minutes ≥ 60, a decimal that is not whole minutes, beyond −12:00…+14:00)."""
    m = _GMT_RE.match(value or "")
    if not m:
        return None
    sign, hours, colon_min, decimal, compact_min = m.groups()
    if sign is None:
        return 0
    if decimal is not None:
        minutes_f = float("0." + decimal) * 60
        if abs(minutes_f - round(minutes_f)) > 1e-6:
            return None
        minutes = round(minutes_f)
    else:
        minutes = int(colon_min or compact_min or 0)
    if minutes >= 60:
        return None
    total = int(hours) * 60 + minutes
    total = total if sign == "+" else -total
    return total if MIN_OFFSET_MIN <= total <= MAX_OFFSET_MIN else None


def iana_for_offset(minutes: int) -> str | None:
    """The IANA zone for a fixed offset east of UTC: ``Etc/GMT∓h`` for whole hours (POSIX sign inverted),
    a real zone of that standard offset for the fractional ones; ``None`` when no zone has it (e.g. +01:15)."""
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    if rest == 0 and MIN_OFFSET_MIN <= minutes <= MAX_OFFSET_MIN:
        return f"Etc/GMT{'-' if minutes > 0 else '+'}{hours}"
    return _FRACTIONAL_ZONES.get(minutes)


def resolve_zone(value: str | None) -> str:
    """An IANA zone name for a vendor's zone text (an IANA name or a ``GMT+x`` form).

    Raises ``ZoneError`` with a message fit for the plant page when the text is missing, not understood,
    or an offset no zone has — a wrong zone would shift every reading and local day, so it is never UTC."""
    raw = (value or "").strip()
    if not raw:
        raise ZoneError("the vendor gives no time zone for this plant")
    off = gmt_offset_minutes(raw)
    if off is not None:
        iana = iana_for_offset(off)
        if iana is None:
            sign = "+" if off >= 0 else "-"
            raise ZoneError(f"time zone {raw!r} (UTC{sign}{abs(off) // 60:02d}:{abs(off) % 60:02d}) "
                            "is an offset no time zone uses")
        return iana
    if is_iana(raw):
        return raw
    raise ZoneError(f"time zone {raw[:40]!r} is not understood (expected e.g. GMT+5:30 or Europe/Amsterdam)")


def iana_from_gmt(value: str | None, default: str = "UTC") -> str:
    """``resolve_zone`` with a fallback, for callers that must have a name (the error is reported elsewhere)."""
    try:
        return resolve_zone(value)
    except ZoneError:
        return default


def is_iana(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def zone(name: str | None) -> tzinfo:
    """A tzinfo for a ``GMT+x`` string (parsed here) or an IANA name (``core.timezones.zone``: UTC when unknown;
    plants carry resolved names)."""
    if name:
        off = gmt_offset_minutes(name)
        if off is not None:
            iana = iana_for_offset(off)
            return core_zone(iana) if iana else timezone(timedelta(minutes=off))
    return core_zone(name)


def local_to_utc(value: str | int | None, tz: tzinfo, formats: Iterable[str]) -> datetime | None:
    """Parse a plant-local time string in the first matching format and convert it to aware UTC.

    An ISO string carrying its own offset honours that offset.
    """
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    if ("T" in s or "+" in s[10:]) and len(s) >= 19:
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            dt = None
        if dt is not None:
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=tz)
            return dt.astimezone(UTC)
    if s.isdigit():  # compact forms: pick the format by length (strptime is lax with digit runs)
        compact = {14: "%Y%m%d%H%M%S", 12: "%Y%m%d%H%M", 8: "%Y%m%d"}.get(len(s))
        formats = (compact,) if compact else ()
    for fmt in formats:
        try:
            dt = datetime.strptime(s, fmt)
        except ValueError:
            continue
        return dt.replace(tzinfo=tz).astimezone(UTC)
    return None


def local_dates(start: datetime, end: datetime, tz: tzinfo) -> list[date]:
    """Plant-local calendar dates touched by the UTC interval [start, end]."""
    first = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    out: list[date] = []
    d = first
    while d <= last:
        out.append(d)
        d += timedelta(days=1)
    return out


def require_aware(dt: datetime, name: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return dt.astimezone(UTC)


# ---------------------------------------------------------------- unit scaling
# Factor that converts a value in the given unit to the target base unit of its dimension.
POWER_TO_KW = {"w": 0.001, "kw": 1.0, "mw": 1000.0, "gw": 1_000_000.0}
POWER_TO_KWP = {"wp": 0.001, "kwp": 1.0, "mwp": 1000.0, "gwp": 1_000_000.0, "w": 0.001, "kw": 1.0, "mw": 1000.0}
ENERGY_TO_KWH = {"wh": 0.001, "kwh": 1.0, "mwh": 1000.0, "gwh": 1_000_000.0, "度": 1.0, "万度": 10_000.0}


def scaled(value: Any, unit: str | None, table: Mapping[str, float], default_unit: str) -> float | None:
    """``value`` expressed in ``unit`` converted with ``table``; unknown unit → ``None``."""
    f = num(value)
    if f is None:
        return None
    u = (unit or default_unit or "").strip()
    factor = table.get(u.lower(), table.get(u))
    if factor is None:
        return None
    return f * factor


def unit_value(obj: Any, table: Mapping[str, float], default_unit: str) -> float | None:
    """Sungrow-style ``{"unit": "kW", "value": "64.812"}`` → a number in the table's base unit."""
    if isinstance(obj, Mapping):
        return scaled(obj.get("value"), text(obj.get("unit")), table, default_unit)
    return scaled(obj, None, table, default_unit)


# ---------------------------------------------------------------- declarative field maps
@dataclass(frozen=True, slots=True)
class FieldSpec:
    """Where a normalized reading field comes from and how it is converted (once)."""

    source: str
    scale: float = 1.0
    min_value: float | None = None  # values below are invalid → None
    clamp_zero: bool = False  # small/negative values clamp to 0 (power, irradiance)
    max_value: float | None = None  # values above are invalid → None


def convert(spec: FieldSpec, raw: Any) -> float | None:
    v = num(raw)
    if v is None:
        return None
    v *= spec.scale
    if spec.clamp_zero and v < 0:
        return 0.0
    if spec.min_value is not None and v < spec.min_value:
        return None
    if spec.max_value is not None and v > spec.max_value:
        return None
    return v


READING_FIELDS = (
    "generation_power_kw",
    "voltage_v",
    "current_a",
    "temperature_c",
    "irradiance_w_m2",
    "ambient_temperature_c",
    "inverter_temperature_c",
)


def merge_readings(
    parts: Iterable[tuple[datetime, Mapping[str, float | None]]],
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Reading]:
    """Merge partial field dicts per instant (first non-None wins), drop instants outside [start, end]
    and instants with no value at all; sorted, one reading per instant (duplicates collapse)."""
    by_ts: dict[datetime, dict[str, float | None]] = {}
    for ts, values in parts:
        if ts is None:
            continue
        if start is not None and ts < start:
            continue
        if end is not None and ts > end:
            continue
        slot = by_ts.setdefault(ts, {})
        for k, v in values.items():
            if v is not None and slot.get(k) is None:
                slot[k] = v
    out = []
    for ts in sorted(by_ts):
        vals = {k: by_ts[ts].get(k) for k in READING_FIELDS}
        if all(v is None for v in vals.values()):
            continue
        out.append(Reading(ts=ts, **vals))
    return out


def combine_inverters(series: Iterable[list[tuple[datetime, dict[str, float | None]]]]
                      ) -> list[tuple[datetime, dict[str, float | None]]]:
    """Per instant: mean voltage, total current, mean inverter temperature, total power."""
    per_ts: dict[datetime, list[dict[str, float | None]]] = {}
    for frames in series:
        seen: set[datetime] = set()
        for ts, vals in frames:
            if ts in seen:  # duplicate point within one device: keep the first
                continue
            seen.add(ts)
            per_ts.setdefault(ts, []).append(vals)
    out = []
    for ts, rows in per_ts.items():
        out.append((ts, {
            "voltage_v": mean(r.get("voltage_v") for r in rows),
            "current_a": total(r.get("current_a") for r in rows),
            "inverter_temperature_c": mean(r.get("inverter_temperature_c") for r in rows),
            "generation_power_kw": total(r.get("generation_power_kw") for r in rows),
        }))
    return out


def mean(values: Iterable[float | None]) -> float | None:
    vs = [v for v in values if v is not None]
    return sum(vs) / len(vs) if vs else None


def total(values: Iterable[float | None]) -> float | None:
    vs = [v for v in values if v is not None]
    return sum(vs) if vs else None


def first_of(mapping: Mapping[str, Any], keys: Iterable[str]) -> Any:
    for k in keys:
        if k in mapping and mapping[k] is not None:
            return mapping[k]
    return None


Reducer = Callable[[Iterable[float | None]], float | None]


@dataclass(frozen=True, slots=True)
class KeySpec:
    """A value found under one of ``keys`` (first present wins), scaled by its ``unit`` via ``units``."""

    keys: tuple[str, ...]
    units: Mapping[str, float]
    default_unit: str
    clamp_zero: bool = False
    min_value: float | None = None
    max_value: float | None = None


VOLTS = {"v": 1.0, "kv": 1000.0, "mv": 0.001}
AMPS = {"a": 1.0, "ma": 0.001, "ka": 1000.0}
CELSIUS = {"℃": 1.0, "°c": 1.0, "c": 1.0, "degc": 1.0}
IRRADIANCE = {"w/m2": 1.0, "w/m²": 1.0, "w/㎡": 1.0, "kw/m2": 1000.0, "kw/m²": 1000.0}


def convert_keyed(spec: KeySpec, values: Mapping[str, tuple[Any, str | None]]) -> float | None:
    """``values`` maps key → (raw value, unit)."""
    for k in spec.keys:
        if k in values:
            raw, unit = values[k]
            v = scaled(raw, unit, spec.units, spec.default_unit)
            if v is None:
                continue
            if spec.clamp_zero and v < 0:
                return 0.0
            if spec.min_value is not None and v < spec.min_value:
                return None
            if spec.max_value is not None and v > spec.max_value:
                return None
            return v
    return None


_CATEGORY_WORDS = (
    ("communication", ("offline", "communication", "comm ", "logger", "no data", "disconnect", "lost")),
    ("insulation", ("insulation", "isolation", "leakage", "ground fault", "earth", "gfci", "residual current", "riso")),
    ("grid", ("grid", "mains", "frequency", "islanding", "outage", "ac voltage", "over voltage", "under voltage",
              "overvoltage", "undervoltage")),
    ("temperature", ("temperature", "overheat", "over-temp", "fan", "thermal")),
    ("dc", ("string", "pv ", "pv-", "mppt", "dc ", "arc", "reverse", "module", "array")),
    ("inverter", ("inverter", "relay", "system fault", "hardware", "firmware", "bus", "igbt")),
)


def categorize(*texts: Any) -> str:
    """A coarse alert category from alarm names / device types (grid, insulation, dc, ...)."""
    blob = " " + " ".join(str(t) for t in texts if t).lower() + " "
    for cat, words in _CATEGORY_WORDS:
        if any(w in blob for w in words):
            return cat
    return "other"
