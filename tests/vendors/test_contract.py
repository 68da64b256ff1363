"""One contract suite, run against both adapters on the live emulator over real HTTP."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from woms_app.vendors import (
    BaseVendorAdapter,
    NormalizedAlert,
    NormalizedPlant,
    Reading,
    VendorAuthError,
    VendorManager,
)

VENDORS = ["solarman", "sungrow"]
pytestmark = pytest.mark.asyncio


def make(live, vendor: str, **opts) -> BaseVendorAdapter:
    acc = live.accounts()[vendor]
    return VendorManager.build(vendor, acc["base_url"], acc["credentials"], timeout_s=opts.pop("timeout_s", 5.0), **opts)


@pytest.fixture(params=VENDORS)
async def adapter(request, live):
    a = make(live, request.param)
    yield a
    await a.aclose()


async def test_test_connection_ok(adapter):
    res = await adapter.test_connection()
    assert res.ok and res.plant_count == 5 and "5 plants" in res.reason


@pytest.mark.parametrize("vendor", VENDORS)
async def test_test_connection_wrong_password_never_raises(live, vendor):
    acc = live.accounts()[vendor]
    creds = {**acc["credentials"], "password": "not-the-password"}
    async with VendorManager.build(vendor, acc["base_url"], creds, timeout_s=5) as a:
        res = await a.test_connection()
        assert not res.ok and "rejected" in res.reason.lower()
        with pytest.raises(VendorAuthError):
            await a.authenticate()


@pytest.mark.parametrize("vendor", VENDORS)
async def test_test_connection_unreachable_never_raises(vendor):
    async with VendorManager.build(vendor, "http://127.0.0.1:9", {"app_id": "1", "app_secret": "s", "account": "a",
                                                                   "password": "p", "appkey": "k", "access_key": "x",
                                                                   "username": "u"}, timeout_s=2) as a:
        res = await a.test_connection()
        assert not res.ok and res.error == "VendorUnavailable"


async def test_list_plants_normalized(adapter):
    plants = await adapter.list_plants()
    assert len(plants) == 5
    for p in plants:
        assert isinstance(p, NormalizedPlant) and p.external_id and p.name
        assert p.capacity_kw and p.capacity_kw > 0
        assert -90 <= p.latitude <= 90 and -180 <= p.longitude <= 180
        ZoneInfo(p.timezone)  # IANA
    assert any(p.latitude < 0 for p in plants), "a southern-hemisphere plant"
    assert any(p.timezone == "Asia/Kolkata" for p in plants), "a +5:30 plant"
    assert any(p.has_irradiance_sensor for p in plants) and not all(p.has_irradiance_sensor for p in plants)


def check_readings(readings: list[Reading], start: datetime, end: datetime, capacity: float) -> None:
    tss = [r.ts for r in readings]
    assert tss == sorted(tss) and len(set(tss)) == len(tss)
    for r in readings:
        assert r.ts.tzinfo is not None and r.ts.utcoffset() == timedelta(0)
        assert start <= r.ts <= end
        for v in (r.generation_power_kw, r.voltage_v, r.current_a, r.temperature_c, r.irradiance_w_m2):
            assert v is None or math.isfinite(v)
        if r.generation_power_kw is not None:
            assert 0 <= r.generation_power_kw <= capacity * 1.05


async def test_telemetry_last_day(adapter):
    plants = await adapter.list_plants()
    end = datetime.now(UTC)
    start = end - timedelta(hours=24)
    for p in (next(p for p in plants if p.has_irradiance_sensor), next(p for p in plants if not p.has_irradiance_sensor)):
        readings = await adapter.get_telemetry(p, start, end)
        assert len(readings) > 200  # 5-minute frames, a few gaps allowed
        check_readings(readings, start, end, p.capacity_kw)
        assert max(r.generation_power_kw or 0 for r in readings) > 0.05 * p.capacity_kw  # the sun rose
        assert min(r.generation_power_kw for r in readings if r.generation_power_kw is not None) == 0  # and set
        assert any(r.voltage_v for r in readings) and any(r.current_a for r in readings)
        if p.has_irradiance_sensor:
            assert any(r.irradiance_w_m2 for r in readings) and any(r.temperature_c is not None for r in readings)
        else:
            assert all(r.irradiance_w_m2 is None for r in readings)


async def test_telemetry_window_across_local_days_is_exact_and_repeatable(adapter):
    plants = await adapter.list_plants()
    p = next(p for p in plants if p.timezone == "Asia/Kolkata")
    end = (datetime.now(UTC) - timedelta(days=2)).replace(minute=7, second=0, microsecond=0)
    start = end - timedelta(hours=7, minutes=30)
    a = await adapter.get_telemetry(p, start, end)
    b = await adapter.get_telemetry(p, start, end)
    assert a == b and a
    check_readings(a, start, end, p.capacity_kw)
    # frames sit on the plant's local 5-minute grid (+5:30)
    assert all(r.ts.astimezone(ZoneInfo("Asia/Kolkata")).minute % 5 == 0 for r in a)


async def test_telemetry_requires_aware_datetimes(adapter):
    plants = await adapter.list_plants()
    with pytest.raises(ValueError):
        await adapter.get_telemetry(plants[0], datetime(2024, 1, 1), datetime(2024, 1, 2))


async def test_alerts_normalized_and_live_injection(adapter, live):
    plants = await adapter.list_plants()
    since = datetime.now(UTC) - timedelta(days=10)
    alerts = await adapter.get_alerts(plants, since)
    assert alerts, "ten days of a five-plant fleet produce some alarms"
    ids = {p.external_id for p in plants}
    for a in alerts:
        assert isinstance(a, NormalizedAlert)
        assert a.severity in ("critical", "major", "minor", "info") and a.status in ("ACTIVE", "RESOLVED")
        assert a.plant_external_id in ids and a.title and a.message
        assert a.started_at.tzinfo is not None
        assert (a.status == "RESOLVED") == (a.resolved_at is not None)
        if a.resolved_at:
            assert a.resolved_at >= a.started_at
    assert len({a.external_id for a in alerts}) == len(alerts)

    target = plants[1]
    injected = live.admin("POST", "/alerts", json={"vendor": adapter.vendor_type, "plant_id": int(target.external_id),
                                                     "name": "Injected Inverter Fault", "severity": "critical"})
    now_alerts = await adapter.get_alerts([target], datetime.now(UTC) - timedelta(minutes=5))
    mine = [a for a in now_alerts if a.title == "Injected Inverter Fault"]
    assert len(mine) == 1 and mine[0].status == "ACTIVE" and mine[0].severity == "critical"
    live.admin("POST", f"/alerts/{injected['id']}/clear")
    later = await adapter.get_alerts([target], datetime.now(UTC) - timedelta(minutes=5))
    (cleared,) = [a for a in later if a.external_id == mine[0].external_id]
    assert cleared.status == "RESOLVED" and cleared.resolved_at is not None


async def test_shared_client_is_not_closed_by_adapter(live):
    async with httpx.AsyncClient() as client:
        for vendor in VENDORS:
            acc = live.accounts()[vendor]
            a = VendorManager.build(vendor, acc["base_url"], acc["credentials"], client=client)
            assert (await a.test_connection()).ok
            await a.aclose()
        assert not client.is_closed
