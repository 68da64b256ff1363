"""Leader election: exactly one scheduler runs jobs, whatever the number of backend workers.

* PostgreSQL: a session-level advisory lock held on a dedicated connection (released when the
  connection closes, so a dead process frees it at once).
* Otherwise, with Redis configured (SQLite + several workers): a Redis key ``woms:lock:<name>`` set with
  NX and a time to live; the holder renews it on every heartbeat (compare-and-renew), another process
  takes it once it has expired.
* Otherwise (one process on SQLite): the ``scheduler_lock`` row with an expiry, renewed the same way.

Fail-over after a crash: immediate for the advisory lock (the dead process's connection closes), at most
``ttl_s`` + one heartbeat for the others; the scheduler uses a ttl of 3 heartbeats (WOMS_SCHEDULER_HEARTBEAT_S).
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from woms_app.core.clock import utcnow
from woms_app.core.config import get_settings
from woms_app.core.db import main_engine, main_session
from woms_app.core.upsert import insert_for
from woms_app.models.ops import SchedulerLock

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x574F4D53  # "WOMS"
REDIS_PREFIX = "woms:lock:"

# KEYS[1] = lock key, ARGV[1] = holder, ARGV[2] = ttl ms: take it if free, renew it if ours.
_REDIS_ACQUIRE = """
local cur = redis.call('GET', KEYS[1])
if cur == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1
elseif cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1
end
return 0
"""
_REDIS_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaderLock:
    def __init__(self, name: str = "scheduler", holder: str | None = None, ttl_s: float = 60.0,
                 engine: Engine | None = None, redis_url: str | None = None) -> None:
        self.name = name
        self.holder = holder or holder_id()
        self.ttl = timedelta(seconds=ttl_s)
        self._engine = engine
        self._redis_url = redis_url
        self._redis = None
        self._conn: Connection | None = None  # PostgreSQL: the connection holding the advisory lock

    @property
    def redis_url(self) -> str:
        return get_settings().redis_url if self._redis_url is None else self._redis_url

    @property
    def kind(self) -> str:
        """How leadership is decided here: "advisory" (PostgreSQL), "redis" or "row"."""
        if self.engine.dialect.name == "postgresql":
            return "advisory"
        return "redis" if self.redis_url else "row"

    @property
    def engine(self) -> Engine:
        return self._engine or main_engine()

    def acquire(self) -> bool:
        """Take or renew leadership; True while this process is the leader."""
        kind = self.kind
        if kind == "advisory":
            return self._acquire_pg()
        if kind == "redis":
            return self._acquire_redis()
        return self._acquire_row()

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k), set_config('application_name', '', false)"),
                                   {"k": ADVISORY_KEY})
                self._conn.commit()
            except Exception:
                pass
            finally:
                self._conn.close()
                self._conn = None
            return
        if self.kind == "redis":
            try:
                self._client().eval(_REDIS_RELEASE, 1, REDIS_PREFIX + self.name, self.holder)
            except Exception:
                log.exception("could not release the scheduler lock")
            return
        try:
            with main_session() as s:
                s.execute(sa.delete(SchedulerLock).where(SchedulerLock.name == self.name,
                                                         SchedulerLock.holder == self.holder))
        except Exception:
            log.exception("could not release the scheduler lock")

    # ------------------------------------------------------------ PostgreSQL
    def _acquire_pg(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT 1"))
                self._conn.commit()
                return True
            except Exception:
                log.warning("lost the connection holding the scheduler lock")
                try:
                    self._conn.close()
                finally:
                    self._conn = None
        conn = self.engine.connect()
        got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
        conn.commit()
        if got:
            # who leads is visible to operators: SELECT application_name FROM pg_stat_activity
            conn.execute(sa.text("SELECT set_config('application_name', :n, false)"),
                         {"n": f"woms-scheduler-leader {self.holder}"[:63]})
            conn.commit()
            self._conn = conn
            return True
        conn.close()
        return False

    # ------------------------------------------------------------ Redis
    def _client(self):
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
        return self._redis

    def _acquire_redis(self) -> bool:
        ttl_ms = max(1, int(self.ttl.total_seconds() * 1000))
        return bool(self._client().eval(_REDIS_ACQUIRE, 1, REDIS_PREFIX + self.name, self.holder, ttl_ms))

    # ------------------------------------------------------------ lock row
    def _acquire_row(self) -> bool:
        now = utcnow()
        with main_session() as s:
            table = SchedulerLock.__table__
            stmt = insert_for(s, table).values(name=self.name, holder=self.holder, expires_at=now + self.ttl)
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.name],
                set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at},
                where=sa.or_(table.c.holder == self.holder, table.c.expires_at < now),
            )
            s.execute(stmt)
            holder = s.exec(sa.select(SchedulerLock.holder).where(SchedulerLock.name == self.name)).scalar_one()
        return holder == self.holder
