"""Scheduler: jobs and intervals from the database, only auto-sync organizations, one leader."""
from __future__ import annotations

import asyncio

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import select

from tests.conftest import BOTH_DATABASES
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import Organization, SyncRun, SyncStatus, SyncTrigger, Vendor, VendorStatus
from woms_app.scheduler import runner
from woms_app.scheduler.leader import LeaderLock
from woms_app.scheduler.runner import WomsScheduler


def vendor_ids() -> dict[str, int]:
    with main_session(SYSTEM_CONTEXT) as s:
        return {v.vendor_type: v.id for v in s.exec(select(Vendor)).all()}


async def test_jobs_registered_with_the_vendor_intervals(demo):
    ids = vendor_ids()
    with main_session(SYSTEM_CONTEXT) as s:
        v = s.get(Vendor, ids["sungrow"])
        v.poll_interval_s, v.alert_interval_s = 600, 90
        s.add(v)
    sched = WomsScheduler(lock=LeaderLock(holder="a"), startup_sync=False, paused=True)
    await sched.start()
    try:
        sm, sg = ids["solarman"], ids["sungrow"]
        assert sched.job_ids() == {"retention", "efficiency", "notifications", "sla_watch", f"telemetry:{sm}",
                                   f"alerts:{sm}", f"telemetry:{sg}", f"alerts:{sg}"}
        intervals = {}
        for job in sched.aps.get_jobs():
            if job.id == "heartbeat":
                continue
            assert isinstance(job.trigger, IntervalTrigger)
            assert job.max_instances == 1 and job.coalesce is True and job.trigger.jitter >= 1
            intervals[job.id] = job.trigger.interval.total_seconds()
        assert intervals == {"retention": 3600, "efficiency": 3600, "notifications": 15, "sla_watch": 300,
                             f"telemetry:{sm}": 300,
                             f"alerts:{sm}": 120, f"telemetry:{sg}": 600, f"alerts:{sg}": 90}

        # auto-sync off for Helios, Sunrise's vendor needs credentials → their jobs go on the next heartbeat
        with main_session(SYSTEM_CONTEXT) as s:
            helios = s.exec(select(Organization).where(Organization.name == "Helios Power")).one()
            helios.auto_sync_enabled = False
            s.add(helios)
            v = s.get(Vendor, sm)
            v.status = VendorStatus.NEEDS_CREDENTIALS
            s.add(v)
        await sched.heartbeat()
        assert sched.job_ids() == {"retention", "efficiency", "notifications", "sla_watch"}
        assert {j.id for j in sched.aps.get_jobs()} == {"heartbeat", "retention", "efficiency", "notifications",
                                                        "sla_watch"}
    finally:
        await sched.stop()


@BOTH_DATABASES
async def test_two_scheduler_starts_one_runs_jobs(demo):
    a = WomsScheduler(lock=LeaderLock(holder="worker-a", ttl_s=60), startup_sync=False, paused=True)
    b = WomsScheduler(lock=LeaderLock(holder="worker-b", ttl_s=60), startup_sync=False, paused=True)
    await a.start()
    await b.start()
    try:
        assert (a.leading, b.leading) == (True, False)
        assert a.job_ids() and b.job_ids() == set()
        await b.heartbeat()
        await a.heartbeat()
        assert (a.leading, b.leading) == (True, False) and b.job_ids() == set()
        # the leader stops: the other takes over on its next heartbeat
        await a.stop()
        await b.heartbeat()
        assert b.leading and "retention" in b.job_ids()
    finally:
        await a.stop()
        await b.stop()


@pytest.mark.parametrize("fresh_databases", ["sqlite"], indirect=True)  # the lock row (PostgreSQL: advisory lock)
def test_an_expired_lock_row_is_taken_over(demo):
    a, b = LeaderLock(holder="a", ttl_s=0.0), LeaderLock(holder="b", ttl_s=60)
    assert a.acquire()  # expires at once (a died without releasing)
    assert b.acquire() and not a.acquire()
    assert b.acquire()  # renewing keeps it


async def test_startup_sync_runs_every_schedulable_vendor(vendors):
    sched = WomsScheduler(lock=LeaderLock(holder="s"), startup_sync=True)
    await sched.start()
    try:
        for _ in range(200):
            await asyncio.sleep(0.05)
            with main_session(SYSTEM_CONTEXT) as s:
                done = s.exec(select(SyncRun).where(SyncRun.status != SyncStatus.RUNNING)).all()
            if len(done) == 2:
                break
        assert sorted((r.trigger, r.status) for r in done) == [(SyncTrigger.STARTUP, SyncStatus.SUCCEEDED)] * 2
    finally:
        await sched.stop()


async def test_lifespan_does_nothing_when_disabled(demo, monkeypatch):
    monkeypatch.setenv("WOMS_SCHEDULER_ENABLED", "false")
    from woms_app.core.config import reset_settings

    reset_settings()
    await asyncio.wait_for(runner.scheduler_lifespan(), 1)  # returns at once
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.exec(select(SyncRun)).all() == []
