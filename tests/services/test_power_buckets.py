"""The fleet curve's 15-minute buckets (services.telemetry.refresh_power_buckets): after any sequence of upserts
(new, corrected, late, missing readings; several plants and organizations), the per-organization buckets equal
a computation from scratch over the readings, and the dashboard curve reads them."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from tests.conftest import BOTH_DATABASES
from tests.telemetry_fleet import NOW, viewer
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.models import OrgPowerBucket, PlantPowerBucket, TelemetryReading
from woms_app.services import fleet_production
from woms_app.services.telemetry import power_bucket, purge_power_buckets, refresh_power_buckets, upsert_readings


def expected_org_buckets(tel) -> dict[tuple[int, datetime], tuple[float, int]]:
    """From scratch: per (org, bucket), the sum of each reporting plant's mean power, and the plant count."""
    per_plant: dict[tuple[int, int, datetime], list[float]] = {}
    for pid, oid, ts, kw in tel.exec(select(TelemetryReading.plant_id, TelemetryReading.org_id, TelemetryReading.ts,
                                            TelemetryReading.generation_power_kw)).all():
        if kw is not None:
            per_plant.setdefault((pid, oid, power_bucket(ts)), []).append(kw)
    out: dict[tuple[int, datetime], tuple[float, int]] = {}
    for (_pid, oid, b), values in per_plant.items():
        kw, n = out.get((oid, b), (0.0, 0))
        out[(oid, b)] = (kw + sum(values) / len(values), n + 1)
    return out


def stored_org_buckets(tel) -> dict[tuple[int, datetime], tuple[float, int]]:
    return {(oid, b): (kw, n) for oid, b, kw, n in tel.exec(
        select(OrgPowerBucket.org_id, OrgPowerBucket.bucket, OrgPowerBucket.power_kw, OrgPowerBucket.plants)).all()
        if n > 0}


def assert_buckets_match(tel) -> int:
    want, got = expected_org_buckets(tel), stored_org_buckets(tel)
    assert got.keys() == want.keys()
    for k, (kw, n) in want.items():
        assert got[k][1] == n, k
        assert got[k][0] == pytest.approx(kw, rel=1e-9, abs=1e-6), k
    return len(want)


def _write(plant_id: int, org_id: int, points: list[tuple[datetime, float | None]]) -> None:
    readings = [SimpleNamespace(ts=ts, generation_power_kw=kw) for ts, kw in points]
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        upsert_readings(tel, plant_id, org_id, readings)
        refresh_power_buckets(tel, plant_id, org_id, min(ts for ts, _ in points), max(ts for ts, _ in points))


@BOTH_DATABASES
def test_random_upserts_keep_org_buckets_equal_to_a_recomputation(fleet):
    rng = random.Random(11)
    start = NOW - timedelta(hours=6)
    keys = ["sunrise", "sunrise-2", "helios"]
    for _round in range(25):
        key = rng.choice(keys)
        # a batch: a random stretch of 5-minute instants, some jittered, values new or corrected, some missing
        first = rng.randrange(0, 60)
        points = []
        for i in range(first, first + rng.randrange(1, 15)):
            ts = start + timedelta(minutes=5 * i, seconds=rng.choice((0, 0, 17)))
            points.append((ts, None if rng.random() < 0.1 else round(rng.uniform(0, 500), 3)))
        _write(fleet.plants[key], fleet.orgs[key.split("-")[0]], points)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        assert assert_buckets_match(tel) > 10
        # plant rows hold exactly the buckets that have a non-missing reading
        plant_rows = tel.exec(select(PlantPowerBucket)).all()
        assert all(r.readings > 0 for r in plant_rows)


@BOTH_DATABASES
def test_a_bucket_whose_readings_become_missing_leaves_the_sum(fleet):
    pid, oid = fleet.plants["sunrise"], fleet.orgs["sunrise"]
    pid2 = fleet.plants["sunrise-2"]
    t = NOW - timedelta(hours=1)
    _write(pid, oid, [(t, 100.0), (t + timedelta(minutes=5), 200.0)])
    _write(pid2, oid, [(t, 40.0)])
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        assert stored_org_buckets(tel)[(oid, power_bucket(t))] == pytest.approx((190.0, 2))
    # the vendor corrects the plant's readings to "no value": the plant stops counting in that bucket
    _write(pid, oid, [(t, None), (t + timedelta(minutes=5), None)])
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        assert stored_org_buckets(tel)[(oid, power_bucket(t))] == pytest.approx((40.0, 1))
        assert tel.exec(select(PlantPowerBucket).where(PlantPowerBucket.plant_id == pid)).all() == []
        assert_buckets_match(tel)


def test_the_dashboard_curve_reads_the_buckets_and_old_buckets_are_purged(fleet):
    pid, oid = fleet.plants["sunrise"], fleet.orgs["sunrise"]
    t = NOW - timedelta(hours=1)
    _write(pid, oid, [(t + timedelta(minutes=5 * i), 10.0 * i) for i in range(6)])
    old = NOW - timedelta(hours=60)
    _write(pid, oid, [(old, 5.0)])
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        curve = fleet_production.fleet_power_today(s, tel, viewer(s, "sunrise"))
    values = {p["t"]: p["value"] for p in curve.points if p["value"] is not None}
    assert values == {"2026-03-02T11:00:00Z": 10.0, "2026-03-02T11:15:00Z": 40.0}  # (0+10+20)/3, (30+40+50)/3
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        purge_power_buckets(tel, NOW)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        buckets = {b for _o, b in stored_org_buckets(tel)}
    assert power_bucket(old) not in buckets and len(buckets) == 2


@BOTH_DATABASES
def test_the_migration_fills_the_buckets_from_the_readings_already_stored(fresh_databases):
    from pathlib import Path

    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config
    from sqlmodel import Session

    from tests.conftest import use_databases
    from woms_app.core.db import make_engine
    from woms_app.services.partitions import ensure_partitions

    cfg = Config(str(Path(__file__).resolve().parents[2] / "alembic.ini"))
    cfg.attributes["urls"] = {"main": fresh_databases.main_url, "telemetry": fresh_databases.telemetry_url}
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "9d4b1f6e3a27")  # the revision before the buckets
    now = datetime.now(UTC).replace(microsecond=0)
    rows = [{"plant_id": p, "org_id": 1 + p % 2, "ts": now - timedelta(minutes=5 * i),
             "generation_power_kw": None if i % 7 == 0 else float(p * 10 + i)} for p in (1, 2, 3) for i in range(40)]
    eng = make_engine(fresh_databases.telemetry_url)
    with eng.begin() as c:
        if eng.dialect.name == "postgresql":
            with Session(bind=c) as s:
                ensure_partitions(s, now)
        c.execute(sa.insert(TelemetryReading.__table__), rows)
    eng.dispose()
    command.upgrade(cfg, "head")
    use_databases(fresh_databases.main_url, fresh_databases.telemetry_url)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        assert assert_buckets_match(tel) >= 12


@BOTH_DATABASES
def test_deleting_a_vendor_with_its_plants_takes_them_out_of_the_fleet_curve(fleet):
    from woms_app.models import Plant
    from woms_app.services.vendors import delete_vendor

    t = NOW - timedelta(hours=1)
    _write(fleet.plants["sunrise"], fleet.orgs["sunrise"], [(t, 100.0)])
    _write(fleet.plants["sunrise-2"], fleet.orgs["sunrise"], [(t, 40.0)])
    _write(fleet.plants["helios"], fleet.orgs["helios"], [(t, 7.0)])
    with main_session(SYSTEM_CONTEXT) as s:
        vendor_id = s.get(Plant, fleet.plants["sunrise"]).vendor_id
        assert {p.id for p in s.exec(select(Plant).where(Plant.vendor_id == vendor_id)).all()} == {
            fleet.plants["sunrise"], fleet.plants["sunrise-2"]}
        delete_vendor(s, viewer(s, "admin"), vendor_id, remove_plants=True)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        assert stored_org_buckets(tel) == {(fleet.orgs["helios"], power_bucket(t)): (7.0, 1)}
        assert assert_buckets_match(tel) == 1
        assert tel.exec(select(PlantPowerBucket)).all()[0].plant_id == fleet.plants["helios"]
