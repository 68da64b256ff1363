"""Freshness: per plant by the poll interval, and counted in SQL as the per-plant rule says."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tests.telemetry_fleet import NOW, viewer
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import Plant
from woms_app.services.freshness import freshness_counts, freshness_for, plant_freshness


def test_freshness_counts_follow_the_poll_interval(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        for key, age in (("sunrise", timedelta(minutes=4)), ("helios", timedelta(minutes=20))):
            p = s.get(Plant, fleet.plants[key])
            p.last_reading_at = NOW - age
            s.add(p)
    with main_session(SYSTEM_CONTEXT) as s:
        assert freshness_counts(s, viewer(s, "admin")) == {"fresh": 1, "stale": 1, "offline": 0, "no_data": 1}
        assert freshness_counts(s, viewer(s, "sunrise")) == {"fresh": 1, "stale": 0, "offline": 0, "no_data": 1}
        p = s.get(Plant, fleet.plants["sunrise"])
        p.last_reading_at = NOW - timedelta(hours=3)  # 17:30 in Kolkata on 2 March: the sun is still up
        assert plant_freshness(p, 300, NOW).value == "offline"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
       plants=st.lists(st.tuples(st.floats(-60, 60), st.floats(-180, 180), st.integers(0, 36 * 12),
                                 st.sampled_from(["Asia/Kolkata", "America/Phoenix", "Australia/Brisbane", "UTC"]),
                                 st.booleans()), min_size=1, max_size=12))
def test_freshness_counted_in_sql_matches_the_per_plant_rule(fleet, at, plants):
    """freshness_counts (one aggregate, daylight as SQL) == telemetry.freshness applied to each plant."""
    from collections import Counter

    at = at.replace(tzinfo=UTC)
    with main_session(SYSTEM_CONTEXT) as s:
        base = s.get(Plant, fleet.plants["sunrise"])
        s.exec(sa.delete(Plant).where(Plant.external_id.like("fz-%")))
        for p in s.exec(select(Plant)).all():  # the fixture's and demo plants: out of the way
            p.last_reading_at = None
            s.add(p)
        for i, (lat, lon, age5, tz, coords) in enumerate(plants):
            s.add(Plant(org_id=base.org_id, vendor_id=base.vendor_id, external_id=f"fz-{i}", name=f"fz {i}",
                        capacity_kw=10.0, timezone=tz, latitude=lat if coords else None,
                        longitude=lon if coords else None, last_reading_at=at - timedelta(minutes=5 * age5)))
    with main_session(SYSTEM_CONTEXT) as s:
        me = viewer(s, "sunrise")
        counted = freshness_counts(s, me, at)
        rows = s.exec(select(Plant).where(Plant.org_id == base.org_id)).all()
        per_plant = Counter(v.value for v in freshness_for(s, rows, at).values())
    assert counted == {k: per_plant.get(k, 0) for k in counted}
