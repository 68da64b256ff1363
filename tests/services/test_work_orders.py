"""Work orders: scoping, the one-active-WO-per-plant rule (Python check and database index),
status transitions, history, audit, creation from an alert."""
from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from tests.conftest import BOTH_DATABASES
from tests.pg.conftest import as_app_role, pg_dbs  # noqa: F401  (fixture)
from tests.wo_fleet import build_fleet, viewer
from woms_app.core.db import SYSTEM_CONTEXT, main_engine, main_session
from woms_app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from woms_app.models import Alert, AuditLog, WorkOrder, WorkOrderEvent, WorkOrderPlant, WorkOrderStatus
from woms_app.services import work_orders as wos


@pytest.fixture
def fleet(demo):
    with main_session(SYSTEM_CONTEXT) as s:
        return build_fleet(s)


def _create(who="sunrise", plants=("sunrise-1", "sunrise-2"), fleet=None, **kw):
    with main_session(SYSTEM_CONTEXT) as s:
        wo = wos.create_work_order(s, viewer(s, who), title=kw.pop("title", "Inverter swap"),
                                   plant_ids=[fleet.plants[p] for p in plants], **kw)
        return wo.id


def test_create_lists_and_details_with_history_and_audit(fleet):
    wo_id = _create(fleet=fleet, description="Swap inverter 2", priority="HIGH")
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        page = wos.list_work_orders(s, v)
        assert page.total == 1 and page.items[0].id == wo_id
        assert page.items[0].plant_names == ["Sunrise plant 1", "Sunrise plant 2"]
        d = wos.get_work_order(s, v, wo_id)
        assert d.summary.status.value == "OPEN" and d.summary.priority.value == "HIGH"
        assert d.summary.created_by == "ops@sunrise.demo.woms"
        assert [p.is_active for p in d.plants] == [True, True]
        assert [(h.kind, h.who) for h in d.history] == [("created", "ops@sunrise.demo.woms")]
        assert [t.value for t in d.next_statuses] == ["IN_PROGRESS", "CANCELLED"]
        audit = s.exec(select(AuditLog).where(AuditLog.entity == "work_orders", AuditLog.action == "create")).all()
        assert len(audit) == 1 and audit[0].org_id == fleet.orgs["sunrise"]


def test_other_org_cannot_see_or_change_by_id(fleet):
    wo_id = _create(fleet=fleet)
    with main_session(SYSTEM_CONTEXT) as s:
        helios = viewer(s, "helios")
        assert wos.list_work_orders(s, helios).total == 0
        with pytest.raises(NotFound):
            wos.get_work_order(s, helios, wo_id)
        with pytest.raises(NotFound):
            wos.change_status(s, helios, wo_id, "IN_PROGRESS")
        with pytest.raises(NotFound):
            wos.deactivate_plant(s, helios, wo_id, fleet.plants["sunrise-1"])
        with pytest.raises(NotFound):  # a foreign plant on one's own work order
            wos.create_work_order(s, helios, title="Steal", plant_ids=[fleet.plants["sunrise-3"]])
        # fleet-wide viewers see it
        assert wos.list_work_orders(s, viewer(s, "govt")).total == 1
        assert wos.list_work_orders(s, viewer(s, "admin"), org_id=fleet.orgs["helios"]).total == 0


def test_govt_reads_are_audited_and_writes_refused(fleet):
    wo_id = _create(fleet=fleet)
    with main_session(SYSTEM_CONTEXT) as s:
        govt = viewer(s, "govt")
        wos.get_work_order(s, govt, wo_id)
        assert s.exec(select(AuditLog).where(AuditLog.role == "GOVT", AuditLog.action == "read",
                                             AuditLog.entity_id == str(wo_id))).first() is not None
        with pytest.raises(Forbidden):
            wos.create_work_order(s, govt, title="Nope", plant_ids=[fleet.plants["helios-1"]])
        with pytest.raises(Forbidden):
            wos.change_status(s, govt, wo_id, "DONE")
        with pytest.raises(Forbidden):
            wos.assign_plant(s, govt, wo_id, fleet.plants["sunrise-3"])


def test_superadmin_picks_the_org_through_the_plants(fleet):
    wo_id = _create("admin", plants=("helios-2",), fleet=fleet)
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.get(WorkOrder, wo_id).org_id == fleet.orgs["helios"]
        with pytest.raises(ValidationFailed, match="one organization"):
            wos.create_work_order(s, viewer(s, "admin"), title="Mixed",
                                  plant_ids=[fleet.plants["helios-3"], fleet.plants["sunrise-3"]])


def test_validation_names_the_field(fleet):
    cases = [({"title": "ab"}, "title"), ({"title": "x" * 201}, "title"), ({"priority": "URGENT"}, "priority"),
             ({"plant_ids": []}, "plant_ids"), ({"plant_ids": ["x"]}, "plant_ids"),
             ({"description": "d" * 5001}, "description")]
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        for kw, field in cases:
            args = {"title": "Valid title", "plant_ids": [fleet.plants["sunrise-1"]], **kw}
            with pytest.raises(ValidationFailed) as exc:
                wos.create_work_order(s, v, **args)
            assert exc.value.field == field, kw
        assert s.exec(select(WorkOrder)).all() == []


def test_plant_on_another_active_wo_is_refused_with_a_clear_message(fleet):
    first = _create(fleet=fleet)
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        with pytest.raises(Conflict) as exc:
            wos.create_work_order(s, v, title="Second", plant_ids=[fleet.plants["sunrise-3"], fleet.plants["sunrise-2"]])
        assert exc.value.message == f"Plant Sunrise plant 2 is already on active work order #{first} 'Inverter swap'"
    with main_session(SYSTEM_CONTEXT) as s:  # nothing was written
        assert len(s.exec(select(WorkOrder)).all()) == 1
        v = viewer(s, "sunrise")
        second = wos.create_work_order(s, v, title="Second", plant_ids=[fleet.plants["sunrise-3"]]).id
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(Conflict, match=f"#{first} 'Inverter swap'"):
            wos.assign_plant(s, viewer(s, "sunrise"), second, fleet.plants["sunrise-1"])
    with main_session(SYSTEM_CONTEXT) as s:
        opts = {o.name: o for o in wos.plant_options(s, viewer(s, "sunrise"))}
        assert opts["Sunrise plant 1"].busy_work_order_id == first
        assert opts["Sunrise plant 3"].busy_message.endswith(f"#{second} 'Second'")


def test_database_index_refuses_when_the_python_check_is_bypassed(fleet, monkeypatch):
    first = _create(fleet=fleet)
    monkeypatch.setattr(wos, "_refuse_busy", lambda *a, **k: None)
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(Conflict) as exc:
            wos.create_work_order(s, viewer(s, "sunrise"), title="Race", plant_ids=[fleet.plants["sunrise-1"]])
    assert exc.value.message == f"Plant Sunrise plant 1 is already on active work order #{first} 'Inverter swap'"
    with main_session(SYSTEM_CONTEXT) as s:
        assert len(s.exec(select(WorkOrder)).all()) == 1


@BOTH_DATABASES
def test_simultaneous_assignments_leave_exactly_one_active(demo):
    """Two writers put one free plant on two work orders at the same instant: one wins, the other gets 409."""
    with main_session(SYSTEM_CONTEXT) as s:
        fleet = build_fleet(s, n_plants=3)
    wo_a = _create("helios", plants=("helios-2",), fleet=fleet, title="Helios A")
    wo_b = _create("admin", plants=("helios-3",), fleet=fleet, title="Helios B")
    plant = fleet.plants["helios-1"]
    results: list = []
    barrier = threading.Barrier(2)

    def attempt(wo_id, who):
        try:
            with main_session(SYSTEM_CONTEXT) as s:
                v = viewer(s, who)
                barrier.wait(timeout=10)
                wos.assign_plant(s, v, wo_id, plant)
            results.append(("ok", wo_id))
        except Conflict as exc:
            results.append(("conflict", exc.message))

    threads = [threading.Thread(target=attempt, args=args) for args in ((wo_a, "helios"), (wo_b, "admin"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r[0] for r in results) == ["conflict", "ok"], results
    winner = next(r[1] for r in results if r[0] == "ok")
    title = {wo_a: "Helios A", wo_b: "Helios B"}[winner]
    conflict = next(r[1] for r in results if r[0] == "conflict")
    assert conflict == f"Plant Helios plant 1 is already on active work order #{winner} '{title}'"
    with main_session(SYSTEM_CONTEXT) as s:
        active = s.exec(select(WorkOrderPlant).where(WorkOrderPlant.plant_id == plant, WorkOrderPlant.is_active)).all()
        assert [r.work_order_id for r in active] == [winner]


def test_transitions_history_and_release_of_plants(fleet):
    wo_id = _create(fleet=fleet)
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        with pytest.raises(Conflict, match="cannot move to done"):
            wos.change_status(s, v, wo_id, "DONE")
        with pytest.raises(ValidationFailed) as exc:
            wos.change_status(s, v, wo_id, "ARCHIVED")
        assert exc.value.field == "status"
        wo = wos.change_status(s, v, wo_id, "IN_PROGRESS", note="crew on site")
        assert wo.status.value == "IN_PROGRESS" and wo.closed_at is None
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        wo = wos.change_status(s, v, wo_id, "done", resolution_note="Inverter swapped",
                               cause_code="inverter_hw_fault")
        assert wo.closed_at is not None
        with pytest.raises(Conflict, match=r"cannot move to cancelled \(it can move to open \(reopen\)\)"):
            wos.change_status(s, v, wo_id, "CANCELLED")
        with pytest.raises(Conflict, match="is done"):
            wos.assign_plant(s, v, wo_id, fleet.plants["sunrise-3"])
    with main_session(SYSTEM_CONTEXT) as s:
        d = wos.get_work_order(s, viewer(s, "sunrise"), wo_id)
        assert not any(p.is_active for p in d.plants)
        assert all(p.deactivated_by == "ops@sunrise.demo.woms" for p in d.plants)
        assert d.summary.plant_names == ["Sunrise plant 1", "Sunrise plant 2"]
        assert [(h.kind, h.to_status and h.to_status.value) for h in d.history] == [
            ("status", "DONE"), ("status", "IN_PROGRESS"), ("created", "OPEN")]
        assert "2 plant(s) released" in d.history[0].note and d.history[1].note == "crew on site"
        assert "Inverter swapped" in d.history[0].note and "Inverter trip / Inverter hardware fault" in d.history[0].note
        assert d.next_statuses == (WorkOrderStatus.OPEN,)  # reopen
    # the plants are free again
    _create(plants=("sunrise-1",), fleet=fleet, title="Follow-up")


def test_cancel_from_open_and_deactivate_then_reassign(fleet):
    wo_id = _create(fleet=fleet)
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        wos.deactivate_plant(s, v, wo_id, fleet.plants["sunrise-2"])
        with pytest.raises(Conflict, match="not active"):
            wos.deactivate_plant(s, v, wo_id, fleet.plants["sunrise-2"])
    other = _create(plants=("sunrise-2",), fleet=fleet, title="Other")  # freed by the deactivation
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        wos.deactivate_plant(s, v, other, fleet.plants["sunrise-2"])
        wos.assign_plant(s, v, wo_id, fleet.plants["sunrise-2"])
        with pytest.raises(Conflict, match="already on this work order"):
            wos.assign_plant(s, v, wo_id, fleet.plants["sunrise-2"])
        with pytest.raises(ValidationFailed, match="another organization"):
            wos.assign_plant(s, viewer(s, "admin"), wo_id, fleet.plants["helios-1"])
        wos.change_status(s, v, wo_id, "CANCELLED", note="Duplicate of the vendor's ticket")
    with main_session(SYSTEM_CONTEXT) as s:
        d = wos.get_work_order(s, viewer(s, "sunrise"), wo_id)
        assert d.summary.status.value == "CANCELLED" and d.summary.closed_at is not None
        assert d.closure.cancel_reason == "Duplicate of the vendor's ticket"
        kinds = [h.kind for h in d.history]
        assert kinds == ["status", "plant_added", "plant_removed", "created"]
        assert len(d.plants) == 3  # sunrise-2 twice (history kept), sunrise-1


def test_list_filters_search_and_pagination(fleet):
    ids = [_create(plants=(f"sunrise-{i}",), fleet=fleet, title=f"Job {i}", priority=p)
           for i, p in ((1, "LOW"), (2, "HIGH"), (3, "HIGH"))]
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        wos.change_status(s, v, ids[0], "IN_PROGRESS")
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        assert [w.id for w in wos.list_work_orders(s, v).items] == ids[::-1]  # newest first
        assert wos.list_work_orders(s, v, priority="HIGH").total == 2
        assert [w.id for w in wos.list_work_orders(s, v, status="IN_PROGRESS").items] == [ids[0]]
        assert [w.id for w in wos.list_work_orders(s, v, plant_id=fleet.plants["sunrise-2"]).items] == [ids[1]]
        assert [w.id for w in wos.list_work_orders(s, v, search="job 3").items] == [ids[2]]
        assert [w.id for w in wos.list_work_orders(s, v, search=f"#{ids[1]}").items] == [ids[1]]
        assert wos.list_work_orders(s, v, search="%").total == 0  # wildcards are literal
        p2 = wos.list_work_orders(s, v, page=2, page_size=2)
        assert p2.total == 3 and [w.id for w in p2.items] == [ids[0]]
        with pytest.raises(ValidationFailed):
            wos.list_work_orders(s, v, page_size=500)
        with pytest.raises(ValidationFailed) as exc:
            wos.list_work_orders(s, v, status="NOPE")
        assert exc.value.field == "status"


def test_create_from_alert_prefills_and_links(fleet):
    alert_id = fleet.alerts["sunrise-critical"]
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        draft = wos.draft_from_alert(s, v, alert_id)
        assert draft.priority.value == "CRITICAL" and draft.plant_ids == [fleet.plants["sunrise-1"]]
        assert draft.title == "Critical fault 0 — Sunrise plant 1"
        assert "Inverter 2 offline" in draft.description and "E0" in draft.description
        wo = wos.create_work_order(s, v, title=draft.title, description=draft.description, priority=draft.priority,
                                   plant_ids=draft.plant_ids, alert_id=draft.alert_id)
        wo_id = wo.id
    with main_session(SYSTEM_CONTEXT) as s:
        v = viewer(s, "sunrise")
        assert s.get(Alert, alert_id).work_order_id == wo_id
        d = wos.get_work_order(s, v, wo_id)
        assert [a.id for a in d.alerts] == [alert_id]
        assert "alert_linked" in [h.kind for h in d.history]
        with pytest.raises(NotFound):
            wos.draft_from_alert(s, viewer(s, "helios"), alert_id)
        v = viewer(s, "sunrise")  # resolving a viewer makes the session act for it (row-level security)
        with pytest.raises(Conflict, match=f"already linked to active work order #{wo_id}"):
            wos.create_work_order(s, v, title="Again", plant_ids=[fleet.plants["sunrise-3"]], alert_id=alert_id)
        with pytest.raises(ValidationFailed, match="another organization"):
            wos.create_work_order(s, viewer(s, "admin"), title="Mismatch", plant_ids=[fleet.plants["helios-3"]],
                                  alert_id=fleet.alerts["sunrise-minor"])
    with main_session(SYSTEM_CONTEXT) as s:
        events = s.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == wo_id)).all()
        assert all(e.account_id is not None for e in events)


def test_writes_are_announced_on_the_change_feed_after_commit_only(fleet):
    from woms_app.core import feed

    seen = []
    unsubscribe = feed.subscribe(seen.append)
    try:
        wo_id = _create(fleet=fleet)
        assert [(c.org_id, set(c.topics)) for c in seen] == [(fleet.orgs["sunrise"], {"work_orders", "plants"})]
        seen.clear()
        with main_session(SYSTEM_CONTEXT) as s:
            wos.change_status(s, viewer(s, "sunrise"), wo_id, "IN_PROGRESS")
        assert [set(c.topics) for c in seen] == [{"work_orders"}]
        seen.clear()
        with pytest.raises(Conflict):  # refused: rolled back, nothing announced
            _create(plants=("sunrise-1",), fleet=fleet, title="Busy")
        assert seen == []
        with main_session(SYSTEM_CONTEXT) as s:
            wos.create_work_order(s, viewer(s, "admin"), title="From alert", plant_ids=[fleet.plants["helios-1"]],
                                  alert_id=fleet.alerts["helios-critical"])
        assert [(c.org_id, set(c.topics)) for c in seen] == [(fleet.orgs["helios"], {"work_orders", "plants", "alerts"})]
    finally:
        unsubscribe()


@pytest.mark.pg
@pytest.mark.parametrize("fresh_databases", ["pg"], indirect=True)
def test_the_whole_flow_as_the_non_owner_app_role_under_row_level_security(pg_dbs):
    """On PostgreSQL the app connects as a role bound by the RLS policies: every path still works."""
    from tests.conftest import use_databases
    from woms_app.services.seed import seed_demo

    use_databases(pg_dbs.main_url, pg_dbs.telemetry_url)
    with main_session(SYSTEM_CONTEXT) as s:  # as the owner: demo data
        seed_demo(s)
        fleet = build_fleet(s)
    use_databases(as_app_role(pg_dbs.main_url), as_app_role(pg_dbs.telemetry_url))
    try:
        a = _create("sunrise", plants=("sunrise-1",), fleet=fleet, title="RLS A",
                    alert_id=fleet.alerts["sunrise-critical"])
        b = _create("sunrise", plants=("sunrise-2",), fleet=fleet, title="RLS B")
        with Session(main_engine()) as s:  # the policies bind this connection: no viewer context, no rows
            assert s.exec(select(WorkOrder)).all() == []
        with main_session(SYSTEM_CONTEXT) as s:
            assert wos.list_work_orders(s, viewer(s, "helios")).total == 0
            assert wos.list_work_orders(s, viewer(s, "govt")).total == 2
            with pytest.raises(Conflict, match=f"#{a} 'RLS A'"):
                wos.assign_plant(s, viewer(s, "sunrise"), b, fleet.plants["sunrise-1"])
        monkey_free = wos._refuse_busy
        wos._refuse_busy = lambda *args, **kw: None  # let the database index answer
        try:
            with main_session(SYSTEM_CONTEXT) as s:
                with pytest.raises(Conflict, match=f"#{a} 'RLS A'"):
                    wos.assign_plant(s, viewer(s, "sunrise"), b, fleet.plants["sunrise-1"])
        finally:
            wos._refuse_busy = monkey_free
        with main_session(SYSTEM_CONTEXT) as s:
            v = viewer(s, "sunrise")
            wos.change_status(s, v, a, "CANCELLED", note="Raised twice")
        with main_session(SYSTEM_CONTEXT) as s:
            v = viewer(s, "sunrise")
            wos.assign_plant(s, v, b, fleet.plants["sunrise-1"])  # freed by the cancellation
            d = wos.get_work_order(s, v, a)
            assert [x.id for x in d.alerts] == [fleet.alerts["sunrise-critical"]]
            assert not any(p.is_active for p in d.plants)
    finally:
        use_databases(pg_dbs.main_url, pg_dbs.telemetry_url)
