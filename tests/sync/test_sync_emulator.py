"""End to end against the emulator over real HTTP: idempotency, cancel + re-run, fault isolation."""
from __future__ import annotations

import asyncio
import logging
import math
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.conftest import BOTH_DATABASES, migrate, use_databases
from tests.services.test_power_buckets import assert_buckets_match
from tests.sync.conftest import point_vendors_at, runs, snapshot
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.core.errors import Conflict, Forbidden, NotFound
from woms_app.core.security import encrypt_json
from woms_app.models import (
    Account,
    Alert,
    Plant,
    SyncStatus,
    SyncTrigger,
    TelemetryReading,
    Vendor,
    VendorStatus,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPlant,
)
from woms_app.services.auth import viewer_for
from woms_app.services.seed import seed_demo
from woms_app.services.sync import schedule, stage_telemetry, sync_vendor

# short limit windows: quick rate-limit faults; a 2.5 s timeout (1 s timed out healthy requests on a loaded machine:
# the emulator computes a plant-day of frames per request), so the timeout faults delay their answer 5 s
FAST = {"timeout_s": 2.5, "rate_limit_windows": {"2101002": 0.5, "E901": 0.5}}


def freeze_recent():
    """Freeze the app clock a little in the past, on a 5-minute boundary: both runs of a comparison see
    the same window, and the emulator already has every point of it."""
    now = clock.utcnow()
    at = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0) - timedelta(minutes=5)
    clock.freeze(at)
    return at


def viewer(email: str):
    with main_session(SYSTEM_CONTEXT) as s:
        return viewer_for(s, s.exec(select(Account).where(Account.email == email)).one())


@BOTH_DATABASES
async def test_sync_twice_stores_everything_once(vendors, changes):
    freeze_recent()
    first = [await sync_vendor(vid) for vid in vendors.values()]
    assert [r.status for r in first] == [SyncStatus.SUCCEEDED] * 2
    assert all(r.plants_total == r.plants_done == 5 for r in first)
    assert sum(r.readings_upserted for r in first) > 2000  # ~24 h of 5-minute points for 10 plants
    once = snapshot()
    again = [await sync_vendor(vid) for vid in vendors.values()]
    assert [r.status for r in again] == [SyncStatus.SUCCEEDED] * 2
    # the second run only fetches from each plant's last reading
    assert sum(r.readings_upserted for r in again) <= 10
    assert snapshot() == once
    assert len(once["plants"]) == 10 and len(once["readings"]) == len(set((r[0], r[1]) for r in once["readings"]))
    with telemetry_session(SYSTEM_CONTEXT) as t:
        n = t.exec(select(sa.func.count()).select_from(TelemetryReading)).one()
        distinct = t.exec(select(sa.func.count()).select_from(
            select(TelemetryReading.plant_id, TelemetryReading.ts).distinct().subquery())).one()
    assert n == distinct == len(once["readings"])
    with telemetry_session(SYSTEM_CONTEXT) as t:  # the fleet curve's buckets, maintained by both runs, match the readings
        assert assert_buckets_match(t) > 100
    # plants carry current metrics
    with main_session(SYSTEM_CONTEXT) as s:
        plants = s.exec(select(Plant)).all()
    assert all(p.last_reading_at is not None and p.current_power_kw is not None and p.daily_energy_mwh is not None
               for p in plants)
    assert [r.status for r in runs()] == [SyncStatus.SUCCEEDED] * 4
    topics = set().union(*(c.topics for c in changes))
    assert {"plants", "metrics", "sync", "alerts"} <= topics


async def test_cancel_half_way_then_rerun_equals_one_clean_run(vendors, live, tmp_path):
    at = freeze_recent()
    sm = vendors["solarman"]
    with main_session(SYSTEM_CONTEXT) as s:  # one plant at a time, so "half-way" is a real middle
        v = s.get(Vendor, sm)
        v.max_concurrency = 1
        s.add(v)
    clean = await sync_vendor(sm)
    assert clean.status == SyncStatus.SUCCEEDED
    expected = snapshot()

    # a second pair of databases: cancel the same sync after two plants, then run it again
    main_url, tel_url = f"sqlite:///{tmp_path / 'b.db'}", f"sqlite:///{tmp_path / 'b_tel.db'}"
    migrate(main_url, tel_url)
    use_databases(main_url, tel_url)
    with main_session(SYSTEM_CONTEXT) as s:
        seed_demo(s)
    ids = point_vendors_at(live.url)
    with main_session(SYSTEM_CONTEXT) as s:
        v = s.get(Vendor, ids["solarman"])
        v.max_concurrency = 1
        s.add(v)
    clock.freeze(at)
    two_done = asyncio.Event()

    def progress(p):
        if p.plants_done >= 2:
            two_done.set()

    task = asyncio.create_task(sync_vendor(ids["solarman"], progress=progress))
    await asyncio.wait_for(two_done.wait(), 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    cancelled = runs()[-1]
    assert cancelled.status == SyncStatus.ERRORED and "cancelled" in cancelled.error
    partial = snapshot()
    assert 0 < len({r[0] for r in partial["readings"]}) < 5  # really half-way
    rerun = await sync_vendor(ids["solarman"])
    assert rerun.status == SyncStatus.SUCCEEDED
    assert snapshot() == expected


async def test_a_second_concurrent_sync_of_the_same_vendor_is_refused(vendors):
    started = asyncio.Event()
    task = asyncio.create_task(sync_vendor(vendors["solarman"], progress=lambda p: started.set()))
    await started.wait()
    with pytest.raises(Conflict):
        await sync_vendor(vendors["solarman"])
    assert (await task).status == SyncStatus.SUCCEEDED
    # the other vendor is not blocked
    assert (await sync_vendor(vendors["sungrow"])).status == SyncStatus.SUCCEEDED


async def test_sync_scope_org_only_own_vendor_govt_never(vendors):
    sunrise, helios, govt = viewer("ops@sunrise.demo.woms"), viewer("ops@helios.demo.woms"), viewer("govt@demo.woms")
    with pytest.raises(NotFound):
        await sync_vendor(vendors["solarman"], viewer=helios, trigger=SyncTrigger.MANUAL)
    with pytest.raises(Forbidden):
        await sync_vendor(vendors["solarman"], viewer=govt, trigger=SyncTrigger.MANUAL)
    assert runs() == []
    r = await sync_vendor(vendors["solarman"], viewer=sunrise, trigger=SyncTrigger.MANUAL)
    assert r.status == SyncStatus.SUCCEEDED
    assert runs()[0].triggered_by == sunrise.account_id and runs()[0].trigger == SyncTrigger.MANUAL


# kind, vendor, fault options, expected status, plants that fail
FAULTS = [
    ("token_expiry", "solarman", {}, SyncStatus.SUCCEEDED, 0),
    ("rate_limit", "solarman", {"count": 2}, SyncStatus.SUCCEEDED, 0),
    ("rate_limit", "sungrow", {"count": 2}, SyncStatus.SUCCEEDED, 0),
    ("http_500", "sungrow", {"count": 1}, SyncStatus.SUCCEEDED, 0),  # one transient retry
    ("malformed_json", "solarman", {"count": 1, "path": "/station/v1.0/history"}, SyncStatus.FAILED, 1),
    ("malformed_json", "sungrow", {"count": 1, "path": "getDevicePointMinuteDataList"}, SyncStatus.FAILED, 1),
    ("timeout", "solarman", {"count": 1, "delay_s": 5.0, "path": "/station/v1.0/history"}, SyncStatus.FAILED, 1),
    ("nan_values", "sungrow", {"duration_s": 30, "path": "getDevicePointMinuteDataList"}, SyncStatus.SUCCEEDED, 0),
    ("duplicates", "solarman", {"duration_s": 30}, SyncStatus.SUCCEEDED, 0),
    ("alertv2_unsupported", "solarman", {"duration_s": 30}, SyncStatus.SUCCEEDED, 0),
    ("down", "sungrow", {"duration_s": 3}, SyncStatus.FAILED, None),  # nothing reachable: no plant synced
]


@pytest.mark.parametrize("kind,vendor,opts,status,failing", FAULTS, ids=[f"{f[0]}-{f[1]}" for f in FAULTS])
async def test_each_fault_kind_gives_the_right_run_status_and_other_plants_complete(
        vendors, live, kind, vendor, opts, status, failing):
    live.fault(kind, vendor, **opts)
    r = await sync_vendor(vendors[vendor], adapter_options=FAST)
    run = runs()[-1]
    assert (r.status, run.status) == (status, status), r.error
    with main_session(SYSTEM_CONTEXT) as s:
        v = s.get(Vendor, vendors[vendor])
    if failing is None:
        assert r.plants_done == 0 and v.status == VendorStatus.FAILING and run.error
        return
    assert run.plants_total == 5 and run.plants_failed == failing and run.plants_done == 5 - failing
    with telemetry_session(SYSTEM_CONTEXT) as t:
        with_data = t.exec(select(sa.func.count(sa.distinct(TelemetryReading.plant_id)))).one()
        values = t.exec(select(TelemetryReading.generation_power_kw)).all()
    assert with_data == 5 - failing
    assert not any(x is not None and (math.isnan(x) or x < 0) for x in values)
    assert v.status == (VendorStatus.ACTIVE if status == SyncStatus.SUCCEEDED else VendorStatus.FAILING)
    if failing:
        assert "1 of 5 plants failed" in run.error
        # the next run catches up the failed plant
        live.admin("DELETE", "/faults")
        again = await sync_vendor(vendors[vendor], adapter_options=FAST)
        assert again.status == SyncStatus.SUCCEEDED and again.plants_done == 5


async def test_rejected_credentials_mark_the_vendor_and_the_scheduler_skips_it(vendors):
    with main_session(SYSTEM_CONTEXT) as s:
        v = s.get(Vendor, vendors["sungrow"])
        v.credentials_encrypted = encrypt_json({"appkey": "nope", "access_key": "nope", "username": "x",
                                                "password": "bad-password-123"})
        s.add(v)
    r = await sync_vendor(vendors["sungrow"])
    assert r.status == SyncStatus.FAILED and r.error.startswith("Credentials rejected")
    assert "bad-password-123" not in r.error
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.get(Vendor, vendors["sungrow"]).status == VendorStatus.NEEDS_CREDENTIALS
        assert [v.id for v in schedule.schedulable_vendors(s)] == [vendors["solarman"]]


async def test_a_bug_is_errored_with_its_traceback_and_other_plants_complete(vendors, monkeypatch):
    real = stage_telemetry.upsert_readings
    calls = {"n": 0}

    def flaky(tsession, plant_id, org_id, readings):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ZeroDivisionError("boom")
        return real(tsession, plant_id, org_id, readings)

    monkeypatch.setattr(stage_telemetry, "upsert_readings", flaky)
    await sync_vendor(vendors["solarman"])
    run = runs()[-1]
    assert run.status == SyncStatus.ERRORED and "ZeroDivisionError" in run.traceback
    assert run.plants_done == 4 and run.plants_failed == 1


async def test_failing_and_recovery_are_logged_once_each(vendors, live, caplog):
    caplog.set_level(logging.INFO, logger="woms_app.services.sync")
    live.fault("down", "sungrow", duration_s=30)
    for _ in range(2):
        assert (await sync_vendor(vendors["sungrow"], adapter_options=FAST)).status == SyncStatus.FAILED
    live.admin("DELETE", "/faults")
    for _ in range(2):
        assert (await sync_vendor(vendors["sungrow"], adapter_options=FAST)).status == SyncStatus.SUCCEEDED
    msgs = [r.getMessage() for r in caplog.records if r.name == "woms_app.services.sync.run"]
    assert sum("started failing" in m for m in msgs) == 1
    assert sum("recovered" in m for m in msgs) == 1


async def test_alerts_dedupe_resolve_and_link_to_the_active_work_order(vendors, live):
    sm = vendors["solarman"]
    await sync_vendor(sm)
    with main_session(SYSTEM_CONTEXT) as s:
        plant = s.exec(select(Plant).where(Plant.vendor_id == sm, Plant.external_id == "61200002")).one()
        wo = WorkOrder(org_id=plant.org_id, title="Inverter check")
        s.add(wo)
        s.flush()
        s.add(WorkOrderPlant(work_order_id=wo.id, plant_id=plant.id))
        wo_id, plant_id = wo.id, plant.id
        before = s.exec(select(sa.func.count()).select_from(Alert)).one()
    injected = live.admin("POST", "/alerts", json={"vendor": "solarman", "plant_id": 61200002, "severity": "critical",
                                                   "name": "Injected Arc Fault"})
    r = await sync_vendor(sm)
    assert r.alerts.new == 1 and r.alerts.linked == 1
    with main_session(SYSTEM_CONTEXT) as s:
        alert = s.exec(select(Alert).where(Alert.title == "Injected Arc Fault")).one()
        assert alert.plant_id == plant_id and alert.work_order_id == wo_id and alert.status.value == "ACTIVE"
        events = s.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == wo_id)).all()
        assert [e.kind for e in events] == ["alert_linked"]
        assert s.exec(select(sa.func.count()).select_from(Alert)).one() == before + 1
    r = await sync_vendor(sm)  # no duplicate, no second link
    assert (r.alerts.new, r.alerts.linked, r.alerts.changed) == (0, 0, 0)
    live.admin("POST", f"/alerts/{injected['id']}/clear")
    r = await sync_vendor(sm)
    assert r.alerts.resolved == 1
    with main_session(SYSTEM_CONTEXT) as s:
        alert = s.exec(select(Alert).where(Alert.title == "Injected Arc Fault")).one()
        assert alert.status.value == "RESOLVED" and alert.resolved_at is not None
        assert len(s.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == wo_id)).all()) == 1
