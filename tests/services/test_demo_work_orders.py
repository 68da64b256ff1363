"""The demo work orders: every state in each organization, with assignees, due times, comments and closures,
written through the real services; idempotent."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlmodel import select

from tests.wo_fleet import build_fleet, viewer
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import WorkOrder, WorkOrderComment
from woms_app.services import dashboard
from woms_app.services import work_orders as wos
from woms_app.services.demo_work_orders import seed_work_orders

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_every_state_in_every_organization_once(demo):
    with main_session(SYSTEM_CONTEXT) as s:
        build_fleet(s, n_plants=5)
    assert seed_work_orders(NOW) == 12
    assert clock.frozen_at() is None  # the seed restores the clock
    assert seed_work_orders(NOW) == 0
    with main_session(SYSTEM_CONTEXT) as s:
        rows = s.exec(select(WorkOrder)).all()
        for org_id in {w.org_id for w in rows}:
            mine = [w for w in rows if w.org_id == org_id]
            assert Counter(w.status.value for w in mine) == {"OPEN": 2, "IN_PROGRESS": 1, "ON_HOLD": 1, "DONE": 1,
                                                             "CANCELLED": 1}
            assert sum(w.assignee_id is not None for w in mine) == 5 and sum(w.due_at is not None for w in mine) == 4
        done = next(w for w in rows if w.status.value == "DONE")
        assert done.cause_code == "dc_fuse" and done.resolution_note and done.closed_at < NOW
        assert s.exec(select(WorkOrderComment)).all()
        admin = viewer(s, "admin")
        clock.freeze(NOW)
        try:
            overdue = wos.list_work_orders(s, admin, overdue=True)
            assert [w.title for w in overdue.items] == ["Data logger offline"] * 2  # once per organization
            summary = dashboard.summary(s, admin, now=NOW)
            assert summary.overdue_work_orders == 2 and summary.due_soon_work_orders == 4
            held = next(w for w in rows if w.status.value == "ON_HOLD")
            assert wos.get_work_order(s, admin, held.id).summary.sla.paused
        finally:
            clock.freeze(None)
