"""Row-level security of the issue-16 tables (checklist templates and items, work-order checklists and items,
attachments): raw SQL as the non-owner app role sees and writes only its organization's rows; GOVT reads all and
writes none. The rows are written by the owner."""
import pytest
import sqlalchemy as sa

from tests.pg.conftest import as_app_role
from tests.pg.test_rls import GOVT, ORG1, _as
from woms_app.core.db import SYSTEM_CONTEXT, make_engine

pytestmark = [pytest.mark.pg, pytest.mark.parametrize("fresh_databases", ["pg"], indirect=True)]
TABLES = ["checklist_templates", "checklist_template_items", "work_order_checklists", "work_order_checklist_items",
          "work_order_attachments"]


@pytest.fixture
def app(pg_dbs):
    owner = make_engine(pg_dbs.main_url)
    with owner.begin() as c:
        for o in (1, 2):
            c.execute(sa.text("INSERT INTO organizations (id, name, auto_sync_enabled, timezone, created_at) "
                              "VALUES (:o, :n, true, 'UTC', now())"), {"o": o, "n": f"Org {o}"})
            c.execute(sa.text("INSERT INTO work_orders (id, org_id, title, description, priority, status, "
                              "created_at, updated_at) VALUES (:o, :o, 'WO', '', 'LOW', 'OPEN', now(), now())"),
                      {"o": o})
            c.execute(sa.text("INSERT INTO checklist_templates (id, org_id, name, wo_type, created_at, updated_at) "
                              "VALUES (:o, :o, 'T', 'inspection', now(), now())"), {"o": o})
            c.execute(sa.text("INSERT INTO checklist_template_items (id, template_id, position, label, unit) "
                              "VALUES (:o, :o, 0, 'Item', '')"), {"o": o})
            c.execute(sa.text("INSERT INTO work_order_checklists (id, work_order_id, template_id, name, wo_type, "
                              "created_at) VALUES (:o, :o, :o, 'T', 'inspection', now())"), {"o": o})
            c.execute(sa.text("INSERT INTO work_order_checklist_items (id, checklist_id, position, label, unit, note) "
                              "VALUES (:o, :o, 0, 'Item', '', '')"), {"o": o})
            c.execute(sa.text("INSERT INTO work_order_attachments (id, work_order_id, checklist_item_id, file_name, "
                              "content_type, size_bytes, sha256, storage_key, uploaded_at) VALUES (:o, :o, :o, "
                              "'a.pdf', 'application/pdf', 1, 'x', :k, now())"), {"o": o, "k": f"{o:032x}"})
    owner.dispose()
    engine = make_engine(as_app_role(pg_dbs.main_url))
    yield engine
    engine.dispose()


@pytest.mark.parametrize("table", TABLES)
def test_org_sees_and_changes_only_its_rows(app, table):
    with _as(app, ORG1) as s:
        assert s.execute(sa.text(f"SELECT id FROM {table}")).scalars().all() == [1]
        assert s.execute(sa.text(f"DELETE FROM {table} WHERE id = 2")).rowcount == 0
        assert s.execute(sa.text(f"DELETE FROM {table} WHERE id = 1")).rowcount == 1
        s.rollback()
    with _as(app, GOVT) as s:
        assert s.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 2
        assert s.execute(sa.text(f"DELETE FROM {table}")).rowcount == 0
    with _as(app, SYSTEM_CONTEXT) as s:
        assert s.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 2


@pytest.mark.parametrize("sql", [
    "INSERT INTO checklist_templates (org_id, name, wo_type, created_at, updated_at) "
    "VALUES (2, 'Sneaky', 'other', now(), now())",
    "INSERT INTO checklist_template_items (template_id, position, label, unit) VALUES (2, 1, 'Sneaky', '')",
    "INSERT INTO work_order_checklists (work_order_id, name, wo_type, created_at) "
    "VALUES (2, 'Sneaky', 'other', now())",
    "INSERT INTO work_order_checklist_items (checklist_id, position, label, unit, note) "
    "VALUES (2, 1, 'Sneaky', '', '')",
    "INSERT INTO work_order_attachments (work_order_id, file_name, content_type, size_bytes, sha256, storage_key, "
    "uploaded_at) VALUES (2, 'x.pdf', 'application/pdf', 1, 'x', 'k', now())",
    "UPDATE work_order_checklists SET work_order_id = 2 WHERE id = 1",  # moving a row to another org's order
])
def test_org_cannot_write_into_another_org(app, sql):
    with _as(app, ORG1) as s, pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        s.execute(sa.text(sql))
    own = sql.replace("(2,", "(1,").replace("= 2 WHERE", "= 1 WHERE")
    with _as(app, GOVT) as s:
        if own.startswith("UPDATE"):  # GOVT's updates reach no row
            assert s.execute(sa.text(own)).rowcount == 0
        else:
            with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
                s.execute(sa.text(own))
