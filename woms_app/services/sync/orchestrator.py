"""A vendor's sync run, as its stages: plants → telemetry → alerts → classify (each a ``stage_*`` module), inside
the run's lifecycle (``run``: the ``sync_runs`` row, progress, the finish). ``planned_sync`` is the scheduler's
tick: only the parts the vendor's plan says are due.

Errors (the orchestrator's, for every stage): an expected vendor error (``VendorError``) fails the run and the
vendor (``FAILING``); a refused login (``VendorAuthError``) fails it and marks the vendor ``NEEDS_CREDENTIALS``
(the scheduler skips it until its credentials are edited); anything else is a bug: the run is errored with its
traceback and the vendor's state is left as it was. A cancelled run is recorded as errored, then re-raised. The
adapter is closed whatever happened (closing never hides the outcome).
"""
from __future__ import annotations

import asyncio
import logging
import time
import traceback as tb_mod
from datetime import datetime
from typing import Any

import httpx
from sqlmodel import select

from woms_app.core.clock import utcnow
from woms_app.core.db import SYSTEM_CONTEXT, db_context, main_session
from woms_app.core.errors import NotFound
from woms_app.models.enums import SyncKind, SyncStatus, SyncTrigger, VendorStatus
from woms_app.models.plant import Plant
from woms_app.models.vendor import Vendor
from woms_app.services import quota
from woms_app.services.adapters import adapter_for
from woms_app.services.sync.allowance import RunShape, _locations, run_shape, vendor_plan
from woms_app.services.sync.run import (
    ProgressCallback,
    RunProgress,
    RunState,
    SyncResult,
    _finish_run,
    _short,
    _start_run,
)
from woms_app.services.sync.stage_alerts import sync_alerts
from woms_app.services.sync.stage_classify import classify
from woms_app.services.sync.stage_plants import sync_plants
from woms_app.services.sync.stage_telemetry import sync_telemetry
from woms_app.services.viewer import SYSTEM, Viewer
from woms_app.vendors import VendorAuthError, VendorError
from woms_app.vendors.metering import meter

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- the run
async def sync_vendor(vendor_id: int, *, viewer: Viewer = SYSTEM, trigger: SyncTrigger = SyncTrigger.SCHEDULE,
                      kind: SyncKind = SyncKind.FULL, progress: ProgressCallback | None = None,
                      client: httpx.AsyncClient | None = None, adapter_options: dict | None = None,
                      lists: bool | None = None, power: bool = False, frames: bool | None = None) -> SyncResult:
    """Sync one vendor (scoped to ``viewer``: ORG accounts only their own vendors, GOVT never).

    ``kind``: FULL (plants, telemetry, alerts), TELEMETRY (plants + telemetry) or ALERTS. The planner's parts
    (``planned_sync``): ``lists`` False skips the plant/device lists, ``power`` polls the fleet-wide realtime
    power, ``frames`` False skips the 5-minute history. A run that would overspend the vendor's allowance is
    not started: the returned result (``refused``) and its sync_runs row (failed) give the reason.
    Raises NotFound / Forbidden / Conflict (already running) before anything starts; vendor
    problems never raise: they are recorded on the returned result and the sync_runs row.
    Once the viewer is authorized, the run's database work acts as the system (row-level security).
    """
    with db_context(SYSTEM_CONTEXT):
        with meter() as calls:
            return await _sync_vendor(vendor_id, viewer=viewer, trigger=trigger, kind=kind, progress=progress,
                                      client=client, adapter_options=adapter_options,
                                      shape=run_shape(kind, lists, power, frames), calls=calls)


async def _sync_vendor(vendor_id: int, *, viewer: Viewer, trigger: SyncTrigger, kind: SyncKind,
                       progress: ProgressCallback | None, client: httpx.AsyncClient | None,
                       adapter_options: dict | None, shape: RunShape, calls) -> SyncResult:
    started = time.perf_counter()
    run_id, vendor, refused = await asyncio.to_thread(_start_run, vendor_id, viewer, trigger, kind, shape)
    now = utcnow()
    if refused is not None:
        return SyncResult(run_id=run_id, vendor_id=vendor_id, status=SyncStatus.FAILED, error=refused, refused=True)
    result = SyncResult(run_id=run_id, vendor_id=vendor_id, status=SyncStatus.RUNNING)
    db_lock = asyncio.Lock()  # one writer per run: plants finishing together queue up instead of contending
    run = RunState(vendor=vendor, kind=kind, shape=shape, now=now, result=result, db_lock=db_lock,
                   progress=RunProgress(result, progress, db_lock))
    vendor_status: VendorStatus | None = None
    try:
        try:
            run.adapter = adapter_for(vendor, client=client, **(adapter_options or {}))
            await sync_plants(run)
            await sync_telemetry(run)
            await sync_alerts(run)
            vendor_status = await classify(run)
        except VendorAuthError as exc:
            result.status, result.error = SyncStatus.FAILED, f"Credentials rejected: {_short(exc)}"
            vendor_status = VendorStatus.NEEDS_CREDENTIALS
        except VendorError as exc:
            result.status, result.error = SyncStatus.FAILED, _short(exc)
            vendor_status = VendorStatus.FAILING
        except Exception as exc:  # a bug: keep the traceback
            result.status, result.error = SyncStatus.ERRORED, _short(exc)
            run.tb_text = tb_mod.format_exc()[-20000:]
            log.exception("sync of vendor %s errored", vendor_id)
    except asyncio.CancelledError:
        result.status, result.error = SyncStatus.ERRORED, "cancelled before it finished"
        result.vendor_calls = calls.calls
        _finish_run(run_id, vendor, result, None, None, started)
        raise
    finally:
        if run.adapter is not None:
            try:
                await asyncio.shield(run.adapter.aclose())
            except Exception:  # closing never hides the outcome
                pass
    result.vendor_calls = calls.calls
    await asyncio.to_thread(lambda: _finish_run(run_id, vendor, result, run.tb_text, vendor_status, started,
                                                reported=run.reported, shape=shape, ok_parts=run.ok_parts))
    await run.report("done")
    return result


# ---------------------------------------------------------------- the planned cycle (the scheduler's tick)
def _plan_inputs(vendor_id: int, now: datetime):
    with main_session(SYSTEM_CONTEXT) as session:
        vendor = session.get(Vendor, vendor_id)
        if vendor is None:
            return None
        plants = list(session.exec(select(Plant).where(Plant.vendor_id == vendor_id)).all())
        allowance, plan = vendor_plan(vendor, plants, now)
        markers = quota.Markers(power_at=vendor.power_polled_at, frames_at=vendor.frames_synced_at,
                                lists_at=vendor.lists_refreshed_at)
        has_realtime = quota.costs_for(vendor.vendor_type).realtime_page > 0
        return plan, markers, _locations(plants), has_realtime, bool(plants)


async def planned_sync(vendor_id: int, *, trigger: SyncTrigger = SyncTrigger.SCHEDULE, **kwargs: Any
                       ) -> SyncResult | None:
    """One scheduler tick of a vendor: only the work the plan says is due (None = nothing due, no run)."""
    now = utcnow()
    got = await asyncio.to_thread(_plan_inputs, vendor_id, now)
    if got is None:
        raise NotFound("Vendor not found")
    plan, markers, locations, has_realtime, any_plants = got
    work = quota.due_work(plan, markers, now, locations)
    lists = work.lists or not any_plants
    if not (work.any or lists):
        return None
    return await sync_vendor(vendor_id, trigger=trigger, kind=SyncKind.TELEMETRY, lists=lists,
                             power=work.power and has_realtime, frames=work.frames or (work.power and not has_realtime),
                             **kwargs)
