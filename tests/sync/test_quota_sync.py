"""Quota-aware sync against the emulator over real HTTP: every call is counted against the vendor's
allowance (and matches the emulator's own count), the vendor's balance becomes the allowance, a run that
would overspend is not started (the run row says why, no call is made), the planned cycle's request
economy (power for the whole fleet in one call, no lists, no login), and the scheduler's planned tick."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.conftest import BOTH_DATABASES
from tests.sync.conftest import runs
from tests.sync.test_sync_emulator import freeze_recent
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.models import Plant, SyncKind, SyncStatus, TelemetryReading, Vendor
from woms_app.services import sync as sync_service
from woms_app.services.sync import sync_vendor


def solarman_count(live) -> tuple[int, dict]:
    st = live.stats()["accounts"]
    rows = [v for k, v in st.items() if k.startswith("solarman:")]
    return sum(r["count"] for r in rows), {p: n for r in rows for p, n in r["paths"].items()}


def vendor_row(vid: int) -> Vendor:
    with main_session(SYSTEM_CONTEXT) as s:
        v = s.get(Vendor, vid)
        s.expunge(v)
        return v


@BOTH_DATABASES
async def test_calls_are_counted_and_the_balance_becomes_the_allowance(vendors, live):
    freeze_recent()
    vid = vendors["solarman"]
    res = await sync_vendor(vid)
    assert res.status == SyncStatus.SUCCEEDED, res.error
    count, paths = solarman_count(live)
    assert paths["/account/v1.0/balance"] == 1
    assert res.vendor_calls == count > 20
    v = vendor_row(vid)
    assert v.quota_calls_used == count and v.quota_source == "vendor"
    # the emulator's 10,000,000 a year: used + what the balance said was left
    assert v.quota_calls == 10_000_000 and v.quota_checked_at is not None
    assert runs()[-1].vendor_calls == count
    # a second run the same day: counted on top, no second balance call
    res2 = await sync_vendor(vid, kind=SyncKind.ALERTS)
    count2, paths2 = solarman_count(live)
    assert paths2["/account/v1.0/balance"] == 1
    assert vendor_row(vid).quota_calls_used == count2 == count + res2.vendor_calls


@BOTH_DATABASES
async def test_a_run_that_would_overspend_is_not_started(vendors, live):
    vid = vendors["solarman"]
    assert (await sync_vendor(vid, kind=SyncKind.PLANTS)).status == SyncStatus.SUCCEEDED  # the plants are known
    live.admin("POST", "/reset")
    now = clock.utcnow()
    with main_session(SYSTEM_CONTEXT) as s:
        v = s.get(Vendor, vid)
        v.quota_calls, v.quota_calls_used, v.quota_used_since = 1000, 990, now - timedelta(days=1)
        v.quota_period_start = now - timedelta(days=30)
        s.add(v)
    res = await sync_vendor(vid)
    assert res.refused and res.status == SyncStatus.FAILED
    assert res.error.startswith("Not started") and "10 of 1,000 left" in res.error
    assert solarman_count(live)[0] == 0  # not one call was made
    row = runs()[-1]
    assert row.status == SyncStatus.FAILED and row.error == res.error and row.vendor_calls == 0
    v = vendor_row(vid)
    assert v.quota_calls_used == 990 and v.status.value == "ACTIVE"
    # an alert poll of the 5 plants (≈ 6 calls) still fits
    res = await sync_vendor(vid, kind=SyncKind.ALERTS)
    assert not res.refused and res.status == SyncStatus.SUCCEEDED, res.error


async def test_planned_cycle_request_economy(vendors, live):
    """After the lists are in, a cycle of power + frames costs: 1 station-list page for the power of every
    plant + per plant 1 station history + 1 per inverter (+1 weather station) — no login, no plant/device lists.
    Demo fleet: 5 plants, 10 inverters, 3 with a weather station → 1 + 5 + 10 + 3 = 19 calls (3.8 per plant);
    before (a TELEMETRY sync) the same cycle cost 1 login + 1 list + 5 base + 5 device lists + 18 = 30."""
    freeze_recent()
    vid = vendors["solarman"]
    first = await sync_vendor(vid, kind=SyncKind.PLANTS)
    assert first.status == SyncStatus.SUCCEEDED
    backfill = await sync_vendor(vid, kind=SyncKind.TELEMETRY, lists=False, frames=True)  # the first 24 h
    assert backfill.status == SyncStatus.SUCCEEDED and backfill.readings_upserted > 1000
    before, _ = solarman_count(live)
    res = await sync_vendor(vid, kind=SyncKind.TELEMETRY, lists=False, power=True, frames=True)
    assert res.status == SyncStatus.SUCCEEDED, res.error
    after, paths = solarman_count(live)
    assert after - before == res.vendor_calls == 19
    assert paths["/station/v1.0/list"] == 2  # one in the PLANTS run, one for the power
    assert res.vendor_calls / res.plants_total == 3.8
    assert "/station/v1.0/base" in paths and paths["/station/v1.0/base"] == 5  # only from the PLANTS run
    assert paths["/station/v1.0/device"] == 5 and paths["/account/v1.0/token"] == 1
    with telemetry_session(SYSTEM_CONTEXT) as t:
        assert t.exec(select(TelemetryReading)).first() is not None
    v = vendor_row(vid)
    assert v.power_polled_at is not None and v.frames_synced_at is not None


async def test_planned_sync_does_only_what_is_due(vendors, live):
    vid = vendors["solarman"]
    freeze_recent()
    assert (await sync_vendor(vid, kind=SyncKind.PLANTS)).status == SyncStatus.SUCCEEDED
    # locations: put every plant on the equator at noon of the frozen instant's meridian → daylight
    now = clock.utcnow()
    lon = (12 - (now.hour + now.minute / 60)) * 15
    with main_session(SYSTEM_CONTEXT) as s:
        for p in s.exec(select(Plant).where(Plant.vendor_id == vid)).all():
            p.latitude, p.longitude = 0.0, ((lon + 180) % 360) - 180
            s.add(p)
    base_calls = solarman_count(live)[1]["/station/v1.0/base"]
    first = await sync_service.planned_sync(vid)  # power + frames (the lists are an hour fresh)
    assert first is not None and first.status == SyncStatus.SUCCEEDED, first.error
    assert solarman_count(live)[1]["/station/v1.0/base"] == base_calls and first.readings_upserted > 1000
    n_runs = len(runs())
    assert await sync_service.planned_sync(vid) is None  # nothing due a moment later: no run, no call
    assert len(runs()) == n_runs
    before, _ = solarman_count(live)
    clock.freeze(now + timedelta(minutes=5))
    again = await sync_service.planned_sync(vid)
    assert again is not None and again.status == SyncStatus.SUCCEEDED
    after, paths = solarman_count(live)
    # the emulator's balance made the allowance 10,000,000 a year: power every 5 minutes, frames every 15,
    # lists hourly → 5 minutes on, only the fleet's power: one station-list call (no login, no lists)
    assert vendor_row(vid).quota_calls == 10_000_000
    assert after - before == again.vendor_calls == 1 and paths["/station/v1.0/base"] == base_calls
    clock.freeze(now + timedelta(minutes=15))
    frames = await sync_service.planned_sync(vid)
    # 1 power page + 18 frame calls per plant-local day touched (two for a plant whose midnight fell inside)
    assert 19 <= frames.vendor_calls <= 1 + 2 * 18 and solarman_count(live)[1]["/station/v1.0/base"] == base_calls
    assert solarman_count(live)[1]["/account/v1.0/token"] == 1  # one login for all these runs
    clock.freeze(now + timedelta(hours=1, minutes=1))
    hourly = await sync_service.planned_sync(vid)
    assert hourly.status == SyncStatus.SUCCEEDED
    assert solarman_count(live)[1]["/station/v1.0/base"] == base_calls + 5  # the lists, hourly
