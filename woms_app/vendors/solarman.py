"""SOLARMAN OpenAPI adapter (vendor-apis.md Part A).

Parsing lives in the pure ``parse_*`` functions below (tested against recorded bodies in
tests/data/solarman/); the adapter class only orchestrates calls.

Quirks handled: every call is POST; errors arrive with HTTP 200 and ``success:false``; numbers may be
numeric strings; token expiry is 2101019/2101017 (re-login once, retry once); rate limit 2101002;
device history frames are timeType 1 (v1.x) or 5 (V2 docs) — we try 1 then fall back to 5; frame
``collectTime`` is epoch seconds as a string or a local ``yyyy-MM-dd HH:mm:ss``; history dates are
plant-local calendar days; alertV2 may be refused for Home accounts (fallback to ``/station/v1.0/alert``).
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
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
from woms_app.vendors.errors import (
    VendorAuthError,
    VendorBadResponse,
    VendorNotSupported,
)
from woms_app.vendors.http import check_solarman, request_json
from woms_app.vendors.limiter import Budget
from woms_app.vendors.metering import VendorAllowance
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
    local_dates,
    local_to_utc,
    mean,
    merge_readings,
    num,
    require_aware,
    resolve_zone,
    text,
    total,
    zone,
)

log = logging.getLogger("woms.vendors.solarman")

VENDOR = "solarman"
PAGE_SIZE = 100
REALTIME_PAGE = 200  # the station list's largest page (2101026 beyond): power of 200 plants per call
DEVICE_CACHE_TTL = timedelta(hours=1)  # device lists are refreshed with the plant list, not every poll
# (base url, account) → {station id: (fetched at, devices, device records)}; shared by the adapters of one account
_DEVICE_CACHE: dict[tuple[str, str], dict[str, tuple[datetime, list[tuple[str, str]], list[NormalizedDevice]]]] = {}
# (base url, account) → (token, expires at, lifetime s): a token lives ~60 days, so each run need not log in again
# (a login is a call against the allowance too); a rejected token is replaced by the next login
_TOKEN_CACHE: dict[tuple[str, str], tuple[str, datetime | None, float | None]] = {}


def reset_caches(*, tokens: bool = True, devices: bool = True) -> None:
    """Forget the cached tokens and/or device lists (tests, benchmarks: a fresh emulator)."""
    if tokens:
        _TOKEN_CACHE.clear()
    if devices:
        _DEVICE_CACHE.clear()


def hash_password(plain: str) -> str:
    """SOLARMAN wants lowercase hex SHA-256 of the UTF-8 password (no salt)."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token_expires_at: datetime | None = None
        self._token_lifetime_s: float | None = None
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
        if self._token:
            out.append(self._token)
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

    async def _ensure_token(self) -> None:
        """Log in when there is no token, or early when little of its lifetime is left (A.5: < 1 day,
        or < 10 % of a short lifetime). A token of an earlier run of the same account (``_TOKEN_CACHE``) is
        reused first, so a planned tick costs no login."""
        if self._token is None and (cached := _TOKEN_CACHE.get(self._cache_key())) is not None:
            token, self._token_expires_at, self._token_lifetime_s = cached
            self.tokens.set(token)
        if self._token and self._token_expires_at is not None:
            margin = timedelta(seconds=min(86400.0, 0.1 * (self._token_lifetime_s or 0.0)))
            if self._token_expires_at - utcnow() <= margin:
                await self.tokens.refresh(self.tokens.generation, self.authenticate)
                return
        await super()._ensure_token()

    # ------------------------------------------------------------ contract
    async def authenticate(self) -> None:
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
        token, expires_in = parse_token(data)
        self._token_expires_at = utcnow() + timedelta(seconds=expires_in)
        self._token_lifetime_s = expires_in
        self.tokens.set(token)
        _TOKEN_CACHE[self._cache_key()] = (token, self._token_expires_at, expires_in)
        log.info("solarman: authenticated account %s", self.account_identity())

    async def _stations(self) -> list[Mapping[str, Any]]:
        page, items = 1, []
        while True:
            total_, batch = parse_station_list(
                await self._post("/station/v1.0/list", {"page": page, "size": REALTIME_PAGE}))
            items.extend(batch)
            if not batch or page * REALTIME_PAGE >= total_:
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
                await self._post("/station/v1.0/list", {"page": page, "size": REALTIME_PAGE}))
            for item in batch:
                sid = text(item.get("id"))
                sid = str(integer(sid)) if sid and integer(sid) is not None else sid
                if not sid or (wanted is not None and sid not in wanted):
                    continue
                reading = parse_station_power(item)
                if reading is not None:
                    out[sid] = reading
            if not batch or page * REALTIME_PAGE >= total_:
                return out
            page += 1

    async def _alerts_for(self, sid: str, tz: tzinfo, since: datetime, now: datetime) -> list[NormalizedAlert]:
        start_day = since.astimezone(tz).date().isoformat()
        end_day = now.astimezone(tz).date().isoformat()
        page, out = 1, []
        while True:
            body = {"stationId": integer(sid), "startTime": start_day, "endTime": end_day,
                    "page": page, "size": PAGE_SIZE}
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
            if not batch or page * PAGE_SIZE >= total_:
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
