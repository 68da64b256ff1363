"""Stage 2 of a run, telemetry: the fleet-wide realtime power (one snapshot, a power-only reading per plant), then
the 5-minute frames of each plant since its last reading (at most ``BACKFILL`` back), upserted by (plant, ts).

Failure isolation: each plant's frames are fetched and committed on their own, so one plant's failure never loses
or blocks the others. A plant's vendor error fails that plant; a bug fails it too and errors the run (its
traceback kept); an auth failure stops the run (the whole account is refused).
"""
from __future__ import annotations

import asyncio
import traceback as tb_mod
from datetime import datetime, timedelta

from sqlmodel import select

from woms_app.core import feed
from woms_app.core.db import main_session, telemetry_session
from woms_app.models.enums import SyncKind
from woms_app.models.plant import Plant
from woms_app.services.sync.run import PlantOutcome, RunState, _Bug, _short
from woms_app.services.telemetry import last_reading_times, refresh_power_buckets, update_plant_metrics, upsert_readings
from woms_app.vendors import VendorAuthError, VendorBadResponse, VendorError

BACKFILL = timedelta(hours=24)  # telemetry history fetched for a plant without recent readings


async def sync_telemetry(run: RunState) -> None:
    vendor, shape, plants, now = run.vendor, run.shape, run.plants, run.now
    await run.report("telemetry", force=True)
    if shape.frames and plants:  # before any power reading of this run is stored
        frames_at = vendor.frames_synced_at
        if frames_at is None and vendor.power_polled_at is not None:
            frames_at = now - BACKFILL  # power-only readings exist: they say nothing about the frames
        starts = await asyncio.to_thread(_telemetry_starts, plants, now, frames_at)

    if shape.power and plants and hasattr(run.adapter, "get_fleet_power"):
        await _power(run)

    if shape.frames and plants:
        await _frames(run, starts)
    elif run.kind == SyncKind.ALERTS:
        run.result.plants_done = len(plants)


async def _power(run: RunState) -> None:
    """The fleet-wide realtime power (adapters with ``get_fleet_power``)."""
    snapshot = await run.adapter.get_fleet_power(run.plants)
    async with run.db_lock:
        await asyncio.to_thread(_store_power, run.plants, snapshot, run.now)
    run.ok_parts.add("power")
    if not run.shape.frames:
        run.result.plants_done = sum(1 for p in run.plants if p.external_id in snapshot)


async def _frames(run: RunState, starts: dict[int, datetime]) -> None:
    """The 5-minute frames of every plant, each plant on its own (see the module's docstring)."""
    vendor, adapter, plants, zone_errors, result, now = (run.vendor, run.adapter, run.plants, run.zone_errors,
                                                         run.result, run.now)
    sem = asyncio.Semaphore(max(1, int(vendor.max_concurrency)))
    # a plant whose zone the vendor gives in a form we cannot read is not synced in a guessed zone
    fetch = [p for p in plants if p.external_id not in zone_errors]
    many = getattr(adapter, "get_telemetry_many", None)  # adapters that batch plants per call
    fetched = await many(fetch, {p.external_id: starts[p.id] for p in fetch}, now) if many else {}

    async def one(plant: Plant) -> None:
        try:
            if plant.external_id in zone_errors:
                raise VendorBadResponse(zone_errors[plant.external_id], vendor=vendor.vendor_type)
            if many is not None:
                readings = fetched.get(plant.external_id, [])
                if isinstance(readings, BaseException):
                    raise readings
            else:
                async with sem:
                    readings = await adapter.get_telemetry(plant, starts[plant.id], now)
            async with run.db_lock:
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
        await run.report("telemetry", force=result.plants_done + result.plants_failed == result.plants_total)

    outcomes = await asyncio.gather(*(one(p) for p in plants), return_exceptions=True)
    for o in outcomes:
        if isinstance(o, VendorAuthError):
            raise o
    bugs = [o for o in outcomes if isinstance(o, _Bug)]
    if bugs:
        run.tb_text = "".join(tb_mod.format_exception(bugs[0].__cause__ or bugs[0]))[-20000:]
    others = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, (_Bug, VendorError))]
    if others:
        raise others[0]
    if result.plants_failed == 0:
        run.ok_parts.add("frames")


def _telemetry_starts(plants: list[Plant], now: datetime, frames_at: datetime | None = None) -> dict[int, datetime]:
    """Where each plant's frames resume: its last reading, but never after the last frame catch-up
    (``frames_at``): realtime power readings in between must not hide the frames still to fetch."""
    with telemetry_session() as ts:
        last = last_reading_times(ts, [p.id for p in plants])
    floor = now - BACKFILL
    out = {}
    for p in plants:
        start = last.get(p.id, floor)
        if frames_at is not None:
            start = min(start, frames_at)
        out[p.id] = max(start, floor)
    return out


def _store_power(plants: list[Plant], snapshot: dict, now: datetime) -> int:
    """Store the fleet-wide realtime power (one power-only reading per plant) and refresh the plants' metrics."""
    n = 0
    by_ext = {p.external_id: p for p in plants}
    touched = []
    with telemetry_session() as ts:
        for ext, reading in snapshot.items():
            plant = by_ext.get(ext)
            if plant is None or reading.ts > now + timedelta(minutes=5):
                continue
            n += upsert_readings(ts, plant.id, plant.org_id, [reading])
            refresh_power_buckets(ts, plant.id, plant.org_id, reading.ts, reading.ts)
            touched.append(plant.id)
    if touched:
        with telemetry_session() as ts, main_session() as session:
            rows = session.exec(select(Plant).where(Plant.id.in_(touched))).all()
            update_plant_metrics(session, ts, list(rows), now)
            for org_id in {r.org_id for r in rows}:
                feed.publish_after_commit(session, org_id, feed.METRICS)
    return n


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
