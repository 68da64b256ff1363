"""Leader election: exactly one scheduler runs jobs, whatever the number of backend workers.

* PostgreSQL: a session-level advisory lock held on a dedicated connection (released when the
  connection closes, so a dead process frees it at once).
* SQLite (and as a fallback): the ``scheduler_lock`` row with an expiry; the holder renews it on
  every heartbeat; another process takes it over once it has expired.
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
from woms_app.core.db import main_engine, main_session
from woms_app.models.ops import SchedulerLock
from woms_app.services.telemetry import insert_for

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x574F4D53  # "WOMS"


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaderLock:
    def __init__(self, name: str = "scheduler", holder: str | None = None, ttl_s: float = 60.0,
                 engine: Engine | None = None) -> None:
        self.name = name
        self.holder = holder or holder_id()
        self.ttl = timedelta(seconds=ttl_s)
        self._engine = engine
        self._conn: Connection | None = None  # PostgreSQL: the connection holding the advisory lock

    @property
    def engine(self) -> Engine:
        return self._engine or main_engine()

    def acquire(self) -> bool:
        """Take or renew leadership; True while this process is the leader."""
        if self.engine.dialect.name == "postgresql":
            return self._acquire_pg()
        return self._acquire_row()

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self._conn.commit()
            except Exception:
                pass
            finally:
                self._conn.close()
                self._conn = None
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
            self._conn = conn
            return True
        conn.close()
        return False

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
