"""The change feed: "what changed, for which organization" (DESIGN.md §8).

Services publish a small marker after their transaction commits; subscribers (the Reflex
adapter in ``woms_app.state.live``, tests) receive it. The feed never carries row data: a
subscriber that wants data re-queries through the scoped services with its own viewer.

This module knows nothing about Reflex, HTTP or the database beyond "after commit".

* ``publish(org_id, *topics)`` — notify now (call it after the commit).
* ``publish_after_commit(session, org_id, *topics)`` — notify when ``session`` commits (dropped
  on rollback), so a change is never announced before other connections can read it.
* ``subscribe(callback)`` → an ``unsubscribe`` function. Callbacks run in the publisher's thread;
  they must be quick and must not raise (errors are logged and swallowed). They see this process's
  changes only.

Across processes (several backend workers, a CLI sync, ...): when ``WOMS_REDIS_URL`` is set, ``publish``
also sends the change, as JSON, on the Redis pub/sub channel ``woms:feed:db<n>``. ``RemoteFeed`` reads that
channel (every process's changes, its own included) and lets exactly one reader ``claim`` each change
by its id (``SET NX`` on a short-lived key), so a consumer present in N processes applies it once.
Redis rather than PostgreSQL LISTEN/NOTIFY: Redis is already required for several workers (Reflex's
state manager), works whatever the database engine (SQLite + Redis included) and needs no dedicated
database connection per worker; the feed carries markers only, so at-most-once delivery is enough.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

ALERTS = "alerts"
PLANTS = "plants"
METRICS = "metrics"
SYNC = "sync"
WORK_ORDERS = "work_orders"
VENDORS = "vendors"
NOTIFICATIONS = "notifications"  # webhooks and their delivery log (services.notifications)
TOPICS = frozenset({ALERTS, PLANTS, METRICS, SYNC, WORK_ORDERS, VENDORS, NOTIFICATIONS})


_process_id: tuple[int, str] | None = None


def process_id() -> str:
    """This process (host:pid:random), recomputed in a forked child."""
    global _process_id
    if _process_id is None or _process_id[0] != os.getpid():
        _process_id = (os.getpid(), f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")
    return _process_id[1]


BUS_CHANNEL = "woms:feed"  # + ":db<n>": pub/sub ignores Redis's database numbers, so the channel names it
CLAIM_PREFIX = "woms:feed:claim:"
CLAIM_TTL_MS = 60_000


@dataclass(frozen=True)
class Change:
    org_id: int | None  # None = fleet-wide (every organization may be affected)
    topics: frozenset[str]
    at: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    origin: str = field(default_factory=process_id)

    def to_json(self) -> str:
        return json.dumps({"id": self.id, "org_id": self.org_id, "topics": sorted(self.topics), "at": self.at,
                           "origin": self.origin}, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Change:
        d = json.loads(raw)
        org_id = d.get("org_id")
        topics = frozenset(t for t in d.get("topics", ()) if t in TOPICS)
        if not topics or not isinstance(d.get("id"), str) or not (org_id is None or isinstance(org_id, int)):
            raise ValueError("not a change-feed message")
        return cls(org_id=org_id, topics=topics, at=float(d.get("at") or time.time()), id=d["id"],
                   origin=str(d.get("origin", "")))


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
    _send_to_bus(change)
    return change


# ------------------------------------------------------------------ the cross-process bus (Redis)
_bus_client: redis.Redis | None = None
_bus_key: tuple[str, int] | None = None  # (url, pid): a forked worker builds its own client


def bus_url() -> str:
    """The Redis URL of the cross-process feed ("" = this process only)."""
    from woms_app.core.config import get_settings

    return get_settings().redis_url


def bus_channel(url: str) -> str:
    """The pub/sub channel of the deployment using Redis database ``url`` (so two deployments, or two test
    runs, on one Redis server but different database numbers never hear each other)."""
    from urllib.parse import urlparse

    path = urlparse(url).path.strip("/")
    return f"{BUS_CHANNEL}:db{int(path) if path.isdigit() else 0}"


def _sync_client(url: str) -> redis.Redis:
    global _bus_client, _bus_key
    key = (url, os.getpid())
    if _bus_key != key:
        import redis

        _bus_client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                           health_check_interval=30)
        _bus_key = key
    assert _bus_client is not None
    return _bus_client


def _send_to_bus(change: Change) -> None:
    url = bus_url()
    if not url:
        return
    try:
        _sync_client(url).publish(bus_channel(url), change.to_json())
    except Exception:  # the feed is best effort: a Redis hiccup never fails the service that committed
        log.warning("change feed: could not publish to Redis", exc_info=True)


class RemoteFeed:
    """Every process's changes, read from the Redis bus (asyncio). One per consumer.

    ``async for change in remote.changes()`` yields changes (this process's included) for as long as it
    runs, re-subscribing after a connection loss; ``ready`` is set once subscribed. ``await
    remote.claim(change)`` is True for exactly one caller per change id, across processes.
    """

    def __init__(self, url: str | None = None) -> None:
        import redis.asyncio as aredis

        self.url = url or bus_url()
        if not self.url:
            raise ValueError("the cross-process feed needs WOMS_REDIS_URL")
        self.redis = aredis.Redis.from_url(self.url, socket_connect_timeout=2, health_check_interval=30)
        self.ready = asyncio.Event()

    async def changes(self) -> AsyncIterator[Change]:
        backoff = 0.2
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(bus_channel(self.url))
                    self.ready.set()
                    backoff = 0.2
                    while True:
                        msg = await pubsub.get_message(timeout=30.0)
                        if msg is None or msg.get("type") != "message":
                            continue
                        try:
                            yield Change.from_json(msg["data"])
                        except (ValueError, TypeError, KeyError):
                            log.warning("change feed: ignored a malformed message")
            except asyncio.CancelledError:
                raise
            except Exception:
                self.ready.clear()
                log.warning("change feed: Redis subscription lost; retrying in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def claim(self, change: Change) -> bool:
        """True for the one consumer (in any process) that takes ``change``."""
        return bool(await self.redis.set(CLAIM_PREFIX + change.id, process_id(), nx=True, px=CLAIM_TTL_MS))

    async def claim_many(self, changes: list[Change]) -> list[Change]:
        """The changes of ``changes`` this consumer won (one round trip)."""
        if not changes:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for change in changes:
                pipe.set(CLAIM_PREFIX + change.id, process_id(), nx=True, px=CLAIM_TTL_MS)
            won = await pipe.execute()
        return [c for c, ok in zip(changes, won) if ok]

    async def aclose(self) -> None:
        await self.redis.aclose()


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
