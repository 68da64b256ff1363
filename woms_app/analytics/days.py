"""Plant-local calendar days as UTC instants, with pandas (DST days are 23 h or 25 h long)."""
from __future__ import annotations

import functools
from datetime import date, timedelta

import pandas as pd

from woms_app.analytics.model import INTERVAL_S


def local_day_bounds(day: date, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC instants ``[start, end)`` of the plant-local calendar ``day`` in IANA zone ``tz``.

    A local midnight that does not exist (DST jump at midnight) is shifted forward to the first
    existing instant; an ambiguous one takes its first (DST) occurrence. Day length is 23 h / 25 h
    on DST change days.
    """

    def start_of(d: date) -> pd.Timestamp:
        ts = pd.Timestamp(d.year, d.month, d.day).tz_localize(
            tz, ambiguous=True, nonexistent="shift_forward"
        )
        return ts.tz_convert("UTC")

    return start_of(day), start_of(day + timedelta(days=1))


def expected_intervals(day: date, tz: str) -> int:
    """Number of 300 s intervals a complete local day holds: samples − 1 (287 on a 24 h day)."""
    start, end = local_day_bounds(day, tz)
    return int(round((end - start).total_seconds() / INTERVAL_S)) - 1


@functools.lru_cache(maxsize=65536)
def day_bounds_cached(day: date, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """:func:`local_day_bounds`, memoised: the daily rows ask for the same few days of the same zones."""
    return local_day_bounds(day, tz)
