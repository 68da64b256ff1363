"""Tests of woms_app.analytics (daily KPIs) against pr-methodology.md §7 / §8.

Numbers marked "§8" come from the hand-checkable case of the methodology; the others are derived by
hand in the comments next to them (trapezoids over 5-minute samples, Δ = 1/12 h).
"""
from __future__ import annotations

from datetime import date, time, timedelta

import numpy as np
import pandas as pd
import pvlib
import pytest

from tests.analytics.readings import DT_H, SENSOR_100, day_readings, hand_case, one_row
from woms_app.analytics.daily import DAILY_COLUMNS, compute_daily_kpis
from woms_app.analytics.days import expected_intervals, local_day_bounds
from woms_app.analytics.model import PlantSpec, round_sig


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


@pytest.mark.parametrize("column", ["generation_power_kw", "irradiance_w_m2", "module_temperature_c"])
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


def test_a_day_without_any_temperature_uses_the_stated_assumed_ambient():
    # issue 14: a plant that reports no temperature at all still gets its PR; the cell temperature comes from
    # SAPM at the assumed typical ambient, and the method string says so (never a silent None)
    df = hand_case().assign(module_temperature_c=np.nan)
    r = one_row(compute_daily_kpis(df, SENSOR_100, round_ratios=False))
    assert r["intervals_valid"] == 287 and r["temperature_source"] == "fallback"
    assert r["pr"] == pytest.approx(0.85)
    assert "Tamb 20C assumed" in r["method"] and len(r["method"]) <= 200
    t_cell = 800 * np.exp(-3.56 - 0.075 * 1.0) + 20.0 + 800 / 1000 * 3  # SAPM at 800 W/m², 20 °C, 1 m/s
    assert r["pr_temp_corrected"] == pytest.approx(0.85 / (1 - 0.004 * (t_cell - 25)))
    warm = one_row(compute_daily_kpis(df, PlantSpec(capacity_kw=100.0, has_irradiance_sensor=True,
                                                    fallback_ambient_c=30.0), round_ratios=False))
    assert "Tamb 30C assumed" in warm["method"] and warm["pr_temp_corrected"] > r["pr_temp_corrected"]


def test_module_temperature_is_never_run_through_sapm_again():
    # a day with both columns: the module temperature is used as such (Tc = Tmod + 3·G/1000); the ambient
    # one only when the day has no module temperature
    both = hand_case().assign(ambient_temperature_c=25.0)
    r = one_row(compute_daily_kpis(both, SENSOR_100, round_ratios=False))
    t_cell = 42.6 + 800 / 1000 * 3
    assert r["temperature_source"] == "module" and "Tc=Tmod+3G/1000" in r["method"]
    assert r["pr_temp_corrected"] == pytest.approx(0.85 / (1 - 0.004 * (t_cell - 25)))
    ambient = one_row(compute_daily_kpis(both.assign(module_temperature_c=np.nan), SENSOR_100, round_ratios=False))
    t_sapm = 800 * np.exp(-3.56 - 0.075) + 25.0 + 2.4
    assert ambient["temperature_source"] == "ambient" and "Tc=SAPM(Tamb, wind 1m/s)" in ambient["method"]
    assert ambient["pr_temp_corrected"] == pytest.approx(0.85 / (1 - 0.004 * (t_sapm - 25)))


def test_the_legacy_ambiguous_temperature_column_is_refused():
    with pytest.raises(ValueError, match="ambiguous"):
        compute_daily_kpis(hand_case().rename(columns={"module_temperature_c": "temperature_c"}), SENSOR_100)


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
    df.loc[dawn, ["irradiance_w_m2", "generation_power_kw", "module_temperature_c"]] = [40.0, 2.0, 20.0]
    first_light = df["ts"] == pd.Timestamp("2024-06-01 07:55", tz="UTC")  # one sample at 60 W/m², 3 kW
    df.loc[first_light, ["irradiance_w_m2", "generation_power_kw", "module_temperature_c"]] = [60.0, 3.0, 20.0]
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
    df = df.assign(irradiance_w_m2=g, generation_power_kw=0.85 * 100 * g / 1000, module_temperature_c=30.0)
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
    df = pd.concat([day_readings(day - timedelta(days=1), tz), day_readings(day, tz),
                    day_readings(day + timedelta(days=1), tz)])
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
    assert r["day_start_utc"] == (pd.Timestamp(day - timedelta(days=1), tz="UTC")
                                  + pd.Timedelta(hours=23 if day.month == 3 else 22))
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
    df = pd.DataFrame({"ts": ts, "generation_power_kw": 0.8 * 50.0 * g.to_numpy() / 1000,
                       "ambient_temperature_c": 30.0})
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
    df = day_readings(date(2024, 6, 21), tz, g=np.nan, p=5.0, t=15.0, night_p=0.0, night_t=10.0,
                      temp_column="ambient_temperature_c")
    north = one_row(compute_daily_kpis(df, plant))
    south = one_row(compute_daily_kpis(df, south_facing))
    # Midwinter in Sydney: the equator (north) facing array receives far more than a south-facing one.
    assert north["irradiation_kwh_m2"] > 2.0 * south["irradiation_kwh_m2"]
    assert 4.0 < north["irradiation_kwh_m2"] < 8.0
    assert north["pr"] < south["pr"]
    assert "az 0(def)" in north["method"]
    # Southern DST starts on 2024-10-06 in Sydney: a 23 h local day.
    oct6 = one_row(compute_daily_kpis(day_readings(date(2024, 10, 6), tz, g=np.nan, p=5.0,
                                                   temp_column="ambient_temperature_c"), plant))
    assert oct6["day_hours"] == 23 and oct6["samples"] == 276 and oct6["intervals_expected"] == 275


def test_a_batch_mixing_a_sensor_plant_without_coordinates_and_a_clear_sky_plant():
    """The hourly job computes many plants at once: a sensor plant needs no coordinates, and its presence in the
    batch must not break the clear-sky plant beside it (it raised TypeError on float(None) before)."""
    from woms_app.analytics.daily import compute_daily_kpis_many

    tz = "Asia/Kolkata"
    clear = PlantSpec(capacity_kw=50.0, latitude=12.97, longitude=77.59, altitude_m=920.0, timezone=tz)
    sensor = PlantSpec(capacity_kw=100.0, timezone="UTC", has_irradiance_sensor=True)
    day = date(2024, 6, 1)
    a = day_readings(day, tz, g=np.nan, p=20.0, t=30.0, temp_column="ambient_temperature_c")
    b = hand_case()
    frame = pd.concat([a.assign(plant_id=1), b.assign(plant_id=2)], ignore_index=True)
    out = compute_daily_kpis_many(frame, {1: clear, 2: sensor})
    rows = {(r["plant_id"], r["day"]): r for r in out.to_dict("records")}
    # each plant's day equals the one computed alone
    alone_clear = one_row(compute_daily_kpis(a, clear))
    alone_sensor = one_row(compute_daily_kpis(b, sensor))
    assert rows[(1, day)]["pr"] == alone_clear["pr"] and rows[(1, day)]["irradiance_source"] == "clearsky"
    assert rows[(2, day)]["pr"] == alone_sensor["pr"] == pytest.approx(0.850, rel=1e-3)
