"""Sungrow iSolarCloud OpenAPI (family 1: appkey + user login) adapter (vendor-apis.md Part B).

Parsing lives in the pure ``parse_*`` functions below (tested against recorded bodies in
tests/data/sungrow/); the adapter class only orchestrates calls.

Quirks handled: HTTP 200 with ``result_code != "1"`` for errors; a failed login still says
``result_code "1"`` and is visible only through ``login_state`` / a missing token; numbers are strings
(``"--"`` = no data); ``{unit, value}`` objects auto-scaled in W/kW/MW, Wh/kWh/MWh, 度/万度;
``design_capacity`` in Wp; ``ps_current_time_zone`` is ``"GMT+x"``; minute data only in ≤ 3 h windows
of plant-local ``yyyyMMddHHmmss``; fault window format ``yyyy-MM-dd HH:mm:ss`` or ``yyyyMMddHHmm``;
closed-fault queries may not cross a month boundary; token expiry E00003 (re-login once, retry once);
rate limits E901/E999/E998.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from woms_app.core.clock import utcnow
from woms_app.vendors.base import (
    BaseVendorAdapter,
    NormalizedAlert,
    NormalizedDevice,
    NormalizedPlant,
    PlantRef,
    Reading,
)
from woms_app.vendors.errors import VendorAuthError, VendorBadResponse, VendorError, VendorNotSupported
from woms_app.vendors.http import check_sungrow, request_json
from woms_app.vendors.limiter import Budget
from woms_app.vendors.parsing import (
    POWER_TO_KW,
    POWER_TO_KWP,
    FieldSpec,
    ZoneError,
    categorize,
    convert,
    integer,
    local_to_utc,
    merge_readings,
    num,
    require_aware,
    resolve_zone,
    text,
    unit_value,
    zone,
)
from woms_app.vendors.solarman import combine_inverters

if TYPE_CHECKING:
    from woms_app.vendors.metering import VendorAllowance

log = logging.getLogger("woms.vendors.sungrow")

VENDOR = "sungrow"
PAGE_SIZE = 100
MINUTE_WINDOW = timedelta(hours=3)
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
WINDOW_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M")  # getFaultAlarmInfo startTime/endTime: try in order

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


def month_windows(start_local: datetime, end_local: datetime) -> list[tuple[datetime, datetime]]:
    """Split a local interval at month boundaries (closed-fault queries cannot cross one)."""
    out = []
    cur = start_local
    while cur <= end_local:
        nxt = (cur.replace(day=1, hour=0, minute=0, second=0, microsecond=0) + timedelta(days=32)).replace(day=1)
        seg_end = min(end_local, nxt - timedelta(seconds=1))
        out.append((cur, seg_end))
        cur = nxt
    return out


def three_hour_windows(start_local: datetime, end_local: datetime) -> list[tuple[datetime, datetime]]:
    """Minute-data windows of at most 3 h (inclusive ends, no overlap)."""
    out = []
    cur = start_local.replace(second=0, microsecond=0)
    while cur <= end_local:
        seg_end = min(end_local, cur + MINUTE_WINDOW - timedelta(seconds=1))
        out.append((cur, seg_end))
        cur = cur + MINUTE_WINDOW
    return out


def _chunks(items: Sequence[str], n: int) -> Iterable[list[str]]:
    for i in range(0, len(items), n):
        yield list(items[i:i + n])


# ---------------------------------------------------------------- adapter
class SungrowAdapter(BaseVendorAdapter):
    vendor_type = VENDOR
    label = "Sungrow iSolarCloud (OpenAPI)"
    credential_fields = ("appkey", "access_key", "username", "password")
    optional_credential_fields = ("lang",)
    secret_fields = ("appkey", "access_key", "password")
    default_base_url = "https://gateway.isolarcloud.eu"
    # published: typically 14,400 calls/hour per app (B.10); keep a 10 % margin
    default_budget = Budget(12960, 3600.0, 8)
    # E999 hourly, E998 monthly (their retry_after runs to the next hour / month); the E901 burst window
    # is not published (B.10): assume 10 s, as SOLARMAN's; HTTP 429 likewise
    rate_windows = {"E901": 10.0, "429": 10.0, "E999": 3600.0}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inverters: dict[str, list[str]] = {}
        self._device_rows: list[tuple[str, NormalizedDevice, str | None]] = []
        self._window_format = WINDOW_FORMATS[0]
        self._by_user = True  # getDeviceListByUser usable until the gateway says E996 / E900

    def account_identity(self) -> str:
        import hashlib

        app = hashlib.sha256(str(self._credentials.get("appkey")).encode()).hexdigest()[:10]
        return f"{self._credentials.get('username')}@app-{app}"

    def secrets(self) -> list[str]:
        out = super().secrets()
        if self._token:
            out.append(self._token)
        return out

    # ------------------------------------------------------------ transport
    async def _raw(self, method: str, body: Mapping[str, Any], token: Callable[[], str | None] | None) -> Any:
        c = self._credentials
        headers = {
            "Content-Type": "application/json;charset=UTF-8",
            "sys_code": "901",
            "x-access-key": str(c["access_key"]),
        }

        def prepare() -> tuple[Any, Mapping[str, str]]:
            payload = {"appkey": str(c["appkey"]), "lang": str(c.get("lang") or "_en_US"), **body}
            tok = token() if token is not None else None  # read inside the budget slot: the current token
            if tok:
                payload["token"] = tok
            return payload, headers

        data, retry_after = await request_json(
            self._client, self.limiter, VENDOR, "POST", f"{self.base_url}/openapi/{method}",
            timeout_s=self.timeout_s, secrets=self.secrets(), prepare=prepare,
        )
        return check_sungrow(data, retry_after, self.secrets())

    async def _post(self, method: str, body: Mapping[str, Any]) -> Any:
        return await self._call_authed(lambda token_now: self._raw(method, body, token_now), what=method)

    # ------------------------------------------------------------ contract
    async def authenticate(self) -> None:
        c = self._credentials
        body = {"user_account": str(c["username"]), "user_password": str(c["password"]), "login_type": "1"}

        async def op() -> Any:
            return await self._raw("login", body, None)

        data = await self._login_with_policy(op)
        self.tokens.set(parse_login(data))
        log.info("sungrow: authenticated account %s", self.account_identity())

    async def _plant_items(self, size: int = PAGE_SIZE, first_page_only: bool = False
                           ) -> tuple[int, list[Mapping[str, Any]]]:
        page, items = 1, []
        while True:
            total_, batch = parse_plant_list(await self._post("getPowerStationList", {"curPage": page, "size": size}))
            items.extend(batch)
            if first_page_only or not batch or page * size >= total_:
                return total_, items
            page += 1

    async def _device_pages(self, method: str, body: Mapping[str, Any]) -> list[tuple[str, str, int | None]]:
        page, out = 1, []
        while True:
            data = await self._post(method, {**body, "curPage": page, "size": PAGE_SIZE})
            total_, batch = parse_device_list(data)
            out.extend(batch)
            self._device_rows.extend(parse_devices(data))
            if not batch or page * PAGE_SIZE >= total_:
                return out
            page += 1

    async def _devices(self, ids: Sequence[str]) -> list[tuple[str, str, int | None]]:
        """Inverters and meteo stations of the given plants: ``getDeviceListByUser`` (one paged call for the
        whole account) where the app may use it, else the documented per-plant ``getDeviceList``."""
        types = {"device_type_list": [1, 5]}
        if self._by_user:
            try:
                rows = await self._device_pages("getDeviceListByUser", types)
            except (VendorNotSupported, VendorAuthError) as exc:
                if isinstance(exc, VendorAuthError) and exc.code != "E900":
                    raise
                log.info("sungrow: getDeviceListByUser refused (%s); listing devices per plant", exc.code)
                self._by_user = False
            else:
                wanted = set(ids)
                return [r for r in rows if r[0] in wanted]
        per_plant = await asyncio.gather(*(self._device_pages("getDeviceList", {"ps_id": integer(ps), **types})
                                           for ps in ids))
        return [r for rows in per_plant for r in rows]

    async def _plant_irradiance(self, ids: Sequence[str]) -> set[str]:
        """Plants whose virtual plant device reports irradiance (p83012): a measured value, sensor or not."""
        out: set[str] = set()
        for chunk in _chunks([f"{ps}_11_0_0" for ps in ids], 50):
            data = await self._post("getDeviceRealTimeData", {"device_type": 11, "ps_key_list": chunk,
                                                             "point_id_list": ["83012"]})
            out |= parse_irradiance_plants(data)
        return out

    async def _plant_inverters(self, ps_id: str) -> list[str]:
        if ps_id not in self._inverters:
            rows = await self._device_pages("getDeviceList", {"ps_id": integer(ps_id), "device_type_list": [1]})
            self._inverters[ps_id] = [k for _, k, t in rows if t == 1]
        return self._inverters[ps_id]

    async def list_plants(self) -> list[NormalizedPlant]:
        """Discovery; "Test connection" runs this same path (the base class counts what it returns)."""
        _, items = await self._plant_items()
        ids = [str(integer(i.get("ps_id"))) for i in items]
        detail_tasks = [self._post("getBatchPsDetail", {"ps_ids": ",".join(chunk)}) for chunk in _chunks(ids, 20)]
        self._device_rows = []
        results = await asyncio.gather(*detail_tasks, self._devices(ids), self._plant_irradiance(ids))
        details: dict[str, Mapping[str, Any]] = {}
        for r in results[:len(detail_tasks)]:
            details.update(parse_batch_detail(r))
        devices, measured = results[-2], results[-1]
        sensors = {ps for ps, _, t in devices if t == 5} | measured
        inverters: dict[str, list[str]] = {ps: [] for ps in ids}
        for ps, key, t in devices:
            if t == 1:
                inverters.setdefault(ps, []).append(key)
        self._inverters.update(inverters)
        device_objs = devices_of_plants(self._device_rows)
        return [plant_from_ps(i, details.get(pid), pid in sensors, device_objs.get(pid, ()))
                for i, pid in zip(items, ids)]

    async def get_telemetry(self, plant: PlantRef, start: datetime, end: datetime) -> list[Reading]:
        result = (await self.get_telemetry_many([plant], {str(plant.external_id): start}, end))[str(plant.external_id)]
        if isinstance(result, BaseException):
            raise result
        return result

    async def get_telemetry_many(self, plants: Sequence[PlantRef], starts: Mapping[str, datetime], end: datetime
                                 ) -> dict[str, list[Reading] | VendorError]:
        """Readings of many plants with few calls: ``getDevicePointMinuteDataList`` takes up to 50 ps_keys of
        one device type, so plants sharing a zone are asked together — one call per 50 plant keys and one per
        50 inverter keys for each 3-hour window. Returns, per external id, its readings in
        ``starts[id] <= ts <= end`` or the vendor error that stopped its group (other groups go on)."""
        end = require_aware(end, "end")
        by_zone: dict[str, list[PlantRef]] = {}
        for p in plants:
            by_zone.setdefault(str(getattr(p, "timezone", None) or "UTC"), []).append(p)
        out: dict[str, list[Reading] | VendorError] = {}

        async def group(tz_name: str, members: list[PlantRef]) -> None:
            tz = zone(tz_name)
            ids = [str(p.external_id) for p in members]
            first = {i: require_aware(starts[i], "start") for i in ids}
            try:
                inverters = await asyncio.gather(*(self._plant_inverters(i) for i in ids))
                owner = {k: i for i, keys in zip(ids, inverters) for k in keys}
                plant_keys = {f"{i}_11_0_0": i for i in ids}
                start = min(first.values())
                if end < start:
                    out.update({i: [] for i in ids})
                    return
                calls = []
                for ws, we in three_hour_windows(start.astimezone(tz), end.astimezone(tz)):
                    common = {"start_time_stamp": ws.strftime(LOCAL_TS), "end_time_stamp": we.strftime(LOCAL_TS),
                              "minute_interval": 5}
                    calls += [(PLANT_POINT_MAP, {"ps_key_list": c, "points": PLANT_POINTS, **common})
                              for c in _chunks(list(plant_keys), 50)]
                    calls += [(INVERTER_POINT_MAP, {"ps_key_list": c, "points": INVERTER_POINTS, **common})
                              for c in _chunks(list(owner), 50)]
                results = await asyncio.gather(*(self._post("getDevicePointMinuteDataList", b) for _, b in calls))
            except VendorAuthError:
                raise
            except VendorError as exc:
                out.update({i: exc for i in ids})
                return
            plant_rows: dict[str, list[Any]] = {i: [] for i in ids}
            inv_series: dict[str, list[Any]] = {i: [] for i in ids}
            for (point_map, _), data in zip(calls, results):
                for key, rows in parse_minute_data(data, tz, point_map).items():
                    if key in plant_keys:
                        plant_rows[plant_keys[key]].extend(rows)
                    elif key in owner:
                        inv_series[owner[key]].append(rows)
            for i in ids:  # series of one key in different windows never share an instant
                out[i] = merge_readings([*plant_rows[i], *combine_inverters(inv_series[i])], first[i], end)

        await asyncio.gather(*(group(tz, ms) for tz, ms in by_zone.items()))
        return out

    async def get_alerts(self, plants: Sequence[PlantRef], since: datetime) -> list[NormalizedAlert]:
        """Faults of all the given plants from ``getFaultAlarmInfo`` without a ``ps_id`` filter (it pages
        across the account's plants): one call per 100 faults and month instead of one per plant. The window
        is plant-local, so it spans every zone of the plants asked for; the result keeps only those plants."""
        since = require_aware(since, "since")
        now = utcnow()
        zones = {str(p.external_id): zone(getattr(p, "timezone", None)) for p in plants}
        if not zones:
            return []
        first = min(since.astimezone(tz).replace(tzinfo=None) for tz in zones.values())
        last = max(now.astimezone(tz).replace(tzinfo=None) for tz in zones.values())
        out: dict[str, NormalizedAlert] = {}
        for ws, we in month_windows(first, last):
            page = 1
            while True:
                body = {"curPage": page, "size": PAGE_SIZE,
                        "startTime": ws.strftime(self._window_format), "endTime": we.strftime(self._window_format),
                        "process_status": "999", "fault_type": "1,2,3,4"}
                try:
                    data = await self._post("getFaultAlarmInfo", body)
                except VendorBadResponse as exc:
                    if exc.code == "010" and self._window_format == WINDOW_FORMATS[0]:
                        self._window_format = WINDOW_FORMATS[1]
                        continue
                    raise
                total_, batch = parse_faults(data, lambda ps: zones.get(ps, UTC))
                for a in batch:
                    if a.plant_external_id in zones and (
                            a.status == "ACTIVE" or (a.started_at and a.started_at >= since)
                            or (a.resolved_at and a.resolved_at >= since)):
                        out[a.external_id] = a
                if not batch or page * PAGE_SIZE >= total_:
                    break
                page += 1
        return sorted(out.values(), key=lambda a: (a.started_at or since, a.external_id))


    # ------------------------------------------------------------ quota economy
    async def get_allowance(self) -> VendorAllowance:
        """The application's daily allowance and today's use (``getOpenApiCallInfo``, B.5.10)."""
        return parse_call_info(await self._post("getOpenApiCallInfo", {}))


def parse_call_info(result_data: Any) -> VendorAllowance:
    """``getOpenApiCallInfo`` result_data → VendorAllowance (per day; the hour's figures are the limiter's)."""
    from woms_app.vendors.metering import VendorAllowance
    from woms_app.vendors.parsing import integer

    if not isinstance(result_data, Mapping):
        raise VendorBadResponse("getOpenApiCallInfo without result_data", vendor=VENDOR)
    limit = integer(result_data.get("per_day_access_times_config"))
    used = integer(result_data.get("today_accessed_times"))
    if limit is None or used is None or limit <= 0 or used < 0:
        raise VendorBadResponse("getOpenApiCallInfo without the daily limit or today's count", vendor=VENDOR)
    return VendorAllowance(remaining=max(0, limit - used), limit=limit, used=used, period="day", checked_at=utcnow())
