"""Sungrow parsers against recorded bodies (tests/data/sungrow/, written from vendor-apis.md Part B)."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from woms_app.vendors.errors import (
    VendorAuthError,
    VendorBadResponse,
    VendorRateLimited,
    VendorTokenExpired,
)
from woms_app.vendors.parsing import ENERGY_TO_KWH, iana_from_gmt, merge_readings, unit_value, zone
from woms_app.vendors.sungrow import parsers as sg
from woms_app.vendors.sungrow.adapter import month_windows, three_hour_windows
from woms_app.vendors.sungrow.envelope import check_sungrow

DATA = Path(__file__).resolve().parents[2] / "data" / "sungrow"


def body(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def test_login_ok_returns_token():
    assert sg.parse_login(check_sungrow(body("login_ok.json"))) == "505120_2a62bc0f5e6d4c0b9f4f2c1e7d8a9b0c"


@pytest.mark.parametrize(
    "name, words",
    [("login_wrong_password.json", "wrong password"), ("login_locked.json", "locked"),
     ("login_no_account.json", "does not exist")],
)
def test_successful_envelope_with_failed_login_state_is_auth_error(name, words):
    data = check_sungrow(body(name))  # result_code "1": the envelope says success
    with pytest.raises(VendorAuthError) as info:
        sg.parse_login(data)
    assert words in str(info.value)


@pytest.mark.parametrize(
    "name, exc",
    [("error_token_invalid.json", VendorTokenExpired), ("error_missing_param.json", VendorBadResponse),
     ("error_hourly_limit.json", VendorRateLimited), ("error_too_frequent.json", VendorRateLimited),
     ("error_window_too_long.json", VendorBadResponse)],
)
def test_error_codes(name, exc):
    with pytest.raises(exc):
        check_sungrow(body(name))


def test_hourly_limit_retry_after_is_until_next_hour():
    with pytest.raises(VendorRateLimited) as info:
        check_sungrow(body("error_hourly_limit.json"))
    assert 0 < info.value.retry_after <= 3600
    with pytest.raises(VendorRateLimited) as info:
        check_sungrow(body("error_too_frequent.json"))
    assert info.value.retry_after == 1.0


def test_plant_list_and_detail():
    total, items = sg.parse_plant_list(check_sungrow(body("plant_list.json")))
    details = sg.parse_batch_detail(check_sungrow(body("batch_ps_detail.json")))
    assert total == 1
    p = sg.plant_from_ps(items[0], details["1234567"], has_meteo=True)
    assert p.external_id == "1234567" and p.name == "Greenhouse Westland"
    assert p.capacity_kw == pytest.approx(199.8)  # design_capacity 199800 Wp → kWp
    assert p.timezone == "Etc/GMT-1"  # "GMT+1" → POSIX-inverted Etc zone
    assert p.has_irradiance_sensor
    assert sg.current_power_kw(items[0]) == pytest.approx(64.812)


def test_unit_value_objects_w_kw_mw_and_capacity_units():
    total, items = sg.parse_plant_list(check_sungrow(body("plant_list_scaled_units.json")))
    assert total == 3
    assert [sg.current_power_kw(i) for i in items] == pytest.approx([0.812, 64.812, 1230.4])
    plants = [sg.plant_from_ps(i) for i in items]
    assert [p.capacity_kw for p in plants] == pytest.approx([9.9, 199.8, 2500.0])
    assert plants[0].latitude == pytest.approx(51.9937)  # numeric string
    assert unit_value(items[0]["today_energy"], ENERGY_TO_KWH, "kWh") == pytest.approx(38.5)  # 度 = kWh
    assert unit_value(items[2]["today_energy"], ENERGY_TO_KWH, "kWh") == pytest.approx(12000.0)  # 万度
    assert unit_value({"unit": "MWh", "value": "241.37"}, ENERGY_TO_KWH, "kWh") == pytest.approx(241370.0)


@pytest.mark.parametrize(
    "raw, iana, offset_h",
    [("GMT+1", "Etc/GMT-1", 1), ("GMT+8", "Etc/GMT-8", 8), ("GMT-3", "Etc/GMT+3", -3),
     ("GMT+5:30", "Asia/Kolkata", 5.5), ("GMT+0", "UTC", 0), ("GMT", "UTC", 0), ("Europe/Amsterdam", "Europe/Amsterdam", None),
     ("GMT+10", "Etc/GMT-10", 10)],
)
def test_gmt_zone_strings(raw, iana, offset_h):
    assert iana_from_gmt(raw) == iana
    if offset_h is not None:
        assert zone(raw).utcoffset(datetime(2024, 7, 1)) == timedelta(hours=offset_h)


def test_minute_data_inverter_local_time_to_utc():
    tz = zone("GMT+1")
    rows = sg.parse_minute_data(check_sungrow(body("minute_data_inverter.json")), tz, sg.INVERTER_POINT_MAP)
    frames = rows["1234567_1_1_1"]
    ts, v = frames[0]
    assert ts == datetime(2024, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 at GMT+1
    assert v["generation_power_kw"] == pytest.approx(28.811)
    assert v["voltage_v"] == pytest.approx(232.9) and v["current_a"] == pytest.approx(41.7)
    assert v["inverter_temperature_c"] == pytest.approx(35.2)


def test_minute_data_plant_quirks_half_hour_zone_omitted_points_dashes():
    tz = zone("GMT+5:30")
    rows = sg.parse_minute_data(check_sungrow(body("minute_data_plant_quirks.json")), tz, sg.PLANT_POINT_MAP)
    readings = merge_readings(rows["1234568_11_0_0"])
    assert [r.ts for r in readings] == sorted(r.ts for r in readings)
    assert len(readings) == 4  # duplicate collapsed
    first = readings[0]
    assert first.ts == datetime(2024, 11, 26, 4, 25, tzinfo=UTC)  # 09:55 IST, out of order
    assert first.irradiance_w_m2 is None and first.temperature_c is None  # omitted points
    r1000 = readings[1]
    assert r1000.generation_power_kw == pytest.approx(5.12) and r1000.irradiance_w_m2 == 688.0
    assert r1000.temperature_c == pytest.approx(41.2) and r1000.ambient_temperature_c == pytest.approx(27.5)
    r1010 = readings[3]
    assert r1010.generation_power_kw is None and r1010.irradiance_w_m2 == 0.0  # "--" and negative


@pytest.mark.parametrize("name", ["fault_alarm_info.json", "fault_alarm_info_compact_times.json"])
def test_faults_both_time_formats(name):
    tz = zone("GMT+1")
    total, alerts = sg.parse_faults(check_sungrow(body(name)), lambda _ps: tz)
    assert total == 2
    closed, open_ = alerts
    assert closed.external_id == "60014.202411.8d2f6a1c4e7b4c0f"
    assert closed.status == "RESOLVED" and closed.severity == "major" and closed.category == "insulation"
    assert closed.started_at == datetime(2024, 11, 22, 6, 41, 5, tzinfo=UTC)
    assert closed.resolved_at.replace(second=0) == datetime(2024, 11, 22, 8, 12, tzinfo=UTC)
    assert open_.status == "ACTIVE" and open_.severity == "critical" and open_.resolved_at is None
    assert open_.vendor_code == "60005" and open_.category == "grid"
    assert "No grid voltage detected" in open_.message


def test_windows_three_hours_and_months():
    s = datetime(2024, 11, 26, 0, 0)
    wins = three_hour_windows(s, s + timedelta(hours=23, minutes=55))
    assert len(wins) == 8 and all(b - a < timedelta(hours=3) for a, b in wins)
    assert wins[1][0] == s + timedelta(hours=3)
    months = month_windows(datetime(2024, 11, 20), datetime(2025, 1, 5))
    assert [m[0].month for m in months] == [11, 12, 1]
    assert months[0][1] == datetime(2024, 11, 30, 23, 59, 59)
