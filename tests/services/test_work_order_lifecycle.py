"""Issue 16's work orders: technicians and the one permission check, type / assignee / due, the lifecycle with
on hold and reopen, closure codes and downtime, SLA clocks (the clock frozen), comments, list filters and the
dashboard's overdue / due-soon counts. Real databases (tests/conftest.py), the demo organizations and accounts."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.wo_fleet import T0, account_id, build_fleet, viewer
from woms_app.core import clock, feed
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from woms_app.models import AuditLog, SlaTarget, Vendor, WorkOrder, WorkOrderComment, WorkOrderEvent, WorkOrderPlant
from woms_app.services import closure_codes, dashboard, sla, vendors
from woms_app.services import work_order_comments as comments
from woms_app.services import work_orders as wos

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def fleet(demo):
    clock.freeze(NOW)
    with main_session(SYSTEM_CONTEXT) as s:
        f = build_fleet(s)
    yield f
    clock.freeze(None)


def _create(fleet, who="sunrise", plants=("sunrise-1",), **kw) -> int:
    with main_session(SYSTEM_CONTEXT) as s:
        return wos.create_work_order(s, viewer(s, who), title=kw.pop("title", "Inverter 2 offline"),
                                     plant_ids=[fleet.plants[p] for p in plants], **kw).id


def _move(wo_id, who, status, **kw):
    with main_session(SYSTEM_CONTEXT) as s:
        return wos.change_status(s, viewer(s, who), wo_id, status, **kw)


def _row(wo_id) -> dict:
    """Everything stored about a work order (what "changes nothing" compares)."""
    with main_session(SYSTEM_CONTEXT) as s:
        wo = s.get(WorkOrder, wo_id).model_dump()
        links = [link.model_dump() for link in s.exec(select(WorkOrderPlant).where(
            WorkOrderPlant.work_order_id == wo_id).order_by(WorkOrderPlant.id)).all()]
        events = s.exec(select(sa.func.count()).select_from(WorkOrderEvent)
                        .where(WorkOrderEvent.work_order_id == wo_id)).one()
        audits = s.exec(select(sa.func.count()).select_from(AuditLog)).one()
        return {"wo": wo, "links": links, "events": events, "audit": audits}


DONE_OK = {"resolution_note": "Replaced the blown fuse of string 4", "problem_code": "string_dc_fault",
           "cause_code": "dc_fuse", "remedy_code": "dc_replace_fuse"}


# ---------------------------------------------------------------- people

def test_technicians_work_unassigned_and_own_work_orders_only(fleet):
    wo_id = _create(fleet)  # by the manager, unassigned
    with main_session(SYSTEM_CONTEXT) as s:  # (viewer() binds the session's row-level context to that account)
        assert viewer(s, "sunrise").is_manager and viewer(s, "admin").is_manager and not viewer(s, "govt").is_manager
        t1 = viewer(s, "tech1")
        assert t1.is_technician and not t1.is_manager
        assert wos.workable_work_order(s, t1, wo_id).id == wo_id  # unassigned: anyone of the org works it
        wos.update_work_order(s, t1, wo_id, assignee_id=t1.account_id)  # takes it
    before = _row(wo_id)
    with main_session(SYSTEM_CONTEXT) as s:
        t2 = viewer(s, "tech2")
        with pytest.raises(Forbidden, match=r"assigned to tech1@sunrise.demo.woms: only they or a manager"):
            wos.workable_work_order(s, t2, wo_id)
        with pytest.raises(Forbidden):
            wos.change_status(s, t2, wo_id, "IN_PROGRESS")
        with pytest.raises(Forbidden):
            comments.add_comment(s, t2, wo_id, "I'll do it")
        with pytest.raises(NotFound):  # another organization's technician: not found, as always
            wos.workable_work_order(s, viewer(s, "helios-tech"), wo_id)
        with pytest.raises(Forbidden, match="Read-only"):
            wos.workable_work_order(s, viewer(s, "govt"), wo_id)
    assert _row(wo_id) == before
    # the assignee works it; the manager too
    _move(wo_id, "tech1", "IN_PROGRESS")
    _move(wo_id, "sunrise", "ON_HOLD", note="Waiting for the fuse")


def test_a_technician_creates_a_field_find_but_delegates_nothing(fleet):
    wo_id = _create(fleet, who="tech1", wo_type="inspection", priority="HIGH")
    with main_session(SYSTEM_CONTEXT) as s:
        t1 = viewer(s, "tech1")
        d = wos.get_work_order(s, t1, wo_id)
        assert d.summary.created_by == "tech1@sunrise.demo.woms" and d.summary.wo_type.value == "inspection"
        with pytest.raises(Forbidden, match="only to themselves"):
            wos.create_work_order(s, t1, title="For Vikram", plant_ids=[fleet.plants["sunrise-2"]],
                                  assignee_id=account_id(s, "tech2"))
        with pytest.raises(Forbidden, match="only to themselves"):
            wos.update_work_order(s, t1, wo_id, assignee_id=account_id(s, "tech2"))
        with pytest.raises(Forbidden, match="priority"):
            wos.update_work_order(s, t1, wo_id, priority="LOW")
        with pytest.raises(Forbidden, match="due time"):
            wos.update_work_order(s, t1, wo_id, due_at=NOW + timedelta(days=1))
        wos.update_work_order(s, t1, wo_id, title="Inspection: cracked module row 3", wo_type="corrective")
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.get(WorkOrder, wo_id).title == "Inspection: cracked module row 3"


def test_technicians_are_refused_vendor_and_sla_target_writes_and_change_nothing(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        t1 = viewer(s, "tech1")
        vendor_id = s.exec(select(Vendor.id).where(Vendor.org_id == fleet.orgs["sunrise"])).first()
        with pytest.raises(Forbidden, match="Technicians cannot manage vendor integrations"):
            vendors.delete_vendor(s, t1, vendor_id, remove_plants=True)
        with pytest.raises(Forbidden, match="Technicians cannot change the SLA targets"):
            sla.set_sla_targets(s, t1, [{"priority": "HIGH", "response_minutes": 1, "resolution_minutes": 2}])
        assert [t.is_default for t in sla.list_sla_targets(s, t1)] == [True] * 4  # they read them
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.get(Vendor, vendor_id) is not None
        assert s.exec(select(SlaTarget)).all() == []
        assert s.exec(select(AuditLog).where(AuditLog.account_email == "tech1@sunrise.demo.woms")).all() == []


# ---------------------------------------------------------------- type, assignee, due

def test_create_and_update_with_type_assignee_due_audited_in_history_and_announced(fleet):
    seen = []
    unsubscribe = feed.subscribe(seen.append)
    try:
        with main_session(SYSTEM_CONTEXT) as s:
            tech = account_id(s, "tech1")
        wo_id = _create(fleet, wo_type="cleaning", assignee_id=tech, due_at=NOW + timedelta(hours=6))
        seen.clear()
        with main_session(SYSTEM_CONTEXT) as s:
            m = viewer(s, "sunrise")
            wos.update_work_order(s, m, wo_id, priority="CRITICAL", assignee_id=None, due_at=None,
                                  description="Rows 1-4")
        assert [set(c.topics) for c in seen] == [{"work_orders"}]
        with main_session(SYSTEM_CONTEXT) as s:
            d = wos.get_work_order(s, viewer(s, "sunrise"), wo_id)
            assert d.summary.assignee == "" and d.summary.due_at is None and d.summary.priority.value == "CRITICAL"
            assert d.summary.wo_type.value == "cleaning" and d.description == "Rows 1-4"
            kinds = [(h.kind, h.note) for h in d.history]
            assert kinds[0][0] == "updated" and "assignee tech1@sunrise.demo.woms → nobody" in kinds[0][1]
            assert "priority medium → critical" in kinds[0][1] and "due time removed" in kinds[0][1]
            assert "assigned to tech1@sunrise.demo.woms" in kinds[-1][1] and "type cleaning" in kinds[-1][1]
            assert s.exec(select(AuditLog).where(AuditLog.action == "update", AuditLog.entity == "work_orders",
                                                 AuditLog.entity_id == str(wo_id))).first() is not None
            # the clocks moved with the priority: medium 24 h / 7 d → critical 4 h / 24 h from the same start
            wo = s.get(WorkOrder, wo_id)
            assert wo.response_due_at == NOW + timedelta(hours=4) and wo.resolution_due_at == NOW + timedelta(days=1)
    finally:
        unsubscribe()


def test_the_assignee_must_be_an_active_account_of_the_organization(fleet):
    wo_id = _create(fleet)
    before = _row(wo_id)
    with main_session(SYSTEM_CONTEXT) as s:
        m = viewer(s, "sunrise")
        for other in ("helios", "helios-tech", "govt", "admin"):
            with pytest.raises(ValidationFailed, match="active account of the work order's organization") as exc:
                wos.update_work_order(s, m, wo_id, assignee_id=account_id(s, other))
            assert exc.value.field == "assignee_id"
        with pytest.raises(ValidationFailed, match="active account"):
            wos.update_work_order(s, m, wo_id, assignee_id=999_999)
        with pytest.raises(ValidationFailed, match="time zone"):
            wos.update_work_order(s, m, wo_id, due_at=datetime(2026, 3, 3, 9, 0))
        with pytest.raises(ValidationFailed, match="before the work order was created"):
            wos.update_work_order(s, m, wo_id, due_at=NOW - timedelta(days=1))
        with pytest.raises(ValidationFailed, match="type must be one of corrective, preventive"):
            wos.update_work_order(s, m, wo_id, wo_type="repair")
    with main_session(SYSTEM_CONTEXT) as s:  # a deactivated colleague is no assignee either
        tech2 = s.get(__import__("woms_app.models", fromlist=["Account"]).Account, account_id(s, "tech2"))
        tech2.is_active = False
        s.add(tech2)
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(ValidationFailed):
            wos.update_work_order(s, viewer(s, "sunrise"), wo_id, assignee_id=account_id(s, "tech2"))
    assert _row(wo_id) == before


# ---------------------------------------------------------------- lifecycle

def test_an_illegal_transition_is_refused_naming_the_allowed_ones_and_changes_nothing(fleet):
    wo_id = _create(fleet)
    before = _row(wo_id)
    for target, allowed in (("DONE", "in progress or cancelled"), ("ON_HOLD", "in progress or cancelled"),
                            ("OPEN", "in progress or cancelled")):
        with main_session(SYSTEM_CONTEXT) as s:
            with pytest.raises(Conflict, match=f"is open: it cannot move to .* \\(it can move to {allowed}\\)"):
                wos.change_status(s, viewer(s, "sunrise"), wo_id, target, **DONE_OK)
    assert _row(wo_id) == before
    _move(wo_id, "sunrise", "IN_PROGRESS")
    _move(wo_id, "sunrise", "ON_HOLD")
    before = _row(wo_id)
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(Conflict, match="on hold: it cannot move to done"):
            wos.change_status(s, viewer(s, "sunrise"), wo_id, "DONE", **DONE_OK)
        d = wos.get_work_order(s, viewer(s, "sunrise"), wo_id)
        assert [t.value for t in d.next_statuses] == ["IN_PROGRESS", "CANCELLED"]
    assert _row(wo_id) == before


def test_done_needs_a_resolution_and_a_cause_of_the_problem(fleet):
    wo_id = _create(fleet)
    _move(wo_id, "sunrise", "IN_PROGRESS")
    before = _row(wo_id)
    bad = [({"cause_code": "dc_fuse"}, "resolution_note", "resolution note is required"),
           ({"resolution_note": "Fixed"}, "cause_code", "cause code is required"),
           ({"resolution_note": "Fixed", "cause_code": "nope"}, "cause_code", "Unknown cause code"),
           ({"resolution_note": "Fixed", "cause_code": "soiling"}, "cause_code", "Unknown cause code"),  # a problem
           ({"resolution_note": "Fixed", "problem_code": "soiling", "cause_code": "dc_fuse"}, "cause_code",
            "is not a cause of problem 'Soiling'"),
           ({"resolution_note": "Fixed", "cause_code": "dc_fuse", "remedy_code": "soiling_clean"}, "remedy_code",
            "is not a remedy of problem 'String or DC fault'"),
           ({**DONE_OK, "downtime_start": NOW, "downtime_end": NOW - timedelta(hours=1)}, "downtime_end",
            "cannot end before it starts"),
           ({**DONE_OK, "downtime_end": NOW + timedelta(hours=1)}, "downtime_end", "cannot end in the future"),
           ({**DONE_OK, "downtime_start": datetime(2026, 3, 1)}, "downtime_start", "time zone")]
    for kw, fld, msg in bad:
        with main_session(SYSTEM_CONTEXT) as s:
            with pytest.raises(ValidationFailed, match=msg) as exc:
                wos.change_status(s, viewer(s, "sunrise"), wo_id, "DONE", **kw)
            assert exc.value.field == fld, kw
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(ValidationFailed, match="reason is required to cancel"):
            wos.change_status(s, viewer(s, "sunrise"), wo_id, "CANCELLED")
    assert _row(wo_id) == before
    clock.freeze(NOW + timedelta(hours=5))
    _move(wo_id, "sunrise", "DONE", **{k: v for k, v in DONE_OK.items() if k != "problem_code"})
    with main_session(SYSTEM_CONTEXT) as s:
        d = wos.get_work_order(s, viewer(s, "sunrise"), wo_id)
        c = d.closure
        assert (c.problem_code, c.cause_code, c.remedy_code) == ("string_dc_fault", "dc_fuse", "dc_replace_fuse")
        assert c.problem == "String or DC fault" and c.cause == "Blown string fuse"
        # downtime defaults: from the SLA start (the creation here) to the done time
        assert (c.downtime_start, c.downtime_end) == (NOW, NOW + timedelta(hours=5))
        assert c.resolution_note == DONE_OK["resolution_note"]
        assert "String or DC fault / Blown string fuse → Replace the fuse" in d.history[0].note


def test_on_hold_holds_its_plants_and_cancel_from_hold_records_the_reason(fleet):
    wo_id = _create(fleet)
    _move(wo_id, "sunrise", "IN_PROGRESS")
    _move(wo_id, "sunrise", "ON_HOLD", note="Spare part ordered")
    with pytest.raises(Conflict, match="already on active work order"):  # on hold is active: the plant is held
        _create(fleet, title="Second job")
    _move(wo_id, "sunrise", "CANCELLED", note="Plant to be decommissioned")
    with main_session(SYSTEM_CONTEXT) as s:
        d = wos.get_work_order(s, viewer(s, "sunrise"), wo_id)
        assert d.closure.cancel_reason == "Plant to be decommissioned" and not any(p.is_active for p in d.plants)
        assert [(h.from_status and h.from_status.value, h.to_status and h.to_status.value) for h in d.history][:3] \
            == [("ON_HOLD", "CANCELLED"), ("IN_PROGRESS", "ON_HOLD"), ("OPEN", "IN_PROGRESS")]
        assert d.history[1].note == "Spare part ordered" and d.history[0].who == "ops@sunrise.demo.woms"


def test_reopen_holds_the_released_plants_again_or_is_refused_when_one_is_busy(fleet):
    wo_id = _create(fleet, plants=("sunrise-1", "sunrise-2"))
    _move(wo_id, "sunrise", "IN_PROGRESS")
    _move(wo_id, "sunrise", "DONE", **DONE_OK)
    other = _create(fleet, plants=("sunrise-2",), title="Follow-up")  # takes a released plant
    before = _row(wo_id)
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(Conflict, match=f"Plant Sunrise plant 2 is already on active work order #{other}"):
            wos.change_status(s, viewer(s, "sunrise"), wo_id, "OPEN")
    assert _row(wo_id) == before
    _move(other, "sunrise", "CANCELLED", note="Merged into the first")
    clock.freeze(NOW + timedelta(days=2))
    wo = _move(wo_id, "sunrise", "OPEN", note="Fuse blew again")
    assert wo.closed_at is None and wo.cause_code is None and wo.resolution_note == ""
    # the resolution clock restarts at the reopen (MEDIUM: 7 days); the response stays answered
    assert wo.resolution_due_at == NOW + timedelta(days=2 + 7) and wo.responded_at == NOW
    with main_session(SYSTEM_CONTEXT) as s:
        d = wos.get_work_order(s, viewer(s, "sunrise"), wo_id)
        assert sorted(p.plant_name for p in d.plants if p.is_active) == ["Sunrise plant 1", "Sunrise plant 2"]
        assert d.history[0].note.startswith("Reopened; Fuse blew again; plants held again:")
        assert d.summary.sla.resolution.state == "running"


# ---------------------------------------------------------------- SLA clocks

def test_sla_pause_and_resume_arithmetic_with_the_clock_frozen(fleet):
    wo_id = _create(fleet, priority="HIGH")  # 8 h to respond, 72 h to resolve, from NOW
    clock.freeze(NOW + timedelta(hours=2))
    _move(wo_id, "sunrise", "IN_PROGRESS")
    clock.freeze(NOW + timedelta(hours=10))
    _move(wo_id, "sunrise", "ON_HOLD", note="Waiting for the utility")
    with main_session(SYSTEM_CONTEXT) as s:
        wo = s.get(WorkOrder, wo_id)
        assert wo.responded_at == NOW + timedelta(hours=2) and wo.hold_started_at == NOW + timedelta(hours=10)
        # 30 h into the hold the clock still shows what was left when the hold began (72 - 10 = 62 h)
        v = sla.sla_view(wo, NOW + timedelta(hours=40))
        assert v.paused and v.response.state == "met"
        assert v.resolution.state == "running" and v.resolution.remaining_seconds == 62 * 3600
        assert v.resolution.due_at == NOW + timedelta(hours=72 + 30)
    clock.freeze(NOW + timedelta(hours=40))
    _move(wo_id, "sunrise", "IN_PROGRESS")
    with main_session(SYSTEM_CONTEXT) as s:
        wo = s.get(WorkOrder, wo_id)
        assert wo.held_seconds == 30 * 3600 and wo.hold_started_at is None
        assert wo.resolution_due_at == NOW + timedelta(hours=102)  # moved later by the hold
        v = sla.sla_view(wo, NOW + timedelta(hours=41))
        assert not v.paused and v.resolution.remaining_seconds == 61 * 3600
        assert "held 30 h 00 min" in wos.get_work_order(s, viewer(s, "sunrise"), wo_id).history[0].note
    # a second hold adds up; done after the (moved) due time is a breach by the right amount
    clock.freeze(NOW + timedelta(hours=50))
    _move(wo_id, "sunrise", "ON_HOLD")
    clock.freeze(NOW + timedelta(hours=60))
    _move(wo_id, "sunrise", "IN_PROGRESS")
    clock.freeze(NOW + timedelta(hours=113))
    wo = _move(wo_id, "sunrise", "DONE", **DONE_OK)
    assert wo.held_seconds == 40 * 3600 and wo.resolution_due_at == NOW + timedelta(hours=112)
    v = sla.sla_view(wo, NOW + timedelta(hours=200))
    assert v.resolution.state == "breached" and v.resolution.overdue_seconds == 3600


def test_response_clock_breach_and_the_pure_view(fleet):
    wo_id = _create(fleet, priority="CRITICAL")  # 4 h / 24 h
    with main_session(SYSTEM_CONTEXT) as s:
        wo = s.get(WorkOrder, wo_id)
        v = sla.sla_view(wo, NOW + timedelta(hours=1))
        assert (v.response.state, v.response.remaining_seconds) == ("running", 3 * 3600)
        v = sla.sla_view(wo, NOW + timedelta(hours=5))
        assert (v.response.state, v.response.overdue_seconds) == ("breached", 3600)
    clock.freeze(NOW + timedelta(hours=5))
    _move(wo_id, "sunrise", "IN_PROGRESS")
    with main_session(SYSTEM_CONTEXT) as s:
        v = wos.get_work_order(s, viewer(s, "sunrise"), wo_id).summary.sla
        assert v.response.state == "breached" and v.response.overdue_seconds == 3600
        assert v.resolution.state == "running" and v.resolution.remaining_seconds == 19 * 3600


def test_a_work_order_from_an_alert_starts_its_clocks_at_the_alert_start(fleet):
    # the critical alert of Sunrise plant 1 started at T0 (a day and 4 h before NOW)
    wo_id = _create(fleet, alert_id=fleet.alerts["sunrise-critical"], priority="CRITICAL")
    with main_session(SYSTEM_CONTEXT) as s:
        wo = s.get(WorkOrder, wo_id)
        assert wo.sla_started_at == T0 and wo.created_at == NOW
        assert wo.response_due_at == T0 + timedelta(hours=4) and wo.resolution_due_at == T0 + timedelta(hours=24)
        v = wos.get_work_order(s, viewer(s, "sunrise"), wo_id).summary.sla
        assert v.response.state == "breached" and v.resolution.state == "breached"  # noticed too late
        assert wos.list_work_orders(s, viewer(s, "sunrise"), overdue=True).total == 1


def test_an_organization_sets_its_own_targets_and_new_work_orders_use_them(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        m = viewer(s, "sunrise")
        with pytest.raises(ValidationFailed, match="cannot be longer than the resolution"):
            sla.set_sla_targets(s, m, [{"priority": "HIGH", "response_minutes": 600, "resolution_minutes": 60}])
        with pytest.raises(ValidationFailed, match="whole number of minutes"):
            sla.set_sla_targets(s, m, [{"priority": "HIGH", "response_minutes": "1h", "resolution_minutes": 60}])
        with pytest.raises(ValidationFailed, match="priority must be one of"):
            sla.set_sla_targets(s, m, [{"priority": "URGENT", "response_minutes": 1, "resolution_minutes": 60}])
        with pytest.raises(NotFound):  # another organization's targets
            sla.set_sla_targets(s, m, [{"priority": "HIGH", "response_minutes": 1, "resolution_minutes": 60}],
                                org_id=fleet.orgs["helios"])
        views = sla.set_sla_targets(s, m, [{"priority": "HIGH", "response_minutes": 30, "resolution_minutes": 240}])
        assert [(v.priority.value, v.response_minutes, v.is_default) for v in views][:2] == [
            ("CRITICAL", 240, True), ("HIGH", 30, False)]
    wo_id = _create(fleet, priority="HIGH")
    other = _create(fleet, who="helios", plants=("helios-1",), priority="HIGH")
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.get(WorkOrder, wo_id).resolution_due_at == NOW + timedelta(hours=4)
        assert s.get(WorkOrder, other).resolution_due_at == NOW + timedelta(hours=72)  # Helios: the defaults
        assert s.exec(select(AuditLog).where(AuditLog.entity == "sla_targets")).one().org_id == fleet.orgs["sunrise"]


# ---------------------------------------------------------------- lists and the dashboard

def test_overdue_and_due_soon_filters_sort_and_dashboard_counts(fleet):
    late = _create(fleet, plants=("sunrise-1",), title="Late", due_at=NOW + timedelta(hours=1))
    soon = _create(fleet, plants=("sunrise-2",), title="Soon", priority="CRITICAL")  # resolution in 24 h
    later = _create(fleet, plants=("sunrise-3",), title="Later", priority="LOW", due_at=NOW + timedelta(days=3))
    held = _create(fleet, who="helios", plants=("helios-1",), title="Held", priority="CRITICAL")
    _move(held, "helios", "IN_PROGRESS")
    _move(held, "helios", "ON_HOLD")
    clock.freeze(NOW + timedelta(hours=2))  # "Late" is past its own due time; "Held" would be, but is paused
    with main_session(SYSTEM_CONTEXT) as s:
        m, admin = viewer(s, "sunrise"), viewer(s, "admin")
        ids = lambda page: [w.id for w in page.items]  # noqa: E731
        assert ids(wos.list_work_orders(s, m, overdue=True)) == [late]
        assert ids(wos.list_work_orders(s, m, due_within_hours=24)) == [soon]
        assert ids(wos.list_work_orders(s, m, due_within_hours=24 * 4, sort="due")) == [soon, later]
        assert ids(wos.list_work_orders(s, m, sort="due")) == [late, soon, later]
        assert ids(wos.list_work_orders(s, admin, overdue=True)) == [late]
        with pytest.raises(ValidationFailed):
            wos.list_work_orders(s, m, due_within_hours=0)
        summary = dashboard.summary(s, admin)
        assert (summary.overdue_work_orders, summary.due_soon_work_orders) == (1, 1)
        per_org = {f.org_name: (f.overdue_work_orders, f.due_soon_work_orders) for f in summary.organizations}
        assert per_org == {"Sunrise Energy": (1, 1), "Helios Power": (0, 0)}
        assert dashboard.summary(s, viewer(s, "helios")).overdue_work_orders == 0
    # the hold ends: the paused time is not counted, the clock runs again (24 h - 0 h used, moved by 2 h)
    _move(held, "helios", "IN_PROGRESS")
    with main_session(SYSTEM_CONTEXT) as s:
        assert [w.id for w in wos.list_work_orders(s, viewer(s, "helios"), due_within_hours=24).items] == [held]


# ---------------------------------------------------------------- comments and the taxonomy

def test_comments_are_read_by_whoever_sees_and_written_by_whoever_works(fleet):
    wo_id = _create(fleet)
    seen = []
    unsubscribe = feed.subscribe(seen.append)
    try:
        with main_session(SYSTEM_CONTEXT) as s:
            c = comments.add_comment(s, viewer(s, "tech1"), wo_id, "  Fuse blown on string 4  ")
            assert c.body == "Fuse blown on string 4" and c.author == "tech1@sunrise.demo.woms"
        assert [(x.org_id, set(x.topics)) for x in seen] == [(fleet.orgs["sunrise"], {"work_orders"})]
        clock.freeze(NOW + timedelta(minutes=5))
        with main_session(SYSTEM_CONTEXT) as s:
            comments.add_comment(s, viewer(s, "sunrise"), wo_id, "Spare in the van")
            for bad in ("", "   ", "x" * 4001):
                with pytest.raises(ValidationFailed, match="1–4000"):
                    comments.add_comment(s, viewer(s, "sunrise"), wo_id, bad)
            with pytest.raises(Forbidden):
                comments.add_comment(s, viewer(s, "govt"), wo_id, "Noted")
            with pytest.raises(NotFound):
                comments.add_comment(s, viewer(s, "helios"), wo_id, "Hello")
            with pytest.raises(NotFound):
                comments.list_comments(s, viewer(s, "helios"), wo_id)
        with main_session(SYSTEM_CONTEXT) as s:
            got = comments.list_comments(s, viewer(s, "govt"), wo_id)
            assert [(x.author, x.body) for x in got] == [("tech1@sunrise.demo.woms", "Fuse blown on string 4"),
                                                         ("ops@sunrise.demo.woms", "Spare in the van")]
            assert s.exec(select(sa.func.count()).select_from(WorkOrderComment)).one() == 2
            assert len(s.exec(select(AuditLog).where(AuditLog.action == "comment")).all()) == 2
            assert s.exec(select(AuditLog).where(AuditLog.role == "GOVT",
                                                 AuditLog.entity == "work_order_comments")).first() is not None
    finally:
        unsubscribe()


def test_the_closure_taxonomy_is_seeded_with_solar_failure_modes(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        tree = closure_codes.closure_tree(s, viewer(s, "govt"))
    assert [p.code for p in tree] == ["inverter_trip", "string_dc_fault", "insulation_fault", "soiling",
                                      "shading_vegetation", "grid_outage", "communication_loss", "tracker", "other"]
    assert all(p.causes and p.remedies for p in tree)
    codes = [c.code for p in tree for c in p.causes + p.remedies] + [p.code for p in tree]
    assert len(codes) == len(set(codes))


def test_done_stores_the_energy_lost_over_the_downtime_from_the_kpi_model(fleet):
    """Lost energy = expected − actual over the downtime window, from the same model as the KPIs (the readings as
    the KPI job loads them, analytics.expected_power, the 300 s interval rule), computed when the work order closes."""
    from tests import factories
    from woms_app import analytics
    from woms_app.core.db import telemetry_session
    from woms_app.models import Plant
    from woms_app.services import kpis

    start = NOW - timedelta(hours=3)
    instants = [start + timedelta(minutes=5 * k) for k in range(25)]  # 2 h of 5-minute readings
    with main_session(SYSTEM_CONTEXT) as s:
        plant = s.get(Plant, fleet.plants["sunrise-1"])
        plant.has_irradiance_sensor = True
        s.add(plant)
        org_id = plant.org_id
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        factories.readings(tel, fleet.plants["sunrise-1"], org_id, instants, lambda k: 20.0 + k % 3,
                           irradiance_w_m2=800.0, temperature_c=45.0)
    wo_id = _create(fleet)
    _move(wo_id, "sunrise", "IN_PROGRESS")
    _move(wo_id, "sunrise", "DONE", **DONE_OK, downtime_start=start, downtime_end=start + timedelta(hours=2))
    with main_session(SYSTEM_CONTEXT) as s:
        wo = s.get(WorkOrder, wo_id)
        lost = wo.lost_energy_kwh
        d = wos.get_work_order(s, viewer(s, "sunrise"), wo_id)
        plant = s.get(Plant, fleet.plants["sunrise-1"])
        spec = kpis.plant_spec(plant)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        curve = analytics.expected_power(kpis.load_readings(tel, plant.id, start, start + timedelta(hours=2)), spec)
    expected, actual = analytics.interval_energy(curve, "P_exp"), analytics.interval_energy(curve, "P")
    assert actual == pytest.approx((21.0 * 24) / 12, rel=0.02)  # ~21 kW for 2 h
    assert expected > actual and lost == pytest.approx(expected - actual, abs=0.001)
    assert d.closure.lost_energy_kwh == lost
    # a reopen forgets it (the next closure computes its own)
    clock.freeze(NOW + timedelta(hours=1))
    assert _move(wo_id, "sunrise", "OPEN").lost_energy_kwh is None


# ---------------------------------------------------------------- notifications of the work order's events

def _outbox(kind: str) -> list[tuple[int | None, str]]:
    from woms_app.models import OutboxMessage
    with main_session(SYSTEM_CONTEXT) as s:
        return sorted((m.account_id, m.event_key) for m in s.exec(select(OutboxMessage).where(
            OutboxMessage.event_kind == kind, OutboxMessage.channel == "email")).all())


def test_assignment_notifies_the_assignee_not_who_took_it(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        tech1, tech2 = account_id(s, "tech1"), account_id(s, "tech2")
    wo = _create(fleet, assignee_id=tech1)  # a manager assigns at creation → tech1 is told
    assert [a for a, _ in _outbox("wo.assigned")] == [tech1]
    with main_session(SYSTEM_CONTEXT) as s:
        wos.update_work_order(s, viewer(s, "sunrise"), wo, assignee_id=None)
    other = _create(fleet, plants=("sunrise-2",))
    with main_session(SYSTEM_CONTEXT) as s:  # tech2 takes one: nobody needs telling
        wos.update_work_order(s, viewer(s, "tech2"), other, assignee_id=tech2)
    assert [a for a, _ in _outbox("wo.assigned")] == [tech1]


def test_sla_watch_tells_due_soon_once_and_escalates_a_breach_to_the_managers(fleet):
    from woms_app.services.notifications import events

    with main_session(SYSTEM_CONTEXT) as s:
        tech1, manager = account_id(s, "tech1"), account_id(s, "sunrise")
    wo = _create(fleet, priority="CRITICAL", assignee_id=tech1)  # 24 h resolution by default
    with main_session(SYSTEM_CONTEXT) as s:
        due = s.get(WorkOrder, wo).resolution_due_at
        assert events.sla_watch(s, NOW) == 1  # due within 24 h: the assignee
        assert events.sla_watch(s, NOW + timedelta(hours=1)) == 0  # once per due time
    assert [a for a, _ in _outbox("wo.sla_due_soon")] == [tech1]
    # on hold: the clock is paused, nothing is due; resumed an hour later, the due time moved → news again
    _move(wo, "tech1", "IN_PROGRESS")
    _move(wo, "tech1", "ON_HOLD", note="waiting for parts")
    with main_session(SYSTEM_CONTEXT) as s:
        assert events.sla_watch(s, due + timedelta(minutes=5)) == 0
    clock.freeze(NOW + timedelta(hours=1))
    _move(wo, "tech1", "IN_PROGRESS")
    with main_session(SYSTEM_CONTEXT) as s:
        moved = s.get(WorkOrder, wo).resolution_due_at
        assert moved == due + timedelta(hours=1)
        # past the moved due time: a breach, to the assignee and every manager of the organization
        assert events.sla_watch(s, moved + timedelta(minutes=1)) >= 2
        assert events.sla_watch(s, moved + timedelta(minutes=10)) == 0
    breached = {a for a, _ in _outbox("wo.sla_breached")}
    assert {tech1, manager} <= breached
    assert all(":breached:" + moved.isoformat() in k for _, k in _outbox("wo.sla_breached"))


def test_my_work_lists_mine_then_unassigned_soonest_due_first_active_only(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        tech1 = account_id(s, "tech1")
    done = _create(fleet, plants=("sunrise-3",), assignee_id=tech1)
    _move(done, "tech1", "IN_PROGRESS")
    _move(done, "tech1", "DONE", **DONE_OK)  # closed: not in the list any more
    late = _create(fleet, plants=("sunrise-1",), priority="LOW", assignee_id=tech1)  # 30 d resolution
    soon = _create(fleet, plants=("sunrise-2",), priority="CRITICAL", assignee_id=tech1)  # 24 h
    free = _create(fleet, plants=("sunrise-3",), priority="HIGH")
    with main_session(SYSTEM_CONTEXT) as s:
        work = wos.my_work(s, viewer(s, "tech1"))
        assert [w.id for w in work.mine] == [soon, late]
        assert [w.id for w in work.unassigned] == [free]
        assert wos.my_work(s, viewer(s, "tech2")).mine == []  # a colleague's are not mine
        with pytest.raises(Forbidden):
            wos.my_work(s, viewer(s, "govt"))
        helios = wos.my_work(s, viewer(s, "helios"))
        assert helios.mine == [] and helios.unassigned == []  # another organization's: never
