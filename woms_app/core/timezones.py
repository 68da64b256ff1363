"""The one ``zone()`` and the one ``local_day()`` of WOMS.

Plants carry IANA zone names (vendors resolve their own ``GMT+x`` forms to IANA names in ``vendors/parsing``
before a plant is stored). Every lookup of such a name and every "which calendar day is this instant on the
plant's wall clock" goes through here, so a page, a job and the KPI maths cut days alike.
"""
from __future__ import annotations

from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """The zone of an IANA name; UTC when the name is empty or unknown (a stored plant's name was checked when it
    was written: a bad one must not stop a page or a job). Validating a name is ``vendors.parsing.is_iana``."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")


def local_day(instant: datetime, tz: str | tzinfo) -> date:
    """The calendar day of ``instant`` on the wall clock of ``tz`` (a zone, or an IANA name looked up by
    :func:`zone`). Pass an aware instant: ``astimezone`` reads a naive one as the server's local time."""
    return instant.astimezone(zone(tz) if isinstance(tz, str) else tz).date()
