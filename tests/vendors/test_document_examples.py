"""Every example response body of vendor-apis.md, copied verbatim into tests/data/<vendor>/, fed to the adapter's
parsers with hand-computed expectations; and the emulator's replies checked against the same example shapes."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from woms_app.emulator.app import create_app
from woms_app.emulator.fleet import SUNGROW_DEMO_ACCOUNT
from woms_app.emulator.state import Config
from woms_app.vendors.errors import VendorAuthError, VendorBadResponse, VendorTokenExpired
from woms_app.vendors.parsing import zone
from woms_app.vendors.solarman import parsers as sm
from woms_app.vendors.solarman.envelope import check_solarman
from woms_app.vendors.sungrow import parsers as sg
from woms_app.vendors.sungrow.envelope import check_sungrow

DATA = Path(__file__).resolve().parents[1] / "data"
_ROOT = Path(__file__).resolve().parents[2]
DOC = next((d / "shared" / "vendor-apis.md" for d in (_ROOT.parent, _ROOT.parent.parent)
            if (d / "shared" / "vendor-apis.md").exists()), _ROOT.parent / "shared" / "vendor-apis.md")
UTC = UTC


def body(vendor: str, name: str) -> dict:
    return json.loads((DATA / vendor / name).read_text())


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


# ---------------------------------------------------------------- Sungrow (Part B)
def sg_login_ok(b):
    assert sg.parse_login(check_sungrow(b)) == "505120_2a62bc0f5e6d4c0b9f4f2c1e7d8a9b0c"


def sg_login_wrong_password(b):
    with pytest.raises(VendorAuthError, match="wrong password") as info:
        sg.parse_login(check_sungrow(b))  # result_code "1": only login_state "0" says it failed
    assert info.value.code == "login_state=0"


def sg_plant_list(b):
    total, items = sg.parse_plant_list(check_sungrow(b))
    assert total == 1
    p = sg.plant_from_ps(items[0])
    assert (p.external_id, p.name, p.timezone, p.timezone_error) == ("1234567", "Greenhouse Westland", "Etc/GMT-1", None)
    assert p.capacity_kw == pytest.approx(199.8)  # total_capcity {kWp, "199.8"}
    assert (p.latitude, p.longitude) == (51.9937, 4.2094)
    assert sg.current_power_kw(items[0]) == pytest.approx(64.812)  # curr_power {kW, "64.812"}


def sg_batch_detail(b):
    d = sg.parse_batch_detail(check_sungrow(b))
    assert list(d) == ["1234567"]
    p = sg.plant_from_ps({"ps_id": 1234567}, d["1234567"])
    assert p.capacity_kw == pytest.approx(199.8)  # design_capacity 199800.0 Wp
    assert p.timezone == "Etc/GMT-1" and p.address == "Naaldwijk, Zuid-Holland, Netherlands"


def sg_device_list(b):
    total, rows = sg.parse_device_list(check_sungrow(b))
    assert total == 3
    assert rows == [("1234567", "1234567_1_1_1", 1), ("1234567", "1234567_1_1_2", 1), ("1234567", "1234567_5_2_10", 5)]


def sg_realtime_plant(b):
    assert sg.parse_irradiance_plants(check_sungrow(b)) == {"1234567"}  # p83012 "388.0": measured irradiance


def sg_realtime_inverter(b):
    assert sg.parse_irradiance_plants(check_sungrow(b)) == set()  # no p83012 on an inverter


def sg_minute_data(b):
    for tz_name, offset_h in (("Etc/GMT-1", 1), ("Asia/Kolkata", 5.5), ("Asia/Kathmandu", 5.75)):
        rows = sg.parse_minute_data(check_sungrow(b), zone(tz_name), sg.INVERTER_POINT_MAP)["1234567_1_1_1"]
        assert len(rows) == 4
        ts, v = rows[2]  # "20241126101000" plant-local
        minutes = round(offset_h * 60)
        assert ts == utc(2024, 11, 26, 10, 10) - __import__("datetime").timedelta(minutes=minutes)
        assert v == {"generation_power_kw": pytest.approx(31.204), "voltage_v": 233.2, "current_a": 45.1,
                     "inverter_temperature_c": 36.1}


def sg_day_data(b):
    # no adapter parser reads daily aggregates (energy comes from the 5-minute series); the envelope is a success
    assert check_sungrow(b)["1234567_11_0_0"]["p83022"][0] == {"2": "301200.0000", "time_stamp": "20241123"}


def sg_faults(b):
    total, (closed, open_) = sg.parse_faults(check_sungrow(b), lambda ps: zone("Asia/Kolkata"))
    assert total == 2
    assert closed.started_at == utc(2024, 11, 22, 2, 11, 5)  # 07:41:05 IST
    assert closed.resolved_at == utc(2024, 11, 22, 3, 42, 40) and closed.status == "RESOLVED"
    assert (closed.severity, closed.category, closed.vendor_code) == ("major", "insulation", "60014")
    assert closed.device_sn == "1234567_1_1_2" and closed.plant_external_id == "1234567"
    assert open_.started_at == utc(2024, 11, 26, 8, 25, 12) and open_.status == "ACTIVE"
    assert open_.resolved_at is None and open_.severity == "critical"
    assert open_.message == "No grid voltage detected. (device SG110CX(COM1-002))"


def sg_open_point_info(b):
    assert [(r["point_id"], r["storage_unit"]) for r in check_sungrow(b)["pageList"]] == [(83022, "Wh"), (83033, "W")]
    # the adapter's maps take p83033 in W (→ kW ×0.001), as the dictionary says
    assert sg.PLANT_POINT_MAP["generation_power_kw"].source == "p83033"
    assert sg.PLANT_POINT_MAP["generation_power_kw"].scale == 0.001


def sg_call_info(b):
    assert check_sungrow(b)["per_hour_residue_times"] == "14363"


def sg_error_token(b):
    with pytest.raises(VendorTokenExpired) as info:
        check_sungrow(b)
    assert info.value.code == "E00003"


def sg_error_missing(b):
    with pytest.raises(VendorBadResponse) as info:
        check_sungrow(b)
    assert info.value.code == "009" and "curPage" in info.value.message


# ---------------------------------------------------------------- SOLARMAN (Part A)
AMS = zone("Europe/Amsterdam")


def sm_error_invalid_token(b):
    with pytest.raises(VendorTokenExpired) as info:
        check_solarman(b)
    assert info.value.code == "2101019"


def sm_token(b):
    token, expires_in = sm.parse_token(check_solarman(b))
    assert token.startswith("eyJ") and expires_in == 5183999


def sm_station_list(b):
    total, items = sm.parse_station_list(check_solarman(b))
    assert total == 2
    plants = [sm.plant_from_station(i) for i in items]
    assert [p.timezone for p in plants] == ["Europe/Amsterdam", "Europe/Amsterdam"]
    assert all(p.timezone_error is None for p in plants)


def sm_station_base(b):
    p = sm.plant_from_station({"id": 61234567}, check_solarman(b))
    assert p.timezone == "Europe/Amsterdam"  # region.timezone


def sm_station_frames(b):
    frames = sm.parse_station_frames(check_solarman(b), AMS)
    assert len(frames) == 3 and all(ts.tzinfo is not None for ts, _ in frames)


def sm_station_daily(b):
    assert len(sm.parse_station_daily(check_solarman(b))) == 2


def sm_device_list(b):
    total, devices = sm.parse_device_list(check_solarman(b))
    assert total == 3 and len(devices) == 3


def sm_device_frames(b):
    assert sm.parse_device_frames(check_solarman(b), AMS, sm.INVERTER_KEY_MAP)


def sm_alert_v2(b):
    alerts = sm.parse_alerts_v2(check_solarman(b), "61234567")
    assert len(alerts) == 2 and all(a.started_at.tzinfo is UTC for a in alerts)


def sm_envelope_only(b):
    # bodies of calls the adapter does not make (account info, realtime, current data, device alarms):
    # the envelope check accepts them unchanged
    assert check_solarman(b) is b


DOC_CASES = {
    ("sungrow", "login_ok.json"): sg_login_ok, ("sungrow", "login_wrong_password.json"): sg_login_wrong_password,
    ("sungrow", "plant_list.json"): sg_plant_list, ("sungrow", "batch_ps_detail.json"): sg_batch_detail,
    ("sungrow", "device_list.json"): sg_device_list, ("sungrow", "realtime_plant.json"): sg_realtime_plant,
    ("sungrow", "realtime_inverter.json"): sg_realtime_inverter,
    ("sungrow", "minute_data_inverter.json"): sg_minute_data, ("sungrow", "day_data.json"): sg_day_data,
    ("sungrow", "fault_alarm_info.json"): sg_faults, ("sungrow", "open_point_info.json"): sg_open_point_info,
    ("sungrow", "api_call_info.json"): sg_call_info, ("sungrow", "error_token_invalid.json"): sg_error_token,
    ("sungrow", "error_missing_param.json"): sg_error_missing,
    ("solarman", "error_invalid_token.json"): sm_error_invalid_token, ("solarman", "token.json"): sm_token,
    ("solarman", "account_info.json"): sm_envelope_only, ("solarman", "station_list.json"): sm_station_list,
    ("solarman", "station_base.json"): sm_station_base, ("solarman", "station_realtime.json"): sm_envelope_only,
    ("solarman", "station_history_frame.json"): sm_station_frames,
    ("solarman", "station_history_day.json"): sm_station_daily, ("solarman", "station_device.json"): sm_device_list,
    ("solarman", "device_current.json"): sm_envelope_only, ("solarman", "device_history_frame.json"): sm_device_frames,
    ("solarman", "device_history_day.json"): sm_envelope_only,
    ("solarman", "device_alert_list.json"): sm_envelope_only, ("solarman", "alert_detail.json"): sm_envelope_only,
    ("solarman", "alert_v2.json"): sm_alert_v2,
}


@pytest.mark.parametrize("key", DOC_CASES, ids=lambda k: f"{k[0]}/{k[1]}")
def test_document_example(key):
    DOC_CASES[key](body(*key))


def _document_responses() -> list[tuple[str, dict]]:
    text = DOC.read_text()
    part_b = text.index("# PART B")
    out = []
    for m in re.finditer(r"```json\n(.*?)```", text, re.S):
        b = json.loads(m.group(1))
        vendor = "sungrow" if m.start() > part_b else "solarman"
        if ("result_code" in b) if vendor == "sungrow" else ("success" in b):
            out.append((vendor, b))
    return out


@pytest.mark.skipif(not DOC.exists(), reason="vendor-apis.md is not beside the repository")
def test_every_example_response_of_the_document_is_a_verbatim_fixture_with_a_case():
    docs = _document_responses()
    assert len(docs) == 29
    cased = {k: body(*k) for k in DOC_CASES}
    for vendor, b in docs:
        assert any(v == vendor and f == b for (v, _), f in cased.items()), json.dumps(b)[:120]


# ---------------------------------------------------------------- the emulator speaks the same shapes
def _type(v):
    return None if v is None else "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__


def shape_diff(doc, emu, path="$"):
    """Keys of the document's example missing from the emulator's reply, or of another JSON type (null matches)."""
    out = []
    if isinstance(doc, dict):
        if not isinstance(emu, dict):
            return [f"{path}: {_type(emu)} instead of an object"]
        for k, v in doc.items():
            out += [f"{path}.{k}: missing"] if k not in emu else shape_diff(v, emu[k], f"{path}.{k}")
    elif isinstance(doc, list):
        if not isinstance(emu, list):
            return [f"{path}: {_type(emu)} instead of a list"]
        if doc and emu:
            out += shape_diff(doc[0], emu[0], f"{path}[0]")
    elif None not in (_type(doc), _type(emu)) and _type(doc) != _type(emu):
        out.append(f"{path}: {_type(emu)} instead of {_type(doc)}")
    return out


SG_CALLS = [
    ("plant_list.json", "getPowerStationList", {"curPage": 1, "size": 10}),
    ("batch_ps_detail.json", "getBatchPsDetail", {"ps_ids": "1500001"}),
    ("device_list.json", "getDeviceList", {"ps_id": 1500001, "curPage": 1, "size": 100}),
    ("realtime_plant.json", "getDeviceRealTimeData", {"device_type": 11, "ps_key_list": ["1500001_11_0_0"],
                                                      "point_id_list": ["83022", "83024", "83033", "83012", "83016", "83017"]}),
    ("realtime_inverter.json", "getDeviceRealTimeData", {
        "device_type": 1, "ps_key_list": ["1500001_1_1_1"],
        "point_id_list": ["1", "2", "4", "5", "6", "14", "18", "19", "20", "21", "22", "23", "24", "27"]}),
    ("fault_alarm_info.json", "getFaultAlarmInfo", {"curPage": 1, "size": 50, "process_status": "999"}),
    ("open_point_info.json", "getOpenPointInfo", {"device_type": 11, "type": 2, "curPage": 1, "size": 10}),
    ("api_call_info.json", "getOpenApiCallInfo", {}),
    ("minute_data_inverter.json", "getDevicePointMinuteDataList", {
        "ps_key_list": ["1500001_1_1_1"], "points": "p24,p18,p21,p4,p5,p6", "start_time_stamp": "20241126100000",
        "end_time_stamp": "20241126101500", "minute_interval": 5}),
]


@pytest.mark.asyncio
async def test_sungrow_emulator_replies_have_the_document_shapes():
    app = create_app(Config(seed=42))
    creds = SUNGROW_DEMO_ACCOUNT.credentials
    headers = {"sys_code": "901", "x-access-key": creds["access_key"]}
    common = {"appkey": creds["appkey"], "lang": "_en_US"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emu") as c:
        login = (await c.post("/sungrow/openapi/login", headers=headers, json={
            **common, "user_account": creds["username"], "user_password": creds["password"]})).json()
        assert shape_diff(body("sungrow", "login_ok.json"), login) == []
        token = login["result_data"]["token"]
        for name, method, req in SG_CALLS:
            reply = (await c.post(f"/sungrow/openapi/{method}", headers=headers,
                                  json={**common, "token": token, **req})).json()
            doc = body("sungrow", name)
            if name.startswith("minute_data"):  # keyed by ps_key: compare one device's frames
                doc = {"result_data": list(doc["result_data"].values())[0]}
                reply = {"result_data": list(reply["result_data"].values())[0]}
            assert shape_diff(doc, reply) == [], name
        expired = (await c.post("/sungrow/openapi/getPowerStationList", headers=headers,
                                json={**common, "token": "505120_" + "0" * 32, "curPage": 1, "size": 1})).json()
        assert shape_diff(body("sungrow", "error_token_invalid.json"), expired) == []
        assert expired["result_code"] == "E00003"
