"""The clear-sky plane-of-array irradiance of plants without a sensor (§5.3 / §7.3): pvlib's Ineichen clear sky
with pvlib's Linke turbidity table, isotropic transposition, for many plants' samples at once."""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
import pvlib

from woms_app.analytics.model import SOLAR_POSITION_AIR_C, PlantSpec


@functools.lru_cache(maxsize=65536)
def _linke_monthly(latitude: float, longitude: float) -> np.ndarray:
    """pvlib's monthly Linke turbidity (×20) at a point, padded with Dec/Jan as pvlib interpolates it; read
    once per point (the table is an HDF5 file pvlib opens at every lookup)."""
    import os

    import h5py
    from pvlib import clearsky

    path = os.path.join(os.path.dirname(os.path.abspath(clearsky.__file__)), "data", "LinkeTurbidities.h5")
    i = clearsky._degrees_to_index(latitude, coordinate="latitude")
    j = clearsky._degrees_to_index(longitude, coordinate="longitude")
    with h5py.File(path, "r") as f:
        lts = np.asarray(f["LinkeTurbidity"][i, j], dtype=float)
    return np.concatenate([[lts[-1]], lts, [lts[0]]])


@functools.cache
def _month_middles(leap_year: bool) -> np.ndarray:
    """pvlib's day-of-year of each month's middle (padded like the Linke table), of a leap or a common year."""
    from pvlib import clearsky

    middles: np.ndarray = clearsky._calendar_month_middles(2016 if leap_year else 2015)
    return middles


def _linke(times: pd.DatetimeIndex, latitude: float, longitude: float) -> np.ndarray:
    """= ``pvlib.clearsky.lookup_linke_turbidity(times, latitude, longitude)`` (interpolated by day of year)."""
    lts = _linke_monthly(float(latitude), float(longitude))
    doy = times.dayofyear
    out: np.ndarray = np.where(times.is_leap_year, np.interp(doy, _month_middles(True), lts),
                               np.interp(doy, _month_middles(False), lts))
    return out / 20.0


def clearsky_poa_many(ts: pd.DatetimeIndex, codes: np.ndarray,
                       specs: list[PlantSpec]) -> tuple[np.ndarray, np.ndarray]:
    """Clear-sky POA [W/m²] and Linke turbidity [-] of every sample (§5.3 / §7.3), each at its own plant:
    the same pvlib chain as ``Location.get_clearsky`` + ``get_total_irradiance`` (Ineichen, pvlib's
    Linke turbidity, isotropic), evaluated on arrays of every plant's coordinates at once."""
    n_plants = len(specs)
    # Only the plants that have clear-sky samples here are evaluated: a batch also holds sensor plants, which
    # may have no coordinates or tilt at all (their attributes would raise), and they get NaN, never read.
    wanted = np.zeros(n_plants, dtype=bool)
    wanted[np.unique(codes)] = True

    def per_plant(value: Callable[[PlantSpec], float | None]) -> np.ndarray:
        return np.asarray([float(value(sp)) if wanted[k] else np.nan  # type: ignore[arg-type]
                           for k, sp in enumerate(specs)], dtype=float)

    lat_p = per_plant(lambda sp: sp.latitude)
    lon_p = per_plant(lambda sp: sp.longitude)
    alt_p = per_plant(lambda sp: sp.effective_altitude_m)
    lat, lon, alt = lat_p[codes], lon_p[codes], alt_p[codes]
    pressure = pvlib.atmosphere.alt2pres(alt)
    sp = pvlib.solarposition.get_solarposition(ts, lat, lon, altitude=alt, pressure=pressure,
                                               temperature=SOLAR_POSITION_AIR_C)
    app_zen = sp["apparent_zenith"].to_numpy()
    linke = np.empty(len(ts))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_plants + 1))
    for k in range(n_plants):
        idx = order[bounds[k]:bounds[k + 1]]
        if len(idx):
            linke[idx] = _linke(ts[idx], lat_p[k], lon_p[k])
    dni_extra = pvlib.irradiance.get_extra_radiation(ts).to_numpy()
    am_rel = pvlib.atmosphere.get_relative_airmass(app_zen, "kastenyoung1989")
    am_abs = pvlib.atmosphere.get_absolute_airmass(am_rel, pressure)
    with np.errstate(divide="ignore", invalid="ignore"):  # night rows (pvlib's Series path hides the same)
        cs = pvlib.clearsky.ineichen(app_zen, am_abs, linke, altitude=alt, dni_extra=dni_extra)
    tilt = per_plant(lambda sp_: sp_.effective_tilt_deg)[codes]
    azim = per_plant(lambda sp_: sp_.effective_azimuth_deg)[codes]
    albedo = per_plant(lambda sp_: sp_.albedo)[codes]
    poa = pvlib.irradiance.get_total_irradiance(tilt, azim, app_zen, sp["azimuth"].to_numpy(),
                                                np.asarray(cs["dni"]), np.asarray(cs["ghi"]),
                                                np.asarray(cs["dhi"]), albedo=albedo, model="isotropic")
    g = np.clip(np.nan_to_num(np.asarray(poa["poa_global"], dtype=float), nan=0.0), 0.0, None)
    return g, linke
