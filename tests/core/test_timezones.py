"""The one zone() and the one local_day(): IANA names, UTC for the empty and the unknown, wall-clock days."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from woms_app.core.timezones import local_day, zone


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus", "../etc/passwd", "Europe"])
def test_an_empty_or_unknown_name_is_utc(name):
    assert zone(name) == ZoneInfo("UTC")


def test_an_iana_name_is_its_zone():
    assert zone("Asia/Kolkata").key == "Asia/Kolkata"


def test_local_day_is_the_day_on_the_wall_clock():
    late = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 01:30 on 2 March in Kolkata, still 1 March in Phoenix
    assert local_day(late, "Asia/Kolkata") == date(2026, 3, 2)
    assert local_day(late, "America/Phoenix") == date(2026, 3, 1)
    assert local_day(late, zone("Asia/Kolkata")) == date(2026, 3, 2)  # a zone or its name
    assert local_day(late, timezone(timedelta(hours=-11))) == date(2026, 3, 1)  # any tzinfo
    assert local_day(late, "Mars/Olympus") == date(2026, 3, 1)  # unknown: UTC, as zone()
