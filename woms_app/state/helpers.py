"""Helpers shared by the states: how figures and instants are written for the browser, the "all" choice of the
filters, the plant choice of a picker, and the errors a form shows as the user's to mend.

No Reflex and no state here (every state module may import this one; it imports no state module): the states
format through these instead of each keeping a copy.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from woms_app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from woms_app.core.timezones import zone
from woms_app.services.work_orders import PlantOption
from woms_app.services.zones import utc_offset_label

ALL = "all"  # the value of a filter's "All …" choice
NONE = "—"  # a figure or instant that is not known
# raised by a service for the user to mend (shown in the form or as a toast); anything else is the app's
USER_ERRORS = (ValidationFailed, Conflict, NotFound, Forbidden)


# ---------------------------------------------------------------- formatters
def fmt_time(instant: datetime | None, missing: str = "") -> str:
    """An instant in UTC, to the minute (``2026-05-01 14:05 UTC``); ``missing`` when there is none."""
    return missing if instant is None else f"{instant:%Y-%m-%d %H:%M} UTC"


def fmt_local(instant: datetime | None, tz: str) -> str:
    """An instant on the plant's wall clock, saying so (``01 May 2026 19:35 UTC+05:30``, its offset on that date)."""
    if instant is None:
        return NONE
    return (f"{instant.astimezone(zone(tz)):%d %b %Y %H:%M} "
            f"{utc_offset_label(tz, instant)}")


def fmt_number(value: Any, digits: int = 1, unit: str = "", scale: float = 1.0) -> str:
    """``value × scale`` with thousands separators and ``digits`` decimals, then ``unit`` as given (with its own
    leading space: ``" kWh"``, ``" %"``); "—" when there is no value."""
    return NONE if value is None else f"{float(value) * scale:,.{digits}f}{unit}"


# ---------------------------------------------------------------- choices
def plant_choice(option: PlantOption, fleet_wide: bool) -> dict[str, str]:
    """A plant of a filter's choices; fleet-wide viewers also see its organization."""
    return {"id": str(option.id), "name": option.name + (f" · {option.org_name}" if fleet_wide else "")}
