"""Tests of woms_app.analytics.model: the plant description and its defaults."""
from __future__ import annotations

from zoneinfo import ZoneInfoNotFoundError

import pytest

from woms_app.analytics.model import PlantSpec


def test_plant_spec_defaults_and_from_record():
    class Row:  # duck-typed stand-in for the plants table
        capacity_kw = 250.0
        latitude = 61.0
        longitude = 10.0
        altitude_m = None
        tilt_deg = None
        azimuth_deg = None
        timezone = "Europe/Oslo"
        has_irradiance_sensor = False

    spec = PlantSpec.from_record(Row())
    assert spec.effective_tilt_deg == 35.0  # |61| capped at 35
    assert spec.effective_azimuth_deg == 180.0
    # no altitude: 0 m and said so, never a map lookup that can be 400 m off (issue 14)
    assert spec.location().altitude == 0.0 and spec.effective_altitude_m == 0.0
    assert "alt 0m(unknown)" in spec.method_description("ambient")
    assert all(len(spec.method_description(src)) <= 200 for src in ("module", "ambient", "fallback"))
    with pytest.raises(ZoneInfoNotFoundError):
        PlantSpec(capacity_kw=1.0, timezone="Mars/Olympus")
