"""Daily KPIs per plant and plant-local day (pr-methodology.md §7.5–§7.8), in named steps over the samples of
:func:`~woms_app.analytics.samples.build_samples`:

1. :func:`masks` — the data-quality rules: which 300 s intervals are valid, which are lit (G ≥ 50 W/m²), which
   samples count for availability;
2. :func:`integrate` — the energy sums: trapezoids over valid intervals only, summed per (plant, day);
3. :func:`day_row` — one day's row of :data:`DAILY_COLUMNS` from those sums (ratios of sums, the method string).

:func:`compute_daily_kpis_many` runs them for many plants at once (the hourly job's path);
:func:`compute_daily_kpis` is that function for one plant, so both give identical figures.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from woms_app.analytics.days import day_bounds_cached
from woms_app.analytics.model import (
    COVERAGE_LIMIT_PCT,
    G_MIN_W_M2,
    G_STC_W_M2,
    INTERVAL_H,
    INTERVAL_S,
    PlantSpec,
    ratio,
    round_sig,
)
from woms_app.analytics.samples import TEMPERATURE_SOURCES, Samples, build_samples

# Columns of the DataFrame returned by compute_daily_kpis, in order.
DAILY_COLUMNS: tuple[str, ...] = (
    "day",
    "timezone",
    "day_start_utc",
    "day_end_utc",
    "day_hours",
    "capacity_kw",
    "samples",
    "intervals_valid",
    "intervals_expected",
    "coverage_pct",
    "incomplete",
    "energy_kwh",
    "yf_kwh_kwp",
    "irradiation_kwh_m2",
    "yr_h",
    "reference_energy_kwh",
    "pr",
    "energy_g50_kwh",
    "reference_energy_g50_kwh",
    "pr_g50",
    "yr_tc_h",
    "reference_energy_tc_kwh",
    "pr_temp_corrected",
    "expected_energy_kwh",
    "efficiency_pct",
    "availability_samples_lit",
    "availability_samples_up",
    "availability_pct",
    "cf_dc_pct",
    "peak_power_kw",
    "linke_turbidity",
    "irradiance_source",
    "temperature_source",
    "method",
)

_ROUNDED_COLUMNS = (
    "coverage_pct",
    "yf_kwh_kwp",
    "yr_h",
    "pr",
    "pr_g50",
    "yr_tc_h",
    "pr_temp_corrected",
    "efficiency_pct",
    "availability_pct",
    "cf_dc_pct",
    "linke_turbidity",
)


def _round_series(s: pd.Series) -> pd.Series:
    out = [round_sig(v) for v in s.to_numpy(dtype=float, na_value=np.nan)]
    return pd.Series([math.nan if r is None else r for r in out], index=s.index, dtype="float64")


def _empty_daily() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in DAILY_COLUMNS})


# --------------------------------------------------------------------------------------------------
# 1. Masks: the data-quality rules
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Masks:
    """Boolean arrays over the samples of :class:`Samples`. An interval is stored at the index of its first
    sample (``i`` is the interval ``i → i+1``); the last sample of a (plant, day) starts no valid interval."""

    valid: np.ndarray  #: §7.5 same plant and local day, exactly 300 s apart, P, G and T finite at both ends
    lit_interval: np.ndarray  #: valid and the interval's mean G ≥ 50 W/m² (PR_G50)
    lit_sample: np.ndarray  #: finite G ≥ 50 W/m² and finite P (availability's denominator)
    up_sample: np.ndarray  #: lit and P > 0 (availability's numerator)


def masks(sm: Samples) -> Masks:
    """Which intervals and samples count (§7.5 gaps are never bridged; §7.6 the 50 W/m² threshold)."""
    code, ts_ns, n, day, p, g, finite = sm.code, sm.ts_ns, sm.n, sm.day, sm.p, sm.g, sm.finite
    # §7.5 intervals: consecutive samples of the same plant and local day, exactly 300 s apart, finite ends
    valid = np.zeros(n, dtype=bool)
    if n > 1:
        valid[:-1] = ((code[1:] == code[:-1]) & (day[1:] == day[:-1])
                      & ((ts_ns[1:] - ts_ns[:-1]) == INTERVAL_S * 1_000_000_000) & finite[:-1] & finite[1:])
    g_next = np.empty_like(g)
    g_next[:-1], g_next[-1] = g[1:], np.nan
    lit_interval = valid & (np.nan_to_num((g + g_next) / 2.0, nan=-1.0) >= G_MIN_W_M2)
    lit_sample = np.isfinite(g) & (np.nan_to_num(g, nan=-1.0) >= G_MIN_W_M2) & np.isfinite(p)
    up_sample = lit_sample & (np.nan_to_num(p, nan=0.0) > 0.0)
    return Masks(valid=valid, lit_interval=lit_interval, lit_sample=lit_sample, up_sample=up_sample)


# --------------------------------------------------------------------------------------------------
# 2. Integration: energy sums over valid 300 s intervals, per (plant, day)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DayTotals:
    """Per (plant, local day) group, indexed like ``Samples.uniq``: trapezoid sums over valid intervals
    (energies kWh, irradiations kWh/m²) and sample counts."""

    samples: np.ndarray
    intervals_valid: np.ndarray
    energy_kwh: np.ndarray
    irradiation_kwh_m2: np.ndarray
    irradiation_tc_kwh_m2: np.ndarray  #: Σ trap(G·(1 + γ(T_cell − 25))) / 1000
    expected_energy_kwh: np.ndarray
    energy_g50_kwh: np.ndarray
    irradiation_g50_kwh_m2: np.ndarray
    samples_lit: np.ndarray
    samples_up: np.ndarray
    peak_power_kw: np.ndarray  #: NaN when the day has no finite power
    linke_turbidity: np.ndarray  #: mean over the day's clear-sky samples, NaN for sensor plants


def integrate(sm: Samples, mk: Masks) -> DayTotals:
    """The trapezoid rule over valid intervals only (an invalid interval leaves numerators and denominators
    alike), summed per (plant, day); the counts and extremes of the day's samples."""
    gid, n_groups, p, linke = sm.gid, sm.n_groups, sm.p, sm.linke
    valid, lit_interval = mk.valid, mk.lit_interval

    def trap(x: np.ndarray) -> np.ndarray:
        nxt = np.empty_like(x)
        nxt[:-1], nxt[-1] = x[1:], np.nan
        return np.where(valid, (x + nxt) / 2.0 * INTERVAL_H, 0.0)

    e, h, h_tc, e_exp = trap(p), trap(sm.g) / 1000.0, trap(sm.g_tc) / 1000.0, trap(sm.p_exp)

    def total(x: np.ndarray) -> np.ndarray:
        return np.bincount(gid, weights=x, minlength=n_groups)

    peak = np.full(n_groups, -np.inf)
    p_fin = np.isfinite(p)
    np.maximum.at(peak, gid[p_fin], p[p_fin])
    peak[~np.isfinite(peak)] = np.nan
    l_fin = np.isfinite(linke)
    l_sum = np.bincount(gid[l_fin], weights=linke[l_fin], minlength=n_groups)
    l_cnt = np.bincount(gid[l_fin], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        linke_mean = np.where(l_cnt > 0, l_sum / np.maximum(l_cnt, 1), np.nan)
    return DayTotals(
        samples=np.bincount(gid, minlength=n_groups),
        intervals_valid=np.bincount(gid, weights=valid, minlength=n_groups).astype(np.int64),
        energy_kwh=total(e),
        irradiation_kwh_m2=total(h),
        irradiation_tc_kwh_m2=total(h_tc),
        expected_energy_kwh=total(e_exp),
        energy_g50_kwh=total(np.where(lit_interval, e, 0.0)),
        irradiation_g50_kwh_m2=total(np.where(lit_interval, h, 0.0)),
        samples_lit=np.bincount(gid, weights=mk.lit_sample, minlength=n_groups).astype(np.int64),
        samples_up=np.bincount(gid, weights=mk.up_sample, minlength=n_groups).astype(np.int64),
        peak_power_kw=peak,
        linke_turbidity=linke_mean,
    )


# --------------------------------------------------------------------------------------------------
# 3. The day row
# --------------------------------------------------------------------------------------------------
_EPOCH = date(1970, 1, 1)


def day_row(totals: DayTotals, k: int, spec: PlantSpec, day: date, temperature_source: str, method: str, *,
            coverage_limit_pct: float) -> dict[str, Any]:
    """The :data:`DAILY_COLUMNS` of group ``k`` (one plant-local ``day``): ratios of the day's sums, unrounded."""
    start, end = day_bounds_cached(day, spec.timezone)
    span_s = (end - start).total_seconds()
    day_hours = span_s / 3600.0
    n_expected = int(round(span_s / INTERVAL_S)) - 1
    nv = int(totals.intervals_valid[k])
    coverage = 100.0 * nv / n_expected if n_expected > 0 else math.nan
    p0k = float(spec.capacity_kw)
    en, hp = float(totals.energy_kwh[k]), float(totals.irradiation_kwh_m2[k])
    ht, ee = float(totals.irradiation_tc_kwh_m2[k]), float(totals.expected_energy_kwh[k])
    e_g50 = float(totals.energy_g50_kwh[k])
    ref = p0k * hp / (G_STC_W_M2 / 1000.0)
    ref_g50 = p0k * float(totals.irradiation_g50_kwh_m2[k]) / (G_STC_W_M2 / 1000.0)
    ref_tc = p0k * ht / (G_STC_W_M2 / 1000.0)
    lk, uk = int(totals.samples_lit[k]), int(totals.samples_up[k])
    return {
        "day": day,
        "timezone": spec.timezone,
        "day_start_utc": start,
        "day_end_utc": end,
        "day_hours": day_hours,
        "capacity_kw": p0k,
        "samples": int(totals.samples[k]),
        "intervals_valid": nv,
        "intervals_expected": n_expected,
        "coverage_pct": coverage,
        "incomplete": bool(not coverage >= coverage_limit_pct),
        "energy_kwh": en,
        "yf_kwh_kwp": en / p0k,
        "irradiation_kwh_m2": hp,
        "yr_h": hp / (G_STC_W_M2 / 1000.0),
        "reference_energy_kwh": ref,
        "pr": ratio(en, ref),
        "energy_g50_kwh": e_g50,
        "reference_energy_g50_kwh": ref_g50,
        "pr_g50": ratio(e_g50, ref_g50),
        "yr_tc_h": ht / (G_STC_W_M2 / 1000.0),
        "reference_energy_tc_kwh": ref_tc,
        "pr_temp_corrected": ratio(en, ref_tc),
        "expected_energy_kwh": ee,
        "efficiency_pct": 100.0 * ratio(en, ee),
        "availability_samples_lit": lk,
        "availability_samples_up": uk,
        "availability_pct": 100.0 * uk / lk if lk > 0 else math.nan,
        "cf_dc_pct": 100.0 * en / (p0k * day_hours),
        "peak_power_kw": float(totals.peak_power_kw[k]),
        "linke_turbidity": float(totals.linke_turbidity[k]),
        "irradiance_source": spec.irradiance_source,
        "temperature_source": temperature_source,
        "method": method,
    }


# --------------------------------------------------------------------------------------------------
# The entry points
# --------------------------------------------------------------------------------------------------
def compute_daily_kpis_many(
    readings: pd.DataFrame,
    plants: Mapping[Any, PlantSpec],
    *,
    coverage_limit_pct: float = COVERAGE_LIMIT_PCT,
    round_ratios: bool = True,
) -> pd.DataFrame:
    """:func:`compute_daily_kpis` for many plants in one pass: ``readings`` has a ``plant_id`` column
    (keys of ``plants``) besides the columns :func:`compute_daily_kpis` takes; the result has one row per
    plant and local day, sorted by plant then day, with ``plant_id`` followed by :data:`DAILY_COLUMNS`.
    Readings of a plant missing from ``plants`` are ignored. Raises ``ValueError`` naming the plant when a
    plant's spec cannot give KPIs (see :meth:`PlantSpec.refusal`)."""
    if "ts" not in readings.columns:
        raise ValueError("readings need a 'ts' column (UTC instants)")
    if "temperature_c" in readings.columns:
        raise ValueError("readings.temperature_c is ambiguous: pass module_temperature_c and/or ambient_temperature_c")
    if "plant_id" not in readings.columns:
        raise ValueError("readings need a 'plant_id' column")
    keys = list(plants.keys())
    for key in keys:
        why = plants[key].refusal()
        if why:
            raise ValueError(f"plant {key}: {why}")
    columns = ["plant_id", *DAILY_COLUMNS]
    if not keys or readings.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    specs = [plants[k] for k in keys]
    sm = build_samples(readings, keys, specs)
    if sm is None:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    totals = integrate(sm, masks(sm))

    methods: dict[tuple[int, int], str] = {}
    rows: list[dict[str, Any]] = []
    for k in range(sm.n_groups):
        c, d_int = sm.uniq[k]
        spec = specs[c]
        src = int(sm.source_g[k])
        source = str(TEMPERATURE_SOURCES[src])
        method = methods.get((c, src))
        if method is None:
            method = methods[(c, src)] = spec.method_description(source)
        row = day_row(totals, k, spec, _EPOCH + timedelta(days=int(d_int)), source, method,
                      coverage_limit_pct=coverage_limit_pct)
        rows.append({"plant_id": keys[c], **row})
    out = pd.DataFrame(rows, columns=columns)
    if round_ratios:
        for col in _ROUNDED_COLUMNS:
            out[col] = _round_series(out[col])
    return out


def compute_daily_kpis(
    readings: pd.DataFrame,
    plant: PlantSpec,
    *,
    coverage_limit_pct: float = COVERAGE_LIMIT_PCT,
    round_ratios: bool = True,
) -> pd.DataFrame:
    """KPIs of one plant per plant-local calendar day (pr-methodology.md §7).

    ``readings`` columns (one plant):

    - ``ts``: instants, timezone-aware (naive values are read as UTC, §7.1);
    - ``generation_power_kw``: AC power [kW], instantaneous at ``ts``; negative → 0;
    - ``module_temperature_c``: back-of-module temperature [°C]; may be NaN or absent;
    - ``ambient_temperature_c``: ambient air temperature [°C]; may be NaN or absent (a legacy
      ``temperature_c`` column is refused: it did not say which of the two it was);
    - ``irradiance_w_m2``: measured POA irradiance [W/m²], used only when
      ``plant.has_irradiance_sensor``; negative → 0; may be NaN or absent.

    Returns one row per local day that has at least one sample, sorted by day, with the columns of
    :data:`DAILY_COLUMNS`:

    ===========================  =========  ==========================================================
    column                       unit       meaning
    ===========================  =========  ==========================================================
    day                          date       plant-local calendar day
    timezone                     IANA       the plant's zone used to cut days
    day_start_utc, day_end_utc   UTC        ``[start, end)`` of the local day
    day_hours                    h          local day length (23 / 24 / 25)
    capacity_kw                  kWp        P0 used
    samples                      count      samples of the day after de-duplication
    intervals_valid              count      valid 300 s intervals (§7.5)
    intervals_expected           count      intervals of a complete day (287 on a 24 h day)
    coverage_pct                 %          100 · valid / expected
    incomplete                   bool       coverage_pct < ``coverage_limit_pct`` (KPIs still given)
    energy_kwh                   kWh        E_AC = Σ trap(P)
    yf_kwh_kwp                   kWh/kWp    final yield E_AC / P0
    irradiation_kwh_m2           kWh/m²     H_POA = Σ trap(G) / 1000
    yr_h                         h          reference yield H_POA / (1 kW/m²)
    reference_energy_kwh         kWh        P0 · Yr (PR denominator, summed by windows)
    pr                           –          Yf / Yr, no threshold
    energy_g50_kwh               kWh        E_AC over valid intervals with mean G ≥ 50 W/m²
    reference_energy_g50_kwh     kWh        P0 · Yr over the same intervals
    pr_g50                       –          PR with the 50 W/m² threshold
    yr_tc_h                      h          Σ trap(G·(1 + γ(T_cell − 25))) / 1000
    reference_energy_tc_kwh      kWh        P0 · Yr_tc
    pr_temp_corrected            –          Yf / Yr_tc
    expected_energy_kwh          kWh        Σ trap(pvwatts_dc(G, T_cell, P0, γ) · (1 − loss))
    efficiency_pct               %          100 · E_AC / E_exp (= 100 · PR_tc / (1 − loss))
    availability_samples_lit     count      samples with G ≥ 50 W/m² and finite P
    availability_samples_up      count      of those, samples with P > 0
    availability_pct             %          100 · up / lit
    cf_dc_pct                    %          100 · E_AC / (P0 · day_hours)
    peak_power_kw                kW         largest (clamped) power sample
    linke_turbidity              –          mean Linke turbidity of the day (clear-sky plants only)
    irradiance_source            str        "sensor" or "clearsky"
    temperature_source           str        "module", "ambient" or "fallback" (the day's cell temperature)
    method                       str        method and inputs (≤ 200 characters)
    ===========================  =========  ==========================================================

    Ratios are NaN when their denominator is 0 (e.g. a day without valid lit intervals). With
    ``round_ratios`` the ratio/percentage/yield columns are rounded to 4 significant digits (§7.8);
    energies, irradiation and counts are kept at full precision because windows re-aggregate them.
    A day below the coverage limit keeps its KPIs (numerator and denominator share one mask, so PR
    is not biased by the gap) but is flagged ``incomplete``; its energy is only that of valid intervals.
    """
    why = plant.refusal()
    if why:
        raise ValueError(why)
    if "ts" not in readings.columns:
        raise ValueError("readings need a 'ts' column (UTC instants)")
    frame = readings.drop(columns=["plant_id"], errors="ignore").assign(plant_id=0)
    out = compute_daily_kpis_many(frame, {0: plant}, coverage_limit_pct=coverage_limit_pct,
                                  round_ratios=round_ratios)
    if out.empty:
        return _empty_daily()
    return out.drop(columns=["plant_id"]).reset_index(drop=True)
