"""The expected power curve of one plant: the integrand of the daily expected energy, per reading."""
from __future__ import annotations

import pandas as pd

from woms_app.analytics.model import PlantSpec
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
