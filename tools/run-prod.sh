#!/usr/bin/env bash
# WOMS on PostgreSQL + Redis with several backend workers, on this machine (`make run-prod`).
#
#  1. starts PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) when they are down (Debian packages);
#  2. creates the two databases when missing;
#  3. migrates them as their owner (WOMS_MIGRATION_*DATABASE_URL): tables, row-level security, the non-owner
#     role "woms_app", the daily partitions of telemetry_readings;
#  4. creates the app's login role (the user of WOMS_DATABASE_URL, a member of woms_app) when missing;
#  5. seeds the demo when WOMS_DEMO=true (the default);
#  6. serves with Redis as Reflex's state manager and GRANIAN_WORKERS backend workers (default 2), exactly
#     one of them running the scheduler.
#
# Every value below can be overridden from the environment; the app itself reads only WOMS_* (core/config.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

export WOMS_MIGRATION_DATABASE_URL="${WOMS_MIGRATION_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/woms}"
export WOMS_MIGRATION_TELEMETRY_DATABASE_URL="${WOMS_MIGRATION_TELEMETRY_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/woms_telemetry}"
export WOMS_DATABASE_URL="${WOMS_DATABASE_URL:-postgresql://woms_web@127.0.0.1:5432/woms}"
export WOMS_TELEMETRY_DATABASE_URL="${WOMS_TELEMETRY_DATABASE_URL:-postgresql://woms_web@127.0.0.1:5432/woms_telemetry}"
export WOMS_REDIS_URL="${WOMS_REDIS_URL:-redis://127.0.0.1:6379/0}"
export GRANIAN_WORKERS="${GRANIAN_WORKERS:-2}"

case "$WOMS_DATABASE_URL" in postgresql*) ;; *) echo "run-prod: WOMS_DATABASE_URL must be a postgresql:// URL" >&2; exit 2;; esac
if [ "$GRANIAN_WORKERS" -lt 2 ]; then echo "run-prod: GRANIAN_WORKERS must be >= 2" >&2; exit 2; fi

# -- services ---------------------------------------------------------------------------------------------
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "Starting PostgreSQL…"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "Starting Redis…"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi

# -- databases, migrations, app role ----------------------------------------------------------------------
$PY - <<'PYEOF'
"""Create the databases (as the owner) when missing."""
import os
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

for key in ("WOMS_MIGRATION_DATABASE_URL", "WOMS_MIGRATION_TELEMETRY_DATABASE_URL"):
    url = make_url(os.environ[key])
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))
            print(f"Created database {url.database}")
PYEOF
echo "Migrating both databases as their owner…"
$PY -m woms_app migrate
$PY - <<'PYEOF'
"""Create the app's login role (member of the non-owner role woms_app, made by the migrations) when missing."""
import os
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

owner = make_url(os.environ["WOMS_MIGRATION_DATABASE_URL"]).set(drivername="postgresql")
app = make_url(os.environ["WOMS_DATABASE_URL"])
if app.username and app.username != owner.username:
    with psycopg.connect(owner.render_as_string(hide_password=False), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (app.username,)).fetchone():
            stmt = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT "
                           "IN ROLE woms_app").format(sql.Identifier(app.username))
            if app.password:
                stmt = stmt + sql.SQL(" PASSWORD {}").format(sql.Literal(app.password))
            conn.execute(stmt)
            print(f"Created login role {app.username} (member of woms_app)")
        else:
            conn.execute(sql.SQL("GRANT woms_app TO {}").format(sql.Identifier(app.username)))
else:
    print("Warning: WOMS_DATABASE_URL uses the owner role: row-level security does not apply to it")
PYEOF
if $PY -c 'from woms_app.core.config import get_settings; raise SystemExit(0 if get_settings().demo else 1)'; then
  $PY -m woms_app seed-demo
fi

echo "Serving with Redis ($WOMS_REDIS_URL) and $GRANIAN_WORKERS backend workers"
exec tools/run.sh
