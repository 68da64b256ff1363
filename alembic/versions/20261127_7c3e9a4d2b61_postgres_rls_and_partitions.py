"""PostgreSQL: row-level security on every tenant table, the app role, partitioned telemetry.

On SQLite this migration does nothing (the application's scoping helper is the only wall there).

Revision ID: 7c3e9a4d2b61
Revises: 5a1c0e2b7d10
Create Date: 2026-11-27 10:00:00

"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '7c3e9a4d2b61'
down_revision: Union[str, Sequence[str], None] = '5a1c0e2b7d10'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

APP_ROLE = "woms_app"

# tables with an org_id column, per database
MAIN_ORG_TABLES = ["vendors", "plants", "alerts", "work_orders", "sync_runs"]
# tables reached through their work order
MAIN_WO_TABLES = ["work_order_plants", "work_order_events", "work_order_plant_eff"]
TELEMETRY_ORG_TABLES = ["telemetry_readings", "plant_daily_energy", "plant_daily_kpis"]

COMMON_SQL = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END $$;
GRANT USAGE ON SCHEMA public TO {APP_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE};
REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {APP_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {APP_ROLE};

-- The viewer of the current transaction, set by the application with set_config(..., true).
CREATE OR REPLACE FUNCTION woms_role() RETURNS text LANGUAGE sql STABLE AS
  $f$ SELECT coalesce(current_setting('woms.role', true), '') $f$;
CREATE OR REPLACE FUNCTION woms_org() RETURNS integer LANGUAGE sql STABLE AS
  $f$ SELECT nullif(current_setting('woms.org_id', true), '')::integer $f$;
CREATE OR REPLACE FUNCTION woms_can_read(org integer) RETURNS boolean LANGUAGE sql STABLE AS
  $f$ SELECT woms_role() IN ('SUPERADMIN', 'GOVT', 'SYSTEM') OR (woms_role() = 'ORG' AND org = woms_org()) $f$;
CREATE OR REPLACE FUNCTION woms_can_write(org integer) RETURNS boolean LANGUAGE sql STABLE AS
  $f$ SELECT woms_role() IN ('SUPERADMIN', 'SYSTEM') OR (woms_role() = 'ORG' AND org = woms_org()) $f$;
"""


def _policies(table: str, read: str, write: str) -> str:
    return f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY {table}_read ON {table} FOR SELECT USING ({read});
CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK ({write});
CREATE POLICY {table}_update ON {table} FOR UPDATE USING ({write}) WITH CHECK ({write});
CREATE POLICY {table}_delete ON {table} FOR DELETE USING ({write});
"""


def _drop_policies(table: str) -> str:
    return "".join(f"DROP POLICY IF EXISTS {table}_{k} ON {table};\n" for k in ("read", "insert", "update", "delete")) + \
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;\nALTER TABLE {table} DISABLE ROW LEVEL SECURITY;\n"


def _is_pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()


def upgrade_main() -> None:
    if not _is_pg():
        return
    sql = COMMON_SQL
    sql += _policies("organizations", "woms_can_read(id)", "woms_role() IN ('SUPERADMIN', 'SYSTEM')")
    for t in MAIN_ORG_TABLES:
        sql += _policies(t, "woms_can_read(org_id)", "woms_can_write(org_id)")
    for t in MAIN_WO_TABLES:
        via = "EXISTS (SELECT 1 FROM work_orders w WHERE w.id = work_order_id AND woms_can_{0}(w.org_id))"
        sql += _policies(t, via.format("read"), via.format("write"))
    op.execute(sql)


def downgrade_main() -> None:
    if not _is_pg():
        return
    op.execute("".join(_drop_policies(t) for t in ["organizations", *MAIN_ORG_TABLES, *MAIN_WO_TABLES]))


PARTITION_SQL = f"""
ALTER TABLE telemetry_readings RENAME TO telemetry_readings_unpartitioned;
ALTER TABLE telemetry_readings_unpartitioned RENAME CONSTRAINT pk_telemetry_readings TO pk_telemetry_readings_unpartitioned;
ALTER INDEX ix_telemetry_readings_org_id RENAME TO ix_telemetry_readings_unpartitioned_org_id;
CREATE TABLE telemetry_readings (LIKE telemetry_readings_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE (ts);
ALTER TABLE telemetry_readings ADD CONSTRAINT pk_telemetry_readings PRIMARY KEY (plant_id, ts);
CREATE INDEX ix_telemetry_readings_org_id ON telemetry_readings (org_id);
CREATE TABLE telemetry_readings_default PARTITION OF telemetry_readings DEFAULT;
INSERT INTO telemetry_readings SELECT * FROM telemetry_readings_unpartitioned;
DROP TABLE telemetry_readings_unpartitioned;
GRANT SELECT, INSERT, UPDATE, DELETE ON telemetry_readings TO {APP_ROLE};
REVOKE ALL ON telemetry_readings_default FROM {APP_ROLE};

-- Daily UTC partitions, created ahead and dropped by the scheduler through these two functions
-- (the app role owns nothing; only these definer functions can change the partition set).
CREATE OR REPLACE FUNCTION woms_ensure_reading_partition(day date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
  name text := 'telemetry_readings_p' || to_char(day, 'YYYYMMDD');
  lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
  hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
  IF to_regclass(name) IS NOT NULL THEN RETURN false; END IF;
  PERFORM pg_advisory_xact_lock(hashtext('woms_reading_partitions'));
  IF to_regclass(name) IS NOT NULL THEN RETURN false; END IF;
  EXECUTE format('CREATE TABLE %I (LIKE telemetry_readings INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
  EXECUTE format('REVOKE ALL ON %I FROM {APP_ROLE}', name);
  -- rows that landed in the default partition for this day move into the new partition
  EXECUTE format('WITH moved AS (DELETE FROM telemetry_readings_default WHERE ts >= %L AND ts < %L RETURNING *) '
                 'INSERT INTO %I SELECT * FROM moved', lo, hi, name);
  EXECUTE format('ALTER TABLE telemetry_readings ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
  RETURN true;
END $f$;

CREATE OR REPLACE FUNCTION woms_drop_reading_partition(day date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE name text := 'telemetry_readings_p' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(name) IS NULL THEN RETURN false; END IF;
  EXECUTE format('DROP TABLE %I', name);
  RETURN true;
END $f$;
REVOKE ALL ON FUNCTION woms_ensure_reading_partition(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION woms_drop_reading_partition(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION woms_ensure_reading_partition(date) TO {APP_ROLE};
GRANT EXECUTE ON FUNCTION woms_drop_reading_partition(date) TO {APP_ROLE};
"""


def upgrade_telemetry() -> None:
    if not _is_pg():
        return
    sql = COMMON_SQL + PARTITION_SQL
    for t in TELEMETRY_ORG_TABLES:
        sql += _policies(t, "woms_can_read(org_id)", "woms_can_write(org_id)")
    op.execute(sql)


def downgrade_telemetry() -> None:
    if not _is_pg():
        return
    op.execute("".join(_drop_policies(t) for t in TELEMETRY_ORG_TABLES) + """
DROP FUNCTION IF EXISTS woms_ensure_reading_partition(date);
DROP FUNCTION IF EXISTS woms_drop_reading_partition(date);
ALTER TABLE telemetry_readings RENAME TO telemetry_readings_partitioned;
ALTER TABLE telemetry_readings_partitioned RENAME CONSTRAINT pk_telemetry_readings TO pk_telemetry_readings_partitioned;
ALTER INDEX ix_telemetry_readings_org_id RENAME TO ix_telemetry_readings_partitioned_org_id;
CREATE TABLE telemetry_readings (LIKE telemetry_readings_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE telemetry_readings ADD CONSTRAINT pk_telemetry_readings PRIMARY KEY (plant_id, ts);
CREATE INDEX ix_telemetry_readings_org_id ON telemetry_readings (org_id);
INSERT INTO telemetry_readings SELECT * FROM telemetry_readings_partitioned;
DROP TABLE telemetry_readings_partitioned CASCADE;
""")
