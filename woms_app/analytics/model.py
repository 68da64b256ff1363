"""The reference method's constants (pr-methodology.md §7), the plant description it needs (:class:`PlantSpec`) and
its shared arithmetic (rounding to significant digits, ratios that are NaN on a zero denominator)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
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
FALLBACK_AMBIENT_C = 20.0  #: assumed ambient air temperature of a plant-day without any temperature [°C]
SOLAR_POSITION_AIR_C = 12.0  #: air temperature of the refraction correction (pvlib's default) [°C]
WINDOW_DAYS = 7  #: length of the work-order "before" and "after" windows [days]

METHOD_MAX_LEN = 200  #: width of ``work_order_plant_eff.method``


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
    - ``altitude_m``: 0 m, said in the method string (``alt 0m(unknown)``). The sync stores the vendor's
      altitude when it gives one; a map lookup (pvlib's) can be 400 m off, which moves PR by ~3.5 %.

    Only plants *without* a sensor need coordinates (clear-sky POA); tilt, azimuth and altitude are
    unused for sensor plants. The method constants default to the values of pr-methodology.md §7.

    Temperatures come as two reading columns (§7.4): ``module_temperature_c`` (back-of-module sensor)
    and ``ambient_temperature_c`` (air). An inverter heatsink temperature is neither and must not be fed
    in (§2.3). ``fallback_ambient_c`` is the typical ambient assumed for a day with neither.
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
    fallback_ambient_c: float = FALLBACK_AMBIENT_C

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError on an unknown name
        if self.latitude is not None and not -90.0 <= self.latitude <= 90.0:
            raise ValueError(f"latitude out of range: {self.latitude}")
        if self.longitude is not None and not -180.0 <= self.longitude <= 180.0:
            raise ValueError(f"longitude out of range: {self.longitude}")

    @classmethod
    def from_record(cls, record: Any, **overrides: Any) -> PlantSpec:
        """Build from any object with the attributes of the ``plants`` table (duck-typed, no DB)."""
        values: dict[str, Any] = {
            "capacity_kw": float(record.capacity_kw),
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

    @property
    def effective_altitude_m(self) -> float:
        """Altitude used for the clear sky [m]: the stored one, else 0 m (never a map lookup)."""
        return float(self.altitude_m) if self.altitude_m is not None else 0.0

    def location(self) -> pvlib.location.Location:
        """pvlib Location with the altitude always passed explicitly (§5.1; 0 m when unknown)."""
        latitude, longitude = self.latitude, self.longitude
        if latitude is None or longitude is None:  # = not self.has_coordinates, narrowed for the type checker
            raise ValueError("plant has no coordinates: clear-sky POA needs latitude and longitude")
        return pvlib.location.Location(
            float(latitude), float(longitude), tz=self.timezone, altitude=self.effective_altitude_m
        )

    def refusal(self) -> str | None:
        """Why no KPI can be computed for this plant (``None``: they can)."""
        if not self.capacity_kw or self.capacity_kw <= 0:
            return f"capacity_kw must be > 0 (got {self.capacity_kw!r})"
        if not self.has_irradiance_sensor and not self.has_coordinates:
            return "plant has no irradiance sensor and no coordinates: no irradiance reference"
        return None

    @property
    def irradiance_source(self) -> str:
        """``"sensor"`` (measured POA) or ``"clearsky"`` (clear-sky-referenced, biased low)."""
        return "sensor" if self.has_irradiance_sensor else "clearsky"

    def method_description(self, temperature_source: str = "module") -> str:
        """Short human-readable statement of the method and its inputs (≤ 200 characters).

        ``temperature_source``: ``"module"`` (module sensor), ``"ambient"`` (SAPM from measured air) or
        ``"fallback"`` (SAPM from the assumed ``fallback_ambient_c``)."""
        common = f"g={self.gamma_pdc:g}/C loss={self.system_loss:g} pvwatts; trapz {INTERVAL_S}s no-bridge; G50"
        if temperature_source == "module":
            temp = f"Tc=Tmod+{self.sapm_delta_t:g}G/1000"
        elif temperature_source == "ambient":
            temp = f"Tc=SAPM(Tamb, wind {self.wind_speed_m_s:g}m/s)"
        elif temperature_source == "fallback":
            temp = f"Tc=SAPM(Tamb {self.fallback_ambient_c:g}C assumed)"  # the day has no temperature at all
        else:
            raise ValueError(f"unknown temperature source {temperature_source!r}")
        if self.has_irradiance_sensor:
            text = f"sensor POA; {temp}; {common}"
        else:
            tilt = f"{self.effective_tilt_deg:g}" + ("" if self.tilt_deg is not None else "(def)")
            az = f"{self.effective_azimuth_deg:g}" + ("" if self.azimuth_deg is not None else "(def)")
            alt = f"{self.effective_altitude_m:.0f}m" + ("" if self.altitude_m is not None else "(unknown)")
            text = (f"clear-sky POA (Ineichen pvlib-TL, isotropic, albedo {self.albedo:g}; "
                    f"tilt {tilt} az {az} alt {alt}); {temp}; {common}")
        return text[:METHOD_MAX_LEN]


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


def ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def plant_arrays(codes: np.ndarray, specs: list[PlantSpec], attr: str) -> np.ndarray:
    """The attribute ``attr`` of each sample's plant (``codes``: indices into ``specs``)."""
    values: np.ndarray = np.asarray([float(getattr(sp, attr)) for sp in specs], dtype=float)[codes]
    return values
