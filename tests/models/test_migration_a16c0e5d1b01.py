"""Migration a16c0e5d1b01 (issue 16) on a database with data from before it, both ways, on SQLite and PostgreSQL:
existing ORG accounts become managers, existing work orders get their SLA clocks (responded at their first start),
the taxonomy is seeded, ON_HOLD becomes a legal status — and the downgrade gives the old schema back."""
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from tests.conftest import BOTH_DATABASES
from tests.models.test_schema import _insert_org_vendor_plants
from woms_app.core.db import make_engine

BEFORE, REV = "a17a0c4e5d01", "a16c0e5d1b01"


def _alembic(fresh, target: str, down: bool = False) -> None:
    cfg = Config(str(Path(__file__).resolve().parents[2] / "alembic.ini"))
    cfg.attributes["urls"] = {"main": fresh.main_url, "telemetry": fresh.telemetry_url}
    cfg.attributes["configure_logger"] = False
    (command.downgrade if down else command.upgrade)(cfg, target)


def _aware(v):
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v if v.tzinfo else v.replace(tzinfo=UTC)


@BOTH_DATABASES
def test_upgrade_with_data_then_downgrade_and_upgrade_again(fresh_databases):
    _alembic(fresh_databases, BEFORE)
    engine = make_engine(fresh_databases.main_url)
    try:
        with engine.begin() as conn:
            now = _insert_org_vendor_plants(conn)
            conn.execute(sa.text("INSERT INTO accounts (id, email, full_name, password_hash, account_type, org_id, "
                                 "is_active, failed_login_count, created_at) VALUES (1, 'ops@x.org', '', 'x', 'ORG', 1,"
                                 " true, 0, :t), (2, 'gov@x.org', '', 'x', 'GOVT', NULL, true, 0, :t)"), {"t": now})
            conn.execute(sa.text("UPDATE work_orders SET priority = 'CRITICAL', status = 'IN_PROGRESS' WHERE id = 1"))
            conn.execute(sa.text("INSERT INTO work_order_events (work_order_id, at, kind, from_status, to_status, note)"
                                 " VALUES (1, :t, 'status', 'OPEN', 'IN_PROGRESS', '')"),
                         {"t": now + timedelta(hours=1)})
        _alembic(fresh_databases, REV)
        with engine.begin() as conn:
            roles = dict(conn.execute(sa.text("SELECT email, org_role FROM accounts")).all())
            assert roles == {"ops@x.org": "manager", "gov@x.org": None}
            rows = {r.id: r for r in conn.execute(sa.text(
                "SELECT id, wo_type, sla_started_at, responded_at, response_due_at, resolution_due_at, held_seconds "
                "FROM work_orders")).all()}
            one = rows[1]
            created = _aware(now)
            assert one.wo_type == "corrective" and one.held_seconds == 0
            assert _aware(one.sla_started_at) == created and _aware(one.responded_at) == created + timedelta(hours=1)
            assert _aware(one.response_due_at) == created + timedelta(hours=4)  # CRITICAL defaults
            assert _aware(one.resolution_due_at) == created + timedelta(hours=24)
            assert rows[2].responded_at is None
            # SQLite rebuilt work_orders and accounts: nothing that references them went with the old tables
            assert conn.execute(sa.text("SELECT count(*) FROM work_order_events")).scalar() == 1
            assert conn.execute(sa.text("SELECT count(*) FROM closure_codes WHERE level = 'problem'")).scalar() == 9
            conn.execute(sa.text("UPDATE work_orders SET status = 'ON_HOLD' WHERE id = 1"))
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.text("UPDATE work_orders SET status = 'PAUSED' WHERE id = 1"))
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # an ORG account needs its role now
            conn.execute(sa.text("INSERT INTO accounts (email, full_name, password_hash, account_type, org_id, "
                                 "is_active, failed_login_count, created_at) VALUES ('new@x.org', '', 'x', 'ORG', 1, "
                                 "true, 0, :t)"), {"t": now})
        _alembic(fresh_databases, BEFORE, down=True)
        with engine.begin() as conn:
            cols = {c["name"] for c in sa.inspect(conn).get_columns("work_orders")}
            assert "wo_type" not in cols and "org_role" not in {c["name"] for c in sa.inspect(conn).get_columns(
                "accounts")}
            assert conn.execute(sa.text("SELECT status FROM work_orders WHERE id = 1")).scalar() == "IN_PROGRESS"
            assert "closure_codes" not in sa.inspect(conn).get_table_names()
            with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():  # ON_HOLD is illegal again
                conn.execute(sa.text("UPDATE work_orders SET status = 'ON_HOLD' WHERE id = 1"))
            # the case-insensitive unique email survived the table rebuilds
            with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
                conn.execute(sa.text("INSERT INTO accounts (email, full_name, password_hash, account_type, org_id, "
                                     "is_active, failed_login_count, created_at) VALUES ('OPS@x.org', '', 'x', 'ORG', "
                                     "1, true, 0, :t)"), {"t": now})
        _alembic(fresh_databases, REV)
    finally:
        engine.dispose()
