"""A plant's last 24 h for diagnosis: actual power, the irradiance it saw, and the power it should have made.

The irradiance is the plant's own sensor (measured plane-of-array) or, without one, the clear-sky
plane-of-array irradiance at its location, tilt and azimuth — labelled which. The expected power is
:func:`analytics.expected_power` on the readings as the KPI job loads them (:func:`kpis.load_readings`): the
same model, inputs and constants as the daily efficiency figure, so a gap between the two curves is the day's
underperformance, hour by hour. Values are 15-minute means; a bucket without readings is ``None`` (a gap stays a
gap). Scoped and audited like every telemetry read.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from sqlmodel import Session

from woms_app import analytics
from woms_app.core.clock import utcnow
from woms_app.core.timezones import zone
from woms_app.models.plant import Plant
from woms_app.services import audit, kpis
from woms_app.services.viewer import Viewer, get_scoped

WINDOW = timedelta(hours=24)
BUCKET = "15min"
SOURCE_LABELS = {"sensor": "Irradiance: measured (plant sensor, plane of array)",
                 "clearsky": "Irradiance: clear-sky model (no sensor), plane of array — real sky may be darker"}


@dataclass
class Diagnosis:
    plant_id: int
    irradiance_source: str  # "sensor" | "clearsky" | "" (no reference: no sensor and no coordinates)
    irradiance_label: str
    expected_note: str  # why the expected curve is missing, or ""
    points: list[dict] = field(default_factory=list)  # {t, label, power, expected, irradiance}
    energy_kwh: float | None = None  # actual, over the window's valid readings (trapezoid)
    expected_energy_kwh: float | None = None


def _num(v) -> float | None:
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else round(v, 3)


def power_diagnosis(main: Session, tel: Session, viewer: Viewer, plant_id: int, *,
                    now: datetime | None = None) -> Diagnosis:
    plant = get_scoped(main, viewer, Plant, plant_id, "Plant")
    audit.record_read(main, viewer, "telemetry", plant.id, org_id=plant.org_id, detail="diagnosis")
    now = now or utcnow()
    frame = kpis.load_readings(tel, plant.id, now - WINDOW, now)
    try:
        spec = kpis.plant_spec(plant)
        source = spec.irradiance_source
        if frame.empty:
            return Diagnosis(plant.id, source, SOURCE_LABELS[source], "")
        exp = analytics.expected_power(frame, spec)
    except ValueError as exc:  # no capacity, or neither sensor nor coordinates: power only
        exp = frame.rename(columns={"generation_power_kw": "P"})[["ts", "P"]].assign(G=math.nan, T=math.nan,
                                                                                   P_exp=math.nan)
        return _bucketed(plant, exp, "", "", f"No expected power: {exc}")
    note = ""
    if exp["P_exp"].isna().all() and not exp["G"].isna().all():
        note = "No expected power: the readings carry no temperature to compute the cell temperature from."
    return _bucketed(plant, exp, source, SOURCE_LABELS[source], note)


def _bucketed(plant: Plant, exp: pd.DataFrame, source: str, label: str, note: str) -> Diagnosis:
    diag = Diagnosis(plant.id, source, label, note)
    if exp.empty:
        return diag
    tz = zone(plant.timezone)
    idx = exp.set_index(pd.DatetimeIndex(exp["ts"]))
    means = idx[["P", "G", "P_exp"]].resample(BUCKET, label="left").mean()
    for ts, row in means.iterrows():
        centre = ts + pd.Timedelta(minutes=7.5)
        diag.points.append({
            "t": centre.isoformat().replace("+00:00", "Z"),
            "label": centre.to_pydatetime().astimezone(tz).strftime("%H:%M"),
            "power": _num(row["P"]), "expected": _num(row["P_exp"]),
            "irradiance": None if not source else _num(row["G"]),
        })
    # energies over consecutive 5-minute pairs (the KPI's rule: exactly 300 s apart, both ends finite)
    for col, attr in (("P", "energy_kwh"), ("P_exp", "expected_energy_kwh")):
        energy = analytics.interval_energy(exp, col)
        if energy is not None:
            setattr(diag, attr, round(energy, 3))
    return diag
