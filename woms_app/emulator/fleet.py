"""The emulated fleet: accounts, plants and devices of both clouds, deterministic from the seed.

The demo fleet (two accounts, five plants each) is fixed; ``plants_per_account`` adds generated
plants (for benchmarks) whose parameters come from a seeded RNG, so a given (seed, size) always
yields the same fleet.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import timedelta, timezone, tzinfo
from functools import cached_property

import numpy as np

from woms_app.core.timezones import zone


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    sn: str
    kind: str  # "inverter" | "weather" | "logger"
    index: int  # inverter index within the plant (0-based); 0 for others
    device_id: int


@dataclass(frozen=True)
class PlantSpec:
    vendor: str  # "solarman" | "sungrow"
    account: str  # account name
    plant_id: int
    name: str
    latitude: float
    longitude: float
    altitude_m: float
    capacity_kw: float
    tilt_deg: float
    azimuth_deg: float
    tz_name: str  # IANA for SOLARMAN; "GMT+x" for Sungrow
    has_sensor: bool
    n_inverters: int
    address: str
    plant_type: str = "COMMERCIAL_ROOF"
    has_ambient_probe: bool = False  # no weather station, but the logger reports the air temperature

    @cached_property
    def tz(self) -> tzinfo:
        if self.tz_name.upper().startswith(("GMT", "UTC")):  # GMT+8, GMT-3, GMT+5:30, GMT+5.5, UTC+10
            s = self.tz_name[3:] or "+0"
            sign = -1 if s.startswith("-") else 1
            h, _, m = s.lstrip("+-").partition(":")
            hours = float(h) if "." in h else int(h)
            return timezone(sign * timedelta(hours=hours, minutes=int(m or 0)))
        return zone(self.tz_name)

    @cached_property
    def devices(self) -> tuple[DeviceSpec, ...]:
        base = self.plant_id * 10
        prefix = "SM" if self.vendor == "solarman" else "SG"
        out = [DeviceSpec(f"{prefix}I{self.plant_id}{i + 1:02d}", "inverter", i, base + i + 1) for i in range(self.n_inverters)]
        out.append(DeviceSpec(f"{prefix}L{self.plant_id}", "logger", 0, base + 8))
        if self.has_sensor:
            out.append(DeviceSpec(f"{prefix}W{self.plant_id}", "weather", 0, base + 9))
        return tuple(out)

    @property
    def inverters(self) -> tuple[DeviceSpec, ...]:
        return tuple(d for d in self.devices if d.kind == "inverter")

    def inverter_share(self, index: int) -> float:
        return 1.0 / self.n_inverters


@dataclass(frozen=True)
class AccountSpec:
    vendor: str
    name: str  # stable, non-secret identity used in stats
    credentials: dict = field(hash=False, compare=False)
    org_name: str = ""
    display_name: str = ""


# ---------------------------------------------------------------- demo fleet
SOLARMAN_DEMO_ACCOUNT = AccountSpec(
    vendor="solarman",
    name="sunrise",
    org_name="Sunrise Energy",
    display_name="Sunrise SOLARMAN",
    credentials={
        "app_id": "202411080000001",
        "app_secret": "9e1f0c4b7a2d4e8f9a0b1c2d3e4f5a6b",
        "account": "ops@sunrise.demo.woms",
        "password": "sunrise-solarman-demo",
    },
)
SUNGROW_DEMO_ACCOUNT = AccountSpec(
    vendor="sungrow",
    name="helios",
    org_name="Helios Power",
    display_name="Helios iSolarCloud",
    credentials={
        "appkey": "A1B2C3D4E5F60718293A4B5C6D7E8F90",
        "access_key": "q7w1e9r3t5y2u8i4o6p0a1s2d3f4g5h6",
        "username": "ops@helios.demo.woms",
        "password": "helios-isolarcloud-demo",
    },
)

# (name, lat, lon, alt, kWp, tilt, azimuth, tz, sensor, inverters, address, type)
_SOLARMAN_DEMO = [
    ("Warehouse Rooftop Utrecht", 52.0907, 5.1214, 5, 49.95, 12, 180, "Europe/Amsterdam", True, 1, "Kanaalweg 12, Utrecht, NL", "COMMERCIAL_ROOF"),
    ("Sevilla Solar Farm", 37.3891, -5.9845, 12, 850.0, 25, 180, "Europe/Madrid", True, 3, "Dos Hermanas, Sevilla, ES", "GROUND"),
    ("Cape Town Winery Roof", -33.9249, 18.4241, 40, 120.0, 28, 0, "Africa/Johannesburg", False, 2, "Stellenbosch, ZA", "INDUSTRIAL_ROOF"),
    ("Jaipur Textile Mill", 26.9124, 75.7873, 430, 400.0, 20, 180, "Asia/Kolkata", True, 3, "Sitapura, Jaipur, IN", "INDUSTRIAL_ROOF"),
    ("Munich Family Home", 48.1351, 11.5820, 520, 9.8, 35, 200, "Europe/Berlin", False, 1, "Schwabing, München, DE", "HOUSE_ROOF"),
]
_SUNGROW_DEMO = [
    ("Greenhouse Westland", 51.9937, 4.2094, 0, 199.8, 15, 180, "GMT+1", True, 2, "Naaldwijk, Zuid-Holland, NL", "3"),
    ("Brisbane Logistics Park", -27.4698, 153.0251, 20, 350.0, 10, 0, "GMT+10", True, 2, "Eagle Farm, Brisbane, AU", "3"),
    ("Pune Auto Components", 18.5204, 73.8567, 560, 1200.0, 18, 180, "GMT+5.5", False, 3, "Chakan, Pune, IN", "1"),
    ("Phoenix Desert Array", 33.4484, -112.0740, 330, 2500.0, 25, 180, "GMT-7", True, 3, "Buckeye, Arizona, US", "1"),
    ("Kathmandu School Roof", 27.7172, 85.3240, 1400, 60.0, 20, 180, "GMT+5:45", False, 1, "Lalitpur, Kathmandu, NP", "4"),
]

# plants without an irradiance sensor whose logger has an ambient temperature probe (the "ambient only" kind)
_AMBIENT_PROBE = {"Kathmandu School Roof"}

# generated plants are spread over these regions (lat, lon, IANA, GMT string)
_REGIONS = [
    (52.0, 5.0, "Europe/Amsterdam", "GMT+1"), (40.4, -3.7, "Europe/Madrid", "GMT+1"),
    (-33.9, 18.4, "Africa/Johannesburg", "GMT+2"), (28.6, 77.2, "Asia/Kolkata", "GMT+5:30"),
    (-27.5, 153.0, "Australia/Brisbane", "GMT+10"), (33.4, -112.1, "America/Phoenix", "GMT-7"),
    (35.7, 139.7, "Asia/Tokyo", "GMT+9"), (-23.5, -46.6, "America/Sao_Paulo", "GMT-3"),
]

SOLARMAN_ID_BASE = 61200000
SUNGROW_ID_BASE = 1500000


def _stable_int(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def _generated(vendor: str, account: str, seed: int, n: int, start_index: int, id_base: int) -> list[PlantSpec]:
    rng = np.random.default_rng([seed, _stable_int(vendor, account) % (2**32)])
    out = []
    for i in range(n):
        lat0, lon0, iana, gmt = _REGIONS[int(rng.integers(len(_REGIONS)))]
        lat = round(lat0 + float(rng.uniform(-2, 2)), 4)
        lon = round(lon0 + float(rng.uniform(-2, 2)), 4)
        cap = round(float(np.exp(rng.uniform(math.log(5), math.log(3000)))), 2)
        south = lat >= 0
        az = float((180 if south else 0) + rng.uniform(-40, 40)) % 360
        out.append(PlantSpec(
            vendor=vendor, account=account, plant_id=id_base + start_index + i,
            name=f"{'Sunrise' if vendor == 'solarman' else 'Helios'} Site {start_index + i:04d}",
            latitude=lat, longitude=lon, altitude_m=round(float(rng.uniform(0, 800))),
            capacity_kw=cap, tilt_deg=round(float(rng.uniform(5, 35)), 1), azimuth_deg=round(az, 1),
            tz_name=iana if vendor == "solarman" else gmt,
            has_sensor=bool(rng.random() < 0.4), n_inverters=1 if cap < 30 else (2 if cap < 300 else 3),
            address=f"Generated site {start_index + i}",
            plant_type="GROUND" if cap > 1000 else "COMMERCIAL_ROOF" if vendor == "solarman" else "3",
        ))
    return out


@dataclass
class Fleet:
    seed: int
    accounts: list[AccountSpec]
    plants: list[PlantSpec]

    def __post_init__(self) -> None:
        self._by_id = {(p.vendor, p.plant_id): p for p in self.plants}
        self._by_account: dict[tuple[str, str], list[PlantSpec]] = {}
        for p in self.plants:
            self._by_account.setdefault((p.vendor, p.account), []).append(p)
        self._devices = {(p.vendor, d.sn): (p, d) for p in self.plants for d in p.devices}

    def plant(self, vendor: str, plant_id: int) -> PlantSpec | None:
        return self._by_id.get((vendor, plant_id))

    def plants_of(self, vendor: str, account: str) -> list[PlantSpec]:
        return self._by_account.get((vendor, account), [])

    def device(self, vendor: str, sn: str) -> tuple[PlantSpec, DeviceSpec] | None:
        return self._devices.get((vendor, sn))

    def account(self, vendor: str, name: str) -> AccountSpec | None:
        return next((a for a in self.accounts if a.vendor == vendor and a.name == name), None)


def build_fleet(seed: int = 42, plants_per_account: int | None = None) -> Fleet:
    """The demo fleet; ``plants_per_account`` > 5 tops each account up with generated plants."""
    plants: list[PlantSpec] = []
    for vendor, acct, rows, base in (
        ("solarman", SOLARMAN_DEMO_ACCOUNT, _SOLARMAN_DEMO, SOLARMAN_ID_BASE),
        ("sungrow", SUNGROW_DEMO_ACCOUNT, _SUNGROW_DEMO, SUNGROW_ID_BASE),
    ):
        n_total = len(rows) if plants_per_account is None else max(1, plants_per_account)
        for i, r in enumerate(rows[:n_total]):
            name, lat, lon, alt, cap, tilt, az, tz, sensor, ninv, addr, ptype = r
            plants.append(PlantSpec(vendor, acct.name, base + i + 1, name, lat, lon, alt, cap, tilt, az, tz,
                                    sensor, ninv, addr, ptype, has_ambient_probe=name in _AMBIENT_PROBE))
        if n_total > len(rows):
            plants.extend(_generated(vendor, acct.name, seed, n_total - len(rows), len(rows) + 1, base))
    return Fleet(seed=seed, accounts=[SOLARMAN_DEMO_ACCOUNT, SUNGROW_DEMO_ACCOUNT], plants=plants)
