"""The delivery job: claim due outbox rows, send them, mark them sent — or back off, for 24 h, then dead.

* **Claim with a lease.** A run takes up to ``BATCH`` due rows (pending or failed, ``next_attempt_at`` passed, no
  live lease) by writing its own ``claim_token`` and ``claimed_until = now + LEASE`` — on PostgreSQL the rows are
  picked ``FOR UPDATE SKIP LOCKED`` (two workers never wait for each other nor take the same row), on SQLite by
  one conditional UPDATE (the database's write lock serializes it). A run killed mid-batch leaves its rows
  claimed until the lease passes; the next run then takes them.
* **Finish by token.** Results are written only to rows that still carry the run's token and are not sent, so a
  row marked sent is never claimed nor sent again, and a run that outlived its lease cannot overwrite the run
  that took over. (Between "the receiver accepted" and "marked sent" a crash can still resend once: that is what
  the ``Idempotency-Key`` header and the e-mail's Message-ID are for.)
* **E-mail digests.** The claimed e-mail rows of one account become one message; an account that was sent one
  less than ``DIGEST_WINDOW`` ago waits until the window has passed, so a burst is one digest per few minutes.
* **Backoff.** ``30 s · 2^(attempts-1)``, capped at 1 h, ±10 % jitter; a row whose next try would fall more than
  ``MAX_AGE`` (24 h) after it was created is dead. No SMTP host configured is not an attempt: the e-mails stay
  pending, last error "SMTP not configured", and go out once a host is set.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.core.security import decrypt_json
from woms_app.models.notification import Channel, OutboxMessage, OutboxStatus, WebhookEndpoint
from woms_app.models.org import Account
from woms_app.services.notifications import mail, signing
from woms_app.vendors import netguard

log = logging.getLogger(__name__)

BATCH = 200
LEASE = timedelta(minutes=5)
DIGEST_WINDOW = timedelta(minutes=3)
MAX_AGE = timedelta(hours=24)
BASE_DELAY_S = 30.0
MAX_DELAY_S = 3600.0
WEBHOOK_TIMEOUT_S = 10.0
WEBHOOK_CONCURRENCY = 10
KEEP = timedelta(days=30)  # sent and dead rows (the delivery log) are kept this long
SMTP_WAIT = timedelta(minutes=1)  # how often e-mails waiting for an SMTP configuration look again
DUE = (OutboxStatus.PENDING, OutboxStatus.FAILED)


def backoff_s(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before try ``attempts + 1`` (``attempts`` ≥ 1 failed so far)."""
    delay = min(MAX_DELAY_S, BASE_DELAY_S * 2 ** max(0, attempts - 1))
    return delay * (rng or random).uniform(0.9, 1.1)


@dataclass
class Claimed:
    id: int
    org_id: int
    event_kind: str
    event_key: str
    channel: Channel
    account_id: int | None
    webhook_id: int | None
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


@dataclass
class Outcome:
    """What happened to each claimed row."""

    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # id → error (retried or dead)
    dead: dict[int, str] = field(default_factory=dict)  # id → reason (no retry makes sense)
    waiting: dict[int, tuple[datetime, str]] = field(default_factory=dict)  # id → (not before, note); no attempt


@dataclass(frozen=True)
class RunResult:
    claimed: int
    sent: int
    failed: int
    dead: int
    waiting: int
    emails: int  # messages sent (a digest is one)


# ---------------------------------------------------------------- claim
def _due_clause(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(col(OutboxMessage.status).in_(DUE), col(OutboxMessage.next_attempt_at) <= now,
                   sa.or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now))


def claim(session: Session, now: datetime, *, limit: int = BATCH,
          lease: timedelta = LEASE) -> tuple[str, list[Claimed]]:
    """Claim up to ``limit`` due rows for ``lease``; returns the run's token and the rows (oldest first)."""
    token = uuid.uuid4().hex
    pick = select(OutboxMessage.id).where(_due_clause(now)).order_by(col(OutboxMessage.next_attempt_at),
                                                                     col(OutboxMessage.id)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(session.exec(pick).all())
    if not ids:
        return token, []
    # the due clause again: on SQLite the UPDATE is what claims (nothing else can run between its read and write)
    session.execute(sa.update(OutboxMessage).where(col(OutboxMessage.id).in_(ids), _due_clause(now))
                    .values(claim_token=token, claimed_until=now + lease))
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.claim_token == token)
                        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))).all()
    return token, [Claimed(r.id, r.org_id, r.event_kind.value, r.event_key, Channel(r.channel), r.account_id,
                           r.webhook_id, r.idempotency_key, dict(r.payload or {}), r.attempts, r.created_at)
                   for r in rows if r.id is not None]


# ---------------------------------------------------------------- finish
def finish(session: Session, token: str, rows: list[Claimed], outcome: Outcome, now: datetime,
           rng: random.Random | None = None) -> None:
    """Write each row's result, only where the row still carries ``token`` and is not sent."""
    mine = sa.and_(OutboxMessage.claim_token == token, OutboxMessage.status != OutboxStatus.SENT)
    by_id = {r.id: r for r in rows}
    for org_id in {r.org_id for r in rows if r.channel == Channel.WEBHOOK}:  # the delivery logs change
        feed.publish_after_commit(session, org_id, feed.NOTIFICATIONS)
    if outcome.sent:
        session.execute(sa.update(OutboxMessage).where(col(OutboxMessage.id).in_(outcome.sent), mine).values(
            status=OutboxStatus.SENT, sent_at=now, attempts=OutboxMessage.attempts + 1, last_error="",
            claimed_until=None))
    for row_id, error in outcome.failed.items():
        attempts = by_id[row_id].attempts + 1
        retry_at = now + timedelta(seconds=backoff_s(attempts, rng))
        dead = retry_at > by_id[row_id].created_at + MAX_AGE
        session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == row_id, mine).values(
            status=OutboxStatus.DEAD if dead else OutboxStatus.FAILED, attempts=attempts,
            last_error=(f"gave up after 24 h: {error}" if dead else error)[:500], next_attempt_at=retry_at,
            claimed_until=None))
    for row_id, reason in outcome.dead.items():
        session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == row_id, mine).values(
            status=OutboxStatus.DEAD, last_error=reason[:500], claimed_until=None))
    for row_id, (not_before, note) in outcome.waiting.items():
        session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == row_id, mine).values(
            next_attempt_at=not_before, last_error=note[:500], claimed_until=None))


# ---------------------------------------------------------------- what the senders need
@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    last_sent: datetime | None


@dataclass(frozen=True)
class Endpoint:
    url: str
    secret: str
    active: bool


def _recipients(session: Session, account_ids: set[int]) -> dict[int, Recipient]:
    if not account_ids:
        return {}
    accounts = session.exec(select(Account).where(col(Account.id).in_(list(account_ids)), Account.is_active)).all()
    last = dict(session.exec(select(OutboxMessage.account_id, sa.func.max(OutboxMessage.sent_at)).where(
        col(OutboxMessage.account_id).in_(list(account_ids)), OutboxMessage.channel == Channel.EMAIL,
        OutboxMessage.status == OutboxStatus.SENT).group_by(OutboxMessage.account_id)).all())
    return {a.id: Recipient(a.email, a.full_name, last.get(a.id)) for a in accounts if a.id is not None}


def _endpoints(session: Session, webhook_ids: set[int]) -> dict[int, Endpoint]:
    if not webhook_ids:
        return {}
    out = {}
    for hook in session.exec(select(WebhookEndpoint).where(col(WebhookEndpoint.id).in_(list(webhook_ids)))).all():
        try:
            secret = str(decrypt_json(hook.secret_encrypted)["secret"])
        except (ValueError, KeyError):
            secret = ""
        if hook.id is not None:
            out[hook.id] = Endpoint(hook.url, secret, hook.active)
    return out


# ---------------------------------------------------------------- senders
def webhook_body(row: Claimed) -> bytes:
    """The JSON body of a webhook delivery (signed exactly as sent)."""
    return json.dumps({"id": row.idempotency_key, "event": row.event_kind, "event_key": row.event_key,
                       "org_id": row.org_id, "created_at": row.created_at.isoformat(), "data": row.payload},
                      separators=(",", ":"), sort_keys=True, default=str).encode("utf-8")


async def _post(client: Any, row: Claimed, endpoint: Endpoint) -> str | None:
    body = webhook_body(row)
    ts = int(time.time())  # the wall clock, as the receiver's replay check compares it (not the app's clock)
    try:
        r = await client.post(endpoint.url, content=body,
                              headers=signing.headers(endpoint.secret, ts, body, row.event_kind, row.idempotency_key))
    except Exception as exc:  # any failure to deliver is a retry, never a crash of the job
        if netguard.REFUSED in str(exc):  # the connect-time check (vendors.netguard words it for vendors)
            return "refused: the webhook host resolves to a private or local network address, which is not allowed"
        return f"{type(exc).__name__}: {exc}"[:300]
    if 200 <= r.status_code < 300:
        return None
    return f"HTTP {r.status_code}"


async def _send_webhooks(rows: list[Claimed], endpoints: dict[int, Endpoint], now: datetime,
                         outcome: Outcome) -> None:
    todo = []
    for row in rows:
        ep = endpoints.get(row.webhook_id or 0)
        if ep is None or not ep.active:
            outcome.dead[row.id] = "webhook endpoint removed or inactive"
        elif not ep.secret:
            outcome.dead[row.id] = "webhook secret cannot be decrypted with the configured key"
        else:
            todo.append((row, ep))
    if not todo:
        return
    limit = asyncio.Semaphore(WEBHOOK_CONCURRENCY)
    async with netguard.vendor_client(WEBHOOK_TIMEOUT_S) as client:
        async def one(row: Claimed, ep: Endpoint) -> None:
            async with limit:
                error = await _post(client, row, ep)
            if error is None:
                outcome.sent.append(row.id)
            else:
                outcome.failed[row.id] = error

        await asyncio.gather(*(one(r, ep) for r, ep in todo))


def _send_emails(rows: list[Claimed], recipients: dict[int, Recipient], now: datetime, outcome: Outcome) -> int:
    groups: dict[int, list[Claimed]] = defaultdict(list)
    for row in rows:
        if row.account_id not in recipients:
            outcome.dead[row.id] = "account removed or deactivated"
        else:
            groups[row.account_id].append(row)
    ready: list[tuple[list[Claimed], Any]] = []
    for account_id, group in groups.items():
        rcpt = recipients[account_id]
        if rcpt.last_sent is not None and rcpt.last_sent + DIGEST_WINDOW > now:
            for row in group:  # the next digest: when the window since the last one has passed
                outcome.waiting[row.id] = (rcpt.last_sent + DIGEST_WINDOW, "")
            continue
        items = [mail.DigestItem(r.idempotency_key, r.event_kind, r.payload) for r in group]
        ready.append((group, mail.compose(rcpt.email, rcpt.name, items)))
    if not ready:
        return 0
    try:
        results = mail.send([m for _, m in ready])
    except mail.SmtpNotConfigured:
        for group, _ in ready:
            for row in group:
                outcome.waiting[row.id] = (now + SMTP_WAIT, mail.NOT_CONFIGURED)
        return 0
    sent = 0
    for (group, _), error in zip(ready, results, strict=True):
        for row in group:
            if error is None:
                outcome.sent.append(row.id)
            else:
                outcome.failed[row.id] = error
        sent += error is None
    return sent


# ---------------------------------------------------------------- the job
def _claim_and_load(now: datetime, limit: int) -> tuple[str, list[Claimed], dict[int, Recipient],
                                                        dict[int, Endpoint]]:
    with main_session(SYSTEM_CONTEXT) as session:
        token, rows = claim(session, now, limit=limit)
        recipients = _recipients(session, {r.account_id for r in rows if r.account_id is not None})
        endpoints = _endpoints(session, {r.webhook_id for r in rows if r.webhook_id is not None})
    return token, rows, recipients, endpoints


def _finish(token: str, rows: list[Claimed], outcome: Outcome) -> None:
    with main_session(SYSTEM_CONTEXT) as session:
        finish(session, token, rows, outcome, utcnow())


async def run_delivery(*, limit: int = BATCH) -> RunResult:
    """One pass of the job: claim, send, finish (the scheduler runs it every few seconds on the leader)."""
    now = utcnow()
    token, rows, recipients, endpoints = await asyncio.to_thread(_claim_and_load, now, limit)
    if not rows:
        return RunResult(0, 0, 0, 0, 0, 0)
    outcome = Outcome()
    await _send_webhooks([r for r in rows if r.channel == Channel.WEBHOOK], endpoints, now, outcome)
    emails = await asyncio.to_thread(_send_emails, [r for r in rows if r.channel == Channel.EMAIL], recipients,
                                     now, outcome)
    await asyncio.to_thread(_finish, token, rows, outcome)
    if outcome.failed or outcome.dead:
        log.info("notifications: %s sent, %s failed, %s dead", len(outcome.sent), len(outcome.failed),
                 len(outcome.dead))
    return RunResult(len(rows), len(outcome.sent), len(outcome.failed), len(outcome.dead), len(outcome.waiting),
                     emails)


def purge(session: Session, now: datetime, keep: timedelta = KEEP) -> int:
    """Delete sent and dead rows older than ``keep`` (the hourly retention job); pending ones are never lost."""
    result = session.execute(sa.delete(OutboxMessage).where(
        col(OutboxMessage.status).in_((OutboxStatus.SENT, OutboxStatus.DEAD)),
        col(OutboxMessage.created_at) < now - keep))
    return int(getattr(result, "rowcount", 0) or 0)


def purge_job() -> int:
    with main_session(SYSTEM_CONTEXT) as session:
        return purge(session, utcnow())
