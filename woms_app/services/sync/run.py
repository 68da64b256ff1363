"""The sync-run lifecycle: a run's ``sync_runs`` row from start to finish, its progress, and what a run carries
from stage to stage.

* ``_start_run`` authorizes the viewer, closes abandoned runs, refuses a run that would overspend the allowance
  and inserts the running row, checking the vendor's other runs in the same transaction (serialized by SQLite's
  write lock or a PostgreSQL advisory lock): at most one running run per vendor, also across processes;
* ``RunProgress.report`` tells the caller's progress callback at every step, and writes the counts on the row
  (then the change feed's ``sync`` topic) at most every ``PROGRESS_EVERY_S``, or when forced;
* ``_finish_run`` records the outcome, the run's vendor calls (``allowance._record_calls``) and the vendor's
  state (``ACTIVE`` / ``FAILING`` / ``NEEDS_CREDENTIALS``, each change logged once, not per poll).
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.db import main_session
from woms_app.core.errors import Conflict, NotFound
from woms_app.models.enums import SyncKind, SyncStatus, SyncTrigger, VendorStatus
from woms_app.models.ops import SyncRun
from woms_app.models.plant import Plant
from woms_app.models.vendor import Vendor
from woms_app.services import audit, quota
from woms_app.services.alert_sync import AlertCounts
from woms_app.services.sync.allowance import RunShape, _count_plants, _record_calls, run_shape, vendor_allowance
from woms_app.services.viewer import MAX_ID, Viewer, get_scoped, require_manager, require_write_org
from woms_app.vendors import VendorError
from woms_app.vendors.metering import VendorAllowance

log = logging.getLogger(__name__)

STALE_RUN = timedelta(minutes=30)  # a "running" row older than this was abandoned by a dead process
PROGRESS_EVERY_S = 0.5  # progress rows/feed at most this often (plus the last plant)
ERROR_MAX = 2000


@dataclass
class PlantOutcome:
    plant_id: int
    name: str
    ok: bool
    readings: int = 0
    error: str = ""


@dataclass
class SyncProgress:
    run_id: int
    vendor_id: int
    plants_total: int
    plants_done: int
    plants_failed: int
    stage: str  # plants | telemetry | alerts | done


@dataclass
class SyncResult:
    run_id: int
    vendor_id: int
    status: SyncStatus
    plants_total: int = 0
    plants_done: int = 0
    plants_failed: int = 0
    readings_upserted: int = 0
    alerts: AlertCounts = field(default_factory=AlertCounts)
    error: str | None = None
    duration_ms: int = 0
    outcomes: list[PlantOutcome] = field(default_factory=list)
    vendor_calls: int = 0  # requests sent to the vendor by this run
    refused: bool = False  # not started: it would overspend the allowance (``error`` says why)


ProgressCallback = Callable[[SyncProgress], Awaitable[None] | None]


class _Bug(Exception):
    """Wraps an unexpected exception so the run is recorded as errored with its traceback."""


def _short(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, VendorError) else f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------- run rows
def running_run(session: Session, vendor_id: int, now: datetime | None = None) -> SyncRun | None:
    """The vendor's live running run (abandoned ones, older than STALE_RUN, do not count)."""
    now = now or utcnow()
    return session.exec(select(SyncRun).where(SyncRun.vendor_id == vendor_id, SyncRun.status == SyncStatus.RUNNING,
                                              SyncRun.started_at > now - STALE_RUN)
                        .order_by(SyncRun.id)).first()


def last_run(session: Session, vendor_id: int) -> SyncRun | None:
    return session.exec(select(SyncRun).where(SyncRun.vendor_id == vendor_id)
                        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())).first()


def _start_run(vendor_id: int, viewer: Viewer, trigger: SyncTrigger, kind: SyncKind,
               shape: RunShape | None = None) -> tuple[int, Vendor, str | None]:
    now = utcnow()
    if not isinstance(vendor_id, int) or isinstance(vendor_id, bool) or not 0 < vendor_id <= MAX_ID:
        raise NotFound("Vendor not found")  # before the lock: its key is an int4 (any id we can hold fits)
    with main_session(viewer.db_context) as session:  # the viewer's own rights decide whether it may start
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("SELECT pg_advisory_xact_lock(7301, :v)"), {"v": int(vendor_id)})
        vendor = get_scoped(session, viewer, Vendor, vendor_id, "Vendor")
        require_write_org(viewer, vendor.org_id)
        # a sync spends the vendor's call allowance: a manager's decision (the scheduler acts as the system)
        require_manager(viewer, "start a vendor sync")
        # abandoned runs (a process died mid-run) are closed so they stop blocking
        session.execute(sa.update(SyncRun).where(SyncRun.vendor_id == vendor_id, SyncRun.status == SyncStatus.RUNNING,
                                                 SyncRun.started_at <= now - STALE_RUN)
                        .values(status=SyncStatus.ERRORED, finished_at=now,
                                error="abandoned (the process running it stopped)"))
        run = SyncRun(vendor_id=vendor_id, org_id=vendor.org_id, kind=kind, trigger=trigger,
                      triggered_by=viewer.account_id, started_at=now)
        shape = shape or run_shape(kind)
        refused = quota.refusal(vendor_allowance(vendor, now), quota.run_cost(
            quota.costs_for(vendor.vendor_type), _count_plants(session, vendor_id), lists=shape.lists,
            power=shape.power, frames=shape.frames, alerts=shape.alerts))
        if refused is not None:  # a run that would overspend the allowance is not started: the row says why
            run.status, run.error, run.finished_at, run.duration_ms = SyncStatus.FAILED, refused, now, 0
            session.add(run)
            session.flush()
            feed.publish_after_commit(session, vendor.org_id, feed.SYNC)
            session.expunge(vendor)
            log.info("vendor %s: %s", vendor_id, refused)
            return run.id, vendor, refused
        session.add(run)
        session.flush()
        other = session.exec(select(SyncRun.id).where(SyncRun.vendor_id == vendor_id, SyncRun.id != run.id,
                                                      SyncRun.status == SyncStatus.RUNNING)).first()
        if other is not None:
            session.rollback()
            raise Conflict(f"A sync of {vendor.name} is already running")
        if trigger in (SyncTrigger.MANUAL, SyncTrigger.API):
            audit.record_write(session, viewer, "sync", "vendors", vendor.id, org_id=vendor.org_id,
                               detail=f"{kind.value} sync started")
        feed.publish_after_commit(session, vendor.org_id, feed.SYNC)
        session.flush()
        session.expunge(vendor)
        return run.id, vendor, None


def _progress_row(run_id: int, total: int, done: int, failed: int, readings: int) -> None:
    with main_session() as session:
        session.execute(sa.update(SyncRun).where(SyncRun.id == run_id).values(
            plants_total=total, plants_done=done, plants_failed=failed, readings_upserted=readings))
        org_id = session.get(SyncRun, run_id).org_id
        feed.publish_after_commit(session, org_id, feed.SYNC)


def _set_vendor_state(session: Session, vendor: Vendor, status: VendorStatus, error: str | None, synced: bool,
                      now: datetime) -> None:
    row = session.get(Vendor, vendor.id)
    if row is None:
        return
    before = row.status
    if before != status:
        if status == VendorStatus.ACTIVE:
            log.info("vendor %s (%s) recovered", row.id, row.name)
        elif status == VendorStatus.NEEDS_CREDENTIALS:
            log.warning("vendor %s (%s) needs credentials: %s", row.id, row.name, error)
        elif status == VendorStatus.FAILING:
            log.warning("vendor %s (%s) started failing: %s", row.id, row.name, error)
        row.status = status
        feed.publish_after_commit(session, row.org_id, feed.VENDORS)
    row.last_error = error
    if synced:
        row.last_sync_at = now
    row.updated_at = now
    session.add(row)


def _finish_run(run_id: int, vendor: Vendor, result: SyncResult, traceback_text: str | None,
                vendor_status: VendorStatus | None, started: float, *, reported: VendorAllowance | None = None,
                shape: RunShape | None = None, ok_parts: set[str] | frozenset = frozenset()) -> None:
    now = utcnow()
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    with main_session() as session:
        run = session.get(SyncRun, run_id)
        run.status = result.status
        run.plants_total, run.plants_done = result.plants_total, result.plants_done
        run.plants_failed = result.plants_failed
        run.readings_upserted = result.readings_upserted
        run.alerts_upserted = result.alerts.new + result.alerts.updated + result.alerts.resolved
        run.error = (result.error or None) and result.error[:ERROR_MAX]
        run.traceback = traceback_text
        run.finished_at = now
        run.duration_ms = result.duration_ms
        run.vendor_calls = result.vendor_calls
        session.add(run)
        _record_calls(session, vendor, result.vendor_calls, reported, now, shape, set(ok_parts))
        if vendor_status is not None:
            _set_vendor_state(session, vendor, vendor_status, result.error, result.plants_done > 0, now)
        feed.publish_after_commit(session, vendor.org_id, feed.SYNC)


# ---------------------------------------------------------------- progress and the stages' shared state
class RunProgress:
    """A run's progress: the caller's callback at every step, the row (and the feed) at most every
    ``PROGRESS_EVERY_S`` or when forced. The row is written under the run's database lock."""

    def __init__(self, result: SyncResult, callback: ProgressCallback | None, db_lock: asyncio.Lock) -> None:
        self.result, self.callback, self.db_lock = result, callback, db_lock
        self.last = 0.0

    async def report(self, stage: str, force: bool = False) -> None:
        result = self.result
        if self.callback is not None:
            out = self.callback(SyncProgress(result.run_id, result.vendor_id, result.plants_total,
                                             result.plants_done, result.plants_failed, stage))
            if inspect.isawaitable(out):
                await out
        if force or time.monotonic() - self.last >= PROGRESS_EVERY_S:
            self.last = time.monotonic()
            async with self.db_lock:
                await asyncio.to_thread(_progress_row, result.run_id, result.plants_total, result.plants_done,
                                        result.plants_failed, result.readings_upserted)


@dataclass
class RunState:
    """What one run carries from stage to stage (``orchestrator._sync_vendor`` builds it, each stage adds to it)."""

    vendor: Vendor
    kind: SyncKind
    shape: RunShape
    now: datetime
    result: SyncResult
    progress: RunProgress
    db_lock: asyncio.Lock  # one writer per run: plants finishing together queue up instead of contending
    adapter: Any = None
    plants: list[Plant] = field(default_factory=list)
    zone_errors: dict[str, str] = field(default_factory=dict)  # external id → why its zone could not be read
    ok_parts: set[str] = field(default_factory=set)  # lists | power | frames, done without failure
    tb_text: str | None = None  # the first bug's traceback
    reported: VendorAllowance | None = None  # the vendor's own allowance figure, when it was read

    async def report(self, stage: str, force: bool = False) -> None:
        await self.progress.report(stage, force)
