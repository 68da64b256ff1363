"""The Sungrow iSolarCloud adapter: orchestrates calls (transport, windows, paging); parsing is in ``parsers``."""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

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
from woms_app.vendors.http import request_json
from woms_app.vendors.limiter import Budget
from woms_app.vendors.metering import VendorAllowance
from woms_app.vendors.parsing import combine_inverters, integer, merge_readings, require_aware, zone
from woms_app.vendors.sungrow.envelope import check_sungrow
from woms_app.vendors.sungrow.parsers import (
    INVERTER_POINT_MAP,
    INVERTER_POINTS,
    LOCAL_TS,
    PLANT_POINT_MAP,
    PLANT_POINTS,
    VENDOR,
    devices_of_plants,
    parse_batch_detail,
    parse_call_info,
    parse_device_list,
    parse_devices,
    parse_faults,
    parse_irradiance_plants,
    parse_login,
    parse_minute_data,
    parse_plant_list,
    plant_from_ps,
)

log = logging.getLogger("woms.vendors.sungrow")

# page size of Sungrow's list requests (plants, devices, faults): what one call asks the gateway for; not the
# REST API's services.paging cap
SUNGROW_PAGE_SIZE = 100
MINUTE_WINDOW = timedelta(hours=3)
WINDOW_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M")  # getFaultAlarmInfo startTime/endTime: try in order


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

        app = hashlib.sha256(str(self._credentials.get("appkey")).encode()).hexdigest()[:10]
        return f"{self._credentials.get('username')}@app-{app}"

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
    async def _login(self) -> tuple[str, None]:
        """A token that lives until the gateway refuses it (E00003): the vendor gives no lifetime."""
        c = self._credentials
        body = {"user_account": str(c["username"]), "user_password": str(c["password"]), "login_type": "1"}

        async def op() -> Any:
            return await self._raw("login", body, None)

        return parse_login(await self._login_with_policy(op)), None

    async def _plant_items(self, size: int = SUNGROW_PAGE_SIZE, first_page_only: bool = False
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
            data = await self._post(method, {**body, "curPage": page, "size": SUNGROW_PAGE_SIZE})
            total_, batch = parse_device_list(data)
            out.extend(batch)
            self._device_rows.extend(parse_devices(data))
            if not batch or page * SUNGROW_PAGE_SIZE >= total_:
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
                body = {"curPage": page, "size": SUNGROW_PAGE_SIZE,
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
                if not batch or page * SUNGROW_PAGE_SIZE >= total_:
                    break
                page += 1
        return sorted(out.values(), key=lambda a: (a.started_at or since, a.external_id))


    # ------------------------------------------------------------ quota economy
    async def get_allowance(self) -> VendorAllowance:
        """The application's daily allowance and today's use (``getOpenApiCallInfo``, B.5.10)."""
        return parse_call_info(await self._post("getOpenApiCallInfo", {}))
