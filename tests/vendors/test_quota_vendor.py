"""The allowance and the request economy at the vendor layer: the balance / call-info bodies of
vendor-apis.md (A.6.15, B.5.10) parsed by hand, the emulator's balance endpoint checked against the same
shape and against its own call count, the 2101009 lock, fleet-wide power in one call per 200 plants, and
the request meter."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from woms_app.vendors import VendorBadResponse, VendorManager, VendorRateLimited
from woms_app.vendors.metering import meter
from woms_app.vendors.solarman import parsers as sm
from woms_app.vendors.solarman.adapter import reset_caches
from woms_app.vendors.solarman.envelope import check_solarman
from woms_app.vendors.sungrow import parsers as sg
from woms_app.vendors.sungrow.envelope import check_sungrow

DATA = Path(__file__).resolve().parents[1] / "data"


def body(vendor: str, name: str) -> dict:
    return json.loads((DATA / vendor / name).read_text())


def make(live, vendor: str, **opts):
    acc = live.accounts()[vendor]
    return VendorManager.build(vendor, acc["base_url"], acc["credentials"], timeout_s=opts.pop("timeout_s", 5.0),
                               **opts)


# ---------------------------------------------------------------- the document's bodies
def test_solarman_balance_body():
    # A.6.15: /account/v1.0/balance answers the flat envelope with total = calls left
    assert sm.parse_balance(check_solarman(body("solarman", "balance.json"))) == 187342
    assert sm.parse_balance({**body("solarman", "balance.json"), "total": "187342"}) == 187342
    for bad in ({"success": True}, {"success": True, "total": -1}, {"success": True, "total": "many"}):
        with pytest.raises(VendorBadResponse):
            sm.parse_balance(bad)


def test_sungrow_call_info_body():
    # B.5.10 example: per day 345,600, today 812 used → 344,788 left; period = day
    a = sg.parse_call_info(check_sungrow(body("sungrow", "api_call_info.json")))
    assert (a.limit, a.used, a.remaining, a.period) == (345600, 812, 344788, "day")
    with pytest.raises(VendorBadResponse):
        sg.parse_call_info({"today_accessed_times": "3"})
    with pytest.raises(VendorBadResponse):
        sg.parse_call_info(None)


def test_station_list_item_is_a_power_reading():
    # A.6.3 example: generationPower 18342.0 W at lastUpdateTime 1732628712 (2024-11-26 13:45:12 UTC)
    items = sm.parse_station_list(body("solarman", "station_list.json"))[1]
    r = sm.parse_station_power(items[0])
    assert r.ts == datetime(2024, 11, 26, 13, 45, 12, tzinfo=UTC)
    assert r.generation_power_kw == pytest.approx(18.342)
    assert r.voltage_v is None and r.irradiance_w_m2 is None
    assert sm.parse_station_power(items[1]).generation_power_kw == pytest.approx(2.95)
    assert sm.parse_station_power({"generationPower": 1.0}) is None  # no time: no reading


# ---------------------------------------------------------------- the emulator against the same shapes
async def test_emulator_balance_has_the_document_shape_and_counts_every_call(live):
    live.admin("POST", "/config", json={"solarman_allowance": 1000})
    try:
        acc = live.accounts()["solarman"]
        async with make(live, "solarman") as a:
            await a.authenticate()
            await a.count_plants()
            raw = httpx.post(f"{acc['base_url']}/account/v1.0/balance", json={},
                             headers={"Authorization": f"bearer {a._token}"}).json()
            assert set(raw) == set(body("solarman", "balance.json"))
            assert raw["success"] is True and raw["code"] is None
            # token + station list + this balance call = 3 counted
            assert raw["total"] == 1000 - 3
            got = await a.get_allowance()
            assert got.remaining == 1000 - 4 and got.period == "year"
        count = next(v["count"] for k, v in live.stats()["accounts"].items() if k.startswith("solarman:"))
        assert count == 4
    finally:
        live.admin("POST", "/config", json={"solarman_allowance": 10_000_000})


async def test_emulator_locks_the_app_id_once_the_allowance_is_spent(live):
    live.admin("POST", "/config", json={"solarman_allowance": 3})
    try:
        async with make(live, "solarman", rate_limit_retries=0) as a:
            await a.authenticate()  # 1
            await a.count_plants()  # 2
            assert (await a.get_allowance()).remaining == 0  # 3
            with pytest.raises(VendorRateLimited) as exc:
                await a.count_plants()  # 4: locked
            assert exc.value.code == "2101009"
    finally:
        live.admin("POST", "/config", json={"solarman_allowance": 10_000_000})


async def test_sungrow_allowance_from_the_emulator(live):
    async with make(live, "sungrow") as a:
        got = await a.get_allowance()
    assert got.period == "day" and got.limit == 14400 * 24 and got.used == 2  # login + this call
    assert got.remaining == got.limit - got.used


async def test_fleet_power_costs_one_call_per_200_plants(live):
    live.admin("POST", "/config", json={"plants_per_account": 210})
    try:
        async with make(live, "solarman", timeout_s=60.0) as a:
            await a.authenticate()
            live.admin("POST", "/reset")
            await a.authenticate()
            with meter() as m:
                power = await a.get_fleet_power()
            assert m.calls == 2 and m.paths == {"/solarman/station/v1.0/list": 2}  # ceil(210 / 200)
        assert len(power) == 210
        st = next(v for k, v in live.stats()["accounts"].items() if k.startswith("solarman:"))
        assert st["paths"] == {"/account/v1.0/token": 1, "/station/v1.0/list": 2}
        fleet = {p["plant_id"]: p for p in live.admin("GET", "/fleet")["plants"] if p["vendor"] == "solarman"}
        assert set(power) == {str(pid) for pid in fleet}
        assert all(r.generation_power_kw >= 0 and r.ts.tzinfo is not None for r in power.values())
    finally:
        live.admin("POST", "/config", json={"plants_per_account": None})


async def test_device_lists_are_reused_across_runs_of_one_account(live):
    """A second adapter of the same account (the next sync run) does not list the devices again."""
    reset_caches(tokens=False)  # the device lists only
    async with make(live, "solarman") as a:
        plants = await a.list_plants()
    async with make(live, "solarman") as b:
        with meter() as m:
            readings = await b.get_telemetry(plants[0], datetime.now(UTC).replace(hour=0, minute=0),
                                             datetime.now(UTC))
    assert not any("station/v1.0/device" in p for p in m.paths)
    assert "/solarman/station/v1.0/history" in m.paths
    assert isinstance(readings, list)
