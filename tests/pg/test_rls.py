"""Row-level security: the database itself keeps organizations apart and GOVT read-only.

Data is written by the owner; every check connects as the non-owner app role and runs raw, unscoped
SQL, so nothing but the policies stands between the viewer and the rows.
"""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.pg.conftest import as_app_role
from woms_app.core.db import SYSTEM_CONTEXT, DbContext, make_engine, set_context
from woms_app.models import Plant

pytestmark = [pytest.mark.pg, pytest.mark.parametrize("fresh_databases", ["pg"], indirect=True)]
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture
def fleet(pg_dbs):
    """Two organizations with a vendor, a plant, an alert, a work order + link and readings each."""
    owner = make_engine(pg_dbs.main_url)
    tel_owner = make_engine(pg_dbs.telemetry_url)
    with owner.begin() as c:
        for org in (1, 2):
            c.execute(sa.text("INSERT INTO organizations (id, name, auto_sync_enabled, timezone, created_at) "
                              "VALUES (:o, :n, true, 'UTC', now())"), {"o": org, "n": f"Org {org}"})
            c.execute(sa.text("INSERT INTO vendors (id, org_id, name, vendor_type, base_url, credentials_encrypted, "
                              "poll_interval_s, alert_interval_s, rate_limit_requests, rate_limit_window_s, "
                              "max_concurrency, status, created_at, updated_at) VALUES (:o, :o, 'V', 'solarman', "
                              "'http://x', '', 300, 120, 10, 1, 4, 'ACTIVE', now(), now())"), {"o": org})
            c.execute(sa.text("INSERT INTO plants (id, org_id, vendor_id, external_id, name, capacity_kw, timezone, "
                              "has_irradiance_sensor, created_at, updated_at) VALUES (:o, :o, :o, 'e', :n, 10, 'UTC', "
                              "false, now(), now())"), {"o": org, "n": f"Plant of org {org}"})
            c.execute(sa.text("INSERT INTO work_orders (id, org_id, title, description, priority, status, created_at,"
                              " updated_at) VALUES (:o, :o, 'WO', '', 'LOW', 'OPEN', now(), now())"), {"o": org})
            c.execute(sa.text("INSERT INTO work_order_plants (work_order_id, plant_id, is_active, assigned_at) "
                              "VALUES (:o, :o, true, now())"), {"o": org})
            c.execute(sa.text("INSERT INTO alerts (org_id, plant_id, vendor_id, external_id, title, message, "
                              "vendor_code, severity, category, status, started_at, created_at, updated_at) VALUES "
                              "(:o, :o, :o, 'a', 'Alarm', '', '', 'major', '', 'ACTIVE', now(), now(), now())"),
                      {"o": org})
            c.execute(sa.text("INSERT INTO webhook_endpoints (id, org_id, url, description, secret_encrypted, "
                              "min_severity, active, created_at) VALUES (:o, :o, 'https://x', '', 's', 'major', true, "
                              "now())"), {"o": org})
            c.execute(sa.text("INSERT INTO outbox (org_id, event_kind, event_key, channel, webhook_id, "
                              "idempotency_key, payload, status, attempts, next_attempt_at, last_error, created_at) "
                              "VALUES (:o, 'alert.new', 'k', 'webhook', :o, :k, '{}', 'pending', 0, now(), '', now())"),
                      {"o": org, "k": f"k:{org}"})
    with tel_owner.begin() as c:
        c.execute(sa.text("SELECT woms_ensure_reading_partition(:d)"), {"d": NOW.date()})
        for org in (1, 2):
            c.execute(sa.text("INSERT INTO telemetry_readings (plant_id, ts, org_id, generation_power_kw) "
                              "VALUES (:o, :t, :o, 5)"), {"o": org, "t": NOW})
    owner.dispose()
    tel_owner.dispose()
    app = make_engine(as_app_role(pg_dbs.main_url))
    tel = make_engine(as_app_role(pg_dbs.telemetry_url))
    yield app, tel
    app.dispose()
    tel.dispose()


def _as(engine, ctx):
    s = Session(engine)
    set_context(s, ctx)
    return s


ORG1 = DbContext("ORG", org_id=1, account_id=10)
GOVT = DbContext("GOVT", account_id=11)


def test_app_role_is_not_owner_nor_superuser(fleet):
    app, _ = fleet
    with app.connect() as c:
        row = c.execute(sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        assert row == (False, False)
        owners = c.execute(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                                   "AND tableowner = current_user")).scalar()
        assert owners == 0


@pytest.mark.parametrize("table", ["organizations", "vendors", "plants", "alerts", "work_orders", "work_order_plants",
                                   "webhook_endpoints", "outbox"])
def test_org_sees_only_its_rows_with_raw_sql(fleet, table):
    app, _ = fleet
    with _as(app, ORG1) as s:
        rows = s.execute(sa.text(f"SELECT * FROM {table}")).mappings().all()
    assert len(rows) == 1
    key = "id" if table == "organizations" else ("work_order_id" if table == "work_order_plants" else "org_id")
    assert rows[0][key] == 1


def test_org_sees_only_its_readings(fleet):
    _, tel = fleet
    with _as(tel, ORG1) as s:
        assert s.execute(sa.text("SELECT plant_id FROM telemetry_readings")).scalars().all() == [1]


def test_unscoped_orm_query_is_still_walled(fleet):
    app, _ = fleet
    with _as(app, ORG1) as s:  # a query that forgot the app-level scope
        assert [p.name for p in s.exec(select(Plant)).all()] == ["Plant of org 1"]


def test_org_cannot_write_another_orgs_rows(fleet):
    app, _ = fleet
    with _as(app, ORG1) as s:
        # updating a foreign row touches nothing (it is invisible)
        assert s.execute(sa.text("UPDATE plants SET name = 'pwned' WHERE id = 2")).rowcount == 0
        assert s.execute(sa.text("DELETE FROM alerts WHERE org_id = 2")).rowcount == 0
        s.commit()
    with _as(app, ORG1) as s, pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        s.execute(sa.text("INSERT INTO plants (org_id, vendor_id, external_id, name, capacity_kw, timezone, "
                          "has_irradiance_sensor, created_at, updated_at) VALUES (2, 2, 'x', 'sneaky', 1, 'UTC', "
                          "false, now(), now())"))
    with _as(app, ORG1) as s, pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        s.execute(sa.text("UPDATE plants SET org_id = 2 WHERE id = 1"))  # moving a row out of its org
    with _as(app, SYSTEM_CONTEXT) as s:
        assert s.execute(sa.text("SELECT name FROM plants WHERE id = 2")).scalar() == "Plant of org 2"


def test_org_writes_its_own_rows(fleet):
    app, _ = fleet
    with _as(app, ORG1) as s:
        assert s.execute(sa.text("UPDATE plants SET name = 'renamed' WHERE id = 1")).rowcount == 1
        s.commit()


@pytest.mark.parametrize("sql", [
    "UPDATE plants SET name = 'x'",
    "DELETE FROM work_orders",
    "UPDATE organizations SET name = 'x'",
])
def test_govt_reads_everything_and_writes_nothing(fleet, sql):
    app, tel = fleet
    with _as(app, GOVT) as s:
        assert s.execute(sa.text("SELECT count(*) FROM plants")).scalar() == 2
        assert s.execute(sa.text(sql)).rowcount == 0
    with _as(tel, GOVT) as s:
        assert s.execute(sa.text("SELECT count(*) FROM telemetry_readings")).scalar() == 2
        assert s.execute(sa.text("DELETE FROM telemetry_readings")).rowcount == 0


def test_govt_insert_fails(fleet):
    app, _ = fleet
    with _as(app, GOVT) as s, pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        s.execute(sa.text("INSERT INTO work_orders (org_id, title, description, priority, status, created_at, "
                          "updated_at) VALUES (1, 'x', '', 'LOW', 'OPEN', now(), now())"))


def test_no_context_sees_nothing_and_system_context_works(fleet):
    app, tel = fleet
    with _as(app, None) as s:
        assert s.execute(sa.text("SELECT count(*) FROM plants")).scalar() == 0
    with _as(app, SYSTEM_CONTEXT) as s:
        assert s.execute(sa.text("SELECT count(*) FROM plants")).scalar() == 2
        assert s.execute(sa.text("UPDATE plants SET current_power_kw = 1")).rowcount == 2
        s.commit()
    with _as(tel, SYSTEM_CONTEXT) as s:
        assert s.execute(sa.text("SELECT count(*) FROM telemetry_readings")).scalar() == 2


def test_context_survives_commit(fleet):
    app, _ = fleet
    with _as(app, ORG1) as s:
        assert s.execute(sa.text("SELECT count(*) FROM plants")).scalar() == 1
        s.commit()  # a new transaction starts with the same viewer
        assert s.execute(sa.text("SELECT count(*) FROM plants")).scalar() == 1


def test_partitions_are_not_reachable_directly(fleet):
    _, tel = fleet
    with _as(tel, ORG1) as s, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        s.execute(sa.text(f"SELECT * FROM telemetry_readings_p{NOW:%Y%m%d}"))


def test_every_table_with_an_org_id_is_walled_by_row_level_security(fleet):
    """A new table carrying organization data without policies would be readable across organizations."""
    # audit_log: the append-only trail every role writes (GOVT reads are audited); only SUPERADMIN services read it
    # accounts: sign-in looks an account up by email before any organization is known (services guard it)
    exempt = {"audit_log", "accounts"}
    for engine in fleet:
        with engine.connect() as c:
            rows = c.execute(sa.text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
                "AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' "
                "AND NOT a.attisdropped)")).all()
            assert rows
            unwalled = [name for name, rls, force in rows if not (rls and force) and name not in exempt]
            assert unwalled == [], f"tables with org_id but no forced row-level security: {unwalled}"
