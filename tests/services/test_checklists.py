"""Checklists: the solar default templates, managing templates, attaching a copy, recording results (validated,
audited, in the history, on the change feed), and the corrective work order a failed item offers."""
from __future__ import annotations

import math
from contextlib import contextmanager

import pytest
from sqlmodel import select

from tests import factories
from tests.security.conftest import db_fingerprint
from tests.wo_fleet import build_fleet, viewer
from woms_app.core import feed
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from woms_app.models import (
    AuditLog,
    ChecklistResult,
    ChecklistTemplate,
    Priority,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderType,
)
from woms_app.services import accounts
from woms_app.services import checklists as cl
from woms_app.services import work_orders as wos
from woms_app.services.viewer import SYSTEM


@pytest.fixture
def fleet(demo):
    with main_session(SYSTEM_CONTEXT) as s:
        return build_fleet(s)


def _wo(fleet, who="sunrise", plants=("sunrise-1",), title="Quarterly inspection"):
    with main_session(SYSTEM_CONTEXT) as s:
        return wos.create_work_order(s, viewer(s, who), title=title,
                                     plant_ids=[fleet.plants[p] for p in plants]).id


def _template(s, org_id, name="Inverter inspection"):
    return s.exec(select(ChecklistTemplate).where(ChecklistTemplate.org_id == org_id,
                                                  ChecklistTemplate.name == name)).one()


def _attached(fleet, wo_id, name="Inverter inspection", who="sunrise", **kw):
    with main_session(SYSTEM_CONTEXT) as s:
        return cl.attach_checklist(s, viewer(s, who), wo_id, _template(s, fleet.orgs[who], name).id, **kw)


@contextmanager
def acting(who):
    """A session acting for ``who`` (on PostgreSQL its row-level-security context is that account's)."""
    with main_session(SYSTEM_CONTEXT) as s:
        yield s, viewer(s, who)


def test_every_organization_has_the_solar_defaults_and_installing_again_adds_none(fleet):
    for who in ("sunrise", "helios"):
        with acting(who) as (s, v):
            names = {t.name: t for t in cl.list_templates(s, v)}
        assert set(names) == {"Inverter inspection", "Module cleaning", "String IV check", "Vegetation control"}
        assert {t.org_id for t in names.values()} == {fleet.orgs[who]}
        inverter = names["Inverter inspection"]
        assert inverter.wo_type == WorkOrderType.INSPECTION
        labels = [i.label for i in inverter.items]
        assert labels[0] == "Inverter display error-free" and "DC isolator operates" in labels
        assert ("Insulation resistance (MΩ)", "MΩ") in [(i.label, i.unit) for i in inverter.items]
        assert [i.position for i in inverter.items] == list(range(len(labels)))
        iv = names["String IV check"]
        assert ("String Voc within 5 % of the string mean (V)", "V") in [(i.label, i.unit) for i in iv.items]
        assert names["Vegetation control"].items[0].label == "Vegetation below module edge"
        assert names["Module cleaning"].wo_type == WorkOrderType.CLEANING
    with main_session(SYSTEM_CONTEXT) as s:
        assert cl.install_default_templates(s, SYSTEM, fleet.orgs["sunrise"]) == 0
        # a new organization starts with them
        org = accounts.create_organization(s, SYSTEM, "Nordlicht Solar")
        assert len(cl.list_templates(s, SYSTEM, org_id=org.id)) == 4


def test_managing_templates_is_scoped_validated_and_audited(fleet):
    with acting("sunrise") as (s, sunrise):
        t = cl.create_template(s, sunrise, name="  Tracker   check ", wo_type="inspection",
                               items=[{"label": "Tracker angle matches the controller", "unit": "°"},
                                      {"label": "Slew drive greased"}])
        assert t.name == "Tracker check" and t.org_id == fleet.orgs["sunrise"]
        assert [(i.label, i.unit) for i in t.items] == [("Tracker angle matches the controller", "°"),
                                                        ("Slew drive greased", "")]
        with pytest.raises(Conflict):  # one name per organization (case-insensitive)
            cl.create_template(s, sunrise, name="tracker CHECK", wo_type="other", items=[{"label": "x"}])
        for bad in ({"name": "ab"}, {"wo_type": "repair"}, {"items": []}, {"items": [{"label": " "}]},
                    {"items": [{"label": "x", "unit": "u" * 21}]}):
            args = {"name": "Another one", "wo_type": "cleaning", "items": [{"label": "Item"}]} | bad
            with pytest.raises(ValidationFailed):
                cl.create_template(s, sunrise, **args)
        with pytest.raises(NotFound):  # an ORG account names another organization
            cl.create_template(s, sunrise, name="Sneaky", wo_type="other", items=[{"label": "x"}],
                               org_id=fleet.orgs["helios"])
    with acting("govt") as (s, govt):
        with pytest.raises(Forbidden):
            cl.create_template(s, govt, name="Observer's", wo_type="other", items=[{"label": "x"}],
                               org_id=fleet.orgs["helios"])
        assert cl.get_template(s, govt, t.id).name == "Tracker check"  # GOVT reads
    with acting("helios") as (s, helios):
        with pytest.raises(NotFound):
            cl.get_template(s, helios, t.id)
        with pytest.raises(NotFound):
            cl.update_template(s, helios, t.id, name="Renamed by Helios")
        with pytest.raises(NotFound):
            cl.delete_template(s, helios, t.id)
    with acting("sunrise") as (s, sunrise):
        u = cl.update_template(s, sunrise, t.id, wo_type="preventive", items=[{"label": "Only item"}])
        assert u.wo_type == WorkOrderType.PREVENTIVE and [i.label for i in u.items] == ["Only item"]
        cl.delete_template(s, sunrise, t.id)
        with pytest.raises(NotFound):
            cl.get_template(s, sunrise, t.id)
    with main_session(SYSTEM_CONTEXT) as s:
        actions = [a.action for a in s.exec(select(AuditLog).where(AuditLog.entity == "checklist_templates",
                                                                   AuditLog.entity_id == str(t.id))
                                            .order_by(AuditLog.id)).all()]
        assert actions == ["create", "read", "update", "delete"]  # the read: GOVT's


def test_attaching_copies_the_template_so_later_edits_do_not_rewrite_it(fleet):
    wo_id = _wo(fleet)
    c = _attached(fleet, wo_id, plant_id=fleet.plants["sunrise-1"])
    assert c.plant_name == "Sunrise plant 1" and c.wo_type == WorkOrderType.INSPECTION
    assert c.items[0].label == "Inverter display error-free" and c.done == 0
    with main_session(SYSTEM_CONTEXT) as s:
        sunrise = viewer(s, "sunrise")
        t = _template(s, fleet.orgs["sunrise"])
        cl.update_template(s, sunrise, t.id, name="Inverter inspection v2", items=[{"label": "Something else"}])
    with main_session(SYSTEM_CONTEXT) as s:
        again = cl.list_checklists(s, viewer(s, "sunrise"), wo_id)[0]
        assert again.name == "Inverter inspection" and [i.label for i in again.items] == [i.label for i in c.items]
        cl.delete_template(s, viewer(s, "sunrise"), t.id)
    with main_session(SYSTEM_CONTEXT) as s:
        kept = cl.list_checklists(s, viewer(s, "sunrise"), wo_id)[0]
        assert kept.template_id is None and len(kept.items) == len(c.items)
        history = s.exec(select(WorkOrderEvent.kind, WorkOrderEvent.note)
                         .where(WorkOrderEvent.work_order_id == wo_id, WorkOrderEvent.kind == "checklist_added")).all()
        assert history == [("checklist_added", "Checklist 'Inverter inspection' for Sunrise plant 1")]


def test_attach_refuses_foreign_templates_and_plants_and_govt(fleet):
    wo_id = _wo(fleet)
    with main_session(SYSTEM_CONTEXT) as s:
        sunrise, helios, govt, admin = (viewer(s, w) for w in ("sunrise", "helios", "govt", "admin"))
        helios_t = _template(s, fleet.orgs["helios"]).id
        own_t = _template(s, fleet.orgs["sunrise"]).id
        with pytest.raises(NotFound):
            cl.attach_checklist(s, sunrise, wo_id, helios_t)
        with pytest.raises(NotFound):  # SUPERADMIN sees both, but a template of another organization never fits
            cl.attach_checklist(s, admin, wo_id, helios_t)
        with pytest.raises(NotFound):  # a plant of the organization that is not on this work order
            cl.attach_checklist(s, sunrise, wo_id, own_t, plant_id=fleet.plants["sunrise-2"])
        with pytest.raises(NotFound):
            cl.attach_checklist(s, helios, wo_id, own_t)
        with pytest.raises(Forbidden):
            cl.attach_checklist(s, govt, wo_id, own_t)
        assert cl.list_checklists(s, govt, wo_id) == []


def test_recording_results_is_validated_audited_in_the_history_and_announced(fleet):
    wo_id = _wo(fleet)
    c = _attached(fleet, wo_id, name="String IV check")
    voc = next(i for i in c.items if i.unit == "V")
    heard = []
    unsubscribe = feed.subscribe(heard.append)
    try:
        with main_session(SYSTEM_CONTEXT) as s:
            out = cl.record_result(s, viewer(s, "sunrise"), wo_id, c.id, voc.id, result="FAIL", reading="612,5",
                                   note="  String 3 low  ")
    finally:
        unsubscribe()
    item = next(i for i in out.items if i.id == voc.id)
    assert (item.result, item.reading, item.note, item.recorded_by) == (ChecklistResult.FAIL, 612.5, "String 3 low",
                                                                        "ops@sunrise.demo.woms")
    assert item.recorded_at is not None and out.done == 1 and out.failed == 1
    assert [(ch.org_id, sorted(ch.topics)) for ch in heard] == [(fleet.orgs["sunrise"], [feed.WORK_ORDERS])]
    with main_session(SYSTEM_CONTEXT) as s:
        event = s.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == wo_id,
                                                    WorkOrderEvent.kind == "checklist_result")).one()
        assert event.note == f"String IV check: {voc.label} — fail, 612.5 V"
        row = s.exec(select(AuditLog).where(AuditLog.action == "checklist_result")).one()
        assert row.org_id == fleet.orgs["sunrise"] and f"item={voc.id} result=fail reading=612.5" in row.detail
        # a correction says what it was
        cl.record_result(s, viewer(s, "sunrise"), wo_id, c.id, voc.id, result="pass", reading=None)
    with main_session(SYSTEM_CONTEXT) as s:
        notes = [e.note for e in s.exec(select(WorkOrderEvent).where(WorkOrderEvent.kind == "checklist_result")
                                        .order_by(WorkOrderEvent.id)).all()]
        assert notes[-1].endswith("— pass (was fail)")


@pytest.mark.parametrize("bad, field", [
    ({"result": "ok"}, "result"), ({"result": ""}, "result"), ({"result": None}, "result"),
    ({"reading": "12 V"}, "reading"), ({"reading": math.inf}, "reading"), ({"reading": math.nan}, "reading"),
    ({"reading": "nan"}, "reading"), ({"reading": 1e12}, "reading"), ({"reading": True}, "reading"),
    ({"note": "n" * 501}, "note"), ({"note": 5}, "note"),
])
def test_bad_input_is_refused_with_a_reason_and_changes_nothing(fleet, bad, field):
    wo_id = _wo(fleet)
    c = _attached(fleet, wo_id)
    before = db_fingerprint()
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(ValidationFailed) as exc:
            cl.record_result(s, viewer(s, "sunrise"), wo_id, c.id, c.items[0].id, **({"result": "pass"} | bad))
    assert exc.value.field == field and exc.value.message
    assert db_fingerprint() == before


def test_unknown_or_foreign_items_are_not_found_and_closed_orders_refuse_results(fleet):
    wo_id, other = _wo(fleet), _wo(fleet, plants=("sunrise-2",), title="Another order")
    c, c2 = _attached(fleet, wo_id), _attached(fleet, other)
    before = db_fingerprint()
    with main_session(SYSTEM_CONTEXT) as s:
        sunrise = viewer(s, "sunrise")
        for args in ((wo_id, c.id, 10**6), (wo_id, c.id, c2.items[0].id), (wo_id, c2.id, c2.items[0].id),
                     (wo_id, 10**6, c.items[0].id), (wo_id, "x", c.items[0].id), (other, c.id, c.items[0].id)):
            with pytest.raises(NotFound):
                cl.record_result(s, sunrise, *args, result="pass")
        with pytest.raises(NotFound):
            cl.record_result(s, viewer(s, "helios"), wo_id, c.id, c.items[0].id, result="pass")
        with pytest.raises(Forbidden):
            cl.record_result(s, viewer(s, "govt"), wo_id, c.id, c.items[0].id, result="pass")
    assert db_fingerprint() == before
    with main_session(SYSTEM_CONTEXT) as s:
        wos.change_status(s, viewer(s, "sunrise"), wo_id, "CANCELLED", "no longer needed")
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(Conflict, match="cancelled"):
            cl.record_result(s, viewer(s, "sunrise"), wo_id, c.id, c.items[0].id, result="pass")


def test_a_failed_item_drafts_a_corrective_work_order_the_create_path_accepts(fleet):
    wo_id = _wo(fleet, plants=("sunrise-1", "sunrise-2"), title="Inverter inspection Q3")
    c = _attached(fleet, wo_id, plant_id=fleet.plants["sunrise-2"])
    dc = next(i for i in c.items if i.label == "DC isolator operates")
    iso = next(i for i in c.items if i.unit == "MΩ")
    with main_session(SYSTEM_CONTEXT) as s:
        sunrise = viewer(s, "sunrise")
        cl.record_result(s, sunrise, wo_id, c.id, iso.id, result="flag", reading=1.2)
        with pytest.raises(Conflict):  # only a failed item offers it
            cl.corrective_draft(s, sunrise, wo_id, c.id, iso.id)
        cl.record_result(s, sunrise, wo_id, c.id, dc.id, result="fail", note="Handle jammed, isolator stuck on")
    with main_session(SYSTEM_CONTEXT) as s:
        draft = cl.corrective_draft(s, viewer(s, "govt"), wo_id, c.id, dc.id)  # a read: GOVT may see it
        draft = cl.corrective_draft(s, viewer(s, "sunrise"), wo_id, c.id, dc.id)
        with pytest.raises(NotFound):
            cl.corrective_draft(s, viewer(s, "helios"), wo_id, c.id, dc.id)
    assert draft.title == "Fix: DC isolator operates — Sunrise plant 2"
    assert draft.priority == Priority.HIGH and draft.plant_ids == [fleet.plants["sunrise-2"]]
    assert draft.alert_id is None and draft.org_id == fleet.orgs["sunrise"]
    assert "Inverter inspection Q3" in draft.description and "Note: Handle jammed" in draft.description
    with main_session(SYSTEM_CONTEXT) as s:  # the plant is still held by the inspection: the seed's rule stands
        with pytest.raises(Conflict, match=f"#{wo_id}"):
            wos.create_work_order(s, viewer(s, "sunrise"), title=draft.title, description=draft.description,
                                  priority=draft.priority, plant_ids=draft.plant_ids)
    with main_session(SYSTEM_CONTEXT) as s:
        sunrise = viewer(s, "sunrise")
        wos.change_status(s, sunrise, wo_id, "IN_PROGRESS")
        wos.change_status(s, sunrise, wo_id, "DONE", resolution_note="Inspected; DC isolator freed",
                          cause_code="soiling_dust")
    with main_session(SYSTEM_CONTEXT) as s:
        draft = cl.corrective_draft(s, viewer(s, "sunrise"), wo_id, c.id, dc.id)  # still offered once closed
        new = wos.create_work_order(s, viewer(s, "sunrise"), title=draft.title, description=draft.description,
                                    priority=draft.priority, plant_ids=draft.plant_ids)
        assert (new.title, new.priority) == (draft.title, Priority.HIGH)
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.get(WorkOrder, new.id).org_id == fleet.orgs["sunrise"]


def test_a_reading_draft_names_it_and_the_whole_orders_plants(fleet):
    wo_id = _wo(fleet, plants=("sunrise-1", "sunrise-3"))
    c = _attached(fleet, wo_id, name="String IV check")
    voc = next(i for i in c.items if i.unit == "V")
    with main_session(SYSTEM_CONTEXT) as s:
        cl.record_result(s, viewer(s, "sunrise"), wo_id, c.id, voc.id, result="fail", reading=540)
        d = cl.corrective_draft(s, viewer(s, "sunrise"), wo_id, c.id, voc.id)
    assert d.plant_ids == [fleet.plants["sunrise-1"], fleet.plants["sunrise-3"]]
    assert d.title.endswith("— Sunrise plant 1 +1") and "Reading: 540 V" in d.description


def test_removing_a_checklist_with_results_is_for_managers(fleet):
    wo_id = _wo(fleet)
    c = _attached(fleet, wo_id)
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(Forbidden):
            cl.remove_checklist(s, viewer(s, "govt"), wo_id, c.id)
        with pytest.raises(NotFound):
            cl.remove_checklist(s, viewer(s, "helios"), wo_id, c.id)
        cl.remove_checklist(s, viewer(s, "sunrise"), wo_id, c.id)
        assert cl.list_checklists(s, viewer(s, "sunrise"), wo_id) == []


def test_factories_work_order_can_carry_a_checklist(demo):
    """The checklist tables hold rows of a work order made outside the service (the tenant fixtures do this)."""
    with main_session(SYSTEM_CONTEXT) as s:
        org = factories.org_named(s, "Helios Power")
        wo = factories.work_order(s, org.id, [factories.plant(s, org.id)])
        t = _template(s, org.id, "Vegetation control")
        c = cl.attach_checklist(s, SYSTEM, wo.id, t.id)
        assert len(c.items) == 6 and c.wo_type == WorkOrderType.PREVENTIVE
