"""Vendor sync: plants, telemetry and alerts of one vendor account, recorded as a ``sync_runs`` row.

Flow (DESIGN.md §5): the adapter from ``VendorManager.for_vendor`` returns normalized records; this
module upserts them idempotently (plants by (vendor, external id), readings by (plant, ts), alerts by
(vendor, external id)), updates plant metrics, records the run and publishes to the change feed.

Failure isolation: each plant's telemetry is fetched and committed on its own, so one plant's failure
never loses or blocks the others. Run status: ``succeeded``; ``failed`` = an expected vendor error
(auth, rate limit, outage, bad response) for the vendor or any plant; ``errored`` = a bug (traceback
kept) or a cancelled run. An auth failure marks the vendor NEEDS_CREDENTIALS (the scheduler skips it
until its credentials are edited). Vendor state changes are logged once, not per poll.

Exclusivity: at most one running run per vendor (also across processes): the run row is inserted and
the others checked in one transaction (serialized by SQLite's write lock or a PostgreSQL advisory lock).
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
import traceback as tb_mod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

import httpx
import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.db import SYSTEM_CONTEXT, db_context, main_session, telemetry_session
from woms_app.core.errors import Conflict, NotFound
from woms_app.models.enums import SyncKind, SyncStatus, SyncTrigger, VendorStatus
from woms_app.models.ops import SyncRun
from woms_app.models.org import Organization
from woms_app.models.plant import Plant
from woms_app.models.vendor import Vendor
from woms_app.services import audit
from woms_app.services.alert_sync import AlertCounts, apply_alerts
from woms_app.services.telemetry import (last_reading_times, refresh_power_buckets, update_plant_metrics,
                                         upsert_readings)
from woms_app.services.viewer import MAX_ID, SYSTEM, Viewer, get_scoped, require_write_org
from woms_app.vendors import VendorAuthError, VendorError, VendorManager

log = logging.getLogger(__name__)

BACKFILL = timedelta(hours=24)  # telemetry history fetched for a plant without recent readings
ALERT_LOOKBACK = timedelta(hours=48)
MAX_ALERT_LOOKBACK = timedelta(days=30)
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


ProgressCallback = Callable[[SyncProgress], Awaitable[None] | None]


class _Bug(Exception):
    """Wraps an unexpected exception so the run is recorded as errored with its traceback."""


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


def _start_run(vendor_id: int, viewer: Viewer, trigger: SyncTrigger, kind: SyncKind) -> tuple[int, Vendor]:
    now = utcnow()
    if not isinstance(vendor_id, int) or isinstance(vendor_id, bool) or not 0 < vendor_id <= MAX_ID:
        raise NotFound("Vendor not found")  # before the lock: its key is an int4 (any id we can hold fits)
    with main_session(viewer.db_context) as session:  # the viewer's own rights decide whether it may start
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("SELECT pg_advisory_xact_lock(7301, :v)"), {"v": int(vendor_id)})
        vendor = get_scoped(session, viewer, Vendor, vendor_id, "Vendor")
        require_write_org(viewer, vendor.org_id)
        # abandoned runs (a process died mid-run) are closed so they stop blocking
        session.execute(sa.update(SyncRun).where(SyncRun.vendor_id == vendor_id, SyncRun.status == SyncStatus.RUNNING,
                                                 SyncRun.started_at <= now - STALE_RUN)
                        .values(status=SyncStatus.ERRORED, finished_at=now, error="abandoned (the process running it stopped)"))
        run = SyncRun(vendor_id=vendor_id, org_id=vendor.org_id, kind=kind, trigger=trigger,
                      triggered_by=viewer.account_id, started_at=now)
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
        return run.id, vendor


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
                vendor_status: VendorStatus | None, started: float) -> None:
    now = utcnow()
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    with main_session() as session:
        run = session.get(SyncRun, run_id)
        run.status = result.status
        run.plants_total, run.plants_done, run.plants_failed = result.plants_total, result.plants_done, result.plants_failed
        run.readings_upserted = result.readings_upserted
        run.alerts_upserted = result.alerts.new + result.alerts.updated + result.alerts.resolved
        run.error = (result.error or None) and result.error[:ERROR_MAX]
        run.traceback = traceback_text
        run.finished_at = now
        run.duration_ms = result.duration_ms
        session.add(run)
        if vendor_status is not None:
            _set_vendor_state(session, vendor, vendor_status, result.error, result.plants_done > 0, now)
        feed.publish_after_commit(session, vendor.org_id, feed.SYNC)


# ---------------------------------------------------------------- plants
def _clean_coord(v: float | None, bound: float) -> float | None:
    return v if v is not None and -bound <= v <= bound else None


def upsert_plants(session: Session, vendor: Vendor, plants: list, now: datetime) -> tuple[list[Plant], bool]:
    """Insert new plants, update changed ones. Returns (the vendor's listed plants, anything changed)."""
    existing = {p.external_id: p for p in session.exec(select(Plant).where(Plant.vendor_id == vendor.id)).all()}
    changed = False
    out = []
    for np in plants:
        ext = str(np.external_id)[:80]
        values: dict[str, Any] = {
            "name": (np.name or ext)[:200],
            "latitude": _clean_coord(np.latitude, 90), "longitude": _clean_coord(np.longitude, 180),
            "altitude_m": np.altitude_m, "tilt_deg": np.tilt_deg, "azimuth_deg": np.azimuth_deg,
            "timezone": (np.timezone or "UTC")[:64], "has_irradiance_sensor": bool(np.has_irradiance_sensor),
        }
        if np.capacity_kw is not None and np.capacity_kw >= 0:
            values["capacity_kw"] = float(np.capacity_kw)
        plant = existing.get(ext)
        if plant is None:
            plant = Plant(org_id=vendor.org_id, vendor_id=vendor.id, external_id=ext, created_at=now, updated_at=now,
                          **values)
            session.add(plant)
            changed = True
        else:
            diff = {k: v for k, v in values.items() if getattr(plant, k) != v}
            if diff:
                for k, v in diff.items():
                    setattr(plant, k, v)
                plant.updated_at = now
                session.add(plant)
                changed = True
        out.append(plant)
    session.flush()
    if changed:
        feed.publish_after_commit(session, vendor.org_id, feed.PLANTS)
    return out, changed


def _store_plants(vendor: Vendor, listed: list, now: datetime) -> list[Plant]:
    with main_session() as session:
        plants, _ = upsert_plants(session, vendor, listed, now)
        for p in plants:
            session.expunge(p)
    return plants


def _vendor_plants(vendor_id: int) -> list[Plant]:
    with main_session() as session:
        plants = session.exec(select(Plant).where(Plant.vendor_id == vendor_id).order_by(Plant.id)).all()
        for p in plants:
            session.expunge(p)
    return list(plants)


# ---------------------------------------------------------------- telemetry
def _telemetry_starts(plants: list[Plant], now: datetime) -> dict[int, datetime]:
    with telemetry_session() as ts:
        last = last_reading_times(ts, [p.id for p in plants])
    floor = now - BACKFILL
    return {p.id: max(last[p.id], floor) if p.id in last else floor for p in plants}


def _store_readings(plant: Plant, readings: list, now: datetime) -> int:
    with telemetry_session() as ts:
        n = upsert_readings(ts, plant.id, plant.org_id, readings)
        if n:
            instants = [r.ts for r in readings]
            refresh_power_buckets(ts, plant.id, plant.org_id, min(instants), max(instants))
    with telemetry_session() as ts, main_session() as session:
        row = session.get(Plant, plant.id)
        update_plant_metrics(session, ts, [row], now)
        feed.publish_after_commit(session, plant.org_id, feed.METRICS)
    return n


def _store_alerts(vendor: Vendor, plants: list[Plant], alerts: list, now: datetime) -> AlertCounts:
    with main_session() as session:
        rows = session.exec(select(Plant).where(Plant.id.in_([p.id for p in plants]))).all()
        return apply_alerts(session, vendor, {p.external_id: p for p in rows}, alerts, now)


def _alert_since(vendor_id: int, now: datetime) -> datetime:
    from woms_app.models.alert import Alert
    from woms_app.models.enums import AlertStatus

    with main_session() as session:
        oldest_active = session.exec(select(sa.func.min(Alert.started_at)).where(
            Alert.vendor_id == vendor_id, Alert.status == AlertStatus.ACTIVE)).one()
    since = now - ALERT_LOOKBACK
    if oldest_active is not None:
        from woms_app.services.telemetry import _as_utc

        since = min(since, max(_as_utc(oldest_active), now - MAX_ALERT_LOOKBACK))
    return since


def _short(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, VendorError) else f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------- the run
async def sync_vendor(vendor_id: int, *, viewer: Viewer = SYSTEM, trigger: SyncTrigger = SyncTrigger.SCHEDULE,
                      kind: SyncKind = SyncKind.FULL, progress: ProgressCallback | None = None,
                      client: httpx.AsyncClient | None = None, adapter_options: dict | None = None) -> SyncResult:
    """Sync one vendor (scoped to ``viewer``: ORG accounts only their own vendors, GOVT never).

    ``kind``: FULL (plants, telemetry, alerts), TELEMETRY (plants + telemetry) or ALERTS.
    Raises NotFound / Forbidden / Conflict (already running) before anything starts; vendor
    problems never raise: they are recorded on the returned result and the sync_runs row.
    Once the viewer is authorized, the run's database work acts as the system (row-level security).
    """
    with db_context(SYSTEM_CONTEXT):
        return await _sync_vendor(vendor_id, viewer=viewer, trigger=trigger, kind=kind, progress=progress,
                                  client=client, adapter_options=adapter_options)


async def _sync_vendor(vendor_id: int, *, viewer: Viewer, trigger: SyncTrigger, kind: SyncKind,
                       progress: ProgressCallback | None, client: httpx.AsyncClient | None,
                       adapter_options: dict | None) -> SyncResult:
    started = time.perf_counter()
    run_id, vendor = await asyncio.to_thread(_start_run, vendor_id, viewer, trigger, kind)
    now = utcnow()
    result = SyncResult(run_id=run_id, vendor_id=vendor_id, status=SyncStatus.RUNNING)
    db_lock = asyncio.Lock()  # one writer per run: plants finishing together queue up instead of contending
    last_progress = 0.0

    async def report(stage: str, force: bool = False) -> None:
        nonlocal last_progress
        if progress is not None:
            out = progress(SyncProgress(run_id, vendor_id, result.plants_total, result.plants_done,
                                        result.plants_failed, stage))
            if inspect.isawaitable(out):
                await out
        if force or time.monotonic() - last_progress >= PROGRESS_EVERY_S:
            last_progress = time.monotonic()
            async with db_lock:
                await asyncio.to_thread(_progress_row, run_id, result.plants_total, result.plants_done,
                                        result.plants_failed, result.readings_upserted)

    tb_text: str | None = None
    vendor_status: VendorStatus | None = None
    adapter = None
    try:
        try:
            adapter = VendorManager.for_vendor(vendor, client=client, **(adapter_options or {}))
            if kind in (SyncKind.FULL, SyncKind.TELEMETRY, SyncKind.PLANTS):
                await report("plants")
                listed = await adapter.list_plants()
                async with db_lock:
                    plants = await asyncio.to_thread(_store_plants, vendor, listed, now)
            else:
                plants = await asyncio.to_thread(_vendor_plants, vendor_id)
            result.plants_total = len(plants)
            await report("telemetry", force=True)

            if kind in (SyncKind.FULL, SyncKind.TELEMETRY) and plants:
                starts = await asyncio.to_thread(_telemetry_starts, plants, now)
                sem = asyncio.Semaphore(max(1, int(vendor.max_concurrency)))

                async def one(plant: Plant) -> None:
                    try:
                        async with sem:
                            readings = await adapter.get_telemetry(plant, starts[plant.id], now)
                        async with db_lock:
                            n = await asyncio.to_thread(_store_readings, plant, readings, now)
                    except VendorAuthError:
                        raise  # the whole account is refused: stop the run
                    except VendorError as exc:
                        result.plants_failed += 1
                        result.outcomes.append(PlantOutcome(plant.id, plant.name, False, error=_short(exc)))
                    except Exception as exc:
                        result.plants_failed += 1
                        result.outcomes.append(PlantOutcome(plant.id, plant.name, False, error=_short(exc)))
                        raise _Bug(f"plant {plant.id}: {_short(exc)}") from exc
                    else:
                        result.plants_done += 1
                        result.readings_upserted += n
                        result.outcomes.append(PlantOutcome(plant.id, plant.name, True, readings=n))
                    await report("telemetry", force=result.plants_done + result.plants_failed == result.plants_total)

                outcomes = await asyncio.gather(*(one(p) for p in plants), return_exceptions=True)
                for o in outcomes:
                    if isinstance(o, VendorAuthError):
                        raise o
                bugs = [o for o in outcomes if isinstance(o, _Bug)]
                if bugs:
                    tb_text = "".join(tb_mod.format_exception(bugs[0].__cause__ or bugs[0]))[-20000:]
                others = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, (_Bug, VendorError))]
                if others:
                    raise others[0]
            elif kind == SyncKind.ALERTS:
                result.plants_done = len(plants)

            if kind in (SyncKind.FULL, SyncKind.ALERTS) and plants:
                await report("alerts")
                since = await asyncio.to_thread(_alert_since, vendor_id, now)
                try:
                    alerts = await adapter.get_alerts(plants, since)
                except VendorAuthError:
                    raise
                except VendorError as exc:
                    result.error = f"alerts: {_short(exc)}"
                else:
                    async with db_lock:
                        result.alerts = await asyncio.to_thread(_store_alerts, vendor, plants, alerts, now)

            failed = [o for o in result.outcomes if not o.ok]
            if tb_text is not None:
                result.status = SyncStatus.ERRORED
            elif failed or result.error:
                result.status = SyncStatus.FAILED
            else:
                result.status = SyncStatus.SUCCEEDED
            if failed:
                head = "; ".join(f"{o.name}: {o.error}" for o in failed[:5])
                more = f" (+{len(failed) - 5} more)" if len(failed) > 5 else ""
                msg = f"{len(failed)} of {result.plants_total} plants failed: {head}{more}"
                result.error = f"{msg}; {result.error}" if result.error else msg
            vendor_status = {SyncStatus.SUCCEEDED: VendorStatus.ACTIVE, SyncStatus.FAILED: VendorStatus.FAILING,
                             SyncStatus.ERRORED: None}[result.status]
        except VendorAuthError as exc:
            result.status, result.error = SyncStatus.FAILED, f"Credentials rejected: {_short(exc)}"
            vendor_status = VendorStatus.NEEDS_CREDENTIALS
        except VendorError as exc:
            result.status, result.error = SyncStatus.FAILED, _short(exc)
            vendor_status = VendorStatus.FAILING
        except Exception as exc:  # a bug: keep the traceback
            result.status, result.error = SyncStatus.ERRORED, _short(exc)
            tb_text = tb_mod.format_exc()[-20000:]
            log.exception("sync of vendor %s errored", vendor_id)
    except asyncio.CancelledError:
        result.status, result.error = SyncStatus.ERRORED, "cancelled before it finished"
        _finish_run(run_id, vendor, result, None, None, started)
        raise
    finally:
        if adapter is not None:
            try:
                await asyncio.shield(adapter.aclose())
            except Exception:  # closing never hides the outcome
                pass
    await asyncio.to_thread(_finish_run, run_id, vendor, result, tb_text, vendor_status, started)
    await report("done")
    return result


# ---------------------------------------------------------------- selection for the scheduler
SCHEDULABLE = (VendorStatus.ACTIVE, VendorStatus.FAILING)


def schedulable_vendors(session: Session) -> list[Vendor]:
    """Vendors the scheduler syncs: of organizations with auto-sync on, not paused / needing credentials."""
    return list(session.exec(select(Vendor).join(Organization, Organization.id == Vendor.org_id)
                             .where(Organization.auto_sync_enabled, Vendor.status.in_(SCHEDULABLE))
                             .order_by(Vendor.id)).all())


async def sync_all(trigger: SyncTrigger = SyncTrigger.SCHEDULE, kind: SyncKind = SyncKind.FULL,
                   **kwargs: Any) -> list[SyncResult]:
    """Sync every schedulable vendor, concurrently (each within its own request budget)."""
    with main_session(SYSTEM_CONTEXT) as session:
        ids = [v.id for v in schedulable_vendors(session)]

    async def one(vid: int) -> SyncResult | None:
        try:
            return await sync_vendor(vid, trigger=trigger, kind=kind, **kwargs)
        except Conflict:
            return None

    results = await asyncio.gather(*(one(v) for v in ids))
    return [r for r in results if r is not None]
