"""The expected power curve of one plant: the integrand of the daily expected energy, per reading; energies over
its valid intervals (the KPIs' rule), and the energy lost over a window (expected − actual)."""
from __future__ import annotations

import pandas as pd

from woms_app.analytics.model import INTERVAL_H, INTERVAL_S, PlantSpec
from woms_app.analytics.samples import build_samples


def expected_power(readings: pd.DataFrame, plant: PlantSpec) -> pd.DataFrame:
    """Per reading, the irradiance G and cell temperature T the daily KPIs use and the expected AC power
    ``P_exp = pvwatts_dc(G, T, P0, γ) · (1 − loss)`` [kW] — the integrand of ``expected_energy_kwh``, so a
    power curve and its expected curve read exactly like the day's efficiency figure. Columns ``ts``,
    ``P`` (clamped actual power), ``G``, ``T``, ``P_exp``; NaN where an input is missing."""
    if not plant.capacity_kw or plant.capacity_kw <= 0:
        raise ValueError(f"capacity_kw must be > 0 (got {plant.capacity_kw!r})")
    if not plant.has_irradiance_sensor and not plant.has_coordinates:
        raise ValueError("plant has no irradiance sensor and no coordinates: no irradiance reference")
    sm = build_samples(readings.assign(plant_id=0), [0], [plant])
    if sm is None:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in ("ts", "P", "G", "T", "P_exp")})
    return pd.DataFrame({"ts": sm.ts, "P": sm.p, "G": sm.g, "T": sm.t_cell, "P_exp": sm.p_exp})


def _valid_pairs(curve: pd.DataFrame, *cols: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Each reading, the next one, and whether the interval between them counts: exactly 300 s apart and every
    column in ``cols`` finite at both ends (gaps are never bridged)."""
    nxt = curve.shift(-1)
    ok = (nxt["ts"] - curve["ts"]).dt.total_seconds() == INTERVAL_S
    for col in cols:
        ok = ok & curve[col].notna() & nxt[col].notna()
    return curve, nxt, ok


def interval_energy(curve: pd.DataFrame, col: str) -> float | None:
    """The trapezoid energy [kWh] of power column ``col`` of an ``expected_power`` frame over its valid intervals;
    None when there is none."""
    cur, nxt, ok = _valid_pairs(curve, col)
    if not ok.any():
        return None
    return float(((cur[col] + nxt[col]) / 2 * INTERVAL_H)[ok].sum())


def lost_energy(curve: pd.DataFrame) -> tuple[float, int] | None:
    """Energy lost over an ``expected_power`` frame: the trapezoid of ``P_exp − P`` [kWh] over the intervals where
    both are known, and how many intervals counted (None: none did). Negative when the plant beat the model."""
    cur, nxt, ok = _valid_pairs(curve, "P", "P_exp")
    if not ok.any():
        return None
    gap = (cur["P_exp"] - cur["P"] + nxt["P_exp"] - nxt["P"]) / 2 * INTERVAL_H
    return float(gap[ok].sum()), int(ok.sum())
