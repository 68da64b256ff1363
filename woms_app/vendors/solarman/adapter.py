"""The SOLARMAN OpenAPI adapter: orchestrates calls (transport, paging, caches); parsing is in ``parsers``."""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
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
from woms_app.vendors.errors import VendorAuthError, VendorBadResponse, VendorNotSupported
from woms_app.vendors.http import request_json
from woms_app.vendors.limiter import Budget
from woms_app.vendors.metering import VendorAllowance
from woms_app.vendors.parsing import (
    KeySpec,
    combine_inverters,
    integer,
    local_dates,
    merge_readings,
    require_aware,
    text,
    zone,
)
from woms_app.vendors.solarman.envelope import check_solarman
from woms_app.vendors.solarman.parsers import (
    INVERTER_KEY_MAP,
    VENDOR,
    WEATHER_KEY_MAP,
    parse_alerts_v1,
    parse_alerts_v2,
    parse_balance,
    parse_device_frames,
    parse_device_list,
    parse_devices,
    parse_station_frames,
    parse_station_list,
    parse_station_power,
    parse_token,
    plant_from_station,
)
from woms_app.vendors.tokens import clear_token_cache

log = logging.getLogger("woms.vendors.solarman")

# page sizes of SOLARMAN's requests (what one call asks the vendor for; not the REST API's services.paging cap)
SOLARMAN_ALERT_PAGE_SIZE = 100
SOLARMAN_STATION_PAGE_SIZE = 200  # the station list's largest page (2101026 beyond): power of 200 plants per call
DEVICE_CACHE_TTL = timedelta(hours=1)  # device lists are refreshed with the plant list, not every poll
# (base url, account) → {station id: (fetched at, devices, device records)}; shared by the adapters of one account
_DEVICE_CACHE: dict[tuple[str, str], dict[str, tuple[datetime, list[tuple[str, str]], list[NormalizedDevice]]]] = {}


def reset_caches(*, tokens: bool = True, devices: bool = True) -> None:
    """Forget the cached tokens and/or device lists (tests, benchmarks: a fresh emulator)."""
    if tokens:
        clear_token_cache()
    if devices:
        _DEVICE_CACHE.clear()


def hash_password(plain: str) -> str:
    """SOLARMAN wants lowercase hex SHA-256 of the UTF-8 password (no salt)."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()



# ---------------------------------------------------------------- adapter
class SolarmanAdapter(BaseVendorAdapter):
    vendor_type = VENDOR
    label = "SOLARMAN (OpenAPI)"
    credential_fields = ("app_id", "app_secret", "account", "password")
    optional_credential_fields = ("country_code", "org_id")
    secret_fields = ("app_secret", "password")
    default_base_url = "https://globalapi.solarmanpv.com"
    # published: 300 calls / 10 s per account (A.9); keep a 10 % margin
    default_budget = Budget(270, 10.0, 8)
    rate_windows = {"2101002": 10.0, "429": 10.0}  # 300 calls / 10 s per account (A.9)
    reuse_tokens = True  # a token lives ~60 days: each run need not log in again (a login counts against the allowance)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._devices: dict[str, list[tuple[str, str]]] = {}
        self._device_records: dict[str, list[NormalizedDevice]] = {}
        self._frame_time_type: int | None = None  # 1 or 5 once known
        self._alert_v2 = True

    def account_identity(self) -> str:
        return f"{self._credentials.get('app_id')}:{self._credentials.get('account')}"

    def secrets(self) -> list[str]:
        out = super().secrets()
        pw = self._credentials.get("password")
        if pw:
            out.append(hash_password(str(pw)))
        return out

    # ------------------------------------------------------------ transport
    async def _raw(self, path: str, body: Mapping[str, Any], *, params: Mapping[str, Any] | None = None,
                   token: Callable[[], str | None] | None = None) -> Mapping[str, Any]:
        def prepare() -> tuple[Any, Mapping[str, str]]:
            headers = {"Content-Type": "application/json"}
            tok = token() if token is not None else None  # read inside the budget slot: the current token
            if tok:
                headers["Authorization"] = f"bearer {tok}"
            return dict(body), headers

        data, retry_after = await request_json(
            self._client, self.limiter, VENDOR, "POST", f"{self.base_url}{path}",
            timeout_s=self.timeout_s, params={"language": "en", **(params or {})},
            secrets=self.secrets(), prepare=prepare,
        )
        return check_solarman(data, retry_after, self.secrets())

    async def _post(self, path: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        return await self._call_authed(lambda token_now: self._raw(path, body, token=token_now), what=path)

    def refresh_margin(self, lifetime_s: float) -> timedelta:
        """Log in early when little of a token's lifetime is left (A.5: < 1 day, or < 10 % of a short lifetime);
        a token lives ~60 days and is reused across runs (``reuse_tokens``), so a planned tick costs no login."""
        return timedelta(seconds=min(86400.0, 0.1 * lifetime_s))

    # ------------------------------------------------------------ contract
    async def _login(self) -> tuple[str, float]:
        c = self._credentials
        body: dict[str, Any] = {"appSecret": str(c["app_secret"]), "password": hash_password(str(c["password"]))}
        account = str(c["account"]).strip()
        if "@" in account:
            body["email"] = account
        elif c.get("country_code") and account.lstrip("+").isdigit():
            body["mobile"] = account
            body["countryCode"] = str(c["country_code"])
        else:
            body["username"] = account
        if c.get("org_id") not in (None, ""):
            body["orgId"] = integer(c["org_id"])

        async def op() -> Mapping[str, Any]:
            return await self._raw("/account/v1.0/token", body, params={"appId": str(c["app_id"])})

        try:
            data = await self._login_with_policy(op)
        except VendorBadResponse as exc:
            if exc.code in ("2101006", "2101005", "2101008"):
                raise VendorAuthError(f"login failed: {exc.message}", vendor=VENDOR, code=exc.code) from exc
            raise
        return parse_token(data)

    async def _stations(self) -> list[Mapping[str, Any]]:
        page, items = 1, []
        while True:
            total_, batch = parse_station_list(
                await self._post("/station/v1.0/list", {"page": page, "size": SOLARMAN_STATION_PAGE_SIZE}))
            items.extend(batch)
            if not batch or page * SOLARMAN_STATION_PAGE_SIZE >= total_:
                return items
            page += 1

    async def _device_list(self, station_id: str) -> list[tuple[str, str]]:
        page, out, records = 1, [], []
        while True:
            body = await self._post("/station/v1.0/device", {"stationId": integer(station_id), "page": page,
                                                             "size": 200})
            total_, batch = parse_device_list(body)
            out.extend(batch)
            records.extend(parse_devices(body))
            if not batch or page * 200 >= total_:
                break
            page += 1
        self._devices[station_id] = out
        self._device_records[station_id] = records
        _DEVICE_CACHE.setdefault(self._cache_key(), {})[station_id] = (utcnow(), out, records)
        return out

    def _cache_key(self) -> tuple[str, str]:
        return (self.base_url, self.account_identity())

    def _cached_devices(self, station_id: str) -> list[tuple[str, str]] | None:
        hit = self._devices.get(station_id)
        if hit is not None:
            return hit
        entry = _DEVICE_CACHE.get(self._cache_key(), {}).get(station_id)
        if entry is not None and utcnow() - entry[0] < DEVICE_CACHE_TTL:
            self._devices[station_id] = entry[1]
            self._device_records[station_id] = entry[2]
            return entry[1]
        return None

    async def count_plants(self) -> int:
        total_, batch = parse_station_list(await self._post("/station/v1.0/list", {"page": 1, "size": 10}))
        return max(total_, len(batch))

    async def list_plants(self) -> list[NormalizedPlant]:
        stations = await self._stations()

        async def enrich(item: Mapping[str, Any]) -> NormalizedPlant:
            sid = str(integer(item.get("id")) or item.get("id"))
            base, devices = await asyncio.gather(
                self._post("/station/v1.0/base", {"stationId": integer(sid)}), self._device_list(sid))
            return plant_from_station(item, base, devices, self._device_records.get(sid, ()))

        return list(await asyncio.gather(*(enrich(i) for i in stations)))

    async def _device_frames(self, sn: str, day: str, tz: tzinfo, key_map: Mapping[str, KeySpec]
                             ) -> list[tuple[datetime, dict[str, float | None]]]:
        types = [self._frame_time_type] if self._frame_time_type else [1, 5]
        for i, tt in enumerate(types):
            body = {"deviceSn": sn, "timeType": tt, "startTime": day, "endTime": day}
            try:
                data = await self._post("/device/v1.0/historical", body)
            except VendorBadResponse as exc:
                if exc.code in ("2101006", "2101008") and i + 1 < len(types):
                    continue
                raise
            frames = parse_device_frames(data, tz, key_map)
            if frames:
                self._frame_time_type = tt
                return frames
            if i + 1 < len(types):
                continue
        return []

    async def get_telemetry(self, plant: PlantRef, start: datetime, end: datetime) -> list[Reading]:
        start, end = require_aware(start, "start"), require_aware(end, "end")
        if end < start:
            return []
        sid = str(plant.external_id)
        tz = zone(getattr(plant, "timezone", None))
        devices = self._cached_devices(sid)
        if devices is None:
            devices = await self._device_list(sid)
        inverters = [sn for sn, t in devices if t in ("INVERTER", "MICRO_INVERTER")]
        weather = [sn for sn, t in devices if t == "WEATHER_STATION"]

        async def one_day(d: date) -> list[tuple[datetime, dict[str, float | None]]]:
            day = d.isoformat()
            station_task = self._post("/station/v1.0/history",
                                      {"stationId": integer(sid), "timeType": 1, "startTime": day, "endTime": day})
            inv_tasks = [self._device_frames(sn, day, tz, INVERTER_KEY_MAP) for sn in inverters]
            wx_tasks = [self._device_frames(sn, day, tz, WEATHER_KEY_MAP) for sn in weather[:1]]
            results = await asyncio.gather(station_task, *inv_tasks, *wx_tasks)
            station = parse_station_frames(results[0], tz)
            inv = combine_inverters(results[1:1 + len(inv_tasks)])
            wx = [f for r in results[1 + len(inv_tasks):] for f in r]
            # station power first; inverter sum only fills gaps
            return [*station, *wx, *inv]

        parts = await asyncio.gather(*(one_day(d) for d in local_dates(start, end, tz)))
        return merge_readings([p for day in parts for p in day], start, end)

    # ------------------------------------------------------------ quota economy
    async def get_allowance(self) -> VendorAllowance:
        """Calls left of the appId's allowance (``/account/v1.0/balance``; the call itself counts).

        Raises VendorNotSupported when the account may not read it (then the allowance is configured)."""
        left = parse_balance(await self._post("/account/v1.0/balance", {}))
        return VendorAllowance(remaining=left, period="year", checked_at=utcnow())

    async def get_fleet_power(self, plants: Sequence[PlantRef] | None = None) -> dict[str, Reading]:
        """Current power of every plant in ceil(n / 200) calls (the station list carries ``generationPower``).

        external id → a power-only Reading at the plant's ``lastUpdateTime``; plants without a value are absent."""
        wanted = {str(p.external_id) for p in plants} if plants is not None else None
        page, out = 1, {}
        while True:
            total_, batch = parse_station_list(
                await self._post("/station/v1.0/list", {"page": page, "size": SOLARMAN_STATION_PAGE_SIZE}))
            for item in batch:
                sid = text(item.get("id"))
                sid = str(integer(sid)) if sid and integer(sid) is not None else sid
                if not sid or (wanted is not None and sid not in wanted):
                    continue
                reading = parse_station_power(item)
                if reading is not None:
                    out[sid] = reading
            if not batch or page * SOLARMAN_STATION_PAGE_SIZE >= total_:
                return out
            page += 1

    async def _alerts_for(self, sid: str, tz: tzinfo, since: datetime, now: datetime) -> list[NormalizedAlert]:
        start_day = since.astimezone(tz).date().isoformat()
        end_day = now.astimezone(tz).date().isoformat()
        page, out = 1, []
        while True:
            body = {"stationId": integer(sid), "startTime": start_day, "endTime": end_day,
                    "page": page, "size": SOLARMAN_ALERT_PAGE_SIZE}
            if self._alert_v2:
                try:
                    data = await self._post("/station/v1.0/alertV2", body)
                except VendorNotSupported:
                    log.info("solarman: alertV2 not available to this account; using /station/v1.0/alert")
                    self._alert_v2 = False
                    continue
                batch = parse_alerts_v2(data, sid)
            else:
                data = await self._post("/station/v1.0/alert", body)
                batch = parse_alerts_v1(data, sid)
            out.extend(batch)
            total_ = integer(data.get("total")) or 0
            if not batch or page * SOLARMAN_ALERT_PAGE_SIZE >= total_:
                return out
            page += 1

    async def get_alerts(self, plants: Sequence[PlantRef], since: datetime) -> list[NormalizedAlert]:
        since = require_aware(since, "since")
        now = utcnow()
        results = await asyncio.gather(*(
            self._alerts_for(str(p.external_id), zone(getattr(p, "timezone", None)), since, now) for p in plants))
        out: dict[str, NormalizedAlert] = {}
        for batch in results:
            for a in batch:
                relevant = a.status == "ACTIVE" or (a.started_at and a.started_at >= since) or (
                    a.resolved_at and a.resolved_at >= since)
                if relevant:
                    out[a.external_id] = a
        return sorted(out.values(), key=lambda a: (a.started_at or since, a.external_id))
