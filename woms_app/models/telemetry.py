"""Tables of the telemetry database."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.db import TelemetryModel
from woms_app.core.types import UTCDateTime


class TelemetryReading(TelemetryModel, table=True):
    """One high-frequency reading of one plant (kept 24 h). Unique per (plant, instant)."""

    __tablename__ = "telemetry_readings"

    plant_id: int = Field(primary_key=True)
    ts: datetime = Field(sa_column=sa.Column(UTCDateTime(), primary_key=True, nullable=False))
    org_id: int = Field(index=True)  # denormalized for row-level security in this database
    generation_power_kw: float | None = None
    voltage_v: float | None = None
    current_a: float | None = None
    temperature_c: float | None = None
    irradiance_w_m2: float | None = None


class PlantDailyEnergy(TelemetryModel, table=True):
    """Daily roll-up per plant-local day (kept forever)."""

    __tablename__ = "plant_daily_energy"

    plant_id: int = Field(primary_key=True)
    day: date = Field(sa_column=sa.Column(sa.Date, primary_key=True, nullable=False))
    org_id: int = Field(index=True)
    timezone: str = Field(max_length=64)
    energy_kwh: float = 0.0
    peak_power_kw: float | None = None
    readings_count: int = 0
    coverage_pct: float = 0.0
    first_ts: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))
    last_ts: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))
    updated_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))
