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
from datetime import datetime, timedelta, tzinfo
from typing import Any, Callable, Iterable, Mapping, Sequence

from woms_app.core.clock import utcnow
from woms_app.vendors.base import (
    BaseVendorAdapter,
    NormalizedAlert,
    NormalizedPlant,
    PlantRef,
    Reading,
)
from woms_app.vendors.errors import VendorAuthError, VendorBadResponse
from woms_app.vendors.http import check_sungrow, request_json
from woms_app.vendors.limiter import Budget
from woms_app.vendors.parsing import (
    POWER_TO_KW,
    POWER_TO_KWP,
    FieldSpec,
    categorize,
    convert,
    iana_from_gmt,
    integer,
    local_to_utc,
    merge_readings,
    num,
    require_aware,
    text,
    unit_value,
    zone,
)
from woms_app.vendors.solarman import combine_inverters

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


def plant_from_ps(item: Mapping[str, Any], detail: Mapping[str, Any] | None = None,
                  has_meteo: bool = False) -> NormalizedPlant:
    detail = detail or {}
    ps_id = integer(item.get("ps_id"))
    if ps_id is None:
        raise VendorBadResponse("plant without ps_id", vendor=VENDOR)
    cap = num(detail.get("design_capacity"))
    capacity_kw = cap / 1000.0 if cap is not None else unit_value(item.get("total_capcity"), POWER_TO_KWP, "kWp")
    tz_raw = text(item.get("ps_current_time_zone")) or text(detail.get("ps_current_time_zone"))
    lat = num(item.get("latitude"))
    lon = num(item.get("longitude"))
    return NormalizedPlant(
        external_id=str(ps_id),
        name=text(item.get("ps_name")) or text(detail.get("ps_name")) or f"Plant {ps_id}",
        capacity_kw=capacity_kw,
        latitude=lat if lat is not None else num(detail.get("latitude")),
        longitude=lon if lon is not None else num(detail.get("longitude")),
        timezone=iana_from_gmt(tz_raw),
        has_irradiance_sensor=has_meteo,
        address=text(item.get("ps_location")) or text(detail.get("ps_location")),
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token: str | None = None
        self._auth_lock: asyncio.Lock | None = None
        self._inverters: dict[str, list[str]] = {}
        self._window_format = WINDOW_FORMATS[0]

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
    async def _raw(self, method: str, body: Mapping[str, Any], token: str | None) -> Any:
        c = self._credentials
        headers = {
            "Content-Type": "application/json;charset=UTF-8",
            "sys_code": "901",
            "x-access-key": str(c["access_key"]),
        }
        payload = {"appkey": str(c["appkey"]), "lang": str(c.get("lang") or "_en_US"), **body}
        if token:
            payload["token"] = token
        data, retry_after = await request_json(
            self._client, self.limiter, VENDOR, "POST", f"{self.base_url}/openapi/{method}",
            timeout_s=self.timeout_s, json_body=payload, headers=headers, secrets=self.secrets(),
        )
        return check_sungrow(data, retry_after, self.secrets())

    def _lock(self) -> asyncio.Lock:
        if self._auth_lock is None:
            self._auth_lock = asyncio.Lock()
        return self._auth_lock

    async def _relogin(self, stale: str | None) -> None:
        async with self._lock():
            if self._token is not None and self._token != stale:
                return
            await self.authenticate()

    async def _post(self, method: str, body: Mapping[str, Any]) -> Any:
        used: dict[str, str | None] = {"token": None}

        async def op() -> Any:
            if not self._token:
                await self._relogin(None)
            used["token"] = self._token
            return await self._raw(method, body, self._token)

        async def reauth() -> None:
            await self._relogin(used["token"])

        return await self._with_policy(op, what=method, reauthenticate=reauth)

    # ------------------------------------------------------------ contract
    async def authenticate(self) -> None:
        c = self._credentials
        body = {"user_account": str(c["username"]), "user_password": str(c["password"]), "login_type": "1"}

        async def op() -> Any:
            return await self._raw("login", body, None)

        data = await self._login_with_policy(op)
        self._token = parse_login(data)
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

    async def _devices_by_user(self, device_type: int) -> list[tuple[str, str, int | None]]:
        page, out = 1, []
        while True:
            total_, batch = parse_device_list(await self._post(
                "getDeviceListByUser", {"curPage": page, "size": PAGE_SIZE, "device_type_list": [device_type]}))
            out.extend(batch)
            if not batch or page * PAGE_SIZE >= total_:
                return out
            page += 1

    async def _plant_inverters(self, ps_id: str) -> list[str]:
        if ps_id in self._inverters:
            return self._inverters[ps_id]
        page, keys = 1, []
        while True:
            total_, batch = parse_device_list(await self._post(
                "getDeviceList", {"ps_id": integer(ps_id), "curPage": page, "size": PAGE_SIZE, "device_type_list": [1]}))
            keys.extend(k for _, k, t in batch if t == 1)
            if not batch or page * PAGE_SIZE >= total_:
                break
            page += 1
        self._inverters[ps_id] = keys
        return keys

    async def count_plants(self) -> int:
        total_, items = await self._plant_items(size=10, first_page_only=True)
        return max(total_, len(items))

    async def list_plants(self) -> list[NormalizedPlant]:
        _, items = await self._plant_items()
        ids = [str(integer(i.get("ps_id"))) for i in items]
        detail_tasks = [self._post("getBatchPsDetail", {"ps_ids": ",".join(chunk)}) for chunk in _chunks(ids, 20)]
        results = await asyncio.gather(*detail_tasks, self._devices_by_user(5), self._devices_by_user(1))
        details: dict[str, Mapping[str, Any]] = {}
        for r in results[:len(detail_tasks)]:
            details.update(parse_batch_detail(r))
        meteo = {ps for ps, _, t in results[-2] if t == 5}
        inverters: dict[str, list[str]] = {ps: [] for ps in ids}
        for ps, key, t in results[-1]:
            if t == 1:
                inverters.setdefault(ps, []).append(key)
        self._inverters.update(inverters)
        return [plant_from_ps(i, details.get(pid), pid in meteo) for i, pid in zip(items, ids)]

    async def get_telemetry(self, plant: PlantRef, start: datetime, end: datetime) -> list[Reading]:
        start, end = require_aware(start, "start"), require_aware(end, "end")
        if end < start:
            return []
        ps_id = str(plant.external_id)
        tz = zone(getattr(plant, "timezone", None))
        inverters = await self._plant_inverters(ps_id)
        plant_key = f"{ps_id}_11_0_0"

        async def window(ws: datetime, we: datetime) -> list[tuple[datetime, dict[str, float | None]]]:
            common = {"start_time_stamp": ws.strftime(LOCAL_TS), "end_time_stamp": we.strftime(LOCAL_TS),
                      "minute_interval": 5}
            tasks = [self._post("getDevicePointMinuteDataList",
                                {"ps_key_list": [plant_key], "points": PLANT_POINTS, **common})]
            tasks += [self._post("getDevicePointMinuteDataList",
                                 {"ps_key_list": chunk, "points": INVERTER_POINTS, **common})
                      for chunk in _chunks(inverters, 50)]
            results = await asyncio.gather(*tasks)
            plant_rows = parse_minute_data(results[0], tz, PLANT_POINT_MAP).get(plant_key, [])
            inv_series = []
            for r in results[1:]:
                inv_series.extend(parse_minute_data(r, tz, INVERTER_POINT_MAP).values())
            return [*plant_rows, *combine_inverters(inv_series)]

        wins = three_hour_windows(start.astimezone(tz), end.astimezone(tz))
        parts = await asyncio.gather(*(window(ws, we) for ws, we in wins))
        return merge_readings([p for part in parts for p in part], start, end)

    async def _faults_for(self, ps_id: str, tz: tzinfo, since: datetime, now: datetime) -> list[NormalizedAlert]:
        out: list[NormalizedAlert] = []
        for ws, we in month_windows(since.astimezone(tz).replace(tzinfo=None), now.astimezone(tz).replace(tzinfo=None)):
            page = 1
            while True:
                body = {"curPage": page, "size": PAGE_SIZE, "ps_id": integer(ps_id),
                        "startTime": ws.strftime(self._window_format), "endTime": we.strftime(self._window_format),
                        "process_status": "999", "fault_type": "1,2,3,4"}
                try:
                    data = await self._post("getFaultAlarmInfo", body)
                except VendorBadResponse as exc:
                    if exc.code == "010" and self._window_format == WINDOW_FORMATS[0]:
                        self._window_format = WINDOW_FORMATS[1]
                        continue
                    raise
                total_, batch = parse_faults(data, lambda _ps: tz)
                out.extend(batch)
                if not batch or page * PAGE_SIZE >= total_:
                    break
                page += 1
        return out

    async def get_alerts(self, plants: Sequence[PlantRef], since: datetime) -> list[NormalizedAlert]:
        since = require_aware(since, "since")
        now = utcnow()
        results = await asyncio.gather(*(
            self._faults_for(str(p.external_id), zone(getattr(p, "timezone", None)), since, now) for p in plants))
        out: dict[str, NormalizedAlert] = {}
        for batch in results:
            for a in batch:
                if a.status == "ACTIVE" or (a.started_at and a.started_at >= since) or (
                        a.resolved_at and a.resolved_at >= since):
                    out[a.external_id] = a
        return sorted(out.values(), key=lambda a: (a.started_at or since, a.external_id))

