"""Demo work orders (``seed-demo``, after the demo history; demo mode only; idempotent by title per organization).

Per demo organization, six work orders in every state, each with its timeline played through the real services
(the clock set back for each step, so history, SLA clocks, comments and audit rows are what the app itself writes):
done with a closure, cancelled with a reason, open and unassigned (response clock running), open and assigned
with a due time within a day, in progress past its due time (overdue), on hold waiting for a part. The
technicians are the seed's ``tech1@`` / ``tech2@`` accounts.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from woms_app.core import clock
from woms_app.core.clock import utcnow
from woms_app.core.config import get_settings
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.core.errors import Forbidden
from woms_app.models.enums import AccountType, OrgRole
from woms_app.models.org import Account, Organization
from woms_app.models.plant import Plant
from woms_app.models.work_order import WorkOrder
from woms_app.services import work_order_comments, work_orders
from woms_app.services.viewer import Viewer

log = logging.getLogger(__name__)


@dataclass
class Step:
    after: timedelta  # from the work order's creation
    who: str  # manager | tech1 | tech2
    status: str | None = None  # a transition, or a comment when None
    text: str = ""
    closure: dict[str, str] = field(default_factory=dict)


@dataclass
class DemoOrder:
    title: str
    description: str
    wo_type: str
    priority: str
    created_ago: timedelta
    creator: str
    assignee: str | None = None
    due_after: timedelta | None = None  # from creation
    steps: list[Step] = field(default_factory=list)


H, D = timedelta(hours=1), timedelta(days=1)
ORDERS = [
    DemoOrder("String fuse blown on string 4", "String 4 current at zero since the morning; the others are normal.",
              "corrective", "HIGH", 6 * D, "manager", "tech1", None, [
                  Step(1 * H, "tech1", None, "Seen it on the string monitor, heading out."),
                  Step(2 * H, "tech1", "IN_PROGRESS"),
                  Step(5 * H, "tech1", None, "Fuse F4 blown, cable and connectors fine. Replacing it."),
                  Step(6 * H, "tech1", "DONE", "Fuse F4 replaced; string 4 back at 8.9 A",
                       {"problem_code": "string_dc_fault", "cause_code": "dc_fuse",
                        "remedy_code": "dc_replace_fuse"})]),
    DemoOrder("Vegetation along the south fence", "Grass reaching the lowest module row on the south side.",
              "cleaning", "LOW", 4 * D, "tech2", "tech2", 7 * D, [
                  Step(3 * H, "manager", None, "The landowner's crew cuts it next week under their contract."),
                  Step(4 * H, "manager", "CANCELLED", "Landowner's contract, not ours")]),
    DemoOrder("Inverter 2 over-temperature trips", "Three trips since noon; the cabinet fan may have failed.",
              "corrective", "CRITICAL", 3 * H, "manager", None, 20 * H, []),
    DemoOrder("Quarterly inspection of the combiner boxes", "Torque check, thermal image, fuse holders.",
              "inspection", "LOW", 2 * D, "manager", "tech2", 2 * D + 18 * H, [
                  Step(2 * H, "tech2", None, "Planned for tomorrow morning with the thermal camera.")]),
    DemoOrder("Data logger offline", "No data from the logger since yesterday evening; the inverters are producing.",
              "corrective", "HIGH", 30 * H, "manager", "tech1", 24 * H, [
                  Step(2 * H, "tech1", "IN_PROGRESS", "Remote restart failed; going on site"),
                  Step(5 * H, "tech1", None, "SIM card has no signal. Asked the carrier for a new one."),
                  Step(20 * H, "manager", None, "Carrier promises the SIM for tomorrow.")]),
    DemoOrder("Tracker row 3 stuck in stow", "Row 3 stayed flat after the wind alarm cleared.",
              "corrective", "MEDIUM", 2 * D, "manager", "tech2", None, [
                  Step(1 * H, "tech2", "IN_PROGRESS"),
                  Step(4 * H, "tech2", None, "Motor of drive 3 does not turn; controller is fine."),
                  Step(1 * D, "tech2", "ON_HOLD", "Waiting for the replacement motor")]),
]


def _people(session: Session, org_id: int) -> dict[str, Viewer]:
    from woms_app.services.auth import viewer_for

    accounts = session.exec(select(Account).where(Account.org_id == org_id, Account.account_type == AccountType.ORG,
                                                  Account.is_active).order_by(Account.id)).all()
    managers = [a for a in accounts if a.org_role == OrgRole.MANAGER]
    techs = [a for a in accounts if a.org_role == OrgRole.TECHNICIAN]
    if not managers or len(techs) < 2:
        return {}
    return {"manager": viewer_for(session, managers[0]), "tech1": viewer_for(session, techs[0]),
            "tech2": viewer_for(session, techs[1])}


def _free_plants(session: Session, org_id: int) -> list[int]:
    ids = list(session.exec(select(Plant.id).where(Plant.org_id == org_id).order_by(Plant.id)).all())
    return [p for p in ids if work_orders.active_work_order_of_plant(session, p) is None]


def _at(instant: datetime, fn: Callable[[Session], Any]) -> Any:
    """Run ``fn`` in its own transaction with the clock at ``instant`` (restored afterwards)."""
    before = clock.frozen_at()
    clock.freeze(instant)
    try:
        with main_session(SYSTEM_CONTEXT) as session:
            return fn(session)
    finally:
        clock.freeze(before)


def seed_work_orders(now: datetime | None = None) -> int:
    """Create the demo work orders that are missing. Returns how many were created."""
    if not get_settings().demo:
        raise Forbidden("The demo work orders are seeded only in demo mode (WOMS_DEMO=true)")
    now = (now or utcnow()).replace(second=0, microsecond=0)
    created = 0
    with main_session(SYSTEM_CONTEXT) as session:
        orgs = [(o.id, o.name) for o in session.exec(select(Organization).order_by(Organization.id)).all()]
    for org_id, org_name in orgs:
        with main_session(SYSTEM_CONTEXT) as session:
            people = _people(session, org_id)
            if not people:
                continue
            have = set(session.exec(select(WorkOrder.title).where(WorkOrder.org_id == org_id)).all())
        for order in ORDERS:
            if order.title in have:
                continue
            with main_session(SYSTEM_CONTEXT) as session:
                free = _free_plants(session, org_id)
            if not free:
                log.info("demo work orders: no free plant left in %s for %r", org_name, order.title)
                break
            created += _play(order, org_id, free[0], people, now)
    return created


def _play(order: DemoOrder, org_id: int, plant_id: int, people: dict[str, Viewer], now: datetime) -> int:
    start = now - order.created_ago
    assignee = people[order.assignee].account_id if order.assignee else None

    def create(session: Session) -> int:
        return work_orders.create_work_order(
            session, people[order.creator], title=order.title, description=order.description,
            priority=order.priority, wo_type=order.wo_type, plant_ids=[plant_id], assignee_id=assignee,
            due_at=start + order.due_after if order.due_after else None).id

    wo_id = _at(start, create)
    for step in order.steps:
        viewer = people[step.who]

        def act(session: Session, step: Step = step, viewer: Viewer = viewer) -> None:
            if step.status is None:
                work_order_comments.add_comment(session, viewer, wo_id, step.text)
            elif step.status == "DONE":
                work_orders.change_status(session, viewer, wo_id, "DONE", resolution_note=step.text, **step.closure)
            else:
                work_orders.change_status(session, viewer, wo_id, step.status, note=step.text)

        _at(start + step.after, act)
    return 1
