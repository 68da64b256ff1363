"""/work-orders/[wo_id] through Reflex's own event processor (the tenant matrix's Client): a technician works
their organization's unassigned work order from the page — comment, start, close with the taxonomy's codes —
and a colleague's page offers no step. Row changes are checked in the database."""
from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from tests.security.conftest import EMAILS
from tests.security.test_tenant_matrix_reflex import Client, _cookie, woms_states
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import Account, WorkOrder, WorkOrderComment

pytest.importorskip("reflex")
PAGE = "/work-orders/[wo_id]"


def _page(tree: dict) -> dict:
    """The page state's vars in the state tree ``root.dict()`` returns (nested by substate name)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        names = {k.removesuffix("_rx_state_"): v for k, v in node.items()}  # vars carry the state's suffix
        if "can_work" in names and "comments" in names:
            return names
        stack.extend(v for v in node.values() if isinstance(v, dict))
    raise AssertionError("no WorkOrderPageState in the tree")


def _run(email: str, wo_id: int, steps):
    classes = {c.__name__: c for c in woms_states()}
    client = Client(_cookie(email), {"wo_id": str(wo_id)}, PAGE)
    tree = asyncio.run(client.run([("WorkOrderPageState", "load", {})] + steps, classes))
    return _page(tree), client


def test_a_technician_works_a_work_order_from_its_page(world):
    wo_id = world.a.wo_id
    state, _ = _run(EMAILS["TECH_A"], wo_id, [
        ("WorkOrderPageState", "set_comment", {"value": "Fuse F4 blown"}),
        ("WorkOrderPageState", "add_comment", {}),
        ("WorkOrderPageState", "transition", {"to_status": "IN_PROGRESS"}),
        # done without a cause: refused, shown, nothing changes
        ("WorkOrderPageState", "set_resolution", {"value": "Replaced the fuse"}),
        ("WorkOrderPageState", "transition", {"to_status": "DONE"}),
    ])
    assert state["found"] and state["can_work"] and "cause code is required" in state["error"]
    assert [c["body"] for c in state["comments"]][-1] == "Fuse F4 blown"
    assert [s["value"] for s in state["steps"]] == ["ON_HOLD", "DONE", "CANCELLED"]
    assert state["can_close"] and state["sla"]["responded"] != "not yet"  # (a factory row: no SLA targets)
    state, _ = _run(EMAILS["TECH_A"], wo_id, [
        ("WorkOrderPageState", "set_problem", {"value": "string_dc_fault"}),
        ("WorkOrderPageState", "set_cause", {"value": "soiling_dust"}),  # not a cause of that problem: ignored
        ("WorkOrderPageState", "set_cause", {"value": "dc_fuse"}),
        ("WorkOrderPageState", "set_remedy", {"value": "dc_replace_fuse"}),
        ("WorkOrderPageState", "set_resolution", {"value": "Replaced the fuse"}),
        ("WorkOrderPageState", "transition", {"to_status": "DONE"}),
    ])
    assert state["info"]["status"] == "DONE" and state["error"] == ""
    assert state["closure"]["cause"] == "Blown string fuse" and [s["value"] for s in state["steps"]] == ["OPEN"]
    with main_session(SYSTEM_CONTEXT) as s:
        wo = s.get(WorkOrder, wo_id)
        assert (wo.status.value, wo.cause_code, wo.remedy_code) == ("DONE", "dc_fuse", "dc_replace_fuse")
        bodies = s.exec(select(WorkOrderComment.body).where(WorkOrderComment.work_order_id == wo_id)).all()
        assert "Fuse F4 blown" in bodies


def test_a_colleagues_page_offers_no_step_and_refuses_one(world):
    wo_id = world.a.wo_id
    with main_session(SYSTEM_CONTEXT) as s:
        wo = s.get(WorkOrder, wo_id)
        wo.assignee_id = s.exec(select(Account.id).where(Account.email == EMAILS["TECH_A"])).one()
        s.add(wo)
    state, _ = _run(EMAILS["TECH_A2"], wo_id, [("WorkOrderPageState", "transition", {"to_status": "IN_PROGRESS"})])
    assert state["found"] and not state["can_work"] and state["steps"] == []
    assert EMAILS["TECH_A"] in state["error"]
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.get(WorkOrder, wo_id).status.value == "OPEN"
    # GOVT reads the page, works nothing
    state, _ = _run(EMAILS["GOVT"], wo_id, [])
    assert state["found"] and not state["can_work"]
    # another organization: not found
    state, _ = _run(EMAILS["ORG_B"], wo_id, [])
    assert state["loaded"] and not state["found"]


def test_a_superadmin_creates_a_technician_from_the_accounts_page(world):
    classes = {c.__name__: c for c in woms_states()}
    client = Client(_cookie(EMAILS["SUPERADMIN"]), {}, "/admin/accounts")
    asyncio.run(client.run([
        ("AdminAccountsState", "load", {}), ("AdminAccountsState", "open_create", {}),
        ("AdminAccountsState", "set_form_org_role", {"value": "technician"}),
        ("AdminAccountsState", "create", {"form_data": {"email": "field.tech@sunrise.example", "full_name": "Field",
                                                        "password": "long-enough-pw",
                                                        "password_confirm": "long-enough-pw"}})], classes))
    with main_session(SYSTEM_CONTEXT) as s:
        acc = s.exec(select(Account).where(Account.email == "field.tech@sunrise.example")).one()
        assert acc.org_role.value == "technician" and acc.org_id is not None
