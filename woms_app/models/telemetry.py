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
    module_temperature_c: float | None = None  # back-of-module sensor [°C]; None without one
    ambient_temperature_c: float | None = None  # air temperature [°C] (weather station / logger probe)
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
    # The part of the day whose raw readings were already purged (retention): totals above =
    # purged part + readings still present, so re-running a roll-up never double counts.
    purged_energy_kwh: float = 0.0
    purged_readings: int = 0
    purged_covered_s: float = 0.0
    purged_last_ts: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))


class PlantDailyKpi(TelemetryModel, table=True):
    """PR / efficiency KPIs of one plant-local day (pr-methodology.md §7), kept forever.

    Computed from the high-frequency readings before retention purges them. ``final`` is set when
    the figures were computed after the local day had ended with complete data (coverage at least
    ``analytics.COVERAGE_LIMIT_PCT``). A day is never recomputed from fewer samples than it was (retention
    purges readings); a final day whose readings change later (late data) is recomputed, and each such
    revision is counted in ``revisions`` with its time in ``revised_at``.
    """

    __tablename__ = "plant_daily_kpis"

    plant_id: int = Field(primary_key=True)
    day: date = Field(sa_column=sa.Column(sa.Date, primary_key=True, nullable=False))
    org_id: int = Field(index=True)
    timezone: str = Field(max_length=64)
    final: bool = False
    capacity_kw: float = 0.0
    day_hours: float = 24.0
    samples: int = 0
    intervals_valid: int = 0
    intervals_expected: int = 0
    coverage_pct: float = 0.0
    incomplete: bool = True
    energy_kwh: float | None = None  # E_AC over valid intervals [kWh]
    yf_kwh_kwp: float | None = None
    irradiation_kwh_m2: float | None = None  # H_POA [kWh/m²]
    yr_h: float | None = None
    reference_energy_kwh: float | None = None
    pr: float | None = None
    energy_g50_kwh: float | None = None
    reference_energy_g50_kwh: float | None = None
    pr_g50: float | None = None
    yr_tc_h: float | None = None
    reference_energy_tc_kwh: float | None = None
    pr_temp_corrected: float | None = None
    expected_energy_kwh: float | None = None
    efficiency_pct: float | None = None
    availability_samples_lit: int = 0
    availability_samples_up: int = 0
    availability_pct: float | None = None
    cf_dc_pct: float | None = None
    peak_power_kw: float | None = None
    linke_turbidity: float | None = None
    irradiance_source: str = Field(default="", max_length=20)
    method: str = Field(default="", max_length=200)
    computed_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))
    revisions: int = 0  # times the figures of this day were recomputed after it had been final
    revised_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=True))


class PlantPowerBucket(TelemetryModel, table=True):
    """A plant's readings summed per 15-minute UTC bucket (kept 48 h): what the fleet curve is built from.

    Maintained by the sync after each upsert (services.telemetry.refresh_power_buckets), so a fleet-wide
    curve never reads the raw readings (up to 576k rows a day for 2,000 plants)."""

    __tablename__ = "plant_power_15m"

    plant_id: int = Field(primary_key=True)
    bucket: datetime = Field(sa_column=sa.Column(UTCDateTime(), primary_key=True, nullable=False))
    org_id: int = Field(index=True)
    power_sum_kw: float = 0.0  # sum of the bucket's non-null power readings
    readings: int = 0  # how many


class OrgPowerBucket(TelemetryModel, table=True):
    """Per organization and 15-minute UTC bucket: the sum over its plants of each plant's mean power in that
    bucket, and how many plants reported (kept 48 h). Changed by deltas as plant buckets change."""

    __tablename__ = "org_power_15m"

    org_id: int = Field(primary_key=True)
    bucket: datetime = Field(sa_column=sa.Column(UTCDateTime(), primary_key=True, nullable=False))
    power_kw: float = 0.0
    plants: int = 0
