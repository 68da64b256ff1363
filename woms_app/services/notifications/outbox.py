"""``enqueue``: the one way a notification starts — rows in the outbox, in the caller's transaction.

The rows commit (or roll back) with the event that causes them, so a committed event is never without its
notifications and a rolled-back one never has any. Each row's idempotency key is
``f"{event_key}:{channel}:{recipient}"`` (recipient ``account:<id>`` or ``webhook:<id>``) and is unique: the same
event enqueued twice (a retried sync, two workers) stays one row per recipient and channel (INSERT … ON CONFLICT
DO NOTHING). Recipients are resolved now, from the preferences as they are now.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.core.upsert import insert_for
from woms_app.models.enums import AccountType
from woms_app.models.notification import Channel, EventKind, OutboxMessage, OutboxStatus, WebhookEndpoint
from woms_app.models.org import Account
from woms_app.services.notifications import prefs

MAX_KEY = 200


def idempotency_key(event_key: str, channel: Channel, recipient: str) -> str:
    return f"{event_key}:{channel.value}:{recipient}"


def enqueue(session: Session, event_kind: EventKind | str, org_id: int, event_key: str, payload: dict[str, Any], *,
            account_ids: Sequence[int] | None = None, webhook_ids: Sequence[int] | None = None) -> int:
    """Write the notifications of one event; returns how many rows were new.

    E-mail: ``account_ids`` (the assignee of a work order…) or, when None, every active account of the
    organization — each only if its preference for the kind has e-mail on (and, for ``alert.new``, the alert's
    ``payload["severity"]`` reaches its minimum). Webhook: the organization's active endpoints (``alert.new``:
    down to each endpoint's minimum severity), or only ``webhook_ids`` when given. ``payload`` should carry a
    one-line ``title``: the e-mail lists it.
    """
    kind = EventKind(event_kind)
    if not event_key or len(event_key) > MAX_KEY:
        raise ValueError(f"event_key must be 1..{MAX_KEY} characters")
    now = utcnow()
    base = {"org_id": org_id, "event_kind": kind, "event_key": event_key, "payload": payload,
            "status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": now, "last_error": "",
            "created_at": now}
    rows: list[dict[str, Any]] = []
    severity = payload.get("severity")
    if kind in prefs.USER_KINDS and (account_ids is None or account_ids):
        stmt = select(Account.id).where(Account.org_id == org_id, Account.is_active,
                                        Account.account_type == AccountType.ORG)
        if account_ids is not None:
            stmt = stmt.where(Account.id.in_(list(account_ids)))
        candidates = list(session.exec(stmt).all())
        for account_id, pref in prefs.effective(session, candidates, kind).items():
            if not pref.email:
                continue
            if kind == EventKind.ALERT_NEW and not prefs.severity_wanted(severity, pref.min_severity):
                continue
            rows.append({**base, "channel": Channel.EMAIL, "account_id": account_id, "webhook_id": None,
                         "idempotency_key": idempotency_key(event_key, Channel.EMAIL, f"account:{account_id}")})
    hooks = select(WebhookEndpoint).where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.active)
    if webhook_ids is not None:
        hooks = hooks.where(WebhookEndpoint.id.in_(list(webhook_ids)))
    elif kind not in prefs.USER_KINDS:
        hooks = hooks.where(sa.false())  # a test event names its endpoint
    for hook in session.exec(hooks).all():
        if kind == EventKind.ALERT_NEW and not prefs.severity_wanted(severity, hook.min_severity):
            continue
        rows.append({**base, "channel": Channel.WEBHOOK, "account_id": None, "webhook_id": hook.id,
                     "idempotency_key": idempotency_key(event_key, Channel.WEBHOOK, f"webhook:{hook.id}")})
    if not rows:
        return 0
    table = OutboxMessage.__table__
    # RETURNING names the rows really inserted (a conflict returns nothing), on both dialects
    result = session.execute(insert_for(session, table).values(rows).on_conflict_do_nothing(
        index_elements=[table.c.idempotency_key]).returning(table.c.id))
    return len(result.all())
