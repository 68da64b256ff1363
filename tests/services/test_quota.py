"""The polling planner (services/quota.py): never plans more than the allowance; power fresh in daylight
whenever the allowance permits; periods, daylight, due work and the overspend refusal by hand."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from woms_app.services import quota as q

UTC = UTC


def allowance(calls, used, now, period="year"):
    start, end = q.period_bounds(period, now)
    return q.Allowance(calls=calls, period=period, used=used, period_start=start, period_end=end)


nows = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31, 23), timezones=st.just(UTC))
lats = st.one_of(st.none(), st.floats(-66, 66, allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(calls=st.integers(0, 50_000_000), used_frac=st.floats(0, 1.2), plants=st.integers(0, 3000), now=nows,
       period=st.sampled_from(q.PERIODS), lat=lats, vendor=st.sampled_from(["solarman", "sungrow"]))
def test_never_plans_more_than_the_allowance(calls, used_frac, plants, now, period, lat, vendor):
    a = allowance(calls, int(calls * used_frac), now, period)
    p = q.plan(a, plants, q.costs_for(vendor), now, latitudes=[lat] * plants)
    assert p.planned_calls <= a.remaining + 1e-6
    if p.paused:
        assert p.planned_calls == 0 and not p.fits and "paused" in p.reason
    # what the plan spends per day, re-computed independently of the plan's own figure
    left_days = (a.period_end - now).total_seconds() / q.DAY_S
    per_day = q.calls_per_day(q.costs_for(vendor), plants, q.max_daylight_hours([lat] * plants),
                              power_s=p.power_interval_s, frames_s=p.frames_interval_s,
                              lists_s=p.lists_interval_s, alerts_s=p.alerts_interval_s)
    assert per_day * left_days <= max(0, a.remaining - q.RESERVE * calls) * (1 - q.MARGIN) + 1e-6


@settings(max_examples=300, deadline=None)
@given(calls=st.integers(1, 50_000_000), plants=st.integers(1, 3000), now=nows, lat=lats)
def test_power_never_older_than_15_minutes_in_daylight_when_the_allowance_permits(calls, plants, now, lat):
    a = allowance(calls, 0, now)
    costs = q.SOLARMAN_COSTS
    days = (a.period_end - now).total_seconds() / q.DAY_S
    daylight = q.max_daylight_hours([lat] * plants)
    # the cheapest plan that polls power every 8.5 minutes (everything else at its slowest)
    need = q.calls_per_day(costs, plants, daylight, power_s=q.POWER_FRESH_S, frames_s=q.FRAME_STEPS[0],
                           lists_s=q.LIST_STEPS[0], alerts_s=q.ALERT_STEPS[0]) * days
    p = q.plan(a, plants, costs, now, latitudes=[lat] * plants)
    if need <= (a.remaining - q.RESERVE * calls) * (1 - q.MARGIN):
        assert p.power_interval_s is not None and p.power_interval_s <= 510
        # 510 s + a 60 s tick + 30 s jitter + 300 s vendor data age = 900 s
        assert p.power_age_bound_s <= q.POWER_AGE_GOAL_S == 900 and q.power_age_ok(p)
    else:
        assert p.power_interval_s is None or p.power_interval_s > 510


def test_free_plan_three_plants_hand_figures():
    """200,000 calls a year, 3 plants at 52° N, planned on 1 January with nothing used."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    p = q.plan(allowance(200_000, 0, now), 3, q.SOLARMAN_COSTS, now, latitudes=[52.09, 51.44, 52.0])
    # longest polling day (sun above −6°) at 52.09° N: cos H = (sin(−6°) − sin φ sin 23.44°) / (cos φ cos 23.44°)
    # = (−0.104528 − 0.313821) / 0.563752 = −0.74209, H = 137.91°, 2H / 15 = 18.39 h, + 0.5 h margin
    daylight = q.max_daylight_hours([52.09])
    assert daylight == pytest.approx(18.89, abs=0.01)
    assert (p.power_interval_s, p.frames_interval_s, p.lists_interval_s, p.alerts_interval_s) == (510, 3600, 86400, 3600)
    # per day: 1 login + 1 page × 18.89 h × 3600/510 + 3 plants × 4 × (18.89 + 1 after dark) + (3 × 2 + 1) lists
    # + 3 × 24 alerts = 1 + 133.3 + 238.7 + 7 + 72 = 452.0
    hand = 1 + daylight * 3600 / 510 + 3 * 4 * (daylight + 1) + 7 + 72
    assert p.calls_per_day == pytest.approx(hand) and hand == pytest.approx(452.0, abs=0.1)
    assert p.planned_calls == pytest.approx(hand * 365) and p.planned_calls < (200_000 - 4_000) * 0.95
    assert p.fits and p.exhausted_at > now + timedelta(days=365)
    assert p.power_age_bound_s == 900


def test_no_allowance_keeps_the_vendor_intervals():
    now = datetime(2026, 6, 1, tzinfo=UTC)
    p = q.plan(allowance(None, 0, now), 10, q.SOLARMAN_COSTS, now, defaults=(600, 90))
    assert (p.power_interval_s, p.frames_interval_s, p.alerts_interval_s) == (600, 600, 90)
    assert p.fits and p.exhausted_at is None


def test_too_small_an_allowance_pauses_and_says_so():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    p = q.plan(allowance(200_000, 0, now), 2000, q.SOLARMAN_COSTS, now, latitudes=[48.0] * 2000)
    assert p.paused and not p.fits and p.planned_calls == 0
    assert "200,000 calls left" in p.reason and "Polling paused" in p.reason


def test_period_bounds():
    now = datetime(2026, 3, 15, 10, tzinfo=UTC)
    assert q.period_bounds("day", now) == (datetime(2026, 3, 15, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC))
    assert q.period_bounds("month", now) == (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert q.period_bounds("month", datetime(2026, 12, 5, tzinfo=UTC))[1] == datetime(2027, 1, 1, tzinfo=UTC)
    # a plan bought on 20 June: the year runs 20 June → 20 June
    anchor = datetime(2025, 6, 20, tzinfo=UTC)
    assert q.period_bounds("year", now, anchor) == (datetime(2025, 6, 20, tzinfo=UTC), datetime(2026, 6, 20, tzinfo=UTC))
    assert q.period_bounds("year", datetime(2026, 7, 1, tzinfo=UTC), anchor)[0] == datetime(2026, 6, 20, tzinfo=UTC)
    with pytest.raises(ValueError):
        q.period_bounds("week", now)


def test_daylight_by_hand():
    utrecht = (52.09, 5.12)
    assert q.is_daylight(*utrecht, datetime(2026, 6, 21, 12, tzinfo=UTC))
    assert not q.is_daylight(*utrecht, datetime(2026, 12, 21, 17, tzinfo=UTC))  # civil dusk ≈ 16:10 UTC
    assert q.is_daylight(*utrecht, datetime(2026, 12, 21, 15, 50, tzinfo=UTC))  # after sunset, before civil dusk
    assert not q.sun_up(*utrecht, datetime(2026, 12, 21, 15, 50, tzinfo=UTC))  # sunset ≈ 15:27 UTC
    assert q.sun_up(*utrecht, datetime(2026, 12, 21, 15, 0, tzinfo=UTC))
    assert q.solar_elevation_deg(0.0, 0.0, datetime(2026, 3, 20, 12, 7, tzinfo=UTC)) == pytest.approx(90, abs=1.0)
    assert q.is_daylight(None, None, datetime(2026, 1, 1, 2, tzinfo=UTC))  # unknown location: always day


def test_due_work_day_night_and_the_catch_up_after_dark():
    now = datetime(2026, 6, 21, 12, tzinfo=UTC)
    p = q.plan(allowance(200_000, 0, now), 3, q.SOLARMAN_COSTS, now, latitudes=[52.09] * 3)
    loc = [(52.09, 5.12)] * 3
    w = q.due_work(p, q.Markers(), now, loc)
    assert w.power and w.frames and w.lists
    m = q.Markers(power_at=now, frames_at=now, lists_at=now)
    assert not q.due_work(p, m, now + timedelta(minutes=2), loc).any
    later = now + timedelta(minutes=5)
    w = q.due_work(p, m, later, loc)
    assert w.power and not w.frames and not w.lists
    assert q.due_work(p, m, now + timedelta(hours=1), loc).frames
    night = datetime(2026, 6, 21, 22, 30, tzinfo=UTC)  # after civil dusk (≈ 20:50 UTC)
    w = q.due_work(p, q.Markers(power_at=now, frames_at=datetime(2026, 6, 21, 20, 30, tzinfo=UTC), lists_at=now),
                   night, loc)
    assert not w.power and w.frames  # the rest of the day's frames, once
    w = q.due_work(p, q.Markers(power_at=now, frames_at=night, lists_at=night), night + timedelta(minutes=50), loc)
    assert not w.any


def test_run_cost_and_refusal():
    costs = q.SOLARMAN_COSTS
    # 3 plants, everything: 1 login + 1 list page + 3 × 2 details + 1 realtime page + 3 × 4 frames + 3 alerts
    assert q.run_cost(costs, 3, lists=True, power=True, frames=True, alerts=True) == 24
    assert q.run_cost(costs, 400, lists=False, power=True, frames=False, alerts=False) == 3
    now = datetime(2026, 5, 1, tzinfo=UTC)
    a = allowance(1000, 990, now)
    assert q.refusal(a, 10) is None
    reason = q.refusal(a, 11)
    assert reason.startswith("Not started") and "11 calls" in reason and "10 of 1,000 left" in reason
    assert q.refusal(allowance(None, 0, now), 10**9) is None
