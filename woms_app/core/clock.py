"""The one "now" of the application (tests may freeze it)."""
from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Timezone-aware current UTC time."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Freeze the clock at ``at`` (aware) or unfreeze with ``None``."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at


def frozen_at() -> datetime | None:
    """The instant the clock is frozen at (None: running), so a temporary freeze can restore it."""
    return _frozen
