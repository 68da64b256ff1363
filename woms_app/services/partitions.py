"""Daily UTC partitions of ``telemetry_readings`` on PostgreSQL (no-ops on SQLite).

The scheduler creates partitions a few days ahead; retention drops a partition once every reading in it
is older than the retention window *and* rolled up. The app role owns nothing: it changes the partition
set only through two SECURITY DEFINER functions created by the migrations.
"""
from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

log = logging.getLogger(__name__)

PARTITION_RE = re.compile(r"^telemetry_readings_p(\d{8})$")
DAYS_AHEAD = 3


def is_partitioned(tsession: Session) -> bool:
    return tsession.get_bind().dialect.name == "postgresql"


def partition_bounds(day: date) -> tuple[datetime, datetime]:
    lo = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return lo, lo + timedelta(days=1)


def list_partitions(tsession: Session) -> list[date]:
    """The days that have a partition, oldest first."""
    if not is_partitioned(tsession):
        return []
    names = tsession.execute(sa.text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'telemetry_readings'")).scalars().all()
    days = []
    for name in names:
        m = PARTITION_RE.match(name)
        if m:
            days.append(datetime.strptime(m.group(1), "%Y%m%d").date())
    return sorted(days)


def ensure_partitions(tsession: Session, now: datetime, *, days_ahead: int = DAYS_AHEAD,
                      days_back: int = 1) -> list[date]:
    """Create the partitions from ``days_back`` days before ``now`` to ``days_ahead`` after. Returns the new ones."""
    if not is_partitioned(tsession):
        return []
    today = now.astimezone(UTC).date()
    created = []
    for i in range(-days_back, days_ahead + 1):
        day = today + timedelta(days=i)
        if tsession.execute(sa.text("SELECT woms_ensure_reading_partition(:d)"), {"d": day}).scalar():
            created.append(day)
    if created:
        log.info("created telemetry partitions %s", ", ".join(d.isoformat() for d in created))
    return created


def expired_partitions(tsession: Session, cutoff: datetime) -> list[date]:
    """Partitions whose whole range is older than ``cutoff``."""
    return [d for d in list_partitions(tsession) if partition_bounds(d)[1] <= cutoff]


def drop_partition(tsession: Session, day: date) -> bool:
    """Drop one partition. The caller guarantees its readings are rolled up (see retention)."""
    dropped = bool(tsession.execute(sa.text("SELECT woms_drop_reading_partition(:d)"), {"d": day}).scalar())
    if dropped:
        log.info("dropped telemetry partition %s", day.isoformat())
    return dropped
