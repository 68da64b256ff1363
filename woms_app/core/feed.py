"""The change feed: "what changed, for which organization" (DESIGN.md §8).

Services publish a small marker after their transaction commits; subscribers (the Reflex
adapter in ``woms_app.state.live``, tests) receive it. The feed never carries row data: a
subscriber that wants data re-queries through the scoped services with its own viewer.

This module knows nothing about Reflex, HTTP or the database beyond "after commit".

* ``publish(org_id, *topics)`` — notify now (call it after the commit).
* ``publish_after_commit(session, org_id, *topics)`` — notify when ``session`` commits (dropped
  on rollback), so a change is never announced before other connections can read it.
* ``subscribe(callback)`` → an ``unsubscribe`` function. Callbacks run in the publisher's thread;
  they must be quick and must not raise (errors are logged and swallowed).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

ALERTS = "alerts"
PLANTS = "plants"
METRICS = "metrics"
SYNC = "sync"
WORK_ORDERS = "work_orders"
VENDORS = "vendors"
TOPICS = frozenset({ALERTS, PLANTS, METRICS, SYNC, WORK_ORDERS, VENDORS})


@dataclass(frozen=True)
class Change:
    org_id: int | None  # None = fleet-wide (every organization may be affected)
    topics: frozenset[str]
    at: float = field(default_factory=time.time)


Subscriber = Callable[[Change], None]

_subscribers: list[Subscriber] = []
_lock = threading.Lock()
_PENDING_KEY = "woms_feed_pending"


def _check(topics: tuple[str, ...]) -> frozenset[str]:
    unknown = set(topics) - TOPICS
    if unknown:
        raise ValueError(f"unknown feed topic(s): {', '.join(sorted(unknown))}")
    if not topics:
        raise ValueError("publish needs at least one topic")
    return frozenset(topics)


def subscribe(callback: Subscriber) -> Callable[[], None]:
    with _lock:
        _subscribers.append(callback)

    def unsubscribe() -> None:
        with _lock:
            if callback in _subscribers:
                _subscribers.remove(callback)

    return unsubscribe


def publish(org_id: int | None, *topics: str) -> Change:
    change = Change(org_id=org_id, topics=_check(topics))
    with _lock:
        subs = list(_subscribers)
    for sub in subs:
        try:
            sub(change)
        except Exception:  # a broken subscriber never breaks a service
            log.exception("change-feed subscriber failed")
    return change


def publish_after_commit(session: Session, org_id: int | None, *topics: str) -> None:
    """Queue a change on ``session``; it is published once, after the next successful commit."""
    checked = _check(topics)
    pending: dict[int | None, set[str]] = session.info.setdefault(_PENDING_KEY, {})
    if not pending:
        event.listen(session, "after_commit", _flush, once=True)
        event.listen(session, "after_rollback", _drop, once=True)
    pending.setdefault(org_id, set()).update(checked)


def _flush(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, {})
    if event.contains(session, "after_rollback", _drop):
        event.remove(session, "after_rollback", _drop)
    for org_id, topics in pending.items():
        publish(org_id, *sorted(topics))


def _drop(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
    if event.contains(session, "after_commit", _flush):
        event.remove(session, "after_commit", _flush)


def channels_for(org_id: int | None) -> list[str]:
    """The live channels a change of ``org_id`` goes to (names without underscores)."""
    return ["fleet"] if org_id is None else [f"org{int(org_id)}", "fleet"]


def channel_of(org_id: int | None, fleet_wide: bool) -> str:
    """The one channel a viewer listens to: "fleet" for SUPERADMIN/GOVT, "org<id>" for an org."""
    if fleet_wide:
        return "fleet"
    if org_id is None:
        raise ValueError("an organization viewer needs an org id")
    return f"org{int(org_id)}"
