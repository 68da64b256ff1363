"""Performance analytics: PR, temperature-corrected PR and efficiency per plant-day and per window.

This module implements the reference method of ``pr-methodology.md`` §7 (the shared methodology
reference next to the repository, ``../shared/pr-methodology.md``; §8 is its hand-checkable case, which
``tests/services/test_efficiency.py`` reproduces). In short, for one plant and one *plant-local* day:

1. Readings (``ts`` UTC instants, AC power, temperature, irradiance) are sorted and de-duplicated;
   negative power and negative measured irradiance are clamped to 0; missing values stay missing.
2. The plane-of-array irradiance G is the plant's own sensor (``has_irradiance_sensor``) or else the
   pvlib clear-sky POA (Ineichen with pvlib's Linke turbidity table, isotropic transposition,
   albedo 0.25) computed at each reading's timestamp.
3. The cell temperature is ``sapm_cell_from_module(T_mod, G, ΔT=3)`` with a sensor, else
   ``sapm_cell(G, T_amb, wind=1 m/s, a=-3.56, b=-0.075, ΔT=3)`` (SAPM open rack glass/polymer).
4. An interval between two consecutive samples of the same local day is *valid* only when it lasts
   exactly 300 s and P, G and T are finite at both ends. Gaps are never bridged: an invalid interval
   leaves every numerator *and* every denominator. Quantities are integrated with the trapezoid rule
   over valid intervals only (a complete 5-minute day has 288 samples and 287 intervals).
5. KPIs: E_AC, Yf = E_AC/P0, H_POA, Yr, PR = Yf/Yr, PR_G50 (valid intervals whose mean G ≥ 50 W/m²),
   PR_tc (reference yield scaled by 1 + γ(T_cell − 25 °C)), expected energy from
   ``pvwatts_dc(G, T_cell, P0, γ) · (1 − 0.14)`` and efficiency % = 100 · E_AC / E_exp (the energy
   performance index), availability, DC capacity factor, coverage % and an ``incomplete`` flag.

All physics (solar position, clear sky, transposition, cell temperature, PVWatts) comes from pvlib.
Windows of several days (work-order snapshots "before / during / after") are aggregated by summing
numerators and denominators of the daily rows, never by averaging daily ratios.

Clear-sky-referenced figures (plants without a sensor) are biased low by the clear-sky index and
must be labelled as such in the UI (§5); the ``method`` string of every row says which reference
was used and with which inputs.

This module is pure: pandas/numpy/pvlib only, no database, no web framework, no HTTP.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pvlib

# --------------------------------------------------------------------------------------------------
# Constants of the reference method (pr-methodology.md §7)
# --------------------------------------------------------------------------------------------------
G_STC_W_M2 = 1000.0  #: reference irradiance G_STC [W/m²]
T_REF_C = 25.0  #: reference cell temperature [°C]
GAMMA_PDC = -0.004  #: power temperature coefficient γ [1/°C]
SYSTEM_LOSS = 0.14  #: flat PVWatts system loss [fraction]
INTERVAL_S = 300  #: the only interval length that counts as valid [s]
INTERVAL_H = INTERVAL_S / 3600.0  #: Δ in hours (1/12 h)
G_MIN_W_M2 = 50.0  #: irradiance threshold of PR_G50 and of availability [W/m²]
WIND_SPEED_M_S = 1.0  #: assumed wind speed for the no-sensor cell temperature [m/s]
SAPM_A = -3.56  #: SAPM open rack glass/polymer a [-]
SAPM_B = -0.075  #: SAPM open rack glass/polymer b [s/m]
SAPM_DELTA_T = 3.0  #: SAPM open rack glass/polymer ΔT [°C]
ALBEDO = 0.25  #: ground albedo for the isotropic transposition [-]
COVERAGE_LIMIT_PCT = 90.0  #: below this coverage a day / window is flagged ``incomplete`` [%]
SIGNIFICANT_DIGITS = 4  #: ratios are rounded to this many significant digits (§7.8)
DEFAULT_MAX_TILT_DEG = 35.0  #: cap of the default tilt (= |latitude|) [°]
WINDOW_DAYS = 7  #: length of the work-order "before" and "after" windows [days]

METHOD_MAX_LEN = 200  #: width of ``work_order_plant_eff.method``

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


# --------------------------------------------------------------------------------------------------
# Plant description
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlantSpec:
    """What the method needs to know about one plant.

    Units: ``capacity_kw`` kWp DC (P0 at STC); ``latitude``/``longitude`` degrees (north/east
    positive); ``altitude_m`` metres; ``tilt_deg`` degrees from horizontal; ``azimuth_deg`` degrees
    clockwise from north (pvlib: N = 0, E = 90, S = 180, W = 270); ``timezone`` IANA name.

    Defaults when a value is missing (``None``):

    - ``tilt_deg``: ``min(|latitude|, 35°)`` (:data:`DEFAULT_MAX_TILT_DEG`);
    - ``azimuth_deg``: facing the equator, 180 in the northern hemisphere (latitude ≥ 0), 0 in the
      southern hemisphere;
    - ``altitude_m``: pvlib 0.16's bundled altitude map (``pvlib.location.lookup_altitude``), never 0.

    Only plants *without* a sensor need coordinates (clear-sky POA); tilt, azimuth and altitude are
    unused for sensor plants. The method constants default to the values of pr-methodology.md §7.

    Interpretation of ``readings.temperature_c`` (§7.4): a back-of-module temperature when the plant
    has an irradiance sensor, an ambient air temperature otherwise. An inverter heatsink temperature
    is neither and must not be fed in (§2.3).
    """

    capacity_kw: float
    timezone: str = "UTC"
    latitude: float | None = None
    longitude: float | None = None
    altitude_m: float | None = None
    tilt_deg: float | None = None
    azimuth_deg: float | None = None
    has_irradiance_sensor: bool = False
    gamma_pdc: float = GAMMA_PDC
    system_loss: float = SYSTEM_LOSS
    albedo: float = ALBEDO
    wind_speed_m_s: float = WIND_SPEED_M_S
    sapm_a: float = SAPM_A
    sapm_b: float = SAPM_B
    sapm_delta_t: float = SAPM_DELTA_T

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError on an unknown name
        if self.latitude is not None and not -90.0 <= self.latitude <= 90.0:
            raise ValueError(f"latitude out of range: {self.latitude}")
        if self.longitude is not None and not -180.0 <= self.longitude <= 180.0:
            raise ValueError(f"longitude out of range: {self.longitude}")

    @classmethod
    def from_record(cls, record: Any, **overrides: Any) -> "PlantSpec":
        """Build from any object with the attributes of the ``plants`` table (duck-typed, no DB)."""
        values = {
            "capacity_kw": float(getattr(record, "capacity_kw")),
            "timezone": getattr(record, "timezone", None) or "UTC",
            "latitude": getattr(record, "latitude", None),
            "longitude": getattr(record, "longitude", None),
            "altitude_m": getattr(record, "altitude_m", None),
            "tilt_deg": getattr(record, "tilt_deg", None),
            "azimuth_deg": getattr(record, "azimuth_deg", None),
            "has_irradiance_sensor": bool(getattr(record, "has_irradiance_sensor", False)),
        }
        values.update(overrides)
        return cls(**values)

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def effective_tilt_deg(self) -> float:
        """Tilt used for the transposition [°]: the stored one, else ``min(|latitude|, 35)``."""
        if self.tilt_deg is not None:
            return float(self.tilt_deg)
        if self.latitude is None:
            raise ValueError("tilt_deg is missing and cannot be defaulted without a latitude")
        return min(abs(float(self.latitude)), DEFAULT_MAX_TILT_DEG)

    @property
    def effective_azimuth_deg(self) -> float:
        """Azimuth used for the transposition [° from north]: stored, else facing the equator."""
        if self.azimuth_deg is not None:
            return float(self.azimuth_deg)
        if self.latitude is None:
            raise ValueError("azimuth_deg is missing and cannot be defaulted without a latitude")
        return 180.0 if self.latitude >= 0 else 0.0

    def location(self) -> pvlib.location.Location:
        """pvlib Location with the altitude passed explicitly when known (§5.1)."""
        if not self.has_coordinates:
            raise ValueError("plant has no coordinates: clear-sky POA needs latitude and longitude")
        return pvlib.location.Location(
            float(self.latitude), float(self.longitude), tz=self.timezone, altitude=self.altitude_m
        )

    @property
    def irradiance_source(self) -> str:
        """``"sensor"`` (measured POA) or ``"clearsky"`` (clear-sky-referenced, biased low)."""
        return "sensor" if self.has_irradiance_sensor else "clearsky"

    def method_description(self, altitude_m: float | None = None) -> str:
        """Short human-readable statement of the method and its inputs (≤ 200 characters)."""
        common = (
            f"g={self.gamma_pdc:g}/C loss={self.system_loss:g} pvwatts_dc; "
            f"trapz {INTERVAL_S}s no-bridge; G50"
        )
        if self.has_irradiance_sensor:
            text = f"sensor POA; Tc=Tmod+{self.sapm_delta_t:g}G/1000; {common}"
        else:
            tilt = f"{self.effective_tilt_deg:g}" + ("" if self.tilt_deg is not None else "(def)")
            az = f"{self.effective_azimuth_deg:g}" + ("" if self.azimuth_deg is not None else "(def)")
            alt_value = self.altitude_m if self.altitude_m is not None else altitude_m
            alt = "?" if alt_value is None else f"{alt_value:.0f}"
            if self.altitude_m is None:
                alt += "(lookup)"
            text = (
                f"clear-sky POA (Ineichen pvlib-TL, isotropic, albedo {self.albedo:g}; "
                f"tilt {tilt} az {az} alt {alt}m); Tc=SAPM(Tamb, wind {self.wind_speed_m_s:g}m/s); "
                f"{common}"
            )
        return text[:METHOD_MAX_LEN]


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------
def round_sig(value: float | None, digits: int = SIGNIFICANT_DIGITS) -> float | None:
    """Round to ``digits`` significant digits; ``None``/NaN/inf → ``None`` (§7.8)."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    if value == 0.0:
        return 0.0
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def _round_series(s: pd.Series) -> pd.Series:
    def one(v: Any) -> float:
        r = round_sig(v)
        return math.nan if r is None else r

    return s.map(one).astype("float64")


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def local_day_bounds(day: date, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC instants ``[start, end)`` of the plant-local calendar ``day`` in IANA zone ``tz``.

    A local midnight that does not exist (DST jump at midnight) is shifted forward to the first
    existing instant; an ambiguous one takes its first (DST) occurrence. Day length is 23 h / 25 h
    on DST change days.
    """

    def start_of(d: date) -> pd.Timestamp:
        ts = pd.Timestamp(d.year, d.month, d.day).tz_localize(
            tz, ambiguous=True, nonexistent="shift_forward"
        )
        return ts.tz_convert("UTC")

    return start_of(day), start_of(day + timedelta(days=1))


def expected_intervals(day: date, tz: str) -> int:
    """Number of 300 s intervals a complete local day holds: samples − 1 (287 on a 24 h day)."""
    start, end = local_day_bounds(day, tz)
    return int(round((end - start).total_seconds() / INTERVAL_S)) - 1


def _empty_daily() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in DAILY_COLUMNS})


def _clearsky_poa(times: pd.DatetimeIndex, plant: PlantSpec) -> tuple[pd.Series, pd.Series, float]:
    """Clear-sky POA [W/m²] and Linke turbidity [-] at ``times`` (§5.3 / §7.3), plus the altitude used."""
    loc = plant.location()
    solpos = loc.get_solarposition(times)
    linke = pvlib.clearsky.lookup_linke_turbidity(times, loc.latitude, loc.longitude)
    cs = loc.get_clearsky(times, model="ineichen", solar_position=solpos, linke_turbidity=linke)
    poa = pvlib.irradiance.get_total_irradiance(
        plant.effective_tilt_deg,
        plant.effective_azimuth_deg,
        solpos["apparent_zenith"],
        solpos["azimuth"],
        cs["dni"],
        cs["ghi"],
        cs["dhi"],
        albedo=plant.albedo,
        model="isotropic",
    )
    g = poa["poa_global"].fillna(0.0).clip(lower=0.0)
    return g, pd.Series(np.asarray(linke, dtype=float), index=times), float(loc.altitude)


def _prepare(readings: pd.DataFrame, plant: PlantSpec) -> tuple[pd.DataFrame, float | None]:
    """Steps 1–4 of §7: one row per sample with ``ts`` (UTC), ``day``, ``P``, ``G``, ``T`` (cell)."""
    if "ts" not in readings.columns:
        raise ValueError("readings need a 'ts' column (UTC instants)")
    df = pd.DataFrame(
        {
            "ts": pd.to_datetime(readings["ts"], utc=True),
            "P": pd.to_numeric(readings.get("generation_power_kw"), errors="coerce")
            if "generation_power_kw" in readings.columns
            else np.nan,
            "T_in": pd.to_numeric(readings["temperature_c"], errors="coerce")
            if "temperature_c" in readings.columns
            else np.nan,
            "G_meas": pd.to_numeric(readings["irradiance_w_m2"], errors="coerce")
            if "irradiance_w_m2" in readings.columns
            else np.nan,
        }
    )
    df = df.dropna(subset=["ts"]).sort_values("ts", kind="stable")
    df = df.drop_duplicates(subset="ts", keep="first").reset_index(drop=True)
    df = df.astype({"P": "float64", "T_in": "float64", "G_meas": "float64"})

    # §7.2 clamps; NaN stays NaN.
    df["P"] = df["P"].clip(lower=0.0)
    altitude_used: float | None = plant.altitude_m
    df["linke"] = np.nan
    times = pd.DatetimeIndex(df["ts"])
    if plant.has_irradiance_sensor:
        df["G"] = df["G_meas"].clip(lower=0.0)
        df["T"] = pvlib.temperature.sapm_cell_from_module(
            df["T_in"], df["G"], plant.sapm_delta_t
        )
    else:
        if len(df):
            g, linke, altitude_used = _clearsky_poa(times, plant)
            df["G"] = g.to_numpy()
            df["linke"] = linke.to_numpy()
        else:
            df["G"] = np.nan
        df["T"] = pvlib.temperature.sapm_cell(
            df["G"], df["T_in"], plant.wind_speed_m_s, plant.sapm_a, plant.sapm_b, plant.sapm_delta_t
        )
    df["day"] = df["ts"].dt.tz_convert(plant.timezone).dt.date
    return df, altitude_used


# --------------------------------------------------------------------------------------------------
# Daily KPIs
# --------------------------------------------------------------------------------------------------
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
    - ``temperature_c``: module temperature [°C] for sensor plants, ambient air [°C] otherwise; may be NaN;
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
    method                       str        method and inputs (≤ 200 characters)
    ===========================  =========  ==========================================================

    Ratios are NaN when their denominator is 0 (e.g. a day without valid lit intervals). With
    ``round_ratios`` the ratio/percentage/yield columns are rounded to 4 significant digits (§7.8);
    energies, irradiation and counts are kept at full precision because windows re-aggregate them.
    A day below the coverage limit keeps its KPIs (numerator and denominator share one mask, so PR
    is not biased by the gap) but is flagged ``incomplete``; its energy is only that of valid intervals.
    """
    if not plant.capacity_kw or plant.capacity_kw <= 0:
        raise ValueError(f"capacity_kw must be > 0 (got {plant.capacity_kw!r})")
    if not plant.has_irradiance_sensor and not plant.has_coordinates:
        raise ValueError("plant has no irradiance sensor and no coordinates: no irradiance reference")

    df, altitude_used = _prepare(readings, plant)
    if df.empty:
        return _empty_daily()

    p0 = float(plant.capacity_kw)
    gamma = plant.gamma_pdc
    derate = 1.0 - plant.system_loss

    # Per-sample derived series (instants).
    df["G_tc"] = df["G"] * (1.0 + gamma * (df["T"] - T_REF_C))
    df["P_exp"] = pvlib.pvsystem.pvwatts_dc(df["G"], df["T"], p0, gamma, T_REF_C) * derate
    finite = np.isfinite(df["P"]) & np.isfinite(df["G"]) & np.isfinite(df["T"])

    # §7.5 intervals: consecutive samples of the same local day, exactly 300 s apart, finite ends.
    nxt = df.shift(-1)
    dt_s = (nxt["ts"] - df["ts"]).dt.total_seconds()
    valid = (
        (nxt["day"] == df["day"])
        & (dt_s == INTERVAL_S)
        & finite
        & finite.shift(-1, fill_value=False)
    ).to_numpy(dtype=bool)

    def trap(col: str) -> np.ndarray:
        mean = ((df[col] + nxt[col]) / 2.0).to_numpy(dtype=float)
        return np.where(valid, mean * INTERVAL_H, 0.0)

    g_mean = ((df["G"] + nxt["G"]) / 2.0).to_numpy(dtype=float)
    lit_interval = valid & (np.nan_to_num(g_mean, nan=-1.0) >= G_MIN_W_M2)
    e = trap("P")  # kWh
    h = trap("G") / 1000.0  # kWh/m²
    h_tc = trap("G_tc") / 1000.0  # kWh/m² (temperature-scaled)
    e_exp = trap("P_exp")  # kWh

    g_arr = df["G"].to_numpy(dtype=float)
    p_arr = df["P"].to_numpy(dtype=float)
    lit_sample = np.isfinite(g_arr) & (np.nan_to_num(g_arr, nan=-1.0) >= G_MIN_W_M2) & np.isfinite(p_arr)
    up_sample = lit_sample & (np.nan_to_num(p_arr, nan=0.0) > 0.0)

    parts = pd.DataFrame(
        {
            "day": df["day"],
            "samples": 1,
            "intervals_valid": valid.astype(int),
            "energy_kwh": e,
            "irradiation_kwh_m2": h,
            "energy_g50_kwh": np.where(lit_interval, e, 0.0),
            "irradiation_g50_kwh_m2": np.where(lit_interval, h, 0.0),
            "irradiation_tc_kwh_m2": h_tc,
            "expected_energy_kwh": e_exp,
            "availability_samples_lit": lit_sample.astype(int),
            "availability_samples_up": up_sample.astype(int),
            "peak_power_kw": df["P"],
            "linke_turbidity": df["linke"],
        }
    )
    agg = parts.groupby("day", sort=True).agg(
        samples=("samples", "sum"),
        intervals_valid=("intervals_valid", "sum"),
        energy_kwh=("energy_kwh", "sum"),
        irradiation_kwh_m2=("irradiation_kwh_m2", "sum"),
        energy_g50_kwh=("energy_g50_kwh", "sum"),
        irradiation_g50_kwh_m2=("irradiation_g50_kwh_m2", "sum"),
        irradiation_tc_kwh_m2=("irradiation_tc_kwh_m2", "sum"),
        expected_energy_kwh=("expected_energy_kwh", "sum"),
        availability_samples_lit=("availability_samples_lit", "sum"),
        availability_samples_up=("availability_samples_up", "sum"),
        peak_power_kw=("peak_power_kw", "max"),
        linke_turbidity=("linke_turbidity", "mean"),
    )

    method = plant.method_description(altitude_used)
    rows: list[dict[str, Any]] = []
    for day, r in agg.iterrows():
        start, end = local_day_bounds(day, plant.timezone)
        day_hours = (end - start).total_seconds() / 3600.0
        n_expected = int(round((end - start).total_seconds() / INTERVAL_S)) - 1
        n_valid = int(r["intervals_valid"])
        coverage = 100.0 * n_valid / n_expected if n_expected > 0 else math.nan
        energy = float(r["energy_kwh"])
        h_poa = float(r["irradiation_kwh_m2"])
        h_tc_sum = float(r["irradiation_tc_kwh_m2"])
        e_expected = float(r["expected_energy_kwh"])
        ref = p0 * h_poa / (G_STC_W_M2 / 1000.0)
        ref_g50 = p0 * float(r["irradiation_g50_kwh_m2"]) / (G_STC_W_M2 / 1000.0)
        ref_tc = p0 * h_tc_sum / (G_STC_W_M2 / 1000.0)
        lit = int(r["availability_samples_lit"])
        up = int(r["availability_samples_up"])
        rows.append(
            {
                "day": day,
                "timezone": plant.timezone,
                "day_start_utc": start,
                "day_end_utc": end,
                "day_hours": day_hours,
                "capacity_kw": p0,
                "samples": int(r["samples"]),
                "intervals_valid": n_valid,
                "intervals_expected": n_expected,
                "coverage_pct": coverage,
                "incomplete": bool(not coverage >= coverage_limit_pct),
                "energy_kwh": energy,
                "yf_kwh_kwp": energy / p0,
                "irradiation_kwh_m2": h_poa,
                "yr_h": h_poa / (G_STC_W_M2 / 1000.0),
                "reference_energy_kwh": ref,
                "pr": _ratio(energy, ref),
                "energy_g50_kwh": float(r["energy_g50_kwh"]),
                "reference_energy_g50_kwh": ref_g50,
                "pr_g50": _ratio(float(r["energy_g50_kwh"]), ref_g50),
                "yr_tc_h": h_tc_sum / (G_STC_W_M2 / 1000.0),
                "reference_energy_tc_kwh": ref_tc,
                "pr_temp_corrected": _ratio(energy, ref_tc),
                "expected_energy_kwh": e_expected,
                "efficiency_pct": 100.0 * _ratio(energy, e_expected),
                "availability_samples_lit": lit,
                "availability_samples_up": up,
                "availability_pct": 100.0 * up / lit if lit > 0 else math.nan,
                "cf_dc_pct": 100.0 * energy / (p0 * day_hours),
                "peak_power_kw": float(r["peak_power_kw"]) if pd.notna(r["peak_power_kw"]) else math.nan,
                "linke_turbidity": float(r["linke_turbidity"]),
                "irradiance_source": plant.irradiance_source,
                "method": method,
            }
        )
    out = pd.DataFrame(rows, columns=list(DAILY_COLUMNS))
    if round_ratios:
        for col in _ROUNDED_COLUMNS:
            out[col] = _round_series(out[col])
    return out


# --------------------------------------------------------------------------------------------------
# Windows (work-order snapshots)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KpiWindow:
    """A run of whole plant-local days ``first_day … last_day`` (inclusive).

    ``window_start``/``window_end`` are the UTC instants ``[start, end)`` of those days.
    ``is_final`` is False while the nominal window has not fully elapsed yet (the snapshot will change).
    """

    period: str
    first_day: date
    last_day: date
    timezone: str
    is_final: bool = True
    window_start: datetime = field(init=False)
    window_end: datetime = field(init=False)

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError(f"empty window: {self.first_day} … {self.last_day}")
        start, _ = local_day_bounds(self.first_day, self.timezone)
        _, end = local_day_bounds(self.last_day, self.timezone)
        object.__setattr__(self, "window_start", start.to_pydatetime())
        object.__setattr__(self, "window_end", end.to_pydatetime())

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def day_list(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(self.days)]


def _local_date(instant: datetime, tz: str) -> date:
    if instant.tzinfo is None:
        raise ValueError(f"naive datetime {instant!r}: pass timezone-aware instants")
    return instant.astimezone(ZoneInfo(tz)).date()


def work_order_windows(
    activated_at: datetime,
    closed_at: datetime | None,
    now: datetime,
    timezone: str,
    *,
    window_days: int = WINDOW_DAYS,
) -> list[KpiWindow]:
    """Before / during / after windows of one plant of a work order, in whole plant-local days.

    With A = local day of ``activated_at``, C = local day of ``closed_at``, Y = the last local day
    that has fully elapsed at ``now`` (yesterday):

    - ``before``: A−7 … A−1 (always final);
    - ``during``: A … C (closed) or A … Y (open); the activation and closing days count as "during";
    - ``after`` (closed work orders only): C+1 … C+7.

    Only fully elapsed days are included: every window is cut at Y, and ``is_final`` tells whether
    the nominal window has completely elapsed (``during`` of an open work order is never final; a
    partial ``after`` window is returned as soon as one day after closing has elapsed, with
    ``is_final=False``, so the caller can refresh the snapshot until it is final). Windows with no
    elapsed day yet are omitted. All datetimes must be timezone-aware.
    """
    act = _local_date(activated_at, timezone)
    today = _local_date(now, timezone)
    last_elapsed = today - timedelta(days=1)
    if activated_at > now:
        raise ValueError("activated_at is in the future")
    closed = None
    if closed_at is not None:
        if closed_at < activated_at:
            raise ValueError("closed_at is before activated_at")
        closed = _local_date(closed_at, timezone)

    nominal: list[tuple[str, date, date]] = [("before", act - timedelta(days=window_days), act - timedelta(days=1))]
    if closed is None:
        nominal.append(("during", act, today))  # open: the nominal end keeps moving, never final
    else:
        nominal.append(("during", act, closed))
        nominal.append(("after", closed + timedelta(days=1), closed + timedelta(days=window_days)))

    windows: list[KpiWindow] = []
    for period, first, last in nominal:
        cut = min(last, last_elapsed)
        if cut < first:
            continue
        final = closed is not None or period == "before"
        windows.append(KpiWindow(period, first, cut, timezone, is_final=final and cut == last))
    return windows


@dataclass(frozen=True)
class WindowKpis:
    """Aggregated KPIs of one window; ratios are sums of numerators over sums of denominators.

    Units: energies kWh, irradiation kWh/m², percentages %, PRs dimensionless. ``None`` when undefined.
    """

    period: str
    window_start: datetime
    window_end: datetime
    first_day: date
    last_day: date
    days: int
    days_with_data: int
    days_incomplete: int
    is_final: bool
    energy_kwh: float
    expected_energy_kwh: float
    irradiation_kwh_m2: float
    reference_energy_kwh: float
    pr: float | None
    pr_g50: float | None
    pr_temp_corrected: float | None
    efficiency_pct: float | None
    availability_pct: float | None
    cf_dc_pct: float | None
    intervals_valid: int
    intervals_expected: int
    coverage_pct: float | None
    incomplete: bool
    method: str

    def as_snapshot(self) -> dict[str, Any]:
        """The columns of ``work_order_plant_eff`` (besides ids and computed_at)."""
        return {
            "period": self.period,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "efficiency_pct": self.efficiency_pct,
            "pr": self.pr,
            "pr_temp_corrected": self.pr_temp_corrected,
            "coverage_pct": self.coverage_pct,
            "energy_kwh": self.energy_kwh,
            "expected_energy_kwh": self.expected_energy_kwh,
            "days": self.days,
            "method": self.method,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _day_key(values: pd.Series) -> pd.Series:
    """Normalise a ``day`` column (date, datetime, Timestamp or ISO string) to ``datetime.date``."""
    def to_date(v: Any) -> date:
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        return pd.Timestamp(v).date()

    return values.map(to_date)


def compute_window_kpis(
    daily: pd.DataFrame,
    window: KpiWindow,
    *,
    coverage_limit_pct: float = COVERAGE_LIMIT_PCT,
) -> WindowKpis:
    """Aggregate the daily rows of one plant (output of :func:`compute_daily_kpis`, or the same
    columns read back from storage) over the days of ``window``.

    Sums E_AC, the reference energies P0·Yr (plain, G ≥ 50, temperature-corrected), expected energy,
    availability sample counts and valid intervals over the window's days, then divides — daily ratios
    are never averaged, so the result is energy/irradiation-weighted. Coverage counts the expected
    intervals of *every* day of the window (a day without any row counts as 0 % covered, DST days
    count 275/299 intervals). Days below the coverage limit still contribute their valid intervals.
    Ratios are rounded to 4 significant digits.
    """
    days = window.day_list()
    n_expected = sum(expected_intervals(d, window.timezone) for d in days)
    hours = sum(
        (lambda b: (b[1] - b[0]).total_seconds() / 3600.0)(local_day_bounds(d, window.timezone)) for d in days
    )
    if daily is not None and len(daily):
        if "timezone" in daily.columns:
            zones = set(daily["timezone"].dropna().astype(str))
            if zones - {window.timezone}:
                raise ValueError(f"daily rows are in {sorted(zones)}, window is in {window.timezone}")
        keys = _day_key(daily["day"])
        rows = daily.loc[(keys >= window.first_day) & (keys <= window.last_day)]
    else:
        rows = pd.DataFrame(columns=list(DAILY_COLUMNS))

    def total(col: str) -> float:
        return float(pd.to_numeric(rows[col], errors="coerce").fillna(0.0).sum()) if len(rows) else 0.0

    energy = total("energy_kwh")
    ref = total("reference_energy_kwh")
    ref_g50 = total("reference_energy_g50_kwh")
    ref_tc = total("reference_energy_tc_kwh")
    e_exp = total("expected_energy_kwh")
    lit = int(total("availability_samples_lit"))
    up = int(total("availability_samples_up"))
    n_valid = int(total("intervals_valid"))
    coverage = 100.0 * n_valid / n_expected if n_expected > 0 else math.nan
    p0 = float(pd.to_numeric(rows["capacity_kw"]).max()) if len(rows) else math.nan
    methods = [m for m in dict.fromkeys(rows["method"].astype(str)) if m] if len(rows) else []
    method = methods[0] if len(methods) == 1 else ("mixed: " + " | ".join(methods) if methods else "")

    with_data = rows.loc[pd.to_numeric(rows["samples"], errors="coerce").fillna(0) > 0] if len(rows) else rows
    return WindowKpis(
        period=window.period,
        window_start=window.window_start,
        window_end=window.window_end,
        first_day=window.first_day,
        last_day=window.last_day,
        days=window.days,
        days_with_data=int(len(with_data)),
        days_incomplete=int(window.days - len(with_data) + int(with_data["incomplete"].astype(bool).sum()))
        if len(with_data)
        else window.days,
        is_final=window.is_final,
        energy_kwh=energy,
        expected_energy_kwh=e_exp,
        irradiation_kwh_m2=total("irradiation_kwh_m2"),
        reference_energy_kwh=ref,
        pr=round_sig(_ratio(energy, ref)),
        pr_g50=round_sig(_ratio(total("energy_g50_kwh"), ref_g50)),
        pr_temp_corrected=round_sig(_ratio(energy, ref_tc)),
        efficiency_pct=round_sig(100.0 * _ratio(energy, e_exp)),
        availability_pct=round_sig(100.0 * up / lit) if lit > 0 else None,
        cf_dc_pct=round_sig(100.0 * energy / (p0 * hours)) if len(rows) and p0 > 0 else None,
        intervals_valid=n_valid,
        intervals_expected=n_expected,
        coverage_pct=round_sig(coverage),
        incomplete=bool(not coverage >= coverage_limit_pct),
        method=method[:METHOD_MAX_LEN],
    )


def compute_work_order_snapshots(
    daily: pd.DataFrame,
    activated_at: datetime,
    closed_at: datetime | None,
    now: datetime,
    timezone: str,
    *,
    window_days: int = WINDOW_DAYS,
) -> list[WindowKpis]:
    """Convenience: :func:`work_order_windows` then :func:`compute_window_kpis` for each window."""
    return [
        compute_window_kpis(daily, w)
        for w in work_order_windows(activated_at, closed_at, now, timezone, window_days=window_days)
    ]


__all__ = [
    "DAILY_COLUMNS",
    "KpiWindow",
    "PlantSpec",
    "WindowKpis",
    "compute_daily_kpis",
    "compute_window_kpis",
    "compute_work_order_snapshots",
    "expected_intervals",
    "local_day_bounds",
    "round_sig",
    "work_order_windows",
]
