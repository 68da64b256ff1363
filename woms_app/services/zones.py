"""Time zones as people read them, and the clock of fleet-wide views: offset labels (``UTC+05:30``), the one
zone label (``Asia/Kolkata (UTC+05:30)``), wall-clock axis labels, and which zone a viewer's fleet is shown in."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.core.timezones import zone
from woms_app.models.org import Organization
from woms_app.models.plant import Plant
from woms_app.services.viewer import Viewer, org_filter


def utc_offset_label(tz: str, at: datetime) -> str:
    """``UTC+05:30`` for ``Asia/Kolkata``; ``UTC`` for a zero offset."""
    off = at.astimezone(zone(tz)).utcoffset() or timedelta(0)
    minutes = int(off.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


def zone_label(tz: str, at: datetime | None = None) -> str:
    """The one way a time zone is shown: ``Asia/Kolkata (UTC+05:30)``; a zone that is only an offset
    (``UTC``, ``Etc/GMT-10`` — POSIX signs, inverted) is shown as the offset people read, ``UTC+10:00``.
    ``at``: the instant whose offset counts (DST); default now."""
    offset = utc_offset_label(tz, at or utcnow())
    name = (tz or "").strip()
    if not name or name in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "GMT", "Etc/GMT") or name.startswith("Etc/") \
            or zone(name).key != name:
        return offset
    return f"{name} ({offset})"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def local_label(instant: datetime, tz: ZoneInfo, with_date: bool) -> str:
    """``14:05``, or ``03 Feb 14:05`` ``with_date``, on the wall clock of ``tz``."""
    # strftime("%d %b %H:%M") without strftime: a third of a 288-point series' cost, and locale-independent
    local = instant.astimezone(tz)
    hm = f"{local.hour:02d}:{local.minute:02d}"
    return f"{local.day:02d} {_MONTHS[local.month - 1]} {hm}" if with_date else hm


def scope_zones(main: Session, viewer: Viewer) -> dict[str, int]:
    """Plants in scope per time zone."""
    return dict(main.exec(select(Plant.timezone, func.count(Plant.id)).where(org_filter(viewer, Plant.org_id))
                          .group_by(Plant.timezone)).all())


def display_timezone(main: Session, viewer: Viewer, zones: dict[str, int] | Iterable[str]) -> str:
    """The clock of fleet-wide views: the plants' common zone when they share one; for an organization, its own
    zone when some of its plants are in it, else the zone most of its plants are in (an organization set to
    UTC whose plants are all in Brisbane reads Brisbane's day); several organizations in mixed zones: UTC."""
    counts = dict(zones) if isinstance(zones, dict) else {z: 1 for z in zones}
    if len(counts) == 1:
        return next(iter(counts))
    if viewer.is_org and viewer.org_id is not None:
        org = main.get(Organization, viewer.org_id)
        if org is not None and (not counts or org.timezone in counts):
            return org.timezone
        if counts:
            return max(sorted(counts), key=lambda z: counts[z])
    return "UTC"

