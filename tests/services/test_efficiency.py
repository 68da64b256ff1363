"""Tests of woms_app.services.efficiency against pr-methodology.md §7 / §8.

Numbers marked "§8" come from the hand-checkable case of the methodology; the others are derived by
hand in the comments next to them (trapezoids over 5-minute samples, Δ = 1/12 h).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pvlib
import pytest

from woms_app.services.efficiency import (
    DAILY_COLUMNS,
    KpiWindow,
    PlantSpec,
    compute_daily_kpis,
    compute_window_kpis,
    compute_work_order_snapshots,
    expected_intervals,
    local_day_bounds,
    round_sig,
    work_order_windows,
)

UTC = timezone.utc
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
            "temperature_c": np.where(lit, t, night_t),
            "irradiance_w_m2": np.where(lit, g, night_g),
        }
    )


def hand_case() -> pd.DataFrame:
    return day_readings(date(2024, 6, 1))


def one_row(df: pd.DataFrame) -> pd.Series:
    assert len(df) == 1, df
    return df.iloc[0]


# --------------------------------------------------------------------------------------------------
# §8 hand case
# --------------------------------------------------------------------------------------------------
def test_hand_case_matches_section_8():
    r = one_row(compute_daily_kpis(hand_case(), SENSOR_100))
    assert r["samples"] == 288
    assert r["intervals_valid"] == 287 and r["intervals_expected"] == 287
    assert r["coverage_pct"] == 100.0 and not r["incomplete"]
    assert r["energy_kwh"] == pytest.approx(408.0, rel=1e-9)
    assert r["yf_kwh_kwp"] == pytest.approx(4.08, rel=1e-3)
    assert r["irradiation_kwh_m2"] == pytest.approx(4.8, rel=1e-9)
    assert r["yr_h"] == pytest.approx(4.8, rel=1e-3)
    assert r["pr"] == pytest.approx(0.850, rel=1e-3)
    assert r["yr_tc_h"] == pytest.approx(4.416, rel=1e-3)
    assert r["pr_temp_corrected"] == pytest.approx(0.9239, rel=1e-3)
    assert r["expected_energy_kwh"] == pytest.approx(379.776, rel=1e-6)
    assert r["efficiency_pct"] == pytest.approx(107.43, rel=1e-3)
    assert r["pr_g50"] == pytest.approx(0.850, rel=1e-3)
    assert r["availability_pct"] == 100.0
    assert r["availability_samples_lit"] == 72 and r["availability_samples_up"] == 72
    assert r["cf_dc_pct"] == pytest.approx(17.0, rel=1e-3)
    assert r["irradiance_source"] == "sensor"
    assert r["method"].startswith("sensor POA")
    assert list(compute_daily_kpis(hand_case(), SENSOR_100).columns) == list(DAILY_COLUMNS)


def test_efficiency_equals_pr_tc_over_derate_identically():
    r = one_row(compute_daily_kpis(hand_case(), SENSOR_100, round_ratios=False))
    assert r["efficiency_pct"] == pytest.approx(100.0 * r["pr_temp_corrected"] / 0.86, rel=1e-12)
    assert r["efficiency_pct"] == pytest.approx(100.0 * 408 / 379.776, rel=1e-12)


def test_ratios_are_rounded_to_four_significant_digits():
    r = one_row(compute_daily_kpis(hand_case(), SENSOR_100))
    assert r["pr_temp_corrected"] == 0.9239  # 0.923913…
    assert r["efficiency_pct"] == 107.4  # 107.432…
    assert round_sig(0.000123456) == 0.0001235
    assert round_sig(float("nan")) is None


# --------------------------------------------------------------------------------------------------
# Gaps, irregular intervals, missing values
# --------------------------------------------------------------------------------------------------
def test_gap_variant_strict_trapezoid_keeps_pr():
    df = hand_case()
    df = df[df["ts"] != pd.Timestamp("2024-06-01 12:00", tz="UTC")]
    r = one_row(compute_daily_kpis(df, SENSOR_100, round_ratios=False))
    # §8: both intervals touching 12:00 leave numerator and denominator.
    assert r["intervals_valid"] == 285
    assert r["energy_kwh"] == pytest.approx(396.667, rel=1e-5)
    assert r["irradiation_kwh_m2"] == pytest.approx(4.6667, rel=1e-4)
    assert r["pr"] == pytest.approx(0.85, rel=1e-9)
    assert r["pr"] != pytest.approx(0.8264, rel=1e-3)  # the mismatched value of §8
    assert r["coverage_pct"] == pytest.approx(100 * 285 / 287)
    assert not r["incomplete"]


@pytest.mark.parametrize("column", ["generation_power_kw", "irradiance_w_m2", "temperature_c"])
def test_missing_value_drops_both_adjacent_intervals(column):
    df = hand_case()
    df.loc[df["ts"] == pd.Timestamp("2024-06-01 12:00", tz="UTC"), column] = np.nan
    r = one_row(compute_daily_kpis(df, SENSOR_100, round_ratios=False))
    assert r["intervals_valid"] == 285
    assert r["energy_kwh"] == pytest.approx(408 - 2 * 68 * DT_H)
    assert r["pr"] == pytest.approx(0.85)
    assert r["pr_temp_corrected"] == pytest.approx(0.85 / 0.92)


def test_irregular_interval_is_not_valid():
    df = hand_case()
    # 12:00 sample arrives at 12:01 → 11:55–12:01 (360 s) and 12:01–12:05 (240 s) are invalid.
    df.loc[df["ts"] == pd.Timestamp("2024-06-01 12:00", tz="UTC"), "ts"] = pd.Timestamp("2024-06-01 12:01", tz="UTC")
    r = one_row(compute_daily_kpis(df, SENSOR_100, round_ratios=False))
    assert r["intervals_valid"] == 285
    assert r["energy_kwh"] == pytest.approx(396.6667, rel=1e-6)
    assert r["pr"] == pytest.approx(0.85)


def test_long_midday_gap_is_flagged_but_pr_is_unbiased():
    df = hand_case()
    ts = df["ts"]
    df = df[(ts < pd.Timestamp("2024-06-01 10:00", tz="UTC")) | (ts >= pd.Timestamp("2024-06-01 14:00", tz="UTC"))]
    r = one_row(compute_daily_kpis(df, SENSOR_100, round_ratios=False))
    # 48 samples missing → 49 intervals lost: 238 / 287 = 82.9 % < 90 %.
    assert r["intervals_valid"] == 238
    assert r["coverage_pct"] == pytest.approx(100 * 238 / 287)
    assert bool(r["incomplete"]) is True
    assert r["pr"] == pytest.approx(0.85)
    # energy only over valid intervals: 09:00–09:55 and 14:00–14:55 blocks + the two ramps
    assert r["energy_kwh"] == pytest.approx(68 * DT_H * (11 + 11 + 1))


def test_duplicates_and_unsorted_input():
    df = hand_case()
    shuffled = pd.concat([df.iloc[::-1], df.iloc[100:110]], ignore_index=True)
    r = one_row(compute_daily_kpis(shuffled, SENSOR_100))
    assert r["samples"] == 288 and r["intervals_valid"] == 287
    assert r["energy_kwh"] == pytest.approx(408.0)


def test_no_temperature_means_no_valid_interval():
    # §7.5: T must be finite at both ends; a plant that never reports temperature yields no KPI.
    df = hand_case().assign(temperature_c=np.nan)
    r = one_row(compute_daily_kpis(df, SENSOR_100))
    assert r["intervals_valid"] == 0 and r["coverage_pct"] == 0.0 and r["incomplete"]
    assert np.isnan(r["pr"]) and np.isnan(r["efficiency_pct"])


def test_sensor_plant_without_irradiance_column_has_zero_coverage():
    df = hand_case().drop(columns="irradiance_w_m2")
    r = one_row(compute_daily_kpis(df, SENSOR_100))
    assert r["intervals_valid"] == 0 and np.isnan(r["pr"])


def test_empty_and_invalid_inputs():
    empty = compute_daily_kpis(hand_case().iloc[0:0], SENSOR_100)
    assert empty.empty and list(empty.columns) == list(DAILY_COLUMNS)
    with pytest.raises(ValueError):
        compute_daily_kpis(hand_case(), PlantSpec(capacity_kw=100.0))  # no sensor, no coordinates
    with pytest.raises(ValueError):
        compute_daily_kpis(hand_case(), PlantSpec(capacity_kw=0.0, has_irradiance_sensor=True))


# --------------------------------------------------------------------------------------------------
# Clamping, threshold, temperature correction, clipping
# --------------------------------------------------------------------------------------------------
def test_negative_power_and_irradiance_are_clamped():
    df = day_readings(date(2024, 6, 1), night_p=-0.5, night_g=-3.0)
    r = one_row(compute_daily_kpis(df, SENSOR_100, round_ratios=False))
    # Unclamped, E would be 408 − 0.5·(216 samples’ worth) and H 4.8 − 0.003·18 h.
    assert r["energy_kwh"] == pytest.approx(408.0)
    assert r["irradiation_kwh_m2"] == pytest.approx(4.8)
    assert r["pr"] == pytest.approx(0.85)
    assert r["peak_power_kw"] == 68.0


def test_threshold_variant_pr_g50():
    df = hand_case()
    dawn = df["ts"].dt.hour == 8  # 08:00–08:55: 12 samples at 40 W/m² (< 50) producing 2 kW (PR 0.5)
    df.loc[dawn, ["irradiance_w_m2", "generation_power_kw", "temperature_c"]] = [40.0, 2.0, 20.0]
    first_light = df["ts"] == pd.Timestamp("2024-06-01 07:55", tz="UTC")  # one sample at 60 W/m², 3 kW
    df.loc[first_light, ["irradiance_w_m2", "generation_power_kw", "temperature_c"]] = [60.0, 3.0, 20.0]
    r = one_row(compute_daily_kpis(df, SENSOR_100, round_ratios=False))
    # Whole day: complete pulses, so Σ trapezoids = Σ samples · Δ.
    assert r["energy_kwh"] == pytest.approx(408 + (12 * 2 + 3) * DT_H)  # 410.25
    assert r["irradiation_kwh_m2"] == pytest.approx(4.8 + (12 * 0.040 + 0.060) * DT_H)  # 4.845
    assert r["pr"] == pytest.approx(410.25 / 484.5)
    # Interval means: 07:50–07:55 = 30 W/m² (out), 07:55–08:00 = 50 W/m² (in: the threshold is ≥ 50),
    # 08:00–08:55 = 11 × 40 W/m² (out), 08:55–09:00 = 420 W/m² (in).
    e_low = (1.5 + 11 * 2.0) * DT_H
    h_low = (0.030 + 11 * 0.040) * DT_H
    assert r["energy_g50_kwh"] == pytest.approx(410.25 - e_low)
    assert r["reference_energy_g50_kwh"] == pytest.approx(100 * (4.845 - h_low))
    assert r["pr_g50"] == pytest.approx((410.25 - e_low) / (100 * (4.845 - h_low)))
    assert r["pr_g50"] > r["pr"]
    # The 40 W/m² samples are not "lit" for availability; the 60 W/m² one is.
    assert r["availability_samples_lit"] == 73 and r["availability_samples_up"] == 73


def test_availability_counts_lit_samples_with_no_power():
    df = hand_case()
    df.loc[df["ts"] == pd.Timestamp("2024-06-01 12:00", tz="UTC"), "generation_power_kw"] = 0.0
    r = one_row(compute_daily_kpis(df, SENSOR_100))
    assert r["availability_samples_up"] == 71 and r["availability_samples_lit"] == 72
    assert r["availability_pct"] == pytest.approx(100 * 71 / 72, rel=1e-3)


@pytest.mark.parametrize(
    "t_mod, corrected_above",
    [(42.6, True), (5.0, False)],  # T_cell 45.0 °C → C = 0.92 ; T_cell 7.4 °C → C = 1.0704
)
def test_temperature_correction_sign(t_mod, corrected_above):
    r = one_row(compute_daily_kpis(day_readings(date(2024, 6, 1), t=t_mod), SENSOR_100, round_ratios=False))
    t_cell = t_mod + 800 / 1000 * 3
    c = 1 - 0.004 * (t_cell - 25)
    assert r["pr"] == pytest.approx(0.85)
    assert r["pr_temp_corrected"] == pytest.approx(0.85 / c)
    assert bool(r["pr_temp_corrected"] > r["pr"]) is corrected_above
    assert r["expected_energy_kwh"] == pytest.approx(100 * 0.8 * c * 0.86 * 6)


def test_clipping_is_kept_as_a_real_loss():
    # Bell-shaped clear day 06:00–18:00, P follows G·0.85 but the inverter clips at 50 kW.
    df = hand_case()
    hours = df["ts"].dt.hour + df["ts"].dt.minute / 60
    g = np.clip(1000 * np.sin(np.pi * (hours - 6) / 12), 0, None)
    df = df.assign(irradiance_w_m2=g, generation_power_kw=0.85 * 100 * g / 1000, temperature_c=30.0)
    clipped = df.assign(generation_power_kw=df["generation_power_kw"].clip(upper=50.0))
    free = one_row(compute_daily_kpis(df, SENSOR_100, round_ratios=False))
    clip = one_row(compute_daily_kpis(clipped, SENSOR_100, round_ratios=False))
    assert free["pr"] == pytest.approx(0.85)
    assert clip["intervals_valid"] == 287 and clip["coverage_pct"] == 100.0
    assert clip["peak_power_kw"] == 50.0
    assert 0.5 < clip["pr"] < free["pr"]
    # The expected-energy model has no clipping: it is unchanged, efficiency falls with energy.
    assert clip["expected_energy_kwh"] == pytest.approx(free["expected_energy_kwh"])
    assert clip["efficiency_pct"] / free["efficiency_pct"] == pytest.approx(clip["energy_kwh"] / free["energy_kwh"])
    assert np.isfinite(clip[["pr", "pr_g50", "pr_temp_corrected", "efficiency_pct"]].astype(float)).all()


# --------------------------------------------------------------------------------------------------
# Plant-local days
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "day, hours, samples",
    [(date(2024, 3, 31), 23, 276), (date(2024, 10, 27), 25, 300)],
)
def test_dst_change_days_europe_berlin(day, hours, samples):
    tz = "Europe/Berlin"
    plant = PlantSpec(capacity_kw=100.0, timezone=tz, has_irradiance_sensor=True)
    df = pd.concat([day_readings(day - timedelta(days=1), tz), day_readings(day, tz), day_readings(day + timedelta(days=1), tz)])
    out = compute_daily_kpis(df, plant, round_ratios=False)
    assert list(out["day"]) == [day - timedelta(days=1), day, day + timedelta(days=1)]
    r = out.iloc[1]
    assert r["day_hours"] == hours
    assert r["samples"] == samples
    assert r["intervals_expected"] == samples - 1 == expected_intervals(day, tz)
    assert r["intervals_valid"] == samples - 1 and r["coverage_pct"] == 100.0
    # local 09:00–15:00 block, same hand numbers on a 23 h / 25 h day
    assert r["energy_kwh"] == pytest.approx(408.0)
    assert r["pr"] == pytest.approx(0.85)
    assert r["cf_dc_pct"] == pytest.approx(100 * 408 / (100 * hours))
    assert r["day_start_utc"] == pd.Timestamp(day - timedelta(days=1), tz="UTC") + pd.Timedelta(hours=23 if day.month == 3 else 22)
    # neighbours are ordinary 24 h days; the local-midnight interval belongs to neither day
    assert list(out["intervals_valid"]) == [287, samples - 1, 287]


def test_kolkata_half_hour_zone_clear_sky_plant():
    tz = "Asia/Kolkata"  # UTC+5:30, the local day 2024-06-01 is 2024-05-31 18:30Z … 2024-06-01 18:30Z
    plant = PlantSpec(capacity_kw=50.0, latitude=12.97, longitude=77.59, altitude_m=920.0, timezone=tz)
    start, end = local_day_bounds(date(2024, 6, 1), tz)
    assert start == pd.Timestamp("2024-05-31 18:30", tz="UTC") and end == pd.Timestamp("2024-06-01 18:30", tz="UTC")
    ts = pd.date_range(start - pd.Timedelta(hours=1), end + pd.Timedelta(hours=1), freq="5min", inclusive="left")
    # Independent §5.3 recipe for G, then a plant that delivers exactly 80 % of P0·G/1000.
    loc = pvlib.location.Location(12.97, 77.59, tz, altitude=920.0)
    sp = loc.get_solarposition(ts)
    cs = loc.get_clearsky(ts)
    tilt = min(12.97, 35.0)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, 180, sp["apparent_zenith"], sp["azimuth"], cs["dni"], cs["ghi"], cs["dhi"], albedo=0.25, model="isotropic"
    )
    g = poa["poa_global"].fillna(0).clip(lower=0)
    df = pd.DataFrame({"ts": ts, "generation_power_kw": 0.8 * 50.0 * g.to_numpy() / 1000, "temperature_c": 30.0})
    out = compute_daily_kpis(df, plant, round_ratios=False)
    assert list(out["day"]) == [date(2024, 5, 31), date(2024, 6, 1), date(2024, 6, 2)]
    r = out.iloc[1]
    assert r["samples"] == 288 and r["intervals_valid"] == 287
    assert r["day_start_utc"] == start
    local_g = g[(g.index >= start) & (g.index < end)]
    h_ref = ((local_g.to_numpy()[:-1] + local_g.to_numpy()[1:]) / 2).sum() * DT_H / 1000
    assert r["irradiation_kwh_m2"] == pytest.approx(h_ref, rel=2e-3)
    assert 5.0 < r["irradiation_kwh_m2"] < 8.5
    assert r["pr"] == pytest.approx(0.8, rel=1e-9)
    assert r["irradiance_source"] == "clearsky" and r["method"].startswith("clear-sky POA")
    assert "tilt 12.97(def)" in r["method"] and "az 180(def)" in r["method"] and "alt 920m" in r["method"]
    assert 2.0 < r["linke_turbidity"] < 7.0
    # the clear-sky peak falls near local solar noon (≈ 12:18 IST at 77.6° E), not an hour off
    peak_local = local_g.idxmax().tz_convert(tz)
    assert time(11, 50) <= peak_local.time() <= time(12, 50)
    # efficiency = 100·PR_tc/0.86 identically, also on clear-sky plants
    assert r["efficiency_pct"] == pytest.approx(100 * r["pr_temp_corrected"] / 0.86, rel=1e-9)


def test_southern_hemisphere_plant_faces_north_by_default():
    tz = "Australia/Sydney"
    plant = PlantSpec(capacity_kw=10.0, latitude=-33.87, longitude=151.21, altitude_m=40.0, timezone=tz)
    assert plant.effective_azimuth_deg == 0.0
    assert plant.effective_tilt_deg == pytest.approx(33.87)
    south_facing = PlantSpec(
        capacity_kw=10.0, latitude=-33.87, longitude=151.21, altitude_m=40.0, timezone=tz, azimuth_deg=180.0
    )
    df = day_readings(date(2024, 6, 21), tz, g=np.nan, p=5.0, t=15.0, night_p=0.0, night_t=10.0)
    north = one_row(compute_daily_kpis(df, plant))
    south = one_row(compute_daily_kpis(df, south_facing))
    # Midwinter in Sydney: the equator (north) facing array receives far more than a south-facing one.
    assert north["irradiation_kwh_m2"] > 2.0 * south["irradiation_kwh_m2"]
    assert 4.0 < north["irradiation_kwh_m2"] < 8.0
    assert north["pr"] < south["pr"]
    assert "az 0(def)" in north["method"]
    # Southern DST starts on 2024-10-06 in Sydney: a 23 h local day.
    oct6 = one_row(compute_daily_kpis(day_readings(date(2024, 10, 6), tz, g=np.nan, p=5.0), plant))
    assert oct6["day_hours"] == 23 and oct6["samples"] == 276 and oct6["intervals_expected"] == 275


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
    assert spec.location().altitude > 0  # pvlib altitude lookup, not 0
    assert "(lookup)" in spec.method_description(spec.location().altitude)
    assert len(spec.method_description()) <= 200
    with pytest.raises(Exception):
        PlantSpec(capacity_kw=1.0, timezone="Mars/Olympus")


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
    assert [w.period for w in work_order_windows(berlin(2024, 6, 10, 8), None, berlin(2024, 6, 10, 20), BERLIN)] == ["before"]
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
    daily = berlin_days(date(2024, 6, 1), date(2024, 6, 24), skip={date(2024, 6, 15)}, weak={date(2024, 6, 10), date(2024, 6, 11)})
    snaps = compute_work_order_snapshots(daily, berlin(2024, 6, 10, 14), berlin(2024, 6, 12, 9), berlin(2024, 6, 25, 8), BERLIN)
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
    assert (during.first_day, during.last_day, during.days, during.is_final) == (date(2024, 6, 10), date(2024, 6, 12), 3, False)
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
