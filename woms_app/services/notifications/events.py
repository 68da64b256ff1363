"""The notification hooks other services call, each in its caller's transaction.

``new_alerts``: the vendor alert sync's new rows → one ``alert.new`` event per alert (event key
``alert:<id>``). Only alerts still active and started within ``ALERT_NEWS_MAX_AGE``: the first sync of a vendor
brings its last days of history, which is not news to anyone.

``work_order_assigned`` (to the new assignee, unless they assigned it to themselves) and ``work_order_done`` (to
the organization's accounts that want it): called by services/work_orders.py in the write's transaction.
``sla_watch``: the periodic scan of running SLA clocks → ``wo.sla_due_soon`` (to the assignee, or the managers
when nobody is assigned) once per due time, and ``wo.sla_breached`` (to the assignee and every manager: the
escalation) once per due time; the due time is in the event key, so a moved clock (a hold, a new priority, a
reopen) is news again and a repeated scan is not.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.core.config import get_settings
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models.enums import ACTIVE_WORK_ORDER_STATUSES, AccountType, OrgRole
from woms_app.models.notification import EventKind
from woms_app.models.org import Account
from woms_app.models.work_order import WorkOrder
from woms_app.services.notifications.outbox import enqueue

ALERT_NEWS_MAX_AGE = timedelta(hours=6)
SLA_DUE_SOON = timedelta(hours=24)  # a running resolution clock with less than this left is "due soon"


def alert_payload(alert_id: int, row: dict[str, Any], plant_name: str) -> dict[str, Any]:
    severity = getattr(row["severity"], "value", row["severity"])
    started = row["started_at"]
    return {"title": f"{str(severity).capitalize()} alert at {plant_name}: {row['title']}"[:300],
            "alert_id": alert_id, "severity": severity, "plant_id": row["plant_id"], "plant_name": plant_name,
            "alert_title": row["title"], "vendor_code": row.get("vendor_code", ""),
            "category": row.get("category", ""), "message": (row.get("message") or "")[:500],
            "started_at": started.isoformat() if isinstance(started, datetime) else str(started)}


def new_alerts(session: Session, alerts: Iterable[tuple[int, dict[str, Any], str]], now: datetime) -> int:
    """``alerts``: (alert id, the inserted row's values, plant name). Returns the outbox rows written."""
    written = 0
    for alert_id, row, plant_name in alerts:
        if getattr(row["status"], "value", row["status"]) != "ACTIVE" or row["started_at"] < now - ALERT_NEWS_MAX_AGE:
            continue
        written += enqueue(session, EventKind.ALERT_NEW, row["org_id"], f"alert:{alert_id}",
                           alert_payload(alert_id, row, plant_name))
    return written


def _wo_payload(wo: WorkOrder, title: str, **extra: Any) -> dict[str, Any]:
    origin = get_settings().configured_origins[0] if get_settings().configured_origins else ""
    return {"title": title[:300], "work_order_id": wo.id, "work_order_title": wo.title,
            "priority": getattr(wo.priority, "value", wo.priority), "status": getattr(wo.status, "value", wo.status),
            "url": f"{origin}/work-orders/{wo.id}", **extra}


def work_order_assigned(session: Session, wo: WorkOrder, assignee_id: int | None, actor_id: int | None,
                        at: datetime) -> int:
    """``wo.assigned`` to the new assignee (not when they took it themselves)."""
    if assignee_id is None or assignee_id == actor_id or wo.id is None:
        return 0
    return enqueue(session, EventKind.WO_ASSIGNED, wo.org_id, f"wo:{wo.id}:assigned:{assignee_id}:{at.isoformat()}",
                   _wo_payload(wo, f"Work order #{wo.id} assigned to you: {wo.title}"), account_ids=[assignee_id])


def work_order_done(session: Session, wo: WorkOrder, at: datetime) -> int:
    """``wo.done`` to the organization's accounts whose preference wants it (off by default)."""
    return enqueue(session, EventKind.WO_DONE, wo.org_id, f"wo:{wo.id}:done:{at.isoformat()}",
                   _wo_payload(wo, f"Work order #{wo.id} done: {wo.title}"))


def _managers(session: Session, org_id: int) -> list[int]:
    return [a for a in session.exec(select(Account.id).where(
        Account.org_id == org_id, Account.is_active.is_(True), Account.account_type == AccountType.ORG,
        Account.org_role == OrgRole.MANAGER)).all() if a is not None]


def sla_watch(session: Session, now: datetime) -> int:
    """Scan the running resolution clocks of active work orders (not on hold); returns the outbox rows written."""
    rows = session.exec(select(WorkOrder).where(
        WorkOrder.status.in_(list(ACTIVE_WORK_ORDER_STATUSES)), WorkOrder.hold_started_at.is_(None),
        WorkOrder.resolution_due_at.is_not(None), WorkOrder.resolution_due_at <= now + SLA_DUE_SOON)
        .order_by(sa.asc(WorkOrder.resolution_due_at))).all()
    written = 0
    managers: dict[int, list[int]] = {}
    for wo in rows:
        due = wo.resolution_due_at
        if due is None or wo.id is None:
            continue
        if wo.org_id not in managers:
            managers[wo.org_id] = _managers(session, wo.org_id)
        if due <= now:
            people = sorted(set(managers[wo.org_id]) | ({wo.assignee_id} if wo.assignee_id else set()))
            written += enqueue(session, EventKind.WO_SLA_BREACHED, wo.org_id, f"wo:{wo.id}:breached:{due.isoformat()}",
                               _wo_payload(wo, f"SLA breached: work order #{wo.id} {wo.title} was due "
                                               f"{due:%Y-%m-%d %H:%M} UTC", due_at=due.isoformat()),
                               account_ids=people)
        else:
            people = [wo.assignee_id] if wo.assignee_id else managers[wo.org_id]
            written += enqueue(session, EventKind.WO_SLA_DUE_SOON, wo.org_id, f"wo:{wo.id}:due_soon:{due.isoformat()}",
                               _wo_payload(wo, f"SLA due soon: work order #{wo.id} {wo.title} is due "
                                               f"{due:%Y-%m-%d %H:%M} UTC", due_at=due.isoformat()),
                               account_ids=people)
    return written


def run_sla_watch() -> int:
    """The scheduler's job: one scan, committed (a repeated scan writes nothing new)."""
    with main_session(SYSTEM_CONTEXT) as session:
        return sla_watch(session, utcnow())
