"""Retention: daily roll-ups equal the raw energy, 24 h of raw readings kept, idempotent, DST days."""
from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlmodel import select

from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.core.timezones import zone
from woms_app.models import Plant, PlantDailyEnergy, TelemetryReading, Vendor
from woms_app.services import retention
from woms_app.services.retention import run_retention
from woms_app.services.telemetry import day_aggregate, upsert_readings
from woms_app.services.viewer import SYSTEM


@pytest.fixture(autouse=True)
def _row_delete_retention(request):
    """These tests pin the row-by-row purge (SQLite). On PostgreSQL retention drops whole daily partitions once
    they are wholly older than the window, so readings stay up to 48 h: tests/pg/test_partition_retention.py
    covers that path (roll-up totals, idempotence, nothing lost)."""
    if "demo" in request.fixturenames or "vendors" in request.fixturenames:
        databases = request.getfixturevalue("fresh_databases")
        if databases.kind == "pg":
            pytest.skip("PostgreSQL retention drops whole partitions (tests/pg/test_partition_retention.py)")


def make_plant(tz: str) -> Plant:
    with main_session(SYSTEM_CONTEXT) as s:
        v = s.exec(select(Vendor)).first()
        p = Plant(org_id=v.org_id, vendor_id=v.id, external_id=f"x-{tz}", name=f"Plant {tz}", capacity_kw=100,
                  timezone=tz)
        s.add(p)
        s.flush()
        s.expunge(p)
        return p


def power_at(ts: datetime) -> float:
    return round(50 + 40 * math.sin(ts.timestamp() / 5000.0), 3)


def add_readings(plant: Plant, start: datetime, end: datetime, step=timedelta(minutes=5), power=power_at,
                 skip=lambda ts: False) -> int:
    rows, ts = [], start
    while ts < end:
        if not skip(ts):
            rows.append(SimpleNamespace(ts=ts, generation_power_kw=power(ts), voltage_v=230.0, current_a=1.0,
                                        module_temperature_c=20.0, irradiance_w_m2=None))
        ts += step
    with telemetry_session(SYSTEM_CONTEXT) as t:
        return upsert_readings(t, plant.id, plant.org_id, rows)


def raw_days(plant: Plant) -> dict[date, float]:
    tz = zone(plant.timezone)
    with telemetry_session(SYSTEM_CONTEXT) as t:
        stamps = t.exec(select(TelemetryReading.ts).where(TelemetryReading.plant_id == plant.id)).all()
        days = sorted({ts.astimezone(tz).date() for ts in stamps})
        return {d: day_aggregate(t, plant.id, d, tz).energy_kwh for d in days}


def rollups(plant: Plant) -> dict[date, PlantDailyEnergy]:
    with telemetry_session(SYSTEM_CONTEXT) as t:
        return {r.day: r for r in t.exec(select(PlantDailyEnergy).where(PlantDailyEnergy.plant_id == plant.id)).all()}


def stamps(plant: Plant) -> list[datetime]:
    with telemetry_session(SYSTEM_CONTEXT) as t:
        return list(t.exec(select(TelemetryReading.ts).where(TelemetryReading.plant_id == plant.id)
                           .order_by(TelemetryReading.ts)).all())


def retain(now: datetime):
    with main_session(SYSTEM_CONTEXT) as s:
        return run_retention(s, telemetry_session, SYSTEM, now=now)


def test_rollup_equals_raw_energy_keeps_24h_and_is_idempotent(demo):
    plant = make_plant("Asia/Kolkata")
    now = datetime(2026, 6, 10, 9, 2, tzinfo=UTC)
    # three days of 5-minute readings with a 2-hour gap
    gap = (now - timedelta(hours=40), now - timedelta(hours=38))
    add_readings(plant, now - timedelta(hours=72), now, skip=lambda ts: gap[0] <= ts < gap[1])
    raw = raw_days(plant)
    before = stamps(plant)

    result = retain(now)
    assert result.readings_deleted == sum(1 for ts in before if ts < now - timedelta(hours=24))
    kept = stamps(plant)
    assert kept == [ts for ts in before if ts >= now - timedelta(hours=24)]  # nothing younger than 24 h deleted
    rows = rollups(plant)
    assert set(rows) == set(raw)
    for day, energy in raw.items():
        assert rows[day].energy_kwh == pytest.approx(energy, abs=1e-6)
    assert sum(r.readings_count for r in rows.values()) == len(before)

    # idempotent: again at the same instant changes nothing
    snap = {d: (r.energy_kwh, r.readings_count, r.coverage_pct, r.purged_energy_kwh) for d, r in rows.items()}
    assert retain(now).readings_deleted == 0
    assert {d: (r.energy_kwh, r.readings_count, r.coverage_pct, r.purged_energy_kwh)
            for d, r in rollups(plant).items()} == snap

    # an hour later, a little more is purged; the day totals do not move
    later = retain(now + timedelta(hours=1))
    assert later.readings_deleted == 12
    for day, energy in raw.items():
        assert rollups(plant)[day].energy_kwh == pytest.approx(energy, abs=1e-6)
    # a re-fetched reading of an already purged instant is not counted twice
    old = before[0]
    add_readings(plant, old, old + timedelta(minutes=1))
    retain(now + timedelta(hours=1))
    assert rollups(plant)[old.astimezone(zone(plant.timezone)).date()].energy_kwh == pytest.approx(
        raw[old.astimezone(zone(plant.timezone)).date()], abs=1e-6)


@pytest.mark.parametrize("day,hours", [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 1), 24)])
def test_dst_days_have_their_real_length(demo, day, hours):
    plant = make_plant("Europe/Berlin")
    tz = zone(plant.timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC)
    n = add_readings(plant, start, end, power=lambda ts: 10.0)
    assert n == hours * 12
    retain(end + timedelta(hours=25))  # everything purged
    assert stamps(plant) == []
    row = rollups(plant)[day]
    assert row.readings_count == hours * 12
    assert row.energy_kwh == pytest.approx(10.0 * hours)
    assert row.coverage_pct == pytest.approx(100.0)
    assert row.peak_power_kw == 10.0 and row.timezone == "Europe/Berlin"


def test_a_failed_rollup_deletes_nothing(demo, monkeypatch):
    plant = make_plant("UTC")
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    add_readings(plant, now - timedelta(hours=30), now)
    before = stamps(plant)

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(retention, "_write_day", broken)
    result = retain(now)
    assert result.readings_deleted == 0 and stamps(plant) == before
    assert rollups(plant) == {}
    monkeypatch.undo()
    assert retain(now).readings_deleted == 6 * 12


def test_retention_after_a_real_sync(vendors):
    """Synced emulator data: roll-ups for each plant-local day, readings of the last 24 h kept."""
    import asyncio

    from woms_app.core.clock import utcnow
    from woms_app.services.sync import sync_vendor

    asyncio.run(sync_vendor(vendors["sungrow"]))
    with main_session(SYSTEM_CONTEXT) as s:
        plants = s.exec(select(Plant).where(Plant.vendor_id == vendors["sungrow"])).all()
    raw = {p.id: raw_days(p) for p in plants}
    now = utcnow() + timedelta(hours=6)
    retain(now)
    for p in plants:
        rows = rollups(p)
        for day, energy in raw[p.id].items():
            assert rows[day].energy_kwh == pytest.approx(energy, abs=1e-6)
        assert all(ts >= now - timedelta(hours=24) for ts in stamps(p))
    with telemetry_session(SYSTEM_CONTEXT) as t:
        assert t.exec(select(sa.func.count()).select_from(TelemetryReading)).one() > 0
