"""Sungrow ``result_data`` → normalized records: the declarative field maps and the pure ``parse_*`` functions.

No I/O (the allowance's ``checked_at`` is the one clock reading): each function takes the ``result_data`` of a
checked envelope (``envelope.check_sungrow``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from woms_app.core.clock import utcnow
from woms_app.vendors.base import NormalizedAlert, NormalizedDevice, NormalizedPlant
from woms_app.vendors.errors import VendorAuthError, VendorBadResponse
from woms_app.vendors.metering import VendorAllowance
from woms_app.vendors.parsing import (
    POWER_TO_KW,
    POWER_TO_KWP,
    FieldSpec,
    ZoneError,
    categorize,
    convert,
    integer,
    local_to_utc,
    num,
    resolve_zone,
    text,
    unit_value,
)

VENDOR = "sungrow"
LOCAL_TS = "%Y%m%d%H%M%S"

# ---------------------------------------------------------------- declarative field maps
# Values arrive as strings in storage units (W, °C, W/m², V, A); converted once here.
PLANT_POINT_MAP: Mapping[str, FieldSpec] = {
    "generation_power_kw": FieldSpec("p83033", scale=0.001, clamp_zero=True),  # W → kW
    "irradiance_w_m2": FieldSpec("p83012", clamp_zero=True, max_value=2000.0),
    "ambient_temperature_c": FieldSpec("p83016", min_value=-60.0, max_value=70.0),
    "temperature_c": FieldSpec("p83017", min_value=-60.0, max_value=120.0),  # module temperature
}
INVERTER_POINT_MAP: Mapping[str, FieldSpec] = {
    "generation_power_kw": FieldSpec("p24", scale=0.001, clamp_zero=True),
    "voltage_v": FieldSpec("p18", min_value=0.0, max_value=2000.0),
    "current_a": FieldSpec("p21", min_value=0.0, max_value=10000.0),
    "inverter_temperature_c": FieldSpec("p4", min_value=-60.0, max_value=150.0),
}
PLANT_POINTS = ",".join(s.source for s in PLANT_POINT_MAP.values())
INVERTER_POINTS = ",".join(s.source for s in INVERTER_POINT_MAP.values())

FAULT_LEVEL_SEVERITY = {1: "critical", 2: "major", 3: "minor", 4: "info"}
FAULT_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y%m%d%H%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S")
RESOLVED_PROCESS_STATUS = {4, 9}

LOGIN_STATES = {
    "-1": "the account does not exist on this gateway (check the region)",
    "0": "wrong password",
    "2": "account locked after too many wrong passwords",
    "5": "account locked by the administrator",
}


# ---------------------------------------------------------------- pure parsers
def parse_login(result_data: Any) -> str:
    """The session token of a login ``result_data``; VendorAuthError when ``login_state`` says it failed."""
    if not isinstance(result_data, Mapping):
        raise VendorBadResponse("login response without result_data", vendor=VENDOR)
    state = text(result_data.get("login_state"))
    token = text(result_data.get("token"))
    if state is not None and state != "1":
        reason = LOGIN_STATES.get(state, f"login refused (login_state {state})")
        raise VendorAuthError(f"login failed: {reason}", vendor=VENDOR, code=f"login_state={state}")
    if not token:
        raise VendorAuthError("login failed: no token returned", vendor=VENDOR)
    return token


def parse_plant_list(result_data: Any) -> tuple[int, list[Mapping[str, Any]]]:
    if not isinstance(result_data, Mapping):
        raise VendorBadResponse("plant list without result_data", vendor=VENDOR)
    items = result_data.get("pageList") or []
    if not isinstance(items, list):
        raise VendorBadResponse("pageList is not a list", vendor=VENDOR)
    return integer(result_data.get("rowCount")) or 0, [i for i in items if isinstance(i, Mapping)]


def parse_batch_detail(result_data: Any) -> dict[str, Mapping[str, Any]]:
    if not isinstance(result_data, Mapping):
        return {}
    out = {}
    for it in result_data.get("dataList") or []:
        if isinstance(it, Mapping) and integer(it.get("ps_id")) is not None:
            out[str(integer(it.get("ps_id")))] = it
    return out


def parse_device_list(result_data: Any) -> tuple[int, list[tuple[str, str, int | None]]]:
    """(rowCount, [(ps_id, ps_key, device_type)])."""
    if not isinstance(result_data, Mapping):
        raise VendorBadResponse("device list without result_data", vendor=VENDOR)
    out = []
    for it in result_data.get("pageList") or []:
        if isinstance(it, Mapping) and text(it.get("ps_key")):
            out.append((str(integer(it.get("ps_id"))), str(it["ps_key"]), integer(it.get("device_type"))))
    return integer(result_data.get("rowCount")) or 0, out


DEVICE_KIND: dict[int | None, str] = {1: "inverter", 5: "meteo", 7: "meter", 9: "logger", 55: "inverter"}


def _device_status(dev_status: Any, fault: Any) -> str:
    """``dev_status`` "1" online / "0" offline; while online, ``dev_fault_status`` 1 fault, 2 alarm, 4 normal."""
    online = str(dev_status).strip()
    if online == "0":
        return "offline"
    if online != "1":
        return "unknown"
    return {1: "fault", 2: "alarm"}.get(integer(fault) or 0, "online")


def parse_devices(result_data: Any) -> list[tuple[str, NormalizedDevice, str | None]]:
    """``pageList`` as ``(ps_id, device, communication_dev_sn)``. The list gives no last-data time."""
    if not isinstance(result_data, Mapping):
        raise VendorBadResponse("device list without result_data", vendor=VENDOR)
    out = []
    for it in result_data.get("pageList") or []:
        if not isinstance(it, Mapping) or integer(it.get("ps_id")) is None:
            continue
        sn = text(it.get("device_sn")) or text(it.get("ps_key"))
        if not sn:
            continue
        kind = DEVICE_KIND.get(integer(it.get("device_type")), "other")
        out.append((str(integer(it.get("ps_id"))),
                    NormalizedDevice(sn=sn[:80], kind="weather" if kind == "meteo" else kind,
                                     name=(text(it.get("device_name")) or text(it.get("type_name")) or "")[:80],
                                     status=_device_status(it.get("dev_status"), it.get("dev_fault_status"))),
                    text(it.get("communication_dev_sn"))))
    return out


def devices_of_plants(rows: Iterable[tuple[str, NormalizedDevice, str | None]]) -> dict[str, list[NormalizedDevice]]:
    """Devices per plant, plus each data logger named by the devices' ``communication_dev_sn`` (not listed itself:
    online while any device reporting through it is online)."""
    out: dict[str, list[NormalizedDevice]] = {}
    loggers: dict[tuple[str, str], bool] = {}
    for ps, dev, comm in rows:
        if any(d.sn == dev.sn for d in out.get(ps, ())):
            continue
        out.setdefault(ps, []).append(dev)
        if comm:
            loggers[(ps, comm)] = loggers.get((ps, comm), False) or dev.status in ("online", "alarm", "fault")
    for (ps, sn), up in loggers.items():
        if not any(d.sn == sn for d in out[ps]):
            out[ps].append(NormalizedDevice(sn=sn[:80], kind="logger", name="Data logger",
                                            status="online" if up else "offline"))
    return out


def parse_irradiance_plants(result_data: Any) -> set[str]:
    """ps_ids whose plant-level realtime point p83012 (irradiance) carries a number (``getDeviceRealTimeData``)."""
    out: set[str] = set()
    if not isinstance(result_data, Mapping):
        return out
    for it in result_data.get("device_point_list") or []:
        dp = it.get("device_point") if isinstance(it, Mapping) else None
        if isinstance(dp, Mapping) and num(dp.get("p83012")) is not None and integer(dp.get("ps_id")) is not None:
            out.add(str(integer(dp.get("ps_id"))))
    return out


def plant_from_ps(item: Mapping[str, Any], detail: Mapping[str, Any] | None = None,
                  has_meteo: bool = False, devices: Sequence[NormalizedDevice] = ()) -> NormalizedPlant:
    detail = detail or {}
    ps_id = integer(item.get("ps_id"))
    if ps_id is None:
        raise VendorBadResponse("plant without ps_id", vendor=VENDOR)
    cap = num(detail.get("design_capacity"))
    capacity_kw = cap / 1000.0 if cap is not None else unit_value(item.get("total_capcity"), POWER_TO_KWP, "kWp")
    tz_raw = text(item.get("ps_current_time_zone")) or text(detail.get("ps_current_time_zone"))
    try:
        tz_name, tz_error = resolve_zone(tz_raw), None
    except ZoneError as exc:
        tz_name, tz_error = "UTC", str(exc)
    lat = num(item.get("latitude"))
    lon = num(item.get("longitude"))
    return NormalizedPlant(
        external_id=str(ps_id),
        name=text(item.get("ps_name")) or text(detail.get("ps_name")) or f"Plant {ps_id}",
        capacity_kw=capacity_kw,
        latitude=lat if lat is not None else num(detail.get("latitude")),
        longitude=lon if lon is not None else num(detail.get("longitude")),
        timezone=tz_name,
        timezone_error=tz_error,
        has_irradiance_sensor=has_meteo,
        address=text(item.get("ps_location")) or text(detail.get("ps_location")),
        devices=tuple(devices),
    )


def current_power_kw(item: Mapping[str, Any]) -> float | None:
    """The list's auto-scaled ``curr_power`` {unit, value} in kW."""
    return unit_value(item.get("curr_power"), POWER_TO_KW, "W")


def parse_minute_data(result_data: Any, tz: tzinfo, point_map: Mapping[str, FieldSpec]
                      ) -> dict[str, list[tuple[datetime, dict[str, float | None]]]]:
    """``getDevicePointMinuteDataList`` → {ps_key: [(utc ts, {field: value})]}; missing points → None."""
    if result_data is None:
        return {}
    if not isinstance(result_data, Mapping):
        raise VendorBadResponse("minute data is not an object", vendor=VENDOR)
    out: dict[str, list[tuple[datetime, dict[str, float | None]]]] = {}
    for ps_key, frames in result_data.items():
        if not isinstance(frames, list):
            continue
        rows = []
        for fr in frames:
            if not isinstance(fr, Mapping):
                continue
            ts = local_to_utc(fr.get("time_stamp"), tz, (LOCAL_TS, "%Y%m%d%H%M"))
            if ts is None:
                continue
            rows.append((ts, {name: convert(spec, fr.get(spec.source)) for name, spec in point_map.items()}))
        out[str(ps_key)] = rows
    return out


def parse_faults(result_data: Any, tz_for: Callable[[str], tzinfo]) -> tuple[int, list[NormalizedAlert]]:
    """``getFaultAlarmInfo`` → (rowCount, alerts). Local ``create_time``/``over_time`` use the plant zone."""
    if not isinstance(result_data, Mapping):
        raise VendorBadResponse("fault list without result_data", vendor=VENDOR)
    out = []
    for it in result_data.get("pageList") or []:
        if not isinstance(it, Mapping):
            continue
        fid = text(it.get("fault_code"))
        ps_id = integer(it.get("ps_id"))
        if not fid or ps_id is None:
            continue
        tz = tz_for(str(ps_id))
        started = local_to_utc(text(it.get("create_time")), tz, FAULT_TIME_FORMATS)
        if started is None:
            continue
        ended = local_to_utc(text(it.get("over_time")), tz, FAULT_TIME_FORMATS)
        status = integer(it.get("process_status"))
        resolved = status in RESOLVED_PROCESS_STATUS or ended is not None
        fault_type = integer(it.get("fault_type"))
        severity = FAULT_LEVEL_SEVERITY.get(integer(it.get("fault_level")) or 3, "minor")
        if fault_type in (3, 4):  # prompt / advice never outrank "minor"
            severity = "info" if fault_type == 4 else ("minor" if severity in ("critical", "major") else severity)
        name = text(it.get("fault_name")) or "Fault"
        desc = text(it.get("fault_desc"))
        device = text(it.get("device_name")) or text(it.get("type_name"))
        message = desc or name
        if device:
            message = f"{message} (device {device})"
        out.append(NormalizedAlert(
            external_id=fid,
            plant_external_id=str(ps_id),
            title=name,
            message=message,
            vendor_code=str(integer(it.get("fault_type_code")) or text(it.get("fault_type_code")) or ""),
            severity=severity,
            category=categorize(name, desc),
            status="RESOLVED" if resolved else "ACTIVE",
            started_at=started,
            resolved_at=(ended or None) if resolved else None,
            device_sn=text(it.get("ps_key")),
        ))
    return integer(result_data.get("rowCount")) or 0, out



def parse_call_info(result_data: Any) -> VendorAllowance:
    """``getOpenApiCallInfo`` result_data → VendorAllowance (per day; the hour's figures are the limiter's)."""
    if not isinstance(result_data, Mapping):
        raise VendorBadResponse("getOpenApiCallInfo without result_data", vendor=VENDOR)
    limit = integer(result_data.get("per_day_access_times_config"))
    used = integer(result_data.get("today_accessed_times"))
    if limit is None or used is None or limit <= 0 or used < 0:
        raise VendorBadResponse("getOpenApiCallInfo without the daily limit or today's count", vendor=VENDOR)
    return VendorAllowance(remaining=max(0, limit - used), limit=limit, used=used, period="day", checked_at=utcnow())
