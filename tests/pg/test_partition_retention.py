"""Retention on PostgreSQL drops whole expired partitions, only after their readings are rolled up,
running as the non-owner app role (through the migrations' definer functions)."""
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import use_databases
from tests.pg.conftest import as_app_role
from tests.sync.test_retention import add_readings, raw_days, rollups
from woms_app.core.db import SYSTEM_CONTEXT, db_context, main_session, telemetry_session
from woms_app.models import Organization, Plant, TelemetryReading, Vendor
from woms_app.services import partitions
from woms_app.services.retention import run_retention
from woms_app.services.viewer import SYSTEM

pytestmark = [pytest.mark.pg, pytest.mark.parametrize("fresh_databases", ["pg"], indirect=True)]
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_role_db(pg_dbs):
    use_databases(as_app_role(pg_dbs.main_url), as_app_role(pg_dbs.telemetry_url))
    with db_context(SYSTEM_CONTEXT):
        with main_session(SYSTEM_CONTEXT) as s:
            org = Organization(name="Partition Org")
            s.add(org)
            s.flush()
            v = Vendor(org_id=org.id, name="V", vendor_type="solarman", base_url="http://x")
            s.add(v)
            s.flush()
            p = Plant(org_id=org.id, vendor_id=v.id, external_id="p", name="UTC plant", capacity_kw=100, timezone="UTC",
                      latitude=52.0, longitude=5.0)
            s.add(p)
            s.flush()
            s.expunge(p)
        yield p


def test_retention_drops_only_fully_expired_partitions_after_rolling_them_up(app_role_db):
    plant = app_role_db
    with db_context(SYSTEM_CONTEXT):
        with telemetry_session(SYSTEM_CONTEXT) as t:
            partitions.ensure_partitions(t, NOW, days_ahead=1, days_back=4)
        add_readings(plant, NOW - timedelta(days=3, hours=12), NOW)  # 23 Nov 00:00 … 26 Nov 12:00 UTC
        before = raw_days(plant)
        assert set(before) == {date(2026, 11, d) for d in (23, 24, 25, 26)}
        with main_session(SYSTEM_CONTEXT) as s:
            result = run_retention(s, telemetry_session, SYSTEM, now=NOW)
        with telemetry_session(SYSTEM_CONTEXT) as t:
            left = partitions.list_partitions(t)
            oldest = t.execute(sa.select(sa.func.min(TelemetryReading.ts))).scalar()
        # cutoff 25 Nov 12:00: the 23rd and 24th partitions are wholly older and dropped; the 25th is kept whole
        assert date(2026, 11, 23) not in left and date(2026, 11, 24) not in left
        assert date(2026, 11, 25) in left and date(2026, 11, 27) in left
        assert oldest == datetime(2026, 11, 25, tzinfo=UTC)
        assert result.readings_deleted == 2 * 288
        # nothing was lost: every day's roll-up equals its raw energy before the purge
        ups = rollups(plant)
        for day, energy in before.items():
            assert ups[day].energy_kwh == pytest.approx(energy, rel=1e-6, abs=1e-6), day  # purged + present part
        # idempotent: a second run drops nothing more and changes no total
        with main_session(SYSTEM_CONTEXT) as s:
            again = run_retention(s, telemetry_session, SYSTEM, now=NOW)
        assert again.readings_deleted == 0
        assert {d: (r.energy_kwh, r.purged_energy_kwh) for d, r in rollups(plant).items()} == \
               {d: (r.energy_kwh, r.purged_energy_kwh) for d, r in ups.items()}
