"""SOLARMAN OpenAPI emulation (vendor-apis.md Part A). Handlers return flat-envelope dicts."""
from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from woms_app.emulator import physics
from woms_app.emulator.fleet import PlantSpec
from woms_app.emulator.state import EmulatorState

VENDOR = "solarman"


class SmError(Exception):
    def __init__(self, code: str, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg


def ok(**fields: Any) -> dict[str, Any]:
    return {"code": None, "msg": None, "success": True, "requestId": secrets.token_hex(8), **fields}


def err(code: str, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg, "success": False, "requestId": secrets.token_hex(8)}


def _int(body: dict, key: str, required: bool = True, default: int | None = None) -> int | None:
    v = body.get(key)
    if v is None or v == "":
        if required:
            raise SmError("2101005", f"param {key} is required")
        return default
    try:
        return int(float(v))
    except (TypeError, ValueError):
        raise SmError("2101008", f"param {key} type invalid") from None


def _page(body: dict) -> tuple[int, int]:
    page = _int(body, "page", False, 1) or 1
    size = _int(body, "size", False, 20) or 20
    if page < 1:
        raise SmError("2101006", "page must be >= 1")
    if size > 200:
        raise SmError("2101026", "page size too big")
    return page, size


def _date(s: Any, fmt: str) -> datetime:
    try:
        return datetime.strptime(str(s), fmt)
    except ValueError:
        raise SmError("2101015", "time format error") from None


def _r(v: float, nd: int = 1) -> float:
    return round(float(v), nd)


class SolarmanApi:
    def __init__(self, state: EmulatorState) -> None:
        self.s = state
        self.routes: dict[str, Callable[[str, dict], dict]] = {
            "/account/v1.0/info": self.info,
            "/station/v1.0/list": self.station_list,
            "/station/v1.0/base": self.station_base,
            "/station/v1.0/realTime": self.station_realtime,
            "/station/v1.0/history": self.station_history,
            "/station/v1.0/device": self.station_device,
            "/device/v1.0/currentData": self.device_current,
            "/device/v1.0/historical": self.device_historical,
            "/station/v1.0/alertV2": self.alert_v2,
            "/station/v1.0/alert": self.alert_v1,
            "/account/v1.0/balance": self.balance,
        }

    @property
    def seed(self) -> int:
        return self.s.config.seed

    # ------------------------------------------------------------ auth
    def account_for_app(self, app_id: str | None) -> str | None:
        for a in self.s.fleet.accounts:
            if a.vendor == VENDOR and a.credentials["app_id"] == app_id:
                return a.name
        return None

    def token(self, app_id: str | None, body: dict) -> dict:
        name = self.account_for_app(app_id)
        if name is None:
            raise SmError("2101018", "appId not found")
        acct = self.s.fleet.account(VENDOR, name)
        creds = acct.credentials
        if body.get("appSecret") != creds["app_secret"]:
            raise SmError("2101025", "auth failed")
        ids = [k for k in ("email", "username", "mobile") if body.get(k)]
        if len(ids) != 1:
            raise SmError("2101006", "exactly one of email, username, mobile is required")
        if str(body[ids[0]]) != creds["account"]:
            raise SmError("2101025", "auth failed")
        if str(body.get("password", "")).lower() != hashlib.sha256(creds["password"].encode()).hexdigest():
            raise SmError("2101025", "auth failed")
        tok = self.s.issue_token(VENDOR, name)
        return ok(access_token=tok, token_type="bearer", refresh_token=secrets.token_urlsafe(24),
                  expires_in=str(int(self.s.config.solarman_token_ttl_s)), scope="all", uid=10000000 + len(name))

    def info(self, account: str, body: dict) -> dict:
        acct = self.s.fleet.account(VENDOR, account)
        return ok(orgInfoList=[{"companyId": 305512, "companyName": acct.org_name if acct else account, "roleName": "Owner"}])

    def calls_left(self, account: str) -> int:
        return max(0, int(self.s.config.solarman_allowance) - self.s.calls_of(VENDOR, account))

    def balance(self, account: str, body: dict) -> dict:
        """Calls left of the appId's allowance (A.6.15: ``total``; this call is counted too)."""
        return ok(total=self.calls_left(account))

    # ------------------------------------------------------------ plants
    def _plant(self, account: str, body: dict) -> PlantSpec:
        sid = _int(body, "stationId")
        p = self.s.fleet.plant(VENDOR, sid)
        if p is None or p.account != account:
            raise SmError("2101031", "station not found")
        return p

    def _list_item(self, p: PlantSpec, now: float) -> dict:
        prof, i = physics.latest(self.seed, p, now)
        return {
            "id": p.plant_id, "name": p.name, "locationLat": p.latitude, "locationLng": p.longitude,
            "locationAddress": p.address, "regionNationId": 157, "regionTimezone": p.tz_name,
            "type": p.plant_type, "gridInterconnectionType": "DISTRIBUTED_FULLY",
            "installedCapacity": p.capacity_kw, "startOperatingTime": 1651363200.0, "createdDate": 1650880000.0,
            "lastUpdateTime": float(prof.epochs[i]), "generationPower": _r(prof.power_w[i]),
            "batterySoc": None, "networkStatus": "NORMAL" if prof.present[i] else "ALL_OFFLINE",
        }

    def station_list(self, account: str, body: dict) -> dict:
        page, size = _page(body)
        plants = self.s.fleet.plants_of(VENDOR, account)
        now = self.s.now()
        chunk = plants[(page - 1) * size: page * size]
        return ok(total=len(plants), stationList=[self._list_item(p, now) for p in chunk])

    def station_base(self, account: str, body: dict) -> dict:
        p = self._plant(account, body)
        return ok(id=p.plant_id, name=p.name, locationLat=p.latitude, locationLng=p.longitude,
                  locationAddress=p.address,
                  region={"nationId": 157, "level1": None, "level2": None, "level3": None, "level4": None,
                          "level5": None, "timezone": p.tz_name},
                  type=p.plant_type, gridInterconnectionType="DISTRIBUTED_FULLY", installedCapacity=p.capacity_kw,
                  installationAzimuthAngle=p.azimuth_deg, installationTiltAngle=p.tilt_deg,
                  startOperatingTime=1651363200.0, operating=True, totalRunningDayCount=900, currency="EUR",
                  ownerName="Demo owner", createdDate=1650880000.0)

    def station_realtime(self, account: str, body: dict) -> dict:
        p = self._plant(account, body)
        prof, i = physics.latest(self.seed, p, self.s.now())
        return ok(generationPower=_r(prof.power_w[i]), usePower=None, gridPower=_r(prof.power_w[i]),
                  purchasePower=0.0, wirePower=_r(prof.power_w[i]), chargePower=None, dischargePower=None,
                  batteryPower=None, batterySoc=None,
                  irradiateIntensity=_r(prof.poa_w_m2[i]) if p.has_sensor else None,
                  lastUpdateTime=float(prof.epochs[i]))

    def _day_bounds(self, p: PlantSpec, d: date) -> tuple[float, float]:
        start = datetime(d.year, d.month, d.day, tzinfo=p.tz)
        return start.timestamp(), (start + timedelta(days=1)).timestamp() - 1

    def _daily_energy(self, p: PlantSpec, d: date, now: float) -> float | None:
        s, e = self._day_bounds(p, d)
        if s > now:
            return None
        if e <= now:
            return _r(physics.day_profile(self.seed, p, d).energy_kwh, 2)
        prof = physics.day_profile(self.seed, p, d)
        mask = prof.epochs <= now
        return _r(prof.power_w[mask].sum() * 300 / 3.6e6, 2)

    def station_history(self, account: str, body: dict) -> dict:
        p = self._plant(account, body)
        tt = _int(body, "timeType")
        now = self.s.now()
        st, et = body.get("startTime"), body.get("endTime")
        if st is None or et is None:
            raise SmError("2101005", "startTime and endTime are required")
        if tt == 1:
            d0, d1 = _date(st, "%Y-%m-%d"), _date(et, "%Y-%m-%d")
            if d1 < d0:
                raise SmError("2101014", "start time after end time")
            if d1 != d0:
                raise SmError("2101006", "frame data covers a single day")
            s, e = self._day_bounds(p, d0.date())
            items = []
            for prof, i in physics.frames_between(self.seed, p, s, e, now):
                t = datetime.fromtimestamp(int(prof.epochs[i]), tz=UTC).astimezone(p.tz)
                items.append({"generationPower": _r(prof.power_w[i]), "usePower": None, "gridPower": _r(prof.power_w[i]),
                              "purchasePower": 0.0, "wirePower": _r(prof.power_w[i]), "chargePower": None,
                              "dischargePower": None, "batteryPower": None, "batterySoc": None,
                              "irradiateIntensity": _r(prof.poa_w_m2[i]) if p.has_sensor else None,
                              "dateTime": int(prof.epochs[i]), "year": t.year, "month": t.month, "day": t.day})
            return ok(total=len(items), stationDataItems=items)
        if tt == 2:
            d0, d1 = _date(st, "%Y-%m-%d").date(), _date(et, "%Y-%m-%d").date()
            if d1 < d0:
                raise SmError("2101014", "start time after end time")
            if (d1 - d0).days >= 30:
                raise SmError("2101012", "time span must be within 30 days")
            items = []
            d = d0
            while d <= d1:
                v = self._daily_energy(p, d, now)
                if v is not None:
                    items.append({"generationValue": v, "fullPowerHours": _r(v / p.capacity_kw, 2),
                                  "dateTime": int(self._day_bounds(p, d)[0]), "year": d.year, "month": d.month, "day": d.day})
                d += timedelta(days=1)
            return ok(total=len(items), stationDataItems=items)
        if tt == 3:
            m0, m1 = _date(st, "%Y-%m"), _date(et, "%Y-%m")
            if m1 < m0:
                raise SmError("2101014", "start time after end time")
            if (m1.year - m0.year) * 12 + m1.month - m0.month >= 12:
                raise SmError("2101013", "time span must be within 12 months")
            items = []
            y, m = m0.year, m0.month
            while (y, m) <= (m1.year, m1.month):
                d = date(y, m, 1)
                tot = 0.0
                while d.month == m:
                    v = self._daily_energy(p, d, now)
                    if v is None:
                        break
                    tot += v
                    d += timedelta(days=1)
                items.append({"generationValue": _r(tot, 2), "year": y, "month": m})
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            return ok(total=len(items), stationDataItems=items)
        if tt == 4:
            y0, y1 = int(_date(st, "%Y").year), int(_date(et, "%Y").year)
            if y1 < y0:
                raise SmError("2101014", "start time after end time")
            # coarse: specific yield estimate per year (cheap; not used by the adapters)
            items = [{"generationValue": _r(p.capacity_kw * 1100.0, 1), "year": y} for y in range(y0, y1 + 1)]
            return ok(total=len(items), stationDataItems=items)
        raise SmError("2101006", "invalid timeType")

    def station_device(self, account: str, body: dict) -> dict:
        p = self._plant(account, body)
        page, size = _page(body)
        now = self.s.now()
        kinds = {"inverter": "INVERTER", "logger": "COLLECTOR", "weather": "WEATHER_STATION"}
        devs = [d for d in p.devices if not body.get("deviceType") or kinds[d.kind] == body.get("deviceType")]
        items = [{"deviceSn": d.sn, "deviceId": d.device_id, "deviceType": kinds[d.kind], "connectStatus": 1,
                  "collectionTime": int(now // 300 * 300)} for d in devs[(page - 1) * size: page * size]]
        return ok(total=len(devs), deviceListItems=items)

    # ------------------------------------------------------------ devices
    def _device(self, account: str, body: dict):
        sn = body.get("deviceSn")
        if not sn:
            raise SmError("2101005", "param deviceSn is required")
        found = self.s.fleet.device(VENDOR, str(sn))
        if not found or found[0].account != account:
            raise SmError("2101032", "device not found")
        return found

    @staticmethod
    def data_list(p: PlantSpec, dev, prof: physics.DayProfile, i: int) -> list[dict]:
        def item(key: str, value: float, unit: str, name: str, nd: int = 1) -> dict:
            return {"key": key, "value": f"{value:.{nd}f}", "unit": unit, "name": name}

        if dev.kind == "inverter":
            k = dev.index
            pw = float(prof.inverter_power_w[k, i])
            v = float(prof.ac_voltage_v[k, i])
            dcv = float(prof.dc_voltage_v[k, i])
            day_mask = prof.epochs <= prof.epochs[i]
            e_today = float(prof.inverter_power_w[k, day_mask].sum() * 300 / 3.6e6)
            return [
                item("DV1", dcv, "V", "DC Voltage PV1"),
                item("DC1", pw / dcv if dcv > 0 else 0.0, "A", "DC Current PV1", 2),
                item("AV1", v, "V", "AC Voltage R/U/A"),
                item("AC1", pw / (3 * v) if v > 0 else 0.0, "A", "AC Current R/U/A", 2),
                item("APo_t1", pw, "W", "Total AC Output Power (Active)", 0),
                item("Etdy_ge1", e_today, "kWh", "Daily Production (Active)"),
                item("INV_T0", float(prof.inverter_temp_c[k, i]), "℃", "Inverter Temperature"),
                {"key": "INV_ST1", "value": "Grid connected" if pw > 0 else "Standby", "unit": None, "name": "Inverter status"},
            ]
        if dev.kind == "weather":
            return [
                item("IRR", float(prof.poa_w_m2[i]), "W/m2", "Irradiance"),
                item("T_MOD", float(prof.temp_module_c[i]), "℃", "Module Temperature"),
                item("T_AMB", float(prof.temp_air_c[i]), "℃", "Ambient Temperature"),
            ]
        return [{"key": "SIG", "value": "-61", "unit": "dBm", "name": "Signal strength"}]

    def device_current(self, account: str, body: dict) -> dict:
        p, dev = self._device(account, body)
        prof, i = physics.latest(self.seed, p, self.s.now())
        kinds = {"inverter": "INVERTER", "logger": "COLLECTOR", "weather": "WEATHER_STATION"}
        return ok(deviceSn=dev.sn, deviceId=dev.device_id, deviceType=kinds[dev.kind], deviceState=1,
                  collectionTime=int(prof.epochs[i]), dataList=self.data_list(p, dev, prof, i))

    def device_historical(self, account: str, body: dict) -> dict:
        p, dev = self._device(account, body)
        tt = _int(body, "timeType")
        frame_types = {5} if self.s.config.solarman_frame_type == "v2" else {1, 5}
        kinds = {"inverter": "INVERTER", "logger": "COLLECTOR", "weather": "WEATHER_STATION"}
        head = {"deviceSn": dev.sn, "deviceId": dev.device_id, "deviceType": kinds[dev.kind], "timeType": tt}
        now = self.s.now()
        if tt in frame_types:
            d0, d1 = _date(body.get("startTime"), "%Y-%m-%d"), _date(body.get("endTime"), "%Y-%m-%d")
            if d0 != d1:
                raise SmError("2101006", "frame data covers a single day")
            s, e = self._day_bounds(p, d0.date())
            frames = [{"collectTime": str(int(prof.epochs[i])), "dataList": self.data_list(p, dev, prof, i)}
                      for prof, i in physics.frames_between(self.seed, p, s, e, now)]
            return ok(**head, paramDataList=frames)
        if tt == 2:
            d0, d1 = _date(body.get("startTime"), "%Y-%m-%d").date(), _date(body.get("endTime"), "%Y-%m-%d").date()
            if (d1 - d0).days >= 30:
                raise SmError("2101012", "time span must be within 30 days")
            out = []
            d = d0
            while d <= d1:
                v = self._daily_energy(p, d, now)
                if v is not None:
                    share = p.inverter_share(dev.index) if dev.kind == "inverter" else 0.0
                    out.append({"collectTime": d.isoformat(), "dataList": [
                        {"key": "generation", "value": f"{v * share:.1f}", "unit": "kWh", "name": "Production"}]})
                d += timedelta(days=1)
            return ok(**head, paramDataList=out)
        if tt in (3, 4):
            return ok(**head, paramDataList=[])
        raise SmError("2101006", "invalid timeType")

    # ------------------------------------------------------------ alerts
    def _alerts(self, account: str, body: dict) -> tuple[PlantSpec, list[dict]]:
        p = self._plant(account, body)
        page, size = _page(body)
        d0 = _date(body.get("startTime"), "%Y-%m-%d")
        d1 = _date(body.get("endTime"), "%Y-%m-%d")
        if d1 < d0:
            raise SmError("2101014", "start time after end time")
        s = datetime(d0.year, d0.month, d0.day, tzinfo=p.tz).timestamp()
        e = datetime(d1.year, d1.month, d1.day, tzinfo=p.tz).timestamp() + 86399
        now = self.s.now()
        kinds = {"inverter": "INVERTER", "logger": "COLLECTOR", "weather": "WEATHER_STATION"}
        rows = []
        for a in physics.alarms_between(self.seed, p, s, e, now):
            active = now < a.end
            rows.append({"id": a.alarm_id, "deviceSn": a.device_sn, "deviceId": str(a.alarm_id % 100000),
                         "deviceType": kinds.get(a.device_kind, "INVERTER"), "ruleId": 1000 + int(a.type_code % 1000),
                         "alertName": a.name, "addr": a.code, "code": a.code, "level": a.level,
                         "influence": 1, "status": 1 if active else 0, "alertStartTime": a.start,
                         "alertEndTime": None if active else a.end})
        for a in self.s.injected:
            if a.vendor != VENDOR or a.plant_id != p.plant_id or a.start > min(e, now):
                continue
            active = a.end is None or now < a.end
            if not active and a.end < s:
                continue
            rows.append({"id": a.alert_id, "deviceSn": p.inverters[0].sn, "deviceId": str(p.inverters[0].device_id),
                         "deviceType": "INVERTER", "ruleId": 9000, "alertName": a.name, "addr": a.code, "code": a.code,
                         "level": a.level, "influence": 3 if a.sungrow_level == 1 else 1,
                         "status": 1 if active else 0, "alertStartTime": int(a.start),
                         "alertEndTime": None if active else int(a.end)})
        rows.sort(key=lambda r: (r["alertStartTime"], r["id"]))
        return p, rows[(page - 1) * size: page * size] if rows else []

    def alert_v2(self, account: str, body: dict) -> dict:
        page, size = _page(body)
        p, rows = self._alerts(account, {**body, "page": 1, "size": 200})
        return ok(total=len(rows), stationAlertItems=rows[(page - 1) * size: page * size])

    def alert_v1(self, account: str, body: dict) -> dict:
        page, size = _page(body)
        p, rows = self._alerts(account, {**body, "page": 1, "size": 200})
        items = [{"deviceSn": r["deviceSn"], "deviceId": int(r["deviceId"]), "deviceType": r["deviceType"],
                  "ruleId": r["ruleId"], "showName": r["alertName"], "addr": r["addr"], "code": r["code"],
                  "level": r["level"], "influence": r["influence"], "alertTime": r["alertStartTime"]} for r in rows]
        return ok(total=len(items), stationAlertItems=items[(page - 1) * size: page * size])


def poison_numbers(body: dict) -> dict:
    """NaN/negative fault: corrupt numeric data points of time-series bodies."""
    for it in body.get("stationDataItems") or []:
        if "generationPower" in it:
            it["generationPower"] = math.nan if it["dateTime"] % 600 == 0 else -abs(it["generationPower"] or 0) - 50
    for fr in body.get("paramDataList") or []:
        for d in fr.get("dataList") or []:
            if d.get("unit"):
                d["value"] = "NaN" if d["key"] in ("AV1", "IRR") else f"-{d['value'].lstrip('-')}"
    return body


def duplicate_points(body: dict) -> dict:
    for key in ("stationDataItems", "paramDataList"):
        items = body.get(key)
        if isinstance(items, list) and items:
            body[key] = list(reversed(items + items[: max(1, len(items) // 3)]))
    return body
