"""Notifications end to end on a migrated database, with a real SMTP server (aiosmtpd) and a real webhook
receiver that checks every signature with the documented recipe: the outbox is written in the event's
transaction, each notification is delivered exactly once (retries, a killed run, receivers down), and nothing
goes to who did not ask for it."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests import factories
from tests.notify_servers import receiver, smtp, unfrozen  # noqa: F401  (fixtures)
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import AccountType, AlertSeverity, EventKind, OutboxMessage, OutboxStatus
from woms_app.models.org import Account
from woms_app.services import accounts
from woms_app.services.notifications import deliver, outbox, prefs, webhooks
from woms_app.services.viewer import SYSTEM, Viewer

SUNRISE = "Sunrise Energy"


def _viewer(account) -> Viewer:
    return Viewer(account_id=account.id, email=account.email, role=AccountType(account.account_type),
                  org_id=account.org_id)


@pytest.fixture
def org(demo, unfrozen):  # noqa: F811
    """Sunrise with two active accounts: its demo manager and a second engineer; ids and emails. (The demo's
    technicians of Sunrise are deactivated: the counts below speak of these two.)"""
    with main_session(SYSTEM_CONTEXT) as s:
        o = factories.org_named(s, SUNRISE)
        manager = factories.account_of(s, o.id)
        for other in s.exec(select(Account).where(Account.org_id == o.id, Account.id != manager.id)).all():
            other.is_active = False
            s.add(other)
        engineer = accounts.create_account(s, SYSTEM, email="field@sunrise.demo.woms", password="field-pass-123",
                                           account_type=AccountType.ORG, org_id=o.id, full_name="Field Engineer")
        return {"org_id": o.id, "manager": _viewer(manager), "engineer": _viewer(engineer)}


def _hook(org, url: str, **kw) -> tuple[int, str]:
    with main_session(SYSTEM_CONTEXT) as s:
        view, secret = webhooks.create_webhook(s, org["manager"], url, **kw)
    return view.id, secret


def _alert_event(org, n: int, severity: str = "critical") -> int:
    with main_session(SYSTEM_CONTEXT) as s:
        return outbox.enqueue(s, EventKind.ALERT_NEW, org["org_id"], f"alert:test-{n}",
                              {"title": f"Critical alert at Plant {n}: Arc fault {n}", "severity": severity,
                               "plant_name": f"Plant {n}"})


def _rows(**where) -> list[OutboxMessage]:
    with main_session(SYSTEM_CONTEXT) as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(OutboxMessage, k) == v)
        return list(s.exec(stmt).all())


def run() -> deliver.RunResult:
    return asyncio.run(deliver.run_delivery())


# ---------------------------------------------------------------- enqueue
def test_enqueue_wo_assigned_writes_one_row_per_recipient_and_channel_once(org, receiver):  # noqa: F811
    hook_id, _ = _hook(org, receiver.url)
    eng = org["engineer"].account_id
    payload = {"title": "Work order #12 assigned to you: Inverter check", "work_order_id": 12}
    with main_session(SYSTEM_CONTEXT) as s:
        assert outbox.enqueue(s, EventKind.WO_ASSIGNED, org["org_id"], "wo:12:assigned:1", payload,
                              account_ids=[eng]) == 2
        # the same event again (a retried request): nothing new
        assert outbox.enqueue(s, "wo.assigned", org["org_id"], "wo:12:assigned:1", payload, account_ids=[eng]) == 0
    rows = _rows()
    assert sorted((r.channel.value, r.account_id, r.webhook_id, r.idempotency_key) for r in rows) == [
        ("email", eng, None, f"wo:12:assigned:1:email:account:{eng}"),
        ("webhook", None, hook_id, f"wo:12:assigned:1:webhook:webhook:{hook_id}")]
    assert all(r.status == OutboxStatus.PENDING and r.payload == payload and r.attempts == 0 for r in rows)


def test_enqueue_is_part_of_the_callers_transaction(org):
    with pytest.raises(RuntimeError), main_session(SYSTEM_CONTEXT) as s:
        assert outbox.enqueue(s, EventKind.WO_ASSIGNED, org["org_id"], "wo:13:assigned:1", {"title": "x"},
                              account_ids=[org["manager"].account_id]) == 1
        raise RuntimeError("the event's own write failed")
    assert _rows() == []


def test_preferences_decide_who_gets_what(org):
    mgr, eng = org["manager"], org["engineer"]
    with main_session(SYSTEM_CONTEXT) as s:  # the engineer wants minor alerts too, the manager no e-mail at all
        prefs.set_prefs(s, eng, [prefs.PrefInput("alert.new", True, True, "minor")])
        prefs.set_prefs(s, mgr, [prefs.PrefInput("alert.new", True, False)])
    _alert_event(org, 1, "critical")
    _alert_event(org, 2, "minor")
    _alert_event(org, 3, "info")
    got = sorted((r.event_key, r.account_id) for r in _rows(channel="email"))
    assert got == [("alert:test-1", eng.account_id), ("alert:test-2", eng.account_id)]
    with main_session(SYSTEM_CONTEXT) as s:
        views = {p.event_kind: p for p in prefs.get_prefs(s, eng)}
        assert views["alert.new"].min_severity == "minor" and not views["alert.new"].default
        assert views["wo.done"].default and not views["wo.done"].email  # untouched: the default


def test_work_order_events_default_to_the_named_accounts(org):
    with main_session(SYSTEM_CONTEXT) as s:
        outbox.enqueue(s, EventKind.WO_SLA_BREACHED, org["org_id"], "wo:14:breached", {"title": "SLA breached"})
        outbox.enqueue(s, EventKind.WO_DONE, org["org_id"], "wo:14:done", {"title": "Done"})
    # an SLA breach escalates to every account of the organization; "done" is off by default
    assert sorted(r.account_id for r in _rows(channel="email")) == sorted(
        [org["manager"].account_id, org["engineer"].account_id])


# ---------------------------------------------------------------- delivery
def test_a_burst_is_one_digest_per_account_and_one_signed_webhook_each(org, smtp, receiver):  # noqa: F811
    _, receiver.secret = _hook(org, receiver.url)
    for n in (1, 2, 3):
        _alert_event(org, n)
    result = run()
    assert result.sent == 3 * 2 + 3 and result.emails == 2
    assert len(smtp.messages) == 2
    for viewer in (org["manager"], org["engineer"]):
        (msg,) = smtp.to(viewer.email)
        assert msg["Subject"] == "[WOMS] 3 notifications"
        body = msg.get_payload(decode=True).decode()
        assert all(f"Arc fault {n}" in body for n in (1, 2, 3))
    assert receiver.bad_signatures == 0 and sorted(receiver.received.values()) == [1, 1, 1]
    req = receiver.requests[0]
    assert req["headers"]["X-WOMS-Event"] == "alert.new"
    body = json.loads(req["body"])
    assert body["id"] == req["headers"]["Idempotency-Key"] and body["data"]["severity"] == "critical"
    assert run().claimed == 0  # nothing twice
    assert {r.status for r in _rows()} == {OutboxStatus.SENT}


def test_next_burst_waits_for_the_digest_window(org, smtp):  # noqa: F811
    t0 = clock.utcnow()
    clock.freeze(t0)
    _alert_event(org, 1)
    run()
    assert len(smtp.messages) == 2
    clock.freeze(t0 + timedelta(seconds=20))
    _alert_event(org, 2)
    _alert_event(org, 3)
    assert run().waiting == 4 and len(smtp.messages) == 2  # a minute after the last mail: not yet
    clock.freeze(t0 + deliver.DIGEST_WINDOW + timedelta(seconds=1))
    run()
    assert len(smtp.messages) == 4
    msg = smtp.to(org["manager"].email)[-1]
    assert msg["Subject"] == "[WOMS] 2 notifications"


def test_without_smtp_host_emails_wait_visibly_and_go_out_once_configured(org, monkeypatch):
    _alert_event(org, 1)
    result = run()
    assert result.waiting == 2 and result.sent == 0
    rows = _rows()
    assert {(r.status, r.attempts, r.last_error) for r in rows} == {(OutboxStatus.PENDING, 0, "SMTP not configured")}
    # a day later it is still waiting, not dead
    clock.freeze(clock.utcnow() + timedelta(hours=25))
    run()
    assert {r.status for r in _rows()} == {OutboxStatus.PENDING}


def test_smtp_configured_later_delivers_the_waiting_emails(org, request):
    _alert_event(org, 1)
    run()
    sink = request.getfixturevalue("smtp")
    clock.freeze(clock.utcnow() + deliver.SMTP_WAIT + timedelta(seconds=1))
    assert run().emails == 2 and len(sink.messages) == 2
    assert {(r.status, r.last_error) for r in _rows()} == {(OutboxStatus.SENT, "")}


def test_receiver_down_is_retried_with_backoff_and_delivered_when_it_returns(org, receiver):  # noqa: F811
    _, receiver.secret = _hook(org, receiver.url)
    port = receiver.port
    receiver.stop()  # the port is closed
    t0 = clock.utcnow()
    clock.freeze(t0)
    _alert_event(org, 1)
    assert run().failed == 1
    (row,) = _rows(channel="webhook")
    assert row.status == OutboxStatus.FAILED and row.attempts == 1 and "ConnectError" in row.last_error
    delay = (row.next_attempt_at - t0).total_seconds()
    assert 27 <= delay <= 33  # 30 s ± 10 %
    assert run().claimed == 0  # not due yet
    clock.freeze(row.next_attempt_at + timedelta(seconds=1))
    assert run().failed == 1
    (row,) = _rows(channel="webhook")
    assert row.attempts == 2 and 54 <= (row.next_attempt_at - clock.utcnow()).total_seconds() <= 66  # doubled
    receiver.port = port
    receiver.start()
    clock.freeze(row.next_attempt_at + timedelta(seconds=1))
    assert run().sent == 1
    (row,) = _rows(channel="webhook")
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 3, "")
    assert list(receiver.received.values()) == [1] and receiver.bad_signatures == 0


def test_500_then_200_is_one_delivery_with_two_attempts(org, receiver):  # noqa: F811
    hook_id, receiver.secret = _hook(org, receiver.url)
    receiver.statuses = [500]
    _alert_event(org, 1)
    run()
    clock.freeze(clock.utcnow() + timedelta(minutes=1))
    run()
    with main_session(SYSTEM_CONTEXT) as s:
        log = webhooks.deliveries(s, org["manager"], hook_id)
    assert [(d.event_key, d.status, d.attempts, d.last_error) for d in log] == [("alert:test-1", "sent", 2, "")]
    assert [r["status"] for r in receiver.requests] == [500, 200]


def test_a_run_killed_mid_batch_leaves_rows_that_are_delivered_exactly_once(org, smtp, receiver):  # noqa: F811
    _, receiver.secret = _hook(org, receiver.url)
    for n in range(1, 6):
        _alert_event(org, n)
    t0 = clock.utcnow()
    clock.freeze(t0)
    with main_session(SYSTEM_CONTEXT) as s:  # a run that claims three rows and dies before sending
        token, claimed = deliver.claim(s, t0, limit=3)
    assert len(claimed) == 3
    first = run()  # the others go; the three claimed wait for their lease
    assert first.claimed == 15 - 3 and first.sent == 12
    clock.freeze(t0 + deliver.LEASE - timedelta(seconds=1))
    assert run().claimed == 0
    clock.freeze(t0 + deliver.LEASE + timedelta(seconds=1) + deliver.DIGEST_WINDOW)
    assert run().sent == 3
    assert run().claimed == 0
    # the dead run's late finish changes nothing: its token no longer owns the rows
    with main_session(SYSTEM_CONTEXT) as s:
        deliver.finish(s, token, claimed, deliver.Outcome(failed={c.id: "late" for c in claimed}), clock.utcnow())
    assert {r.status for r in _rows()} == {OutboxStatus.SENT}
    assert sorted(receiver.received.values()) == [1] * 5 and receiver.bad_signatures == 0
    keys = [m["Subject"] for m in smtp.messages]
    assert len(keys) == 4  # each account: a digest of what came first, then one of what the dead run held
    listed = "".join(m.get_payload(decode=True).decode() for m in smtp.messages)
    assert all(listed.count(f"Arc fault {n}") == 2 for n in range(1, 6))  # each alert once per account


def test_after_24_hours_of_failures_a_notification_is_dead(org, receiver):  # noqa: F811
    _, receiver.secret = _hook(org, receiver.url)
    receiver.stop()
    t0 = clock.utcnow()
    clock.freeze(t0)
    _alert_event(org, 1)
    runs = 0
    while True:
        (row,) = _rows(channel="webhook")
        if row.status == OutboxStatus.DEAD:
            break
        clock.freeze(max(clock.utcnow(), row.next_attempt_at) + timedelta(seconds=1))
        run()
        runs += 1
        assert runs < 60
    assert row.last_error.startswith("gave up after 24 h") and 20 <= row.attempts <= 40
    assert row.next_attempt_at > t0 + deliver.MAX_AGE


def test_backoff_doubles_and_is_capped_at_an_hour():
    import random

    rng = random.Random(1)
    assert [round(deliver.backoff_s(a, rng) / 30) for a in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert 3240 <= deliver.backoff_s(20, rng) <= 3960


def test_inactive_or_removed_recipients_are_dead_not_retried(org, smtp):  # noqa: F811
    _alert_event(org, 1)
    with main_session(SYSTEM_CONTEXT) as s:
        s.execute(sa.text("UPDATE accounts SET is_active = false WHERE id = :a"),
                  {"a": org["engineer"].account_id})
    run()
    by_account = {r.account_id: r for r in _rows(channel="email")}
    assert by_account[org["engineer"].account_id].status == OutboxStatus.DEAD
    assert by_account[org["manager"].account_id].status == OutboxStatus.SENT


def test_severity_order():
    assert prefs.severity_wanted(AlertSeverity.CRITICAL, "major")
    assert prefs.severity_wanted("major", "major") and not prefs.severity_wanted("minor", "major")
    assert prefs.severity_wanted("info", "info") and not prefs.severity_wanted("bogus", "info")


def test_two_runs_at_once_take_disjoint_rows_on_postgresql(org, db):
    """FOR UPDATE SKIP LOCKED: a second run does not wait for the first one's rows, nor take them."""
    if db.kind != "pg":
        pytest.skip("SQLite serializes writers: the second claim waits for the first (busy timeout)")
    for n in range(1, 5):
        _alert_event(org, n)  # 8 e-mail rows
    now = clock.utcnow()
    with main_session(SYSTEM_CONTEXT) as a:
        _, first = deliver.claim(a, now, limit=5)  # a's transaction stays open: its rows are locked
        with main_session(SYSTEM_CONTEXT) as b:
            _, second = deliver.claim(b, now, limit=5)
    assert len(first) == 5 and len(second) == 3
    assert not {r.id for r in first} & {r.id for r in second}


def test_webhook_changes_and_deliveries_are_announced_to_the_organization(org, receiver):  # noqa: F811
    from woms_app.core import feed

    got: list[feed.Change] = []
    unsubscribe = feed.subscribe(got.append)
    try:
        hook_id, receiver.secret = _hook(org, receiver.url)
        _alert_event(org, 1)
        run()
    finally:
        unsubscribe()
    announced = [c for c in got if feed.NOTIFICATIONS in c.topics]
    assert len(announced) == 2 and {c.org_id for c in announced} == {org["org_id"]}  # created, then delivered


def test_smtp_login_with_the_configured_account_and_a_refused_one_is_a_retry(org, monkeypatch):
    from tests.notify_servers import SmtpSink
    from woms_app.core.config import reset_settings

    sink = SmtpSink(credentials=("woms-mailer", "right-password-123")).start()
    try:
        for k, v in {"HOST": "127.0.0.1", "PORT": str(sink.port), "STARTTLS": "false", "USER": "woms-mailer",
                     "PASSWORD": "wrong-password-456"}.items():
            monkeypatch.setenv(f"WOMS_SMTP_{k}", v)
        reset_settings()
        _alert_event(org, 1)
        assert run().failed == 2
        errors = {r.last_error for r in _rows()}
        assert all("SMTPAuthenticationError" in e and "wrong-password" not in e for e in errors), errors
        monkeypatch.setenv("WOMS_SMTP_PASSWORD", "right-password-123")
        reset_settings()
        clock.freeze(clock.utcnow() + timedelta(minutes=2))
        assert run().emails == 2 and len(sink.messages) == 2 and sink.logins == ["woms-mailer"]
    finally:
        sink.stop()
        monkeypatch.undo()
        reset_settings()


def test_old_sent_and_dead_rows_are_purged_pending_ones_never(org, smtp):  # noqa: F811
    _alert_event(org, 1)
    run()  # two sent
    with main_session(SYSTEM_CONTEXT) as s:
        outbox.enqueue(s, EventKind.WO_ASSIGNED, org["org_id"], "wo:1:assigned", {"title": "x"},
                       account_ids=[org["manager"].account_id])  # pending
    later = clock.utcnow() + deliver.KEEP + timedelta(days=1)
    with main_session(SYSTEM_CONTEXT) as s:
        s.execute(sa.update(OutboxMessage).where(OutboxMessage.event_key == "wo:1:assigned")
                  .values(created_at=clock.utcnow() - timedelta(days=40)))
        assert deliver.purge(s, later) == 2
    assert [r.event_key for r in _rows()] == ["wo:1:assigned"]


def test_the_hourly_retention_job_purges_old_notifications(org, smtp):  # noqa: F811
    from woms_app.scheduler.runner import _retention

    _alert_event(org, 1)
    run()
    with main_session(SYSTEM_CONTEXT) as s:
        s.execute(sa.update(OutboxMessage).values(created_at=clock.utcnow() - deliver.KEEP - timedelta(hours=1)))
    _retention()
    assert _rows() == []
