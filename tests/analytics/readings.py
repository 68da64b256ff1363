"""Readings of whole plant-local days for the analytics tests (every 5-minute sample, a lit block)."""
from __future__ import annotations

from datetime import date, time

import numpy as np
import pandas as pd

from woms_app.analytics.days import local_day_bounds
from woms_app.analytics.model import PlantSpec

DT_H = 1.0 / 12.0
SENSOR_100 = PlantSpec(capacity_kw=100.0, timezone="UTC", has_irradiance_sensor=True)


def day_readings(
    day: date,
    tz: str = "UTC",
    *,
    g: float = 800.0,
    p: float = 68.0,
    t: float = 42.6,
    lit_from: time = time(9, 0),
    lit_to: time = time(15, 0),
    night_g: float = 0.0,
    night_p: float = 0.0,
    night_t: float = 20.0,
    temp_column: str = "module_temperature_c",
) -> pd.DataFrame:
    """Every 5-minute sample of one local day; the lit block is [lit_from, lit_to) in local time."""
    start, end = local_day_bounds(day, tz)
    ts = pd.date_range(start, end, freq="5min", inclusive="left")
    local = ts.tz_convert(tz)
    minutes = local.hour * 60 + local.minute
    lit = (minutes >= lit_from.hour * 60 + lit_from.minute) & (minutes < lit_to.hour * 60 + lit_to.minute)
    return pd.DataFrame(
        {
            "ts": ts,
            "generation_power_kw": np.where(lit, p, night_p),
            temp_column: np.where(lit, t, night_t),
            "irradiance_w_m2": np.where(lit, g, night_g),
        }
    )


def hand_case() -> pd.DataFrame:
    return day_readings(date(2024, 6, 1))


def one_row(df: pd.DataFrame) -> pd.Series:
    assert len(df) == 1, df
    return df.iloc[0]
