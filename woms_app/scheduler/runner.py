"""The scheduler: an APScheduler ``AsyncIOScheduler`` on the backend's event loop.

Jobs are thin (call a service with the SYSTEM viewer):

* ``telemetry:<vendor id>`` every tick of the vendor's polling plan (``services.quota``: fitted to the account's
  call allowance; without one, ``vendor.poll_interval_s``); each tick runs only the work that is due
  (fleet-wide power, the 5-minute frames' catch-up, the hourly plant/device lists; ``sync.planned_sync``; the
  intervals: ``services.sync.schedule.tick_intervals``),
* ``alerts:<vendor id>`` at the plan's alert interval (without an allowance, ``vendor.alert_interval_s``),
* ``retention`` hourly (roll-ups, then purge of readings older than 24 h, and of notifications sent or given
  up more than 30 days ago),
* ``efficiency`` hourly (daily PR / efficiency figures, services.kpis),
* ``sla_watch`` every ``SLA_WATCH_S`` seconds (running SLA clocks due within 24 h or breached → notifications,
  ``services.notifications.events.sla_watch``),
* ``notifications`` every ``NOTIFY_S`` seconds (the outbox's delivery: e-mail digests and signed webhooks,
  ``services.notifications.deliver``),
* ``startup`` once in demo mode (a full sync of every vendor, so plants show within seconds).

Only vendors of organizations with ``auto_sync_enabled`` and not paused / needing credentials get
jobs (``services.sync.schedule.schedulable_vendors``); the job list is reconciled with the database on every
heartbeat. Every
job has ``max_instances=1``, coalescing and jitter. Only the leader (``LeaderLock``) has jobs; the others
keep trying to become leader on each heartbeat, so one takes over when the leader stops.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from woms_app.core.config import get_settings
from woms_app.core.db import SYSTEM_CONTEXT, db_context, main_session, telemetry_session
from woms_app.core.errors import Conflict
from woms_app.models.enums import SyncKind, SyncTrigger
from woms_app.scheduler import selection
from woms_app.scheduler.leader import LeaderLock
from woms_app.services import sync as sync_service
from woms_app.services.sync import schedule
from woms_app.services.viewer import SYSTEM

log = logging.getLogger(__name__)

HOURLY_S = 3600
NOTIFY_S = 15
SLA_WATCH_S = 300
LOCK_TTL_HEARTBEATS = 3  # a lock that is not renewed for 3 heartbeats has a dead holder
JOB_DEFAULTS = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 300}


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    func: Callable[..., Any]
    interval_s: float
    args: tuple = ()

    @property
    def jitter_s(self) -> int:
        return int(min(30, max(1, self.interval_s * 0.1)))


# ---------------------------------------------------------------- job bodies
async def telemetry_job(vendor_id: int) -> None:
    try:
        await sync_service.planned_sync(vendor_id, trigger=SyncTrigger.SCHEDULE)
    except Conflict:
        log.debug("telemetry sync of vendor %s skipped: a run is in progress", vendor_id)


async def alerts_job(vendor_id: int) -> None:
    try:
        await sync_service.sync_vendor(vendor_id, trigger=SyncTrigger.SCHEDULE, kind=SyncKind.ALERTS)
    except Conflict:
        log.debug("alert sync of vendor %s skipped: a run is in progress", vendor_id)


def _retention() -> None:
    from woms_app.services.retention import run_retention

    with main_session(SYSTEM_CONTEXT) as session, db_context(SYSTEM_CONTEXT):
        result = run_retention(session, telemetry_session, SYSTEM)
    log.info("retention: %s plants, %s days rolled up, %s readings purged", result.plants,
             result.days_rolled_up, result.readings_deleted)
    from woms_app.services.notifications import deliver

    log.info("retention: %s old notifications purged", deliver.purge_job())


async def retention_job() -> None:
    await asyncio.to_thread(_retention)


async def efficiency_job() -> None:
    from woms_app.services import kpis

    def run() -> None:
        with db_context(SYSTEM_CONTEXT):
            kpis.run_efficiency_job()

    await asyncio.to_thread(run)


async def notifications_job() -> None:
    from woms_app.services.notifications import deliver

    result = await deliver.run_delivery()
    if result.claimed:
        log.debug("notifications: %s", result)


async def sla_watch_job() -> None:
    from woms_app.services.notifications import events

    written = await asyncio.to_thread(events.run_sla_watch)
    if written:
        log.info("sla watch: %s notifications queued", written)


async def startup_job() -> None:
    results = await selection.sync_all(trigger=SyncTrigger.STARTUP, kind=SyncKind.FULL)
    log.info("startup sync: %s", ", ".join(f"vendor {r.vendor_id} {r.status.value}" for r in results) or "no vendors")


def desired_jobs() -> dict[str, JobSpec]:
    """The jobs the database asks for right now."""
    with main_session(SYSTEM_CONTEXT) as session:
        vendors = schedule.schedulable_vendors(session)
        intervals = {v.id: schedule.tick_intervals(session, v) for v in vendors}
    jobs = {
        "retention": JobSpec("retention", retention_job, HOURLY_S),
        "efficiency": JobSpec("efficiency", efficiency_job, HOURLY_S),
        "notifications": JobSpec("notifications", notifications_job, NOTIFY_S),
        "sla_watch": JobSpec("sla_watch", sla_watch_job, SLA_WATCH_S),
    }
    for v in vendors:
        tick_s, alerts_s = intervals[v.id]
        jobs[f"telemetry:{v.id}"] = JobSpec(f"telemetry:{v.id}", telemetry_job, tick_s, (v.id,))
        jobs[f"alerts:{v.id}"] = JobSpec(f"alerts:{v.id}", alerts_job, alerts_s, (v.id,))
    return jobs


class WomsScheduler:
    def __init__(self, *, lock: LeaderLock | None = None, startup_sync: bool | None = None,
                 heartbeat_s: float | None = None, paused: bool = False) -> None:
        self.heartbeat_s = get_settings().scheduler_heartbeat_s if heartbeat_s is None else heartbeat_s
        self.lock = lock or LeaderLock(ttl_s=self.heartbeat_s * LOCK_TTL_HEARTBEATS)
        self.startup_sync = get_settings().demo if startup_sync is None else startup_sync
        self.paused = paused
        self.leading = False
        self.aps = AsyncIOScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC")
        self._specs: dict[str, JobSpec] = {}

    async def start(self) -> None:
        self.aps.start(paused=self.paused)
        self.aps.add_job(self.heartbeat, IntervalTrigger(seconds=self.heartbeat_s), id="heartbeat",
                         max_instances=1, coalesce=True)
        await self.heartbeat()

    async def heartbeat(self) -> None:
        try:
            leader = await asyncio.to_thread(self.lock.acquire)
        except Exception:
            log.exception("scheduler lock check failed")
            leader = False
        if leader and not self.leading:
            log.info("scheduler: this process (%s) is the leader", self.lock.holder)
            self.leading = True
            if self.startup_sync:
                self.aps.add_job(startup_job, id="startup", max_instances=1)
        elif not leader and self.leading:
            log.warning("scheduler: leadership lost; stopping jobs")
            self.leading = False
        try:
            self.reconcile(await asyncio.to_thread(desired_jobs) if self.leading else {})
        except Exception:
            log.exception("scheduler: could not reconcile jobs")

    def reconcile(self, desired: dict[str, JobSpec]) -> None:
        for job_id in list(self._specs):
            if job_id not in desired:
                self.aps.remove_job(job_id)
                del self._specs[job_id]
        for job_id, spec in desired.items():
            if self._specs.get(job_id) == spec:
                continue
            self.aps.add_job(spec.func, IntervalTrigger(seconds=spec.interval_s, jitter=spec.jitter_s), args=spec.args,
                             id=job_id, replace_existing=True, name=job_id)
            self._specs[job_id] = spec

    def job_ids(self) -> set[str]:
        return set(self._specs)

    async def stop(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)
        self._specs.clear()
        if self.leading:
            self.leading = False
            await asyncio.to_thread(self.lock.release)


async def scheduler_lifespan():
    """Reflex lifespan task: run the scheduler for the life of the backend (unless disabled)."""
    if not get_settings().scheduler_enabled:
        log.info("scheduler disabled (WOMS_SCHEDULER_ENABLED=false)")
        return
    scheduler = WomsScheduler()
    await scheduler.start()
    try:
        await asyncio.Event().wait()  # until the backend stops (the task is cancelled)
    finally:
        await scheduler.stop()
