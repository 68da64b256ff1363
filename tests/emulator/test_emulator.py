"""Emulator: physics, determinism, vendor protocol rules, admin API (in-process ASGI, no server)."""
from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from datetime import UTC, date, datetime

import httpx
import numpy as np
import pytest

from woms_app.emulator.app import create_app
from woms_app.emulator.fleet import build_fleet
from woms_app.emulator.physics import day_profile
from woms_app.emulator.state import Config

DAY = date(2024, 6, 21)


def client(**cfg) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(Config(**cfg))), base_url="http://emu")


async def sm_token(c: httpx.AsyncClient) -> str:
    r = await c.post("/solarman/account/v1.0/token", params={"appId": "202411080000001"}, json={
        "appSecret": "9e1f0c4b7a2d4e8f9a0b1c2d3e4f5a6b", "email": "ops@sunrise.demo.woms",
        "password": hashlib.sha256(b"sunrise-solarman-demo").hexdigest()})
    body = r.json()
    assert r.status_code == 200 and body["success"] and isinstance(body["expires_in"], str)
    return body["access_token"]


def sg_headers() -> dict:
    return {"sys_code": "901", "x-access-key": "q7w1e9r3t5y2u8i4o6p0a1s2d3f4g5h6"}


async def sg_token(c: httpx.AsyncClient) -> str:
    r = await c.post("/sungrow/openapi/login", headers=sg_headers(), json={
        "appkey": "A1B2C3D4E5F60718293A4B5C6D7E8F90", "user_account": "ops@helios.demo.woms",
        "user_password": "helios-isolarcloud-demo"})
    return r.json()["result_data"]["token"]


def test_power_follows_the_sun_north_and_south():
    fleet = build_fleet(42)
    for p in fleet.plants:
        prof = day_profile(42, p, DAY)
        local_hours = [(datetime.fromtimestamp(int(t), tz=UTC).astimezone(p.tz)).hour for t in prof.epochs]
        night = prof.power_w[[h in (0, 1, 2, 23) for h in local_hours]]
        noon = prof.power_w[[11 <= h <= 13 for h in local_hours]]
        assert np.all(night == 0), p.name
        assert noon.max() > 0.1 * p.capacity_kw * 1000, p.name
        assert prof.power_w.max() <= p.capacity_kw * 1000 * 1.0
    south = next(p for p in fleet.plants if p.latitude < 0)
    # a June (southern winter) day yields less per kWp than a December day in the southern hemisphere
    jun = sum(day_profile(42, south, date(2024, 6, d)).energy_kwh for d in range(10, 25))
    dec = sum(day_profile(42, south, date(2024, 12, d)).energy_kwh for d in range(10, 25))
    assert dec > jun


def test_deterministic_from_seed_and_seed_matters():
    p = build_fleet(42).plants[0]
    a = day_profile(42, p, DAY)
    day_profile.cache_clear()
    b = day_profile(42, p, DAY)
    assert np.array_equal(a.power_w, b.power_w) and a.alarms == b.alarms and np.array_equal(a.present, b.present)
    c = day_profile(7, p, DAY)
    assert not np.array_equal(a.power_w, c.power_w)


def test_half_hour_zone_frames_on_local_grid():
    p = next(p for p in build_fleet(42).plants if p.tz_name == "GMT+5.5")
    prof = day_profile(42, p, DAY)
    first = datetime.fromtimestamp(int(prof.epochs[0]), tz=UTC)
    assert first == datetime(2024, 6, 20, 18, 30, tzinfo=UTC) and len(prof.epochs) == 288


@pytest.mark.asyncio
async def test_same_seed_same_answers_across_restarts():
    bodies = []
    for _ in range(2):
        day_profile.cache_clear()
        async with client(seed=42) as c:
            tok = await sm_token(c)
            r = await c.post("/solarman/station/v1.0/history", headers={"Authorization": f"Bearer {tok}"},
                             json={"stationId": 61200001, "timeType": 1, "startTime": "2024-06-21", "endTime": "2024-06-21"})
            items = r.json()["stationDataItems"]
            bodies.append(items)
    assert bodies[0] == bodies[1] and len(bodies[0]) > 250


@pytest.mark.asyncio
async def test_solarman_protocol_rules():
    async with client() as c:
        r = await c.post("/solarman/station/v1.0/list", json={"page": 1, "size": 10})
        assert r.status_code == 200 and r.json()["code"] == "2101017"  # no token
        r = await c.post("/solarman/station/v1.0/list", headers={"Authorization": "bearer nope"}, json={"page": 1, "size": 10})
        assert r.json()["code"] == "2101019"
        bad = await c.post("/solarman/account/v1.0/token", params={"appId": "202411080000001"},
                           json={"appSecret": "x", "email": "ops@sunrise.demo.woms", "password": "00"})
        assert bad.json()["success"] is False and bad.json()["code"] == "2101025"
        h = {"Authorization": f"bearer {await sm_token(c)}"}
        assert (await c.post("/solarman/station/v1.0/list", headers=h, json={"page": 1, "size": 500})).json()["code"] == "2101026"
        def hist(**b):
            return c.post("/solarman/station/v1.0/history", headers=h, json={"stationId": 61200001, **b})
        assert (await hist(timeType=2, startTime="2024-01-01", endTime="2024-03-01")).json()["code"] == "2101012"
        assert (await hist(timeType=2, startTime="2024-03-01", endTime="2024-01-01")).json()["code"] == "2101014"
        assert (await hist(timeType=1, startTime="2024/03/01", endTime="2024/03/01")).json()["code"] == "2101015"
        assert (await hist(timeType=3, startTime="2023-01", endTime="2024-06")).json()["code"] == "2101013"
        days = (await hist(timeType=2, startTime="2024-06-20", endTime="2024-06-21")).json()["stationDataItems"]
        assert len(days) == 2 and days[0]["generationValue"] > 0
        for tt in (1, 5):  # both frame timeTypes accepted
            r = await c.post("/solarman/device/v1.0/historical", headers=h, json={
                "deviceSn": "SMI6120000101", "timeType": tt, "startTime": "2024-06-21", "endTime": "2024-06-21"})
            frames = r.json()["paramDataList"]
            assert frames and isinstance(frames[0]["collectTime"], str) and isinstance(frames[0]["dataList"][0]["value"], str)


@pytest.mark.asyncio
async def test_solarman_rate_limit_2101002():
    async with client(solarman_limit=(3, 10.0)) as c:
        tok = await sm_token(c)
        codes = [(await c.post("/solarman/station/v1.0/list", headers={"Authorization": f"bearer {tok}"},
                               json={"page": 1, "size": 10})).json()["code"] for _ in range(4)]
        assert codes[:2] == [None, None] and codes[-1] == "2101002"


@pytest.mark.asyncio
async def test_sungrow_protocol_rules():
    async with client(sungrow_limit=(7, 3600.0)) as c:
        ak = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
        r = await c.post("/sungrow/openapi/login", headers={"x-access-key": "q7w1e9r3t5y2u8i4o6p0a1s2d3f4g5h6"},
                         json={"appkey": ak, "user_account": "u", "user_password": "p"})
        assert r.json()["result_code"] == "003"  # no sys_code
        r = await c.post("/sungrow/openapi/login", headers=sg_headers(),
                         json={"appkey": ak, "user_account": "ops@helios.demo.woms", "user_password": "wrong"})
        assert r.json()["result_code"] == "1" and r.json()["result_data"]["login_state"] == "0"
        tok = await sg_token(c)
        def post(m, **b):
            return c.post(f"/sungrow/openapi/{m}", headers=sg_headers(), json={"appkey": ak, "token": tok, **b})
        pl = (await post("getPowerStationList", curPage=1, size=10)).json()["result_data"]["pageList"]
        assert {"unit", "value"} <= set(pl[0]["curr_power"]) and pl[0]["curr_power_update_time"].endswith("+08:00")
        assert (await post("getPowerStationList", size=10)).json()["result_code"] == "009"
        too_long = await post("getDevicePointMinuteDataList", ps_key_list=["1500001_11_0_0"], points="p83033",
                              start_time_stamp="20240621080000", end_time_stamp="20240621120000")
        assert too_long.json()["result_code"] == "010"
        cross = await post("getFaultAlarmInfo", curPage=1, size=10, startTime="2024-05-20 00:00:00",
                           endTime="2024-06-02 00:00:00", process_status="999")
        assert cross.json()["result_code"] == "010"
        assert (await post("getPowerStationList", curPage=1, size=10)).json()["result_code"] == "E999"  # hourly limit


@pytest.mark.asyncio
async def test_admin_faults_alerts_stats_and_scale():
    async with client() as c:
        assert (await c.post("/_admin/faults", json={"kind": "nope", "vendor": "solarman"})).status_code == 422
        f = (await c.post("/_admin/faults", json={"kind": "http_500", "vendor": "sungrow", "count": 1})).json()
        assert f["remaining"] == 1
        r = await c.post("/sungrow/openapi/getPowerStationList", headers=sg_headers(), json={})
        assert r.status_code == 500
        await c.post("/_admin/faults", json={"kind": "malformed_json", "vendor": "solarman", "count": 1})
        r = await c.post("/solarman/account/v1.0/token", params={"appId": "x"}, json={})
        with pytest.raises(ValueError):
            r.json()
        stats = (await c.get("/_admin/stats", params={"window_s": 1})).json()
        assert stats["accounts"]["sungrow:unknown"]["count"] == 1 and "max_in_window" in stats["accounts"]["sungrow:unknown"]
        assert (await c.post("/_admin/alerts", json={"vendor": "sungrow", "plant_id": 1})).status_code == 422
        a = (await c.post("/_admin/alerts", json={"vendor": "sungrow", "plant_id": 1500002, "severity": "minor"})).json()
        assert a["end"] is None
        assert (await c.post(f"/_admin/alerts/{a['id']}/clear")).json()["end"] is not None
        t0 = time.perf_counter()
        cfg = (await c.post("/_admin/config", json={"plants_per_account": 2000})).json()
        assert cfg["plants"] == 4000
        tok = await sg_token(c)
        body = (await c.post("/sungrow/openapi/getPowerStationList", headers=sg_headers(), json={
            "appkey": "A1B2C3D4E5F60718293A4B5C6D7E8F90", "token": tok, "curPage": 20, "size": 100})).json()
        assert body["result_data"]["rowCount"] == 2000 and len(body["result_data"]["pageList"]) == 100
        assert time.perf_counter() - t0 < 15
        await c.post("/_admin/reset")
        assert (await c.get("/_admin/stats")).json()["accounts"] == {}


def test_cli_help():
    out = subprocess.run([sys.executable, "-m", "woms_app.emulator", "--help"], capture_output=True, text=True,
                         cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]), timeout=30)
    assert out.returncode == 0 and "--plants-per-account" in out.stdout and "--seed" in out.stdout
