"""Daily partitions of telemetry_readings: created ahead (by the app role, through the definer function)."""
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.pg.conftest import as_app_role
from woms_app.core.db import SYSTEM_CONTEXT, make_engine, set_context
from woms_app.services import partitions

pytestmark = [pytest.mark.pg, pytest.mark.parametrize("fresh_databases", ["pg"], indirect=True)]
NOW = datetime(2026, 11, 26, 22, 30, tzinfo=UTC)


@pytest.fixture
def tel(pg_dbs):
    engine = make_engine(as_app_role(pg_dbs.telemetry_url))
    s = Session(engine)
    set_context(s, SYSTEM_CONTEXT)
    yield s
    s.close()
    engine.dispose()


def _where(tel, ts):
    return tel.execute(sa.text("SELECT tableoid::regclass::text FROM telemetry_readings WHERE ts = :t"),
                       {"t": ts}).scalar()


def test_partitions_created_ahead_and_rows_routed(tel):
    created = partitions.ensure_partitions(tel, NOW, days_ahead=3, days_back=1)
    tel.commit()
    assert created == [date(2026, 11, 25) + timedelta(days=i) for i in range(5)]
    assert partitions.list_partitions(tel) == created
    assert partitions.ensure_partitions(tel, NOW) == []  # idempotent
    tel.execute(sa.text("INSERT INTO telemetry_readings (plant_id, ts, org_id, generation_power_kw) VALUES "
                        "(1, :a, 1, 1), (1, :b, 1, 2), (1, :c, 1, 3)"),
                {"a": NOW, "b": NOW + timedelta(hours=2), "c": datetime(2026, 1, 1, tzinfo=UTC)})
    tel.commit()
    assert _where(tel, NOW) == "telemetry_readings_p20261126"
    assert _where(tel, NOW + timedelta(hours=2)) == "telemetry_readings_p20261127"  # UTC days
    assert _where(tel, datetime(2026, 1, 1, tzinfo=UTC)) == "telemetry_readings_default"


def test_rows_in_the_default_partition_move_when_their_day_gets_one(tel):
    ts = datetime(2026, 12, 10, 6, tzinfo=UTC)
    tel.execute(sa.text("INSERT INTO telemetry_readings (plant_id, ts, org_id) VALUES (7, :t, 1)"), {"t": ts})
    tel.commit()
    assert _where(tel, ts) == "telemetry_readings_default"
    partitions.ensure_partitions(tel, ts, days_ahead=0, days_back=0)
    tel.commit()
    assert _where(tel, ts) == "telemetry_readings_p20261210"
    assert tel.execute(sa.text("SELECT count(*) FROM telemetry_readings")).scalar() == 1


def test_expired_partitions_are_whole_days_older_than_the_cutoff(tel):
    partitions.ensure_partitions(tel, NOW, days_ahead=1, days_back=3)
    tel.commit()
    cutoff = NOW - timedelta(hours=24)  # 2026-11-25 22:30
    assert partitions.expired_partitions(tel, cutoff) == [date(2026, 11, 23), date(2026, 11, 24)]
    assert partitions.drop_partition(tel, date(2026, 11, 23))
    tel.commit()
    assert date(2026, 11, 23) not in partitions.list_partitions(tel)
    assert not partitions.drop_partition(tel, date(2026, 11, 23))
