"""Tests of woms_app.analytics.windows against pr-methodology.md §7: work-order windows and their KPIs."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from tests.analytics.readings import SENSOR_100, day_readings, hand_case
from woms_app.analytics.daily import compute_daily_kpis
from woms_app.analytics.model import PlantSpec
from woms_app.analytics.windows import (
    KpiWindow,
    compute_window_kpis,
    compute_work_order_snapshots,
    work_order_windows,
)

# --------------------------------------------------------------------------------------------------
# Windows and work-order snapshots
# --------------------------------------------------------------------------------------------------
BERLIN = "Europe/Berlin"
BERLIN_SENSOR = PlantSpec(capacity_kw=100.0, timezone=BERLIN, has_irradiance_sensor=True)


def berlin_days(first: date, last: date, skip: set[date] = frozenset(), weak: set[date] = frozenset()) -> pd.DataFrame:
    """Daily KPIs of a sensor plant: normal days are the §8 case (E 408, ref 480, PR 0.85), weak days
    run at G 400 W/m², P 24 kW (E 144 kWh, ref 240 kWh, PR 0.60)."""
    frames = []
    d = first
    while d <= last:
        if d not in skip:
            frames.append(day_readings(d, BERLIN, g=400.0, p=24.0) if d in weak else day_readings(d, BERLIN))
        d += timedelta(days=1)
    return compute_daily_kpis(pd.concat(frames, ignore_index=True), BERLIN_SENSOR)


def berlin(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(BERLIN))


def test_work_order_windows_closed():
    ws = work_order_windows(berlin(2024, 6, 10, 14), berlin(2024, 6, 12, 9), berlin(2024, 6, 25, 8), BERLIN)
    assert [(w.period, w.first_day, w.last_day, w.days, w.is_final) for w in ws] == [
        ("before", date(2024, 6, 3), date(2024, 6, 9), 7, True),
        ("during", date(2024, 6, 10), date(2024, 6, 12), 3, True),
        ("after", date(2024, 6, 13), date(2024, 6, 19), 7, True),
    ]
    assert ws[0].window_start == datetime(2024, 6, 2, 22, 0, tzinfo=UTC)
    assert ws[0].window_end == ws[1].window_start == datetime(2024, 6, 9, 22, 0, tzinfo=UTC)
    assert ws[2].window_end == datetime(2024, 6, 19, 22, 0, tzinfo=UTC)


def test_work_order_windows_open_and_partial_after():
    # Open: during runs through yesterday and is never final; no after window.
    ws = work_order_windows(berlin(2024, 6, 10, 14), None, berlin(2024, 6, 13, 10), BERLIN)
    assert [(w.period, w.first_day, w.last_day, w.is_final) for w in ws] == [
        ("before", date(2024, 6, 3), date(2024, 6, 9), True),
        ("during", date(2024, 6, 10), date(2024, 6, 12), False),
    ]
    # Activated today: nothing elapsed during the work order yet.
    ws = work_order_windows(berlin(2024, 6, 10, 8), None, berlin(2024, 6, 10, 20), BERLIN)
    assert [w.period for w in ws] == ["before"]
    # Closed 3 days ago: a partial after window of 2 days, not final.
    ws = work_order_windows(berlin(2024, 6, 10, 14), berlin(2024, 6, 12, 9), berlin(2024, 6, 15, 10), BERLIN)
    after = ws[-1]
    assert (after.period, after.first_day, after.last_day, after.days, after.is_final) == (
        "after", date(2024, 6, 13), date(2024, 6, 14), 2, False,
    )
    with pytest.raises(ValueError):
        work_order_windows(berlin(2024, 6, 10), berlin(2024, 6, 9), berlin(2024, 6, 20), BERLIN)
    with pytest.raises(ValueError):
        work_order_windows(datetime(2024, 6, 10), None, berlin(2024, 6, 20), BERLIN)


def test_snapshots_of_a_closed_work_order_spanning_several_days():
    # before: 7 normal days; during (06-10…06-12): two weak days and a normal one; after: normal,
    # except 06-15 which has no data at all.
    daily = berlin_days(date(2024, 6, 1), date(2024, 6, 24), skip={date(2024, 6, 15)},
                        weak={date(2024, 6, 10), date(2024, 6, 11)})
    snaps = compute_work_order_snapshots(daily, berlin(2024, 6, 10, 14), berlin(2024, 6, 12, 9),
                                         berlin(2024, 6, 25, 8), BERLIN)
    before, during, after = snaps
    assert before.pr == pytest.approx(0.85, rel=1e-3) and before.energy_kwh == pytest.approx(7 * 408)
    assert before.coverage_pct == 100.0 and before.days == 7 and not before.incomplete
    # Energy-weighted: (144 + 144 + 408) / (240 + 240 + 480) = 0.725, not the mean of daily PRs (0.6833).
    assert during.pr == pytest.approx(696 / 960, rel=1e-3)
    assert during.pr != pytest.approx(np.mean([0.6, 0.6, 0.85]), rel=1e-3)
    assert during.energy_kwh == pytest.approx(696.0)
    # expected energy: 379.776 on normal days, 100·0.4·C·0.86·6 with C = 1 − 0.004·(42.6 + 1.2 − 25) on weak days
    c_weak = 1 - 0.004 * (42.6 + 0.4 * 3 - 25)
    e_exp = 379.776 + 2 * 100 * 0.4 * c_weak * 0.86 * 6
    assert during.expected_energy_kwh == pytest.approx(e_exp)
    assert during.efficiency_pct == pytest.approx(100 * 696 / e_exp, rel=1e-3)
    assert during.pr_temp_corrected == pytest.approx(696 / (480 * 0.92 + 2 * 240 * c_weak), rel=1e-3)
    assert during.days == 3 and during.days_with_data == 3
    # After: the missing day counts as expected-but-absent in coverage.
    assert after.days == 7 and after.days_with_data == 6 and after.days_incomplete == 1
    assert after.coverage_pct == pytest.approx(100 * 6 / 7, rel=1e-3)
    assert after.incomplete is True
    assert after.pr == pytest.approx(0.85, rel=1e-3)
    assert after.energy_kwh == pytest.approx(6 * 408)
    assert before.method == daily["method"].iloc[0]
    # Maps 1:1 onto work_order_plant_eff.
    snap = during.as_snapshot()
    assert snap["period"] == "during" and snap["days"] == 3
    assert snap["window_start"] == datetime(2024, 6, 9, 22, 0, tzinfo=UTC)
    assert snap["window_end"] == datetime(2024, 6, 12, 22, 0, tzinfo=UTC)


def test_snapshot_keys_match_the_work_order_plant_eff_table():
    from woms_app.models.work_order import WorkOrderPlantEff

    daily = berlin_days(date(2024, 6, 3), date(2024, 6, 9))
    snap = compute_window_kpis(daily, KpiWindow("before", date(2024, 6, 3), date(2024, 6, 9), BERLIN)).as_snapshot()
    columns = set(WorkOrderPlantEff.__table__.columns.keys())
    assert set(snap) <= columns
    assert columns - set(snap) == {"id", "work_order_id", "plant_id", "computed_at"}


def test_snapshots_of_an_open_work_order():
    daily = berlin_days(date(2024, 6, 1), date(2024, 6, 13), weak={date(2024, 6, 12)})
    # now = 06-13 10:00 local: 06-13 is still running and must not enter the during window.
    snaps = compute_work_order_snapshots(daily, berlin(2024, 6, 10, 14), None, berlin(2024, 6, 13, 10), BERLIN)
    assert [s.period for s in snaps] == ["before", "during"]
    during = snaps[1]
    assert (during.first_day, during.last_day, during.days, during.is_final) == (
        date(2024, 6, 10), date(2024, 6, 12), 3, False)
    assert during.energy_kwh == pytest.approx(408 + 408 + 144)
    assert during.pr == pytest.approx(960 / 1200, rel=1e-3)
    assert during.coverage_pct == 100.0


def test_window_across_dst_and_from_stored_rows():
    # A week containing the 23 h day; rows read back from storage as plain dicts.
    daily = berlin_days(date(2024, 3, 28), date(2024, 4, 3))
    stored = pd.DataFrame(daily.to_dict("records"))
    stored["day"] = stored["day"].map(lambda d: d.isoformat())  # e.g. a driver returning strings
    w = KpiWindow("before", date(2024, 3, 28), date(2024, 4, 3), BERLIN)
    assert w.window_end - w.window_start == timedelta(hours=7 * 24 - 1)
    k = compute_window_kpis(stored, w)
    assert k.intervals_expected == 6 * 287 + 275 == k.intervals_valid
    assert k.coverage_pct == 100.0
    assert k.pr == pytest.approx(0.85, rel=1e-3)
    assert k.cf_dc_pct == pytest.approx(100 * 7 * 408 / (100 * (7 * 24 - 1)), rel=1e-3)


def test_window_without_any_data():
    w = KpiWindow("after", date(2024, 6, 13), date(2024, 6, 19), BERLIN)
    k = compute_window_kpis(berlin_days(date(2024, 6, 1), date(2024, 6, 5)), w)
    assert k.pr is None and k.efficiency_pct is None and k.coverage_pct == 0.0
    assert k.days == 7 and k.days_with_data == 0 and k.days_incomplete == 7 and k.incomplete
    assert k.energy_kwh == 0.0 and k.method == ""


def test_window_rejects_rows_of_another_time_zone():
    daily = compute_daily_kpis(hand_case(), SENSOR_100)  # UTC plant
    with pytest.raises(ValueError):
        compute_window_kpis(daily, KpiWindow("before", date(2024, 6, 1), date(2024, 6, 1), BERLIN))
    k = compute_window_kpis(daily, KpiWindow("before", date(2024, 6, 1), date(2024, 6, 1), "UTC"))
    assert (k.pr, k.pr_temp_corrected, k.efficiency_pct, k.coverage_pct) == (0.85, 0.9239, 107.4, 100.0)
