"""SLA clocks of work orders: targets per organization and priority, the clocks' arithmetic, and the SQL
conditions of "overdue" and "due within N hours".

Two clocks per work order, both starting at ``sla_started_at`` — the linked alert's start when the work order is
created from an alert (the fault began then, not when someone noticed it), else its creation:

* **response**: until work starts (the first move to IN_PROGRESS, ``responded_at``); due ``response_due_at``.
* **resolution**: until DONE; due ``resolution_due_at``. ON_HOLD pauses it: on resume (or cancel) the due time
  moves later by the hold's length (``held_seconds`` adds it up). A reopen restarts it from the reopen time.

Targets are per organization (table ``sla_targets``, edited by managers); an organization without a row for a
priority uses the defaults below. A target change applies to work orders created (or re-prioritised) after it.

=========  ========  ==========
priority   response  resolution
=========  ========  ==========
CRITICAL   4 h       24 h
HIGH       8 h       72 h
MEDIUM     24 h      7 days
LOW        72 h      30 days
=========  ========  ==========
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.errors import NotFound, ValidationFailed
from woms_app.models.enums import ACTIVE_WORK_ORDER_STATUSES, Priority, WorkOrderStatus
from woms_app.models.org import Organization
from woms_app.models.work_order import SlaTarget, WorkOrder
from woms_app.services import audit
from woms_app.services.viewer import Viewer, can_see_org, require_manager, require_write_org

#: minutes (response, resolution) per priority when an organization has set no target
DEFAULT_TARGETS: dict[Priority, tuple[int, int]] = {
    Priority.CRITICAL: (4 * 60, 24 * 60),
    Priority.HIGH: (8 * 60, 72 * 60),
    Priority.MEDIUM: (24 * 60, 7 * 24 * 60),
    Priority.LOW: (72 * 60, 30 * 24 * 60),
}
MAX_MINUTES = 366 * 24 * 60  # a year and a day


# ---------------------------------------------------------------- targets

@dataclass
class SlaTargetView:
    priority: Priority
    response_minutes: int
    resolution_minutes: int
    is_default: bool


def targets_for(session: Session, org_id: int) -> dict[Priority, tuple[int, int]]:
    """The organization's targets (minutes) per priority, the defaults filling what it has not set."""
    out = dict(DEFAULT_TARGETS)
    for t in session.exec(select(SlaTarget).where(SlaTarget.org_id == org_id)).all():
        out[Priority(t.priority)] = (t.response_minutes, t.resolution_minutes)
    return out


def _org(session: Session, viewer: Viewer, org_id: int | None) -> int:
    if org_id is None:
        if viewer.org_id is None:
            raise ValidationFailed("Choose the organization (org_id)", field="org_id")
        org_id = viewer.org_id
    if not can_see_org(viewer, org_id) or session.get(Organization, org_id) is None:
        raise NotFound("Organization not found", field="org_id")
    return org_id


def list_sla_targets(session: Session, viewer: Viewer, org_id: int | None = None) -> list[SlaTargetView]:
    """The targets of the viewer's organization (fleet-wide viewers name one), most urgent priority first."""
    org_id = _org(session, viewer, org_id)
    rows = {Priority(t.priority): t for t in session.exec(select(SlaTarget).where(SlaTarget.org_id == org_id)).all()}
    out = []
    for p in reversed(list(Priority)):
        row = rows.get(p)
        resp, res = (row.response_minutes, row.resolution_minutes) if row else DEFAULT_TARGETS[p]
        out.append(SlaTargetView(priority=p, response_minutes=resp, resolution_minutes=res, is_default=row is None))
    audit.record_read(session, viewer, "sla_targets", org_id=org_id)
    return out


def _minutes(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"{what} must be a whole number of minutes", field=what)
    if not 1 <= value <= MAX_MINUTES:
        raise ValidationFailed(f"{what} must be 1–{MAX_MINUTES} minutes", field=what)
    return value


def set_sla_targets(session: Session, viewer: Viewer, targets: list[dict[str, Any]],
                    org_id: int | None = None) -> list[SlaTargetView]:
    """Set some or all of an organization's targets (managers only): each ``{priority, response_minutes,
    resolution_minutes}``; the response target must not exceed the resolution one. All are checked before any is
    stored. Work orders already running keep their due times."""
    require_manager(viewer, "change the SLA targets")
    org_id = _org(session, viewer, org_id)
    require_write_org(viewer, org_id)
    if not targets:
        raise ValidationFailed("Give at least one target", field="targets")
    clean: dict[Priority, tuple[int, int]] = {}
    for t in targets:
        try:
            p = Priority(str(t.get("priority", "")).strip().upper())
        except ValueError as exc:
            raise ValidationFailed(f"priority must be one of {', '.join(Priority.values())}",
                                   field="priority") from exc
        if p in clean:
            raise ValidationFailed(f"{p.label} is given twice", field="priority")
        resp = _minutes(t.get("response_minutes"), "response_minutes")
        res = _minutes(t.get("resolution_minutes"), "resolution_minutes")
        if resp > res:
            raise ValidationFailed(f"{p.label}: the response target cannot be longer than the resolution target",
                                   field="response_minutes")
        clean[p] = (resp, res)
    now = utcnow()
    existing = {Priority(t.priority): t for t in
                session.exec(select(SlaTarget).where(SlaTarget.org_id == org_id)).all()}
    for p, (resp, res) in clean.items():
        row = existing.get(p) or SlaTarget(org_id=org_id, priority=p, response_minutes=resp, resolution_minutes=res)
        row.response_minutes, row.resolution_minutes = resp, res
        row.updated_at, row.updated_by = now, viewer.account_id
        session.add(row)
    session.flush()
    audit.record_write(session, viewer, "update", "sla_targets", org_id, org_id=org_id,
                       detail="; ".join(f"{p.value} {r}/{s} min" for p, (r, s) in clean.items()))
    feed.publish_after_commit(session, org_id, feed.WORK_ORDERS)
    return list_sla_targets(session, viewer, org_id)


# ---------------------------------------------------------------- the clocks (writes go through work_orders.py)

def start_clocks(wo: WorkOrder, started_at: datetime, targets: dict[Priority, tuple[int, int]]) -> None:
    """Set a new work order's clocks from ``started_at`` and its priority's targets."""
    resp, res = targets[Priority(wo.priority)]
    wo.sla_started_at = started_at
    wo.response_due_at = started_at + timedelta(minutes=resp)
    wo.resolution_due_at = started_at + timedelta(minutes=res)


def reprioritise(wo: WorkOrder, old: Priority, new: Priority, targets: dict[Priority, tuple[int, int]]) -> None:
    """A priority change moves the running clocks' due times by the difference of the two targets (keeping what
    holds and reopens did to them); a clock that has stopped keeps its due time."""
    d_resp = timedelta(minutes=targets[new][0] - targets[old][0])
    d_res = timedelta(minutes=targets[new][1] - targets[old][1])
    if wo.responded_at is None and wo.response_due_at is not None:
        wo.response_due_at = wo.response_due_at + d_resp
    if WorkOrderStatus(wo.status) in ACTIVE_WORK_ORDER_STATUSES and wo.resolution_due_at is not None:
        wo.resolution_due_at = wo.resolution_due_at + d_res


def end_hold(wo: Any, now: datetime) -> tuple[int, dict[str, Any]]:
    """The end of a running hold (pure): its seconds, and the values to store — the hold's length moves the
    resolution due time later and adds to ``held_seconds``."""
    if wo.hold_started_at is None:
        return 0, {}
    held = max(0, int((now - wo.hold_started_at).total_seconds()))
    due = wo.resolution_due_at + timedelta(seconds=held) if wo.resolution_due_at is not None else None
    return held, {"hold_started_at": None, "held_seconds": (wo.held_seconds or 0) + held, "resolution_due_at": due}


@dataclass(frozen=True)
class SlaClock:
    """One clock as shown: ``state`` met | breached | running | cancelled | none (no target); ``due_at`` the
    effective due time (while paused: as if resumed now); ``remaining_seconds`` while running and not yet late;
    ``overdue_seconds`` once late (running or finished)."""

    state: str
    due_at: datetime | None = None
    remaining_seconds: int | None = None
    overdue_seconds: int | None = None


@dataclass(frozen=True)
class SlaView:
    response: SlaClock
    resolution: SlaClock
    paused: bool  # on hold: the resolution clock stands still


def _running(due: datetime, at: datetime) -> SlaClock:
    left = int((due - at).total_seconds())
    if left >= 0:
        return SlaClock("running", due, remaining_seconds=left)
    return SlaClock("breached", due, overdue_seconds=-left)


def _finished(due: datetime, at: datetime) -> SlaClock:
    late = int((at - due).total_seconds())
    return SlaClock("met", due) if late <= 0 else SlaClock("breached", due, overdue_seconds=late)


def sla_view(wo: Any, now: datetime) -> SlaView:
    """The two clocks of a work order (any object with the WorkOrder's fields) at ``now``. Pure."""
    status = WorkOrderStatus(wo.status)
    paused = status == WorkOrderStatus.ON_HOLD and wo.hold_started_at is not None

    if wo.response_due_at is None:
        response = SlaClock("none")
    elif wo.responded_at is not None:
        response = _finished(wo.response_due_at, wo.responded_at)
    elif status in ACTIVE_WORK_ORDER_STATUSES:
        response = _running(wo.response_due_at, now)
    else:
        response = SlaClock("cancelled", wo.response_due_at)

    due = wo.resolution_due_at
    if due is None:
        resolution = SlaClock("none")
    elif status == WorkOrderStatus.DONE:
        resolution = _finished(due, wo.closed_at or now)
    elif status == WorkOrderStatus.CANCELLED:
        resolution = SlaClock("cancelled", due)
    elif paused:  # time stands still at the hold's start; the due time moves with now
        clock = _running(due, wo.hold_started_at)
        shift = now - wo.hold_started_at
        resolution = SlaClock(clock.state, due + shift, clock.remaining_seconds, clock.overdue_seconds)
    else:
        resolution = _running(due, now)
    return SlaView(response=response, resolution=resolution, paused=paused)


def effective_due(wo: Any, now: datetime) -> datetime | None:
    """The earlier of the work order's own due time and its resolution clock's (active work orders only)."""
    if WorkOrderStatus(wo.status) not in ACTIVE_WORK_ORDER_STATUSES:
        return None
    res = sla_view(wo, now).resolution.due_at
    dues = [d for d in (wo.due_at, res) if d is not None]
    return min(dues) if dues else None


# ---------------------------------------------------------------- the same rules in SQL (lists, dashboard)

def _active() -> sa.ColumnElement[bool]:
    return WorkOrder.status.in_(ACTIVE_WORK_ORDER_STATUSES)


def _resolution_running() -> sa.ColumnElement[bool]:
    return sa.and_(WorkOrder.resolution_due_at.is_not(None), WorkOrder.status != WorkOrderStatus.ON_HOLD)


def overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """Active and past its due time or its resolution due time (on hold: only if it was late when the hold
    began — the clock stands still)."""
    return sa.and_(_active(), sa.or_(
        sa.and_(WorkOrder.due_at.is_not(None), WorkOrder.due_at < now),
        sa.and_(_resolution_running(), WorkOrder.resolution_due_at < now),
        sa.and_(WorkOrder.status == WorkOrderStatus.ON_HOLD, WorkOrder.resolution_due_at.is_not(None),
                WorkOrder.hold_started_at.is_not(None), WorkOrder.resolution_due_at < WorkOrder.hold_started_at),
    ))


def due_within_clause(now: datetime, hours: float) -> sa.ColumnElement[bool]:
    """Active, not overdue, and due (own due time or a running resolution clock) within ``hours``."""
    limit = now + timedelta(hours=hours)
    return sa.and_(_active(), sa.not_(overdue_clause(now)), sa.or_(
        sa.and_(WorkOrder.due_at.is_not(None), WorkOrder.due_at <= limit),
        sa.and_(_resolution_running(), WorkOrder.resolution_due_at <= limit),
    ))


def due_order() -> list[Any]:
    """ORDER BY the effective due time, soonest first; closed, paused-without-own-due and due-less ones last."""
    res = sa.case((_resolution_running(), WorkOrder.resolution_due_at), else_=sa.null())
    first = sa.case(
        (sa.and_(WorkOrder.due_at.is_not(None), sa.or_(res.is_(None), WorkOrder.due_at < res)), WorkOrder.due_at),
        else_=res)
    eff = sa.case((_active(), first), else_=sa.null())
    return [eff.is_(None), eff, WorkOrder.id]
