"""Sungrow discovery, batching and the connection test against the emulator over real HTTP."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from woms_app.vendors import VendorManager

pytestmark = pytest.mark.asyncio


def adapter(live):
    acc = live.accounts()["sungrow"]
    return VendorManager.build("sungrow", acc["base_url"], acc["credentials"], timeout_s=5.0)


def paths(live):
    return live.stats()["accounts"]["sungrow:helios"]["paths"]


@pytest.mark.parametrize("by_user", [True, False], ids=["by-user", "per-plant"])
async def test_discovery_with_and_without_getDeviceListByUser(live, by_user):
    if not by_user:
        live.admin("POST", "/config", json={"sungrow_missing_methods": ["getDeviceListByUser"]})
    a = adapter(live)
    try:
        plants = await a.list_plants()
        result = await a.test_connection()
        end = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
        readings = await a.get_telemetry(plants[0], end - timedelta(hours=1), end)
    finally:
        await a.aclose()
    assert [p.name for p in plants][:2] == ["Greenhouse Westland", "Brisbane Logistics Park"] and len(plants) == 5
    assert {p.external_id: p.has_irradiance_sensor for p in plants} == {
        "1500001": True, "1500002": True, "1500003": False, "1500004": True, "1500005": False}
    assert result.ok and result.plant_count == 5
    assert len(readings) == 13 and all(r.generation_power_kw is not None and r.voltage_v for r in readings)
    assert a._inverters["1500003"] == ["1500003_1_1_1", "1500003_1_1_2", "1500003_1_1_3"]
    seen = paths(live)
    if by_user:
        assert "getDeviceList" not in seen
    else:  # one refused by-user call per discovery, then the documented per-plant method
        assert seen["getDeviceListByUser"] == 1 and seen["getDeviceList"] == 10  # 5 plants × (sync + test)


async def test_connection_test_fails_where_the_sync_would(live):
    """Before: "Connected; 5 plants" from the plant list alone while discovery failed. Now the test runs discovery."""
    live.admin("POST", "/config", json={"sungrow_missing_methods": ["getDeviceListByUser", "getDeviceList"]})
    a = adapter(live)
    try:
        result = await a.test_connection()
    finally:
        await a.aclose()
    assert not result.ok and "not reachable or failing" in result.reason and result.error == "VendorNotSupported"


async def test_wrong_access_key_is_a_credentials_error(live):
    acc = live.accounts()["sungrow"]
    a = VendorManager.build("sungrow", acc["base_url"], {**acc["credentials"], "access_key": "wrong-key-0000"},
                            timeout_s=5.0)
    try:
        result = await a.test_connection()
    finally:
        await a.aclose()
    assert not result.ok and result.reason.startswith("Credentials rejected") and result.error == "VendorAuthError"
    assert "wrong-key-0000" not in result.reason


async def test_half_and_three_quarter_hour_zones_end_to_end(live):
    a = adapter(live)
    try:
        plants = {p.name: p for p in await a.list_plants()}
        pune, nepal = plants["Pune Auto Components"], plants["Kathmandu School Roof"]
        assert (pune.timezone, nepal.timezone) == ("Asia/Kolkata", "Asia/Kathmandu")
        assert pune.timezone_error is None and nepal.timezone_error is None
        end = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)  # 12:00 IST, 12:15 NPT
        for p in (pune, nepal):
            readings = await a.get_telemetry(p, end - timedelta(minutes=30), end)
            # frames on each plant's local 5-minute grid, converted with its real offset
            assert [r.ts for r in readings] == [end - timedelta(minutes=m) for m in (30, 25, 20, 15, 10, 5, 0)]
            assert all(r.generation_power_kw > 0 for r in readings)  # local noon: the sun is up
    finally:
        await a.aclose()


async def test_batched_telemetry_and_alerts_equal_one_plant_at_a_time_with_far_fewer_calls(live):
    live.admin("POST", "/config", json={"plants_per_account": 60})
    try:
        a = adapter(live)
        plants = await a.list_plants()
        end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=30)
        start = end - timedelta(hours=4)
        before = paths(live).get("getDevicePointMinuteDataList", 0)
        many = await a.get_telemetry_many(plants, {p.external_id: start for p in plants}, end)
        batched_calls = paths(live)["getDevicePointMinuteDataList"] - before
        single = {p.external_id: await a.get_telemetry(p, start, end) for p in plants}
        assert many == single and sum(len(v) for v in single.values()) > 60 * 40
        zones = len({p.timezone for p in plants})
        assert batched_calls <= 2 * zones * 3  # ≤ 2 windows × (plant keys + inverter keys, ≤ 50 each) per zone
        since = datetime.now(UTC) - timedelta(hours=48)
        before = paths(live).get("getFaultAlarmInfo", 0)
        fleet_wide = await a.get_alerts(plants, since)
        assert paths(live)["getFaultAlarmInfo"] - before <= 4
        one_by_one = [x for p in plants for x in await a.get_alerts([p], since)]
        # the emulator's clock runs on between the calls: compare what cannot change meanwhile. The fleet-wide
        # window opens at the earliest plant-local `since`, so it also sees faults that started a few hours before
        # `since` in other zones and are still active or resolved after it; one plant's window does not
        settled = datetime.now(UTC) - timedelta(hours=1)

        def key(alerts):
            return {(x.external_id, x.plant_external_id, x.started_at, x.title) for x in alerts
                    if since <= x.started_at < settled}
        assert key(fleet_wide) and key(fleet_wide) == key(one_by_one)
        await a.aclose()
    finally:
        live.admin("POST", "/config", json={"plants_per_account": None})
