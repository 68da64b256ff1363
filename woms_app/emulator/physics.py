"""Simulated plant physics: a pure function of (seed, plant, plant-local day).

Power follows the sun (pvlib clear sky → plane of array → SAPM temperatures → PVWatts DC → inverter
clipping), with day-type clouds and noise, inverter trips, data gaps and alarms that start and clear.
Nothing depends on process state, so every restart with the same seed serves the same values.
Results are memoised (a cache of a pure function).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
import pvlib

from woms_app.core.timezones import local_day
from woms_app.emulator.fleet import PlantSpec

STEP_S = 300  # 5-minute frames


@dataclass(frozen=True)
class Alarm:
    alarm_id: int
    plant_id: int
    device_sn: str
    device_kind: str
    start: int  # epoch s
    end: int  # epoch s (the alarm clears then; ACTIVE while now < end)
    name: str
    code: str
    level: int  # SOLARMAN 0..2
    sungrow_level: int  # 1..4
    sungrow_type: int  # 1 fault, 2 alarm, 3 prompt
    type_code: int  # Sungrow fault_type_code
    description: str


@dataclass(frozen=True)
class DayProfile:
    epochs: np.ndarray  # int64 epoch seconds of each 5-min frame of the local day
    power_w: np.ndarray  # plant AC power (W)
    inverter_power_w: np.ndarray  # shape (n_inv, n) per inverter AC power
    poa_w_m2: np.ndarray
    temp_air_c: np.ndarray
    temp_module_c: np.ndarray
    ac_voltage_v: np.ndarray  # shape (n_inv, n)
    dc_voltage_v: np.ndarray  # shape (n_inv, n)
    inverter_temp_c: np.ndarray  # shape (n_inv, n)
    present: np.ndarray  # bool: frame uploaded (False = data gap)
    alarms: tuple[Alarm, ...]
    energy_kwh: float

    def index_at(self, epoch: float) -> int | None:
        """Index of the latest frame at or before ``epoch`` (None if before the day)."""
        i = int(np.searchsorted(self.epochs, epoch, side="right")) - 1
        return i if i >= 0 else None


def _rng(seed: int, plant: PlantSpec, day: date, salt: str) -> np.random.Generator:
    h = hashlib.sha256(f"{seed}|{plant.vendor}|{plant.plant_id}|{day.isoformat()}|{salt}".encode()).digest()
    return np.random.default_rng(int.from_bytes(h[:8], "big"))


ALARM_CATALOG = [
    # name, solarman code, level, sungrow level, sungrow type, type_code, description
    ("Grid Over Voltage", "13", 1, 2, 2, 60002, "Grid voltage exceeded the upper protection limit."),
    ("Inverter System Fault", "F27", 2, 1, 1, 60064, "The inverter stopped because of an internal fault."),
    ("Grid Power Outage", "F01", 2, 1, 1, 60005, "No grid voltage detected."),
]
INSULATION = ("Low Insulation Resistance", "F34", 1, 2, 2, 60014,
              "The insulation resistance of the PV array to ground is below the limit.")
OFFLINE = ("Logger offline", "OFFLINE", 2, 3, 3, 70001, "The data logger stopped uploading data.")


def local_day_epochs(plant: PlantSpec, day: date) -> np.ndarray:
    start = datetime(day.year, day.month, day.day, tzinfo=plant.tz)
    end = start + timedelta(days=1)
    s = int(start.timestamp())
    e = int(end.timestamp())  # DST days have 23/25 h
    return np.arange(s, e, STEP_S, dtype=np.int64)


@lru_cache(maxsize=16384)
def day_profile(seed: int, plant: PlantSpec, day: date) -> DayProfile:
    epochs = local_day_epochs(plant, day)
    n = len(epochs)
    times = pd.DatetimeIndex(pd.to_datetime(epochs, unit="s", utc=True))
    sp = pvlib.solarposition.ephemeris(times, plant.latitude, plant.longitude)
    loc = pvlib.location.Location(plant.latitude, plant.longitude, tz="UTC", altitude=plant.altitude_m)
    cs = loc.get_clearsky(times, model="simplified_solis", solar_position=sp)
    zen = sp["apparent_zenith"].to_numpy()

    # clouds: a day type and a smooth AR(1) clear-sky index
    rng = _rng(seed, plant, day, "weather")
    day_type = rng.choice(["clear", "partly", "overcast"], p=[0.45, 0.4, 0.15])
    mean_k, sd = {"clear": (0.97, 0.02), "partly": (0.7, 0.22), "overcast": (0.3, 0.1)}[str(day_type)]
    eps = rng.normal(0, 1, n)
    ar = np.zeros(n)
    for i in range(1, n):
        ar[i] = 0.85 * ar[i - 1] + np.sqrt(1 - 0.85 ** 2) * eps[i]
    k = np.clip(mean_k + sd * ar, 0.05, 1.05)
    ghi = cs["ghi"].to_numpy() * k
    dni = cs["dni"].to_numpy() * k ** 2
    dhi = np.clip(ghi - dni * np.cos(np.radians(np.clip(zen, 0, 90))), 0, None)
    poa = pvlib.irradiance.get_total_irradiance(
        plant.tilt_deg, plant.azimuth_deg, sp["apparent_zenith"], sp["azimuth"],
        pd.Series(dni, index=times), pd.Series(ghi, index=times), pd.Series(dhi, index=times),
    )["poa_global"].fillna(0).clip(lower=0).to_numpy()

    # temperatures: seasonal/latitude mean + diurnal swing
    doy = day.timetuple().tm_yday
    season = np.cos(2 * np.pi * (doy - 196) / 365.0) * (1 if plant.latitude >= 0 else -1)
    t_mean = 27 - 0.35 * abs(plant.latitude) + 9 * season * min(1.0, abs(plant.latitude) / 30)
    local_h = ((epochs - epochs[0]) / 3600.0)
    temp_air = t_mean + 5 * np.sin(2 * np.pi * (local_h - 9) / 24) + rng.normal(0, 0.3, n)
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
    t_mod = pvlib.temperature.sapm_module(poa, temp_air, 2.0, params["a"], params["b"])
    t_cell = pvlib.temperature.sapm_cell_from_module(t_mod, poa, params["deltaT"])

    pdc0 = plant.capacity_kw * 1000.0
    dc = pvlib.pvsystem.pvwatts_dc(poa, t_cell, pdc0, -0.004)
    ac = np.clip(np.asarray(dc) * 0.965, 0, pdc0 * 0.95)  # losses + inverter clipping
    ac = ac * (1 + rng.normal(0, 0.01, n))
    ac = np.where(poa > 1, np.clip(ac, 0, None), 0.0)

    n_inv = plant.n_inverters
    shares = np.full(n_inv, 1.0 / n_inv)
    inv_power = np.outer(shares, ac) * (1 + rng.normal(0, 0.005, (n_inv, n)))

    alarms: list[Alarm] = []
    base_id = (plant.plant_id % 10_000_000) * 100_000 + (day.toordinal() % 10_000) * 10
    daylight = np.nonzero(poa > 150)[0]
    # inverter trips (power of one inverter drops to zero) with a matching alarm
    trip_rng = _rng(seed, plant, day, "trips")
    if len(daylight) > 24 and trip_rng.random() < 0.25:
        inv = int(trip_rng.integers(n_inv))
        i0 = int(trip_rng.choice(daylight[:-12]))
        dur = int(trip_rng.integers(6, 25))
        inv_power[inv, i0:i0 + dur] = 0.0
        name, code, lvl, slvl, stype, tcode, desc = ALARM_CATALOG[int(trip_rng.integers(len(ALARM_CATALOG)))]
        dev = plant.inverters[inv]
        alarms.append(Alarm(base_id + 1, plant.plant_id, dev.sn, "inverter", int(epochs[i0]),
                            int(epochs[min(i0 + dur, n - 1)]), name, code, lvl, slvl, stype, tcode, desc))
    # a morning insulation warning that clears when the modules dry
    if len(daylight) > 24 and trip_rng.random() < 0.15:
        i0 = int(daylight[0])
        name, code, lvl, slvl, stype, tcode, desc = INSULATION
        alarms.append(Alarm(base_id + 2, plant.plant_id, plant.inverters[0].sn, "inverter", int(epochs[i0]),
                            int(epochs[min(i0 + int(trip_rng.integers(6, 18)), n - 1)]), name, code, lvl, slvl,
                            stype, tcode, desc))
    # data gaps (logger offline) with a communication alarm
    present = np.ones(n, dtype=bool)
    gap_rng = _rng(seed, plant, day, "gaps")
    if gap_rng.random() < 0.2:
        i0 = int(gap_rng.integers(0, n - 12))
        dur = int(gap_rng.integers(3, 12))
        present[i0:i0 + dur] = False
        name, code, lvl, slvl, stype, tcode, desc = OFFLINE
        logger = next(d for d in plant.devices if d.kind == "logger")
        alarms.append(Alarm(base_id + 3, plant.plant_id, logger.sn, "logger", int(epochs[i0]),
                            int(epochs[min(i0 + dur, n - 1)]), name, code, lvl, slvl, stype, tcode, desc))

    power = inv_power.sum(axis=0)
    frac = np.divide(inv_power, (pdc0 / n_inv) or 1.0)
    ac_v = 230.0 + 2.5 * frac + rng.normal(0, 0.6, (n_inv, n))
    dc_v = np.where(inv_power > 0, 560 + 90 * np.clip(frac, 0, 1) - 1.2 * (t_cell - 25), 0.0)
    inv_t = temp_air + 4 + 22 * np.clip(frac, 0, 1)
    energy = float(power.sum() * STEP_S / 3600.0 / 1000.0)
    return DayProfile(
        epochs=epochs, power_w=power, inverter_power_w=inv_power, poa_w_m2=np.asarray(poa),
        temp_air_c=np.asarray(temp_air), temp_module_c=np.asarray(t_mod), ac_voltage_v=ac_v,
        dc_voltage_v=np.asarray(dc_v), inverter_temp_c=np.asarray(inv_t), present=present,
        alarms=tuple(alarms), energy_kwh=energy,
    )


def local_date(plant: PlantSpec, epoch: float) -> date:
    return local_day(datetime.fromtimestamp(epoch, tz=UTC), plant.tz)


def frames_between(seed: int, plant: PlantSpec, start: float, end: float, now: float) -> list[tuple[DayProfile, int]]:
    """(profile, index) of every uploaded frame with start <= t <= min(end, now)."""
    end = min(end, now)
    out: list[tuple[DayProfile, int]] = []
    if end < start:
        return out
    d = local_date(plant, start)
    last = local_date(plant, end)
    while d <= last:
        prof = day_profile(seed, plant, d)
        idx = np.nonzero((prof.epochs >= start) & (prof.epochs <= end) & prof.present)[0]
        out.extend((prof, int(i)) for i in idx)
        d += timedelta(days=1)
    return out


def alarms_between(seed: int, plant: PlantSpec, start: float, end: float, now: float) -> list[Alarm]:
    """Alarms that started at or before min(end, now) and were active at some point after ``start``."""
    end = min(end, now)
    out: list[Alarm] = []
    d = local_date(plant, start) - timedelta(days=1)
    last = local_date(plant, end)
    while d <= last:
        for a in day_profile(seed, plant, d).alarms:
            if a.start <= end and a.end >= start:
                out.append(a)
        d += timedelta(days=1)
    return out


def latest(seed: int, plant: PlantSpec, now: float) -> tuple[DayProfile, int] | None:
    prof = day_profile(seed, plant, local_date(plant, now))
    i = prof.index_at(now)
    if i is None:
        prof = day_profile(seed, plant, local_date(plant, now) - timedelta(days=1))
        i = len(prof.epochs) - 1
    return prof, i
