"""SOLARMAN parsers against recorded bodies (tests/data/solarman/, written from vendor-apis.md Part A)."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from woms_app.vendors.errors import (
    VendorAuthError,
    VendorBadResponse,
    VendorNotSupported,
    VendorRateLimited,
    VendorTokenExpired,
)
from woms_app.vendors.parsing import combine_inverters, merge_readings
from woms_app.vendors.solarman import parsers as sm
from woms_app.vendors.solarman.adapter import hash_password
from woms_app.vendors.solarman.envelope import check_solarman

DATA = Path(__file__).resolve().parents[2] / "data" / "solarman"
AMS = ZoneInfo("Europe/Amsterdam")


def body(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def test_password_hash_matches_document_example():
    assert hash_password("solarman123") == "b6fb8971000faab81a3d6c6f4739f1240055d04af96816d68c9f7d89d1691918"


@pytest.mark.parametrize("name", ["token.json", "token_numeric_expires.json"])
def test_token_expires_in_string_or_number(name):
    b = check_solarman(body(name))
    token, expires = sm.parse_token(b)
    assert token.startswith("eyJ") and expires == 5183999.0


@pytest.mark.parametrize(
    "name, exc, code",
    [
        ("error_invalid_token.json", VendorTokenExpired, "2101019"),
        ("error_token_not_found.json", VendorTokenExpired, "2101017"),
        ("error_rate_limited.json", VendorRateLimited, "2101002"),
        ("error_invalid_param.json", VendorBadResponse, "2101006"),
        ("error_business.json", VendorNotSupported, "2101022"),
        ("error_auth_failed.json", VendorAuthError, "2101025"),
    ],
)
def test_success_false_with_http_200_is_an_error(name, exc, code):
    with pytest.raises(exc) as info:
        check_solarman(body(name))
    assert info.value.code == code
    assert info.value.vendor == "solarman"


def test_rate_limited_has_retry_after():
    with pytest.raises(VendorRateLimited) as info:
        check_solarman(body("error_rate_limited.json"))
    assert info.value.retry_after == 10.0
    with pytest.raises(VendorRateLimited) as info:
        check_solarman(body("error_rate_limited.json"), retry_after=1.5)
    assert info.value.retry_after == 1.5


def test_token_expired_is_an_auth_error():
    assert issubclass(VendorTokenExpired, VendorAuthError)


@pytest.mark.parametrize("name", ["station_list.json", "station_list_numeric_strings.json"])
def test_station_list_numbers_or_numeric_strings(name):
    total, items = sm.parse_station_list(body(name))
    assert total == 2
    plants = [sm.plant_from_station(i) for i in items]
    p = plants[0]
    assert p.external_id == "61234567"
    assert p.name == "Warehouse Rooftop Utrecht"
    assert p.capacity_kw == pytest.approx(49.95)
    assert p.latitude == pytest.approx(52.0907) and p.longitude == pytest.approx(5.1214)
    assert p.timezone == "Europe/Amsterdam"
    assert plants[1].capacity_kw == pytest.approx(8.2)


def test_station_base_adds_geometry_and_devices_add_sensor_flag():
    _, items = sm.parse_station_list(body("station_list.json"))
    _, devices = sm.parse_device_list(body("station_device.json"))
    p = sm.plant_from_station(items[0], body("station_base.json"), devices)
    assert p.tilt_deg == 12.0 and p.azimuth_deg == 180.0
    assert p.has_irradiance_sensor is True  # a WEATHER_STATION is listed
    assert ("2106180123", "INVERTER") in devices


def test_station_frames_watts_to_kw_and_epoch_utc():
    frames = sm.parse_station_frames(body("station_history_frame.json"), AMS)
    assert len(frames) == 3
    ts, vals = frames[0]
    assert ts == datetime.fromtimestamp(1732607100, tz=UTC)
    assert ts.tzinfo is not None
    assert vals["generation_power_kw"] == pytest.approx(1.21)
    assert vals["irradiance_w_m2"] == 38.0


def test_station_frames_quirks_duplicates_out_of_order_nan_negative():
    frames = sm.parse_station_frames(body("station_history_frame_quirks.json"), AMS)
    readings = merge_readings(frames)
    tss = [r.ts for r in readings]
    assert tss == sorted(tss) and len(tss) == len(set(tss))  # sorted, duplicates collapsed
    by_ts = {int(r.ts.timestamp()): r for r in readings}
    assert by_ts[1732607100].generation_power_kw == pytest.approx(1.21)  # "1210.0" string, ".000" epoch
    assert by_ts[1732608000].generation_power_kw is None  # NaN dropped
    assert by_ts[1732608000].irradiance_w_m2 == 0.0  # negative irradiance clamps to 0
    assert by_ts[1732608300].generation_power_kw == 0.0  # negative power (standby) clamps to 0


def test_station_daily_energy():
    days = sm.parse_station_daily(body("station_history_day.json"))
    assert days[0][0].isoformat() == "2024-11-24" and days[0][1] == pytest.approx(61.4)


def test_device_frames_units_and_epoch_string():
    frames = sm.parse_device_frames(body("device_history_frame.json"), AMS, sm.INVERTER_KEY_MAP)
    ts, v = frames[0]
    assert ts == datetime.fromtimestamp(1732607100, tz=UTC)
    assert v["voltage_v"] == pytest.approx(230.4)
    assert v["current_a"] == pytest.approx(1.71)
    assert v["inverter_temperature_c"] == pytest.approx(18.9)
    assert v["generation_power_kw"] == pytest.approx(1.21)


def test_device_frames_local_time_collect_time_uses_plant_zone():
    frames = sm.parse_device_frames(body("device_history_frame_localtime.json"), AMS, sm.INVERTER_KEY_MAP)
    assert frames[0][0] == datetime(2024, 11, 26, 7, 45, tzinfo=UTC)  # 08:45 CET


def test_device_frames_unit_scaling_kw_and_kv():
    b = {"paramDataList": [{"collectTime": "1732607100", "dataList": [
        {"key": "APo_t1", "value": "12.5", "unit": "kW"}, {"key": "AV1", "value": "0.4", "unit": "kV"},
        {"key": "AC1", "value": "--", "unit": "A"}]}]}
    (_, v), = sm.parse_device_frames(b, AMS, sm.INVERTER_KEY_MAP)
    assert v["generation_power_kw"] == 12.5 and v["voltage_v"] == pytest.approx(400.0) and v["current_a"] is None


def test_empty_device_history_is_empty():
    assert sm.parse_device_frames(body("device_history_empty.json"), AMS, sm.INVERTER_KEY_MAP) == []


def test_combine_inverters_mean_voltage_sum_current():
    a = [(datetime(2024, 1, 1, tzinfo=UTC), {"voltage_v": 230.0, "current_a": 10.0, "generation_power_kw": 2.0})]
    b = [(datetime(2024, 1, 1, tzinfo=UTC), {"voltage_v": 232.0, "current_a": 5.0, "generation_power_kw": 1.0})]
    (_, v), = combine_inverters([a, b])
    assert v["voltage_v"] == 231.0 and v["current_a"] == 15.0 and v["generation_power_kw"] == 3.0


def test_alert_v2_status_severity_times():
    alerts = sm.parse_alerts_v2(body("alert_v2.json"), "61234567")
    a, b = alerts
    assert a.external_id == "v2:550091" and a.plant_external_id == "61234567"
    assert a.status == "RESOLVED" and a.severity == "minor" and a.category == "grid"
    assert a.started_at == datetime.fromtimestamp(1732281330, tz=UTC)
    assert a.resolved_at == datetime.fromtimestamp(1732282110, tz=UTC)
    assert b.status == "ACTIVE" and b.resolved_at is None and b.severity == "major"
    assert b.category == "communication"
    assert "Logger offline" in b.message


def test_alert_v1_fallback_parses_string_epoch_and_influence():
    (a,) = sm.parse_alerts_v1(body("station_alert_v1.json"), "61234567")
    assert a.status == "ACTIVE" and a.severity == "critical"  # level 2 + influence 3
    assert a.started_at == datetime.fromtimestamp(1732281330, tz=UTC)
