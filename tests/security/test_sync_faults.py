"""Vendor faults during sync: 0 lost and 0 duplicated readings, other plants unaffected.

tests/sync/test_sync_emulator.py's fault table checks each fault kind's run status. Here every kind (plus the
vendor going down in the middle of a run) is compared, reading for reading, with a clean sync of the same window
(clock pinned) in another pair of databases: after the faulted run and one run once the vendor is healthy again,
the stored readings equal the clean ones exactly (a multiset: nothing missing, nothing twice), and the other
vendor's plants were never touched by the fault.
"""
from __future__ import annotations

import asyncio
import math
from datetime import timedelta

import httpx
import pytest

from tests.conftest import migrate, use_databases
from tests.sync.conftest import point_vendors_at, snapshot, vendors  # noqa: F401  (fixtures)
from tests.sync.test_sync_emulator import FAST
from tests.vendors.conftest import emulator, live  # noqa: F401  (fixtures)
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.emulator.fleet import SOLARMAN_ID_BASE, SUNGROW_ID_BASE
from woms_app.emulator.state import FAULT_KINDS
from woms_app.models import SyncStatus, Vendor
from woms_app.services.seed import seed_demo
from woms_app.services.sync import sync_vendor

# kind → (vendor, fault options); corrupted values (nan_values) are checked separately: the vendor sends
# NaN/negative for some points, which WOMS must refuse to store rather than match
FAULTS = {
    "token_expiry": ("solarman", {}),
    "rate_limit": ("sungrow", {"count": 2}),
    "http_500": ("sungrow", {"count": 3}),
    "timeout": ("solarman", {"count": 2, "delay_s": 5.0, "path": "/station/v1.0/history"}),
    "http_429": ("sungrow", {"count": 2}),
    "malformed_json": ("sungrow", {"count": 2, "path": "getDevicePointMinuteDataList"}),
    "duplicates": ("solarman", {"duration_s": 60}),
    "down": ("sungrow", {"duration_s": 60}),
    "alertv2_unsupported": ("solarman", {"duration_s": 60}),
    "nan_values": ("sungrow", {"duration_s": 60, "path": "getDevicePointMinuteDataList"}),
}


def test_every_emulator_fault_kind_is_covered():
    assert set(FAULTS) == set(FAULT_KINDS)


def _fresh_world(tmp_path, name: str, url: str, one_at_a_time: bool = False) -> dict[str, int]:
    main_url, tel_url = f"sqlite:///{tmp_path / name}.db", f"sqlite:///{tmp_path / name}_tel.db"
    migrate(main_url, tel_url)
    use_databases(main_url, tel_url)
    with main_session(SYSTEM_CONTEXT) as s:
        seed_demo(s)
    ids = point_vendors_at(url)
    if one_at_a_time:  # one plant at a time, so "the middle of a run" is a real middle
        with main_session(SYSTEM_CONTEXT) as s:
            for vid in ids.values():
                v = s.get(Vendor, vid)
                v.max_concurrency = 1
                s.add(v)
    return ids


def _readings_of(snap: dict, vendor_type: str) -> list:
    base = SOLARMAN_ID_BASE if vendor_type == "solarman" else SUNGROW_ID_BASE
    return [r for r in snap["readings"] if 0 <= int(r[0]) - base < 100_000]


_CLEAN: dict = {}


@pytest.fixture
def clean(live, tmp_path_factory):  # noqa: F811
    """The pinned window and what a clean sync of each vendor stores in it (computed once per module)."""
    if not _CLEAN:
        now = clock.utcnow()
        _CLEAN["at"] = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0) - timedelta(minutes=5)
        ids = _fresh_world(tmp_path_factory.mktemp("clean"), "clean", live.url)
        clock.freeze(_CLEAN["at"])
        for vid in ids.values():
            assert asyncio.run(sync_vendor(vid, adapter_options=FAST)).status == SyncStatus.SUCCEEDED
        snap = snapshot()
        _CLEAN.update({vt: _readings_of(snap, vt) for vt in ids})
        assert all(len(_CLEAN[vt]) > 1000 for vt in ids)
    yield _CLEAN
    clock.freeze(None)


@pytest.mark.parametrize("kind", sorted(FAULTS))
async def test_fault_then_recovery_equals_a_clean_sync(clean, live, tmp_path, kind):  # noqa: F811
    vendor, opts = FAULTS[kind]
    other = "sungrow" if vendor == "solarman" else "solarman"
    ids = _fresh_world(tmp_path, "faulted", live.url)
    clock.freeze(clean["at"])
    live.fault(kind, vendor, **opts)
    faulted = await sync_vendor(ids[vendor], adapter_options=FAST)
    stored = _readings_of(snapshot(), vendor)
    # whatever the faulted run stored is right: nothing twice, nothing a clean sync does not have
    assert len(stored) == len({(r[0], r[1]) for r in stored})
    if kind != "nan_values":
        assert set(stored) <= set(clean[vendor]), f"{kind}: readings that a clean sync does not have"
    else:  # corrupted points are refused, never stored as NaN or as negative power
        assert not any(x is not None and math.isnan(x) for r in stored for x in r[2:])
        assert not any(r[2] is not None and r[2] < 0 for r in stored)
    assert _readings_of(snapshot(), other) == []  # the other vendor's plants were not touched
    live.admin("DELETE", "/faults")
    recovered = await sync_vendor(ids[vendor], adapter_options=FAST)
    assert recovered.status == SyncStatus.SUCCEEDED, recovered.error
    after = _readings_of(snapshot(), vendor)
    if kind == "nan_values":
        # points the vendor corrupted are refused, not backfilled (its history holds them corrupted): instants of
        # a clean sync only, none twice, and every point it sent intact is stored
        keys = [(r[0], r[1]) for r in after]
        assert len(keys) == len(set(keys)) and set(keys) <= {(r[0], r[1]) for r in clean[vendor]}
        assert {(r[0], r[1]) for r in stored} <= set(keys) and len(after) >= len(clean[vendor]) // 2
    else:
        assert after == clean[vendor], f"{kind} ({faulted.status.value}): lost or duplicated readings"


@pytest.mark.parametrize("vendor", ["solarman", "sungrow"])
async def test_vendor_down_in_the_middle_of_a_run(clean, live, tmp_path, vendor):  # noqa: F811
    """The vendor goes down after two plants are stored: the run fails what is left, the next run completes it;
    in the end the readings equal a clean run's. SOLARMAN fetches plant by plant, so the plants left fail;
    Sungrow fetches every plant's telemetry in batched calls first, so the outage hits the alerts that follow."""
    ids = _fresh_world(tmp_path, f"down-{vendor}", live.url, one_at_a_time=True)
    clock.freeze(clean["at"])
    downed = []

    async def progress(p):
        if p.plants_done >= 2 and not downed:
            downed.append(p.plants_done)
            await asyncio.to_thread(live.fault, "down", vendor, duration_s=60)

    r = await sync_vendor(ids[vendor], adapter_options=FAST, progress=progress)
    assert downed and r.status == SyncStatus.FAILED, r
    if vendor == "solarman":
        assert 2 <= r.plants_done < 5 and r.plants_failed >= 1, r
        assert set(_readings_of(snapshot(), vendor)) < set(clean[vendor])
    else:
        assert r.plants_done == 5 and r.error.startswith("alerts:"), r
    live.admin("DELETE", "/faults")
    again = await sync_vendor(ids[vendor], adapter_options=FAST)
    assert again.status == SyncStatus.SUCCEEDED and again.plants_done == 5
    assert _readings_of(snapshot(), vendor) == clean[vendor]


async def test_two_simultaneous_sync_now_over_the_api_make_one_run(vendors, live):
    """Two "Sync now" requests for one vendor at the same time (two browsers): one runs, the other answers 409."""
    from woms_app.api.app import create_api

    live.admin("POST", "/config", json={"latency_s": 0.05})  # the first run is still going when the second comes
    app = create_api()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000",
                                 headers={"Origin": "http://localhost:3000"}) as c:
        r = await c.post("/api/login", json={"email": "ops@helios.demo.woms", "password": "woms-demo-pass"})
        assert r.status_code == 200
        c.cookies.set("woms_session", r.cookies["woms_session"])
        first, second = await asyncio.gather(*(c.post(f"/api/vendors/{vendors['sungrow']}/sync")
                                               for _ in range(2)))
    codes = sorted([first.status_code, second.status_code])
    assert codes == [200, 409], (first.text, second.text)
    refused = first if first.status_code == 409 else second
    assert "already" in refused.json()["detail"].lower() or "progress" in refused.json()["detail"].lower()
    from tests.sync.conftest import runs

    assert len([x for x in runs() if x.vendor_id == vendors["sungrow"]]) == 1
