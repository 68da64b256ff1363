"""Migrations give exactly the models' schema; database rules hold in the database itself."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import BOTH_DATABASES, migrate
from woms_app.core.db import SYSTEM_CONTEXT, MainModel, TelemetryModel, include_name, make_engine


@BOTH_DATABASES
def test_migrations_match_models(fresh_databases):
    migrate(fresh_databases.main_url, fresh_databases.telemetry_url)
    for url, metadata, expected in [
        (fresh_databases.main_url, MainModel.metadata, {"accounts", "plants", "work_order_plants", "audit_log"}),
        (fresh_databases.telemetry_url, TelemetryModel.metadata, {"telemetry_readings", "plant_daily_energy"}),
    ]:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
                diff = compare_metadata(ctx, metadata)
                tables = set(sa.inspect(conn).get_table_names())
            assert diff == [], f"migrations differ from models: {diff}"
            assert expected <= tables
            # the telemetry tables stay out of the main database and vice versa
            other = TelemetryModel.metadata if metadata is MainModel.metadata else MainModel.metadata
            assert not (set(other.tables) & tables)
        finally:
            engine.dispose()


def _insert_org_vendor_plants(conn, n_plants=2):
    now = datetime.now(UTC).replace(tzinfo=None)
    conn.execute(sa.text("INSERT INTO organizations (id, name, auto_sync_enabled, timezone, created_at) "
                         "VALUES (1, 'Org A', true, 'UTC', :t)"), {"t": now})
    conn.execute(sa.text("INSERT INTO vendors (id, org_id, name, vendor_type, base_url, credentials_encrypted, "
                         "poll_interval_s, alert_interval_s, rate_limit_requests, rate_limit_window_s, max_concurrency,"
                         " status, created_at, updated_at) VALUES (1, 1, 'V', 'solarman', 'http://x', '', 300, 120, "
                         "10, 1, 4, 'ACTIVE', :t, :t)"), {"t": now})
    for i in range(1, n_plants + 1):
        conn.execute(sa.text("INSERT INTO plants (id, org_id, vendor_id, external_id, name, capacity_kw, timezone, "
                             "has_irradiance_sensor, created_at, updated_at) VALUES (:i, 1, 1, :e, :n, 10, 'UTC', "
                             "false, :t, :t)"), {"i": i, "e": f"ext{i}", "n": f"P{i}", "t": now})
    for wo in (1, 2):
        conn.execute(sa.text("INSERT INTO work_orders (id, org_id, title, description, priority, status, created_at, "
                             "updated_at) VALUES (:i, 1, 'WO', '', 'MEDIUM', 'OPEN', :t, :t)"), {"i": wo, "t": now})
    return now


@BOTH_DATABASES
def test_one_active_work_order_per_plant_is_a_database_rule(fresh_databases):
    migrate(fresh_databases.main_url, fresh_databases.telemetry_url)
    engine = make_engine(fresh_databases.main_url)
    ins = sa.text("INSERT INTO work_order_plants (work_order_id, plant_id, is_active, assigned_at) "
                  "VALUES (:wo, :p, :a, :t)")
    try:
        with engine.begin() as conn:
            now = _insert_org_vendor_plants(conn)
            conn.execute(ins, {"wo": 1, "p": 1, "a": True, "t": now})
        with pytest.raises(sa.exc.IntegrityError):
            with engine.begin() as conn:
                conn.execute(ins, {"wo": 2, "p": 1, "a": True, "t": now})  # raw SQL, no Python check involved
        with engine.begin() as conn:
            # inactive history rows are unlimited; another plant is fine
            conn.execute(ins, {"wo": 2, "p": 1, "a": False, "t": now})
            conn.execute(ins, {"wo": 2, "p": 2, "a": True, "t": now})
            active = conn.execute(sa.text("SELECT count(*) FROM work_order_plants WHERE plant_id = 1 AND is_active"))
            assert active.scalar() == 1
    finally:
        engine.dispose()


@BOTH_DATABASES
def test_unique_rules(fresh_databases):
    migrate(fresh_databases.main_url, fresh_databases.telemetry_url)
    engine = make_engine(fresh_databases.main_url)
    acc = sa.text("INSERT INTO accounts (email, full_name, password_hash, account_type, org_id, org_role, is_active, "
                  "failed_login_count, created_at) VALUES (:e, '', 'x', :r, :o, :role, true, 0, :t)")
    try:
        with engine.begin() as conn:
            now = _insert_org_vendor_plants(conn, n_plants=1)
            conn.execute(acc, {"e": "ops@example.com", "r": "ORG", "o": 1, "role": "manager", "t": now})
            conn.execute(acc, {"e": "tech@example.com", "r": "ORG", "o": 1, "role": "technician", "t": now})
        # case-insensitive unique email
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(acc, {"e": "OPS@Example.COM", "r": "ORG", "o": 1, "role": "manager", "t": now})
        # ORG accounts need an org, others must not have one
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(acc, {"e": "a@example.com", "r": "ORG", "o": None, "role": "manager", "t": now})
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(acc, {"e": "b@example.com", "r": "GOVT", "o": 1, "role": None, "t": now})
        # ORG accounts have a role inside their organization, others none; the role is one of the two
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(acc, {"e": "d@example.com", "r": "ORG", "o": 1, "role": None, "t": now})
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(acc, {"e": "e@example.com", "r": "GOVT", "o": None, "role": "manager", "t": now})
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(acc, {"e": "f@example.com", "r": "ORG", "o": 1, "role": "owner", "t": now})
        # unknown enum value
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(acc, {"e": "c@example.com", "r": "ROOT", "o": None, "role": None, "t": now})
        # (vendor_id, external_id) unique for plants
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO plants (org_id, vendor_id, external_id, name, capacity_kw, timezone, "
                                 "has_irradiance_sensor, created_at, updated_at) VALUES (1, 1, 'ext1', 'dup', 1, "
                                 "'UTC', false, :t, :t)"), {"t": now})
    finally:
        engine.dispose()

    tel = make_engine(fresh_databases.telemetry_url)
    ins = sa.text("INSERT INTO telemetry_readings (plant_id, ts, org_id, generation_power_kw) VALUES (1, :ts, 1, 5)")
    try:
        ts = datetime(2026, 6, 1, 12, 0)
        with tel.begin() as conn:
            conn.execute(ins, {"ts": ts})
        with pytest.raises(sa.exc.IntegrityError), tel.begin() as conn:
            conn.execute(ins, {"ts": ts})
    finally:
        tel.dispose()


def test_timestamps_are_aware_utc(db):
    from woms_app.core.db import main_session
    from woms_app.models import Organization

    with main_session(SYSTEM_CONTEXT) as s:
        org = Organization(name="Tz Org")
        s.add(org)
    with main_session(SYSTEM_CONTEXT) as s:
        got = s.get(Organization, org.id)
        assert got.created_at.tzinfo is not None and got.created_at.utcoffset().total_seconds() == 0
        got.created_at = datetime(2026, 1, 1, 12, 0)  # naive: refused
        s.add(got)
        with pytest.raises(sa.exc.StatementError, match="naive datetime refused"):
            s.flush()
        s.rollback()
