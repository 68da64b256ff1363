"""The dashboard says which zone and day it means: an organization's curve uses a zone that fits its plants,
"energy today" names its day, and the summary is the same at every hour as the per-plant rules."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.telemetry_fleet import viewer
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.models import Organization, Plant
from woms_app.services import dashboard, fleet_production, telemetry

NOW = datetime(2026, 3, 2, 16, 10, tzinfo=UTC)  # Brisbane 02:10 (3 March), Kolkata 21:40, Berlin 17:10


@pytest.fixture
def fleet_now():
    """The services conftest's fleet, frozen at this module's NOW."""
    return NOW


def test_an_organizations_curve_uses_a_zone_its_plants_are_in(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        org = s.get(Organization, fleet.orgs["sunrise"])
        org.timezone = "UTC"  # set to UTC, but every plant of it is in Kolkata
        s.add(org)
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        curve = fleet_production.fleet_power_today(s, tel, viewer(s, "sunrise"))
        mixed = fleet_production.fleet_power_today(s, tel, viewer(s, "admin"))
    assert curve.timezone == "Asia/Kolkata" and curve.zone_label == "Asia/Kolkata (UTC+05:30)"
    assert curve.day == "2026-03-02"
    assert mixed.timezone == "UTC" and mixed.zone_label == "UTC"


def test_energy_today_names_its_day_and_zone(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        one = dashboard.summary(s, viewer(s, "sunrise"))
        several = dashboard.summary(s, viewer(s, "admin"))
    assert one.energy_day == "2026-03-02, Asia/Kolkata (UTC+05:30)"
    assert several.energy_day.startswith("each plant's own local today")
    assert one.computed_at == NOW.isoformat()


@pytest.mark.parametrize("hour", [0, 5, 9, 14, 19, 23])
def test_summary_energy_matches_the_per_plant_rule_at_every_hour(fleet, hour):
    """Σ energy_today_mwh(plant) (the per-plant rule) == the set-based sum, whichever plants' midnights have
    passed; and the newest reading is reported for "updated N min ago"."""
    at = NOW.replace(hour=hour, minute=20)
    with main_session(SYSTEM_CONTEXT) as s:
        plants = s.exec(select(Plant)).all()
        for i, p in enumerate(plants):
            p.daily_energy_mwh = 0.1 * (i + 1)
            p.last_reading_at = at - timedelta(hours=i % 7, minutes=5)
            s.add(p)
    with main_session(SYSTEM_CONTEXT) as s:
        got = dashboard.summary(s, viewer(s, "admin"), now=at)
        plants = s.exec(select(Plant)).all()
        want = sum(telemetry.energy_today_mwh(p, at) or 0.0 for p in plants)
        newest = max(p.last_reading_at for p in plants)
    assert got.energy_today_mwh == pytest.approx(round(want, 4), abs=1e-6)
    assert got.latest_reading_at == newest.isoformat()
