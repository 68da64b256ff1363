"""The per-sample model (§7.1–§7.4) the daily KPIs and the expected-power curve share: one sample per plant and
instant, its plant-local day, clamped power, irradiance (sensor or clear-sky POA), cell temperature and expected
power."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pvlib

from woms_app.analytics.clearsky import clearsky_poa_many
from woms_app.analytics.model import T_REF_C, PlantSpec, plant_arrays


def _column(readings: pd.DataFrame, name: str) -> np.ndarray:
    if name not in readings.columns:
        return np.full(len(readings), np.nan)
    values: np.ndarray = pd.to_numeric(readings[name], errors="coerce").to_numpy(dtype=float)
    return values


TEMPERATURE_SOURCES = np.array(["module", "ambient", "fallback"], dtype=object)  #: by ``Samples.source_g``


@dataclass
class Samples:
    """Every sample of :func:`build_samples`, one array entry per (plant, instant), sorted by plant then time."""

    code: np.ndarray
    ts_ns: np.ndarray
    ts: pd.DatetimeIndex
    n: int
    day: np.ndarray
    p: np.ndarray
    g: np.ndarray
    linke: np.ndarray
    gid: np.ndarray
    uniq: list[tuple[int, int]]  #: (plant code, local day as days since 1970-01-01) of each group
    n_groups: int
    source_g: np.ndarray
    t_cell: np.ndarray
    g_tc: np.ndarray
    p_exp: np.ndarray
    finite: np.ndarray


def build_samples(readings: pd.DataFrame, keys: list[Any], specs: list[PlantSpec]) -> Samples | None:
    """The per-sample model (§7.1–§7.4) shared by the daily KPIs and the expected-power curve: clamped power,
    irradiance (sensor or clear-sky POA), cell temperature from module > ambient > assumed ambient per
    plant-day, and the expected power ``pvwatts_dc(G, T) · (1 − loss)``. None when no sample is left."""
    # §7.1 one sample per plant and instant, sorted; rows of unknown plants dropped
    code_of = {k: i for i, k in enumerate(keys)}
    codes_all = readings["plant_id"].map(code_of)
    ts_all = pd.to_datetime(readings["ts"], utc=True)
    keep = codes_all.notna().to_numpy() & ts_all.notna().to_numpy()
    frame = pd.DataFrame({
        "code": codes_all.to_numpy()[keep].astype(np.int64),
        "ts": ts_all.dt.tz_localize(None).to_numpy().astype("datetime64[ns]")[keep],  # naive UTC
        "P": _column(readings, "generation_power_kw")[keep],
        "Tmod": _column(readings, "module_temperature_c")[keep],
        "Tamb": _column(readings, "ambient_temperature_c")[keep],
        "Gm": _column(readings, "irradiance_w_m2")[keep],
    })
    if frame.empty:
        return None
    frame = frame.sort_values(["code", "ts"], kind="stable").drop_duplicates(["code", "ts"], keep="first")
    code = frame["code"].to_numpy()
    ts_ns = frame["ts"].to_numpy().astype(np.int64)
    ts = pd.DatetimeIndex(frame["ts"].to_numpy()).tz_localize("UTC")
    n = len(code)

    # local day of every sample (a handful of zones: one conversion per zone)
    day = np.empty(n, dtype=np.int64)  # days since 1970-01-01, local calendar
    zones = np.asarray([sp.timezone for sp in specs], dtype=object)[code]
    for tz in dict.fromkeys(zones.tolist()):
        m = zones == tz
        local = ts[m].tz_convert(tz).tz_localize(None)
        day[m] = local.to_numpy().astype("datetime64[D]").astype(np.int64)

    # §7.2 clamps; NaN stays NaN
    p = np.clip(frame["P"].to_numpy(), 0.0, None)
    sensor_p = np.asarray([sp.has_irradiance_sensor for sp in specs], dtype=bool)
    sensor = sensor_p[code]
    g = np.clip(frame["Gm"].to_numpy(), 0.0, None)  # NaN preserved
    linke = np.full(n, np.nan)
    if (~sensor).any():
        cs_rows = np.nonzero(~sensor)[0]
        g_cs, linke_cs = clearsky_poa_many(ts[cs_rows], code[cs_rows], specs)
        g[cs_rows] = g_cs
        linke[cs_rows] = linke_cs

    # §7.4 cell temperature from what each plant-day has: module > ambient > assumed ambient
    t_mod, t_amb = frame["Tmod"].to_numpy(), frame["Tamb"].to_numpy()
    day0 = int(day.min())
    span = int(day.max()) - day0 + 1
    keys_g, gid = np.unique(code * span + (day - day0), return_inverse=True)  # (plant, day) groups, sorted
    uniq = [(int(k // span), int(k % span) + day0) for k in keys_g]
    n_groups = len(uniq)
    has_mod = np.zeros(n_groups, dtype=bool)
    has_amb = np.zeros(n_groups, dtype=bool)
    np.logical_or.at(has_mod, gid, np.isfinite(t_mod))
    np.logical_or.at(has_amb, gid, np.isfinite(t_amb))
    source_g = np.where(has_mod, 0, np.where(has_amb, 1, 2))
    source = source_g[gid]
    delta_t = plant_arrays(code, specs, "sapm_delta_t")
    air = np.where(source == 1, t_amb, plant_arrays(code, specs, "fallback_ambient_c"))
    t_sapm = pvlib.temperature.sapm_cell(g, air, plant_arrays(code, specs, "wind_speed_m_s"),
                                         plant_arrays(code, specs, "sapm_a"), plant_arrays(code, specs, "sapm_b"),
                                         delta_t)
    t_cell = np.where(source == 0, pvlib.temperature.sapm_cell_from_module(t_mod, g, delta_t), t_sapm)

    # per-sample derived series
    p0 = plant_arrays(code, specs, "capacity_kw")
    gamma = plant_arrays(code, specs, "gamma_pdc")
    derate = 1.0 - plant_arrays(code, specs, "system_loss")
    g_tc = g * (1.0 + gamma * (t_cell - T_REF_C))
    p_exp = pvlib.pvsystem.pvwatts_dc(g, t_cell, p0, gamma, T_REF_C) * derate
    finite = np.isfinite(p) & np.isfinite(g) & np.isfinite(t_cell)

    return Samples(code=code, ts_ns=ts_ns, ts=ts, n=n, day=day, p=p, g=g, linke=linke, gid=gid, uniq=uniq,
                    n_groups=n_groups, source_g=source_g, t_cell=t_cell, g_tc=g_tc, p_exp=p_exp, finite=finite)
