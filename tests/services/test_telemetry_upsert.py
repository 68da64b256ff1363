"""The fast upsert path (straight to the driver) and the ORM agree on what a reading's key is: a row written by one
is found, updated and never duplicated by the other (on SQLite both must write the instant as the same text)."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import func, select

from tests.conftest import BOTH_DATABASES
from woms_app.core.db import SYSTEM_CONTEXT, telemetry_session
from woms_app.models.telemetry import TelemetryReading
from woms_app.services.telemetry import upsert_readings
from woms_app.vendors.base import Reading

INSTANTS = (datetime(2026, 3, 1, 0, 5, tzinfo=UTC), datetime(2026, 3, 1, 0, 10, 7, 123456, tzinfo=UTC))


def _count() -> int:
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        return tel.exec(select(func.count()).select_from(TelemetryReading)).one()


@BOTH_DATABASES
def test_fast_upsert_and_orm_share_one_key_per_instant(db):
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        assert upsert_readings(tel, 7, 1, [Reading(ts=t, generation_power_kw=1.5) for t in INSTANTS]) == 2
    with telemetry_session(SYSTEM_CONTEXT) as tel:  # the ORM finds each row by the instant it was written with
        for t in INSTANTS:
            row = tel.exec(select(TelemetryReading).where(TelemetryReading.plant_id == 7,
                                                          TelemetryReading.ts == t)).one()
            assert row.generation_power_kw == 1.5 and row.ts == t
            assert tel.get(TelemetryReading, (7, t)) is not None
        # an ORM write of the same key updates the row the fast path wrote
        tel.merge(TelemetryReading(plant_id=7, ts=INSTANTS[1], org_id=1, generation_power_kw=2.0))
    assert _count() == 2
    with telemetry_session(SYSTEM_CONTEXT) as tel:  # and the fast path updates the row the ORM wrote
        upsert_readings(tel, 7, 1, [Reading(ts=INSTANTS[1], generation_power_kw=3.25)])
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        assert tel.get(TelemetryReading, (7, INSTANTS[1])).generation_power_kw == 3.25
    assert _count() == 2
