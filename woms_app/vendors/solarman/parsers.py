"""SOLARMAN bodies → normalized records: the declarative field maps and the pure ``parse_*`` functions.

No I/O, no clock: each function takes a checked body (``envelope.check_solarman``) and returns records.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from woms_app.vendors.base import NormalizedAlert, NormalizedDevice, NormalizedPlant, Reading
from woms_app.vendors.errors import VendorBadResponse
from woms_app.vendors.parsing import (
    AMPS,
    CELSIUS,
    IRRADIANCE,
    POWER_TO_KW,
    VOLTS,
    FieldSpec,
    KeySpec,
    ZoneError,
    categorize,
    convert,
    convert_keyed,
    epoch_to_utc,
    integer,
    local_to_utc,
    num,
    resolve_zone,
    text,
)

VENDOR = "solarman"


# ---------------------------------------------------------------- declarative field maps
STATION_FRAME_MAP: Mapping[str, FieldSpec] = {
    "generation_power_kw": FieldSpec("generationPower", scale=0.001, clamp_zero=True),  # W → kW
    "irradiance_w_m2": FieldSpec("irradiateIntensity", clamp_zero=True, max_value=2000.0),
}

INVERTER_KEY_MAP: Mapping[str, KeySpec] = {
    "voltage_v": KeySpec(("AV1", "Vac1", "AV"), VOLTS, "V", min_value=0.0, max_value=2000.0),
    "current_a": KeySpec(("AC1", "Iac1", "AC"), AMPS, "A", min_value=0.0, max_value=10000.0),
    "inverter_temperature_c": KeySpec(("INV_T0", "AC_RDT_T1", "T_INV1", "INV_T1"), CELSIUS, "℃",
                                      min_value=-60.0, max_value=150.0),
    "generation_power_kw": KeySpec(("APo_t1", "PAC", "Pac"), POWER_TO_KW, "W", clamp_zero=True),
}

# Weather-station key names are model-specific (unverified): try the common spellings.
WEATHER_KEY_MAP: Mapping[str, KeySpec] = {
    "irradiance_w_m2": KeySpec(("IRR", "IRR1", "S_IRR", "Irradiance", "POA_IRR"), IRRADIANCE, "W/m2",
                               clamp_zero=True, max_value=2000.0),
    "temperature_c": KeySpec(("T_MOD", "MT1", "PV_T1", "Module_T"), CELSIUS, "℃", min_value=-60.0, max_value=120.0),
    "ambient_temperature_c": KeySpec(("T_AMB", "ENV_T", "AT1", "Ambient_T"), CELSIUS, "℃",
                                     min_value=-60.0, max_value=70.0),
}

# level 0–2 (2 most severe); influence 2/3 (safety) escalates to critical
LEVEL_SEVERITY = {0: "info", 1: "minor", 2: "major"}

FRAME_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- pure parsers
def parse_token(body: Mapping[str, Any]) -> tuple[str, float]:
    """(access_token, expires_in seconds) from a successful token body."""
    token = text(body.get("access_token"))
    if not token:
        raise VendorBadResponse("token response without access_token", vendor=VENDOR)
    expires = num(body.get("expires_in"))
    return token, expires if expires and expires > 0 else 3600.0


def parse_station_list(body: Mapping[str, Any]) -> tuple[int, list[Mapping[str, Any]]]:
    items = body.get("stationList") or []
    if not isinstance(items, list):
        raise VendorBadResponse("stationList is not a list", vendor=VENDOR)
    return integer(body.get("total")) or 0, [i for i in items if isinstance(i, Mapping)]


def parse_balance(body: Mapping[str, Any]) -> int:
    """``/account/v1.0/balance`` (doc §13): ``total`` = calls left of the appId's allowance."""
    left = integer(body.get("total"))
    if left is None or left < 0:
        raise VendorBadResponse("balance response without a call count (total)", vendor=VENDOR)
    return left


def parse_station_power(item: Mapping[str, Any]) -> Reading | None:
    """A power-only Reading from a ``stationList`` item (``generationPower`` W at ``lastUpdateTime``)."""
    ts = epoch_to_utc(item.get("lastUpdateTime"))
    if ts is None:
        return None
    kw = convert(STATION_FRAME_MAP["generation_power_kw"], item.get("generationPower"))
    if kw is None:
        return None
    return Reading(ts=ts, generation_power_kw=kw)


def parse_device_list(body: Mapping[str, Any]) -> tuple[int, list[tuple[str, str]]]:
    """(total, [(deviceSn, deviceType)])."""
    items = body.get("deviceListItems") or []
    out = []
    for it in items if isinstance(items, list) else []:
        sn = text(it.get("deviceSn")) if isinstance(it, Mapping) else None
        if sn:
            out.append((sn, str(it.get("deviceType") or "").upper()))
    return integer(body.get("total")) or 0, out


DEVICE_KIND = {"INVERTER": "inverter", "MICRO_INVERTER": "inverter", "COLLECTOR": "logger", "DTU": "logger",
               "WEATHER_STATION": "weather", "METER": "meter"}
CONNECT_STATUS: dict[int | None, str] = {0: "offline", 1: "online", 2: "alarm"}


def parse_devices(body: Mapping[str, Any]) -> list[NormalizedDevice]:
    """``deviceListItems`` as devices: kind from ``deviceType``, status from ``connectStatus`` (0 offline,
    1 online, 2 alarm), last data from ``collectionTime`` (UNIX seconds)."""
    items = body.get("deviceListItems") or []
    out = []
    for it in items if isinstance(items, list) else []:
        sn = text(it.get("deviceSn")) if isinstance(it, Mapping) else None
        if not sn:
            continue
        dtype = str(it.get("deviceType") or "").upper()
        out.append(NormalizedDevice(sn=sn[:80], kind=DEVICE_KIND.get(dtype, "other"),
                                    name=dtype.replace("_", " ").title()[:80],
                                    status=CONNECT_STATUS.get(integer(it.get("connectStatus")), "unknown"),
                                    last_data_at=epoch_to_utc(it.get("collectionTime"))))
    return out


def plant_from_station(item: Mapping[str, Any], base: Mapping[str, Any] | None = None,
                       devices: Sequence[tuple[str, str]] | None = None,
                       device_records: Sequence[NormalizedDevice] = ()) -> NormalizedPlant:
    """A NormalizedPlant from a ``stationList`` item, enriched with ``/station/v1.0/base`` and devices."""
    base = base or {}
    sid = text(item.get("id")) or text(base.get("id"))
    if not sid:
        raise VendorBadResponse("station without id", vendor=VENDOR)
    sid = str(integer(sid) if integer(sid) is not None else sid)
    region_raw = base.get("region")
    region: Mapping[str, Any] = region_raw if isinstance(region_raw, Mapping) else {}
    try:  # IANA per the document; a GMT+x form is understood too; anything else is an error, never UTC
        tz, tz_error = resolve_zone(text(item.get("regionTimezone")) or text(region.get("timezone"))), None
    except ZoneError as exc:
        tz, tz_error = "UTC", str(exc)
    has_sensor = any(t == "WEATHER_STATION" for _, t in (devices or ()))
    return NormalizedPlant(
        external_id=sid,
        name=text(item.get("name")) or text(base.get("name")) or f"Station {sid}",
        capacity_kw=num(item.get("installedCapacity")) if num(item.get("installedCapacity")) is not None
        else num(base.get("installedCapacity")),
        latitude=(num(item.get("locationLat")) if num(item.get("locationLat")) is not None
                  else num(base.get("locationLat"))),
        longitude=(num(item.get("locationLng")) if num(item.get("locationLng")) is not None
                   else num(base.get("locationLng"))),
        altitude_m=None,
        tilt_deg=num(base.get("installationTiltAngle")),
        azimuth_deg=num(base.get("installationAzimuthAngle")),
        timezone=tz,
        timezone_error=tz_error,
        has_irradiance_sensor=has_sensor,
        address=text(item.get("locationAddress")) or text(base.get("locationAddress")),
        devices=tuple(device_records),
    )


def _frame_ts(item: Mapping[str, Any], tz: tzinfo) -> datetime | None:
    ts = epoch_to_utc(item.get("dateTime"))
    if ts is None:
        y, m, d = integer(item.get("year")), integer(item.get("month")), integer(item.get("day"))
        if y and m and d and item.get("hour") is not None:  # defensive: no epoch, local parts only
            ts = datetime(y, m, d, integer(item.get("hour")) or 0, integer(item.get("minute")) or 0,
                          tzinfo=tz).astimezone(UTC)
    return ts


def parse_station_frames(body: Mapping[str, Any], tz: tzinfo) -> list[tuple[datetime, dict[str, float | None]]]:
    """Station history timeType 1 (intraday) → [(utc ts, {generation_power_kw, irradiance_w_m2})]."""
    items = body.get("stationDataItems") or []
    if not isinstance(items, list):
        raise VendorBadResponse("stationDataItems is not a list", vendor=VENDOR)
    out = []
    for it in items:
        if not isinstance(it, Mapping):
            continue
        ts = _frame_ts(it, tz)
        if ts is None:
            continue
        out.append((ts, {name: convert(spec, it.get(spec.source)) for name, spec in STATION_FRAME_MAP.items()}))
    return out


def parse_station_daily(body: Mapping[str, Any]) -> list[tuple[date, float | None]]:
    """Station history timeType 2 → [(local date, generation kWh)]."""
    out = []
    for it in body.get("stationDataItems") or []:
        y, m, d = integer(it.get("year")), integer(it.get("month")), integer(it.get("day"))
        if y and m and d:
            out.append((date(y, m, d), num(it.get("generationValue"))))
    return out


def parse_collect_time(value: Any, tz: tzinfo) -> datetime | None:
    """Device-history ``collectTime``: epoch seconds (string or number) or a plant-local string."""
    s = text(value)
    if s is None:
        return None
    if s.replace(".", "", 1).isdigit() and len(s.split(".")[0]) >= 9:
        return epoch_to_utc(s)
    return local_to_utc(s, tz, FRAME_TIME_FORMATS)


def parse_device_frames(body: Mapping[str, Any], tz: tzinfo, key_map: Mapping[str, KeySpec]
                        ) -> list[tuple[datetime, dict[str, float | None]]]:
    """Device history frames → [(utc ts, {field: value})] using a key map (unit-aware)."""
    items = body.get("paramDataList")
    if items is None:
        return []
    if not isinstance(items, list):
        raise VendorBadResponse("paramDataList is not a list", vendor=VENDOR)
    out = []
    for frame in items:
        if not isinstance(frame, Mapping):
            continue
        ts = parse_collect_time(frame.get("collectTime"), tz)
        if ts is None:
            continue
        values = {
            str(d.get("key")): (d.get("value"), text(d.get("unit")))
            for d in frame.get("dataList") or [] if isinstance(d, Mapping) and d.get("key") is not None
        }
        out.append((ts, {name: convert_keyed(spec, values) for name, spec in key_map.items()}))
    return out


def _severity(level: Any, influence: Any = None) -> str:
    lvl = integer(level)
    sev = LEVEL_SEVERITY.get(lvl if lvl is not None else 1, "major" if (lvl or 0) > 2 else "minor")
    if integer(influence) in (2, 3) and sev in ("major", "minor"):
        return "critical" if sev == "major" else "major"
    return sev


def parse_alerts_v2(body: Mapping[str, Any], station_id: str) -> list[NormalizedAlert]:
    """``/station/v1.0/alertV2`` items → NormalizedAlert (status 1 active, 0 recovered)."""
    out = []
    for it in body.get("stationAlertItems") or []:
        if not isinstance(it, Mapping):
            continue
        aid = text(it.get("id"))
        started = epoch_to_utc(it.get("alertStartTime"))
        if not aid or started is None:
            continue
        status_code = integer(it.get("status"))
        ended = epoch_to_utc(it.get("alertEndTime"))
        resolved = status_code == 0 or (status_code is None and ended is not None)
        name = text(it.get("alertName")) or "Alarm"
        dev_type = text(it.get("deviceType")) or "device"
        sn = text(it.get("deviceSn"))
        code = text(it.get("code")) or text(it.get("addr")) or ""
        out.append(NormalizedAlert(
            external_id=f"v2:{aid}",
            plant_external_id=station_id,
            title=name,
            message=f"{name} reported by {dev_type.lower().replace('_', ' ')}"
                    f"{' ' + sn if sn else ''}" + (f" (alarm code {code})" if code else ""),
            vendor_code=code,
            severity=_severity(it.get("level"), it.get("influence")),
            category=categorize(name, dev_type if dev_type in ("COLLECTOR",) else ""),
            status="RESOLVED" if resolved else "ACTIVE",
            started_at=started,
            resolved_at=(ended or None) if resolved else None,
            device_sn=sn,
        ))
    return out


def parse_alerts_v1(body: Mapping[str, Any], station_id: str) -> list[NormalizedAlert]:
    """``/station/v1.0/alert`` items (no status or end time): reported as ACTIVE at ``alertTime``."""
    out = []
    for it in body.get("stationAlertItems") or []:
        if not isinstance(it, Mapping):
            continue
        at = epoch_to_utc(it.get("alertTime"))
        if at is None:
            continue
        name = text(it.get("showName")) or text(it.get("alertName")) or "Alarm"
        sn = text(it.get("deviceSn")) or ""
        code = text(it.get("code")) or text(it.get("addr")) or ""
        rule = text(it.get("ruleId")) or code
        out.append(NormalizedAlert(
            external_id=f"v1:{sn}:{rule}:{int(at.timestamp())}",
            plant_external_id=station_id,
            title=name,
            message=f"{name} reported by device {sn}" + (f" (alarm code {code})" if code else ""),
            vendor_code=code,
            severity=_severity(it.get("level"), it.get("influence")),
            category=categorize(name),
            status="ACTIVE",
            started_at=at,
            resolved_at=None,
            device_sn=sn or None,
        ))
    return out
