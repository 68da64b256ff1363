"""The one parser for row ids that come from outside: the browser (event payloads, URL params, filter values)
and REST path parameters.

An id is 1..MAX_ID written in ASCII digits. ``str.isdigit()`` is not that test: it accepts "²" or "٣" (which
``int()`` refuses), and a 5,000-digit run (which ``int()`` refuses beyond 4,300 digits and no INTEGER column
can hold). Anything else is "no such row": callers answer a clean not-found.
"""
from __future__ import annotations

from typing import Any

from woms_app.core.errors import NotFound

MAX_ID = 2**31 - 1  # the largest id a row can have: ids are INTEGER columns (int4 on PostgreSQL)
_MAX_DIGITS = len(str(MAX_ID))
_ASCII_DIGITS = frozenset("0123456789")


def parse_id(value: Any) -> int | None:
    """``value`` as a row id (an int, or a string of ASCII digits with optional surrounding blanks), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip(" \t")
    if not text or len(text) > _MAX_DIGITS or not _ASCII_DIGITS.issuperset(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def require_id(value: Any, what: str = "Row") -> int:
    """``value`` as a row id, or NotFound("<what> not found")."""
    number = parse_id(value)
    if number is None:
        raise NotFound(f"{what} not found")
    return number
