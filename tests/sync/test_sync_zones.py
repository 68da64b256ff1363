"""A plant whose vendor zone cannot be read is an error on that plant (stored, shown), never synced as UTC."""
from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from sqlmodel import select

from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.emulator.fleet import Fleet
from woms_app.models import Plant, SyncStatus, TelemetryReading
from woms_app.services.sync import sync_vendor

pytestmark = pytest.mark.asyncio


def set_zone(live, plant_id: int, tz_name: str) -> None:
    f = live.state.fleet
    plants = [dataclasses.replace(p, tz_name=tz_name) if (p.vendor, p.plant_id) == ("sungrow", plant_id) else p
              for p in f.plants]
    live.state.fleet = Fleet(seed=f.seed, accounts=f.accounts, plants=plants)


async def test_unreadable_zone_is_stored_on_the_plant_and_its_readings_wait(vendors, live):
    original = live.state.fleet
    try:
        r = await sync_vendor(vendors["sungrow"])
        assert r.status == SyncStatus.SUCCEEDED
        with main_session(SYSTEM_CONTEXT) as s:
            pune = s.exec(select(Plant).where(Plant.external_id == "1500003")).one()
            nepal = s.exec(select(Plant).where(Plant.external_id == "1500005")).one()
            assert (pune.timezone, pune.timezone_error) == ("Asia/Kolkata", None)  # "GMT+5.5", no longer UTC
            assert nepal.timezone == "Asia/Kathmandu"  # "GMT+5:45"
            pune_id = pune.id
        with telemetry_session(SYSTEM_CONTEXT) as t:
            before = t.exec(select(sa.func.count()).select_from(TelemetryReading)
                            .where(TelemetryReading.plant_id == pune_id)).one()
        set_zone(live, 1500003, "GMT+5.3")  # 5 h 18 min: no zone on earth
        r = await sync_vendor(vendors["sungrow"])
        assert r.status == SyncStatus.FAILED and r.plants_failed == 1 and r.plants_done == 4
        assert "Pune Auto Components" in r.error and "GMT+5.3" in r.error
        with main_session(SYSTEM_CONTEXT) as s:
            pune = s.get(Plant, pune_id)
            assert pune.timezone == "Asia/Kolkata"  # the zone it had is kept, not replaced by UTC
            assert "GMT+5.3" in pune.timezone_error and "no time zone uses" in pune.timezone_error
        with telemetry_session(SYSTEM_CONTEXT) as t:
            after = t.exec(select(sa.func.count()).select_from(TelemetryReading)
                           .where(TelemetryReading.plant_id == pune_id)).one()
        assert after == before  # nothing stored in a guessed zone
        live.state.fleet = original
        r = await sync_vendor(vendors["sungrow"])
        assert r.status == SyncStatus.SUCCEEDED
        with main_session(SYSTEM_CONTEXT) as s:
            assert s.get(Plant, pune_id).timezone_error is None  # cleared once readable again
    finally:
        live.state.fleet = original
