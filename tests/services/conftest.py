"""Fixtures of the services tests."""
from __future__ import annotations

import pytest

from tests.telemetry_fleet import NOW, add_plants
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session


@pytest.fixture
def fleet_now():
    """The instant the ``fleet`` fixture freezes the clock at; a module overrides it to test another hour."""
    return NOW


@pytest.fixture
def fleet(demo, fleet_now):
    """Three plants of two organizations in two zones (tests/telemetry_fleet.py), the clock frozen at
    ``fleet_now``."""
    clock.freeze(fleet_now)
    with main_session(SYSTEM_CONTEXT) as s:
        f = add_plants(s)
    yield f
    clock.freeze(None)
