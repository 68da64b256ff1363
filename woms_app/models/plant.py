"""Solar plants."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.db import MainModel
from woms_app.models._fields import fk, ts_field


class Plant(MainModel, table=True):
    __tablename__ = "plants"
    __table_args__ = (
        sa.UniqueConstraint("vendor_id", "external_id"),
        sa.CheckConstraint("capacity_kw >= 0", name="capacity_non_negative"),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        sa.CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id")
    vendor_id: int = fk("vendors.id")
    external_id: str = Field(max_length=80)
    name: str = Field(max_length=200)
    capacity_kw: float = Field(default=0.0)  # DC nameplate, kWp
    latitude: float | None = None
    longitude: float | None = None
    altitude_m: float | None = None
    tilt_deg: float | None = None
    azimuth_deg: float | None = None  # 180 = south (pvlib convention)
    timezone: str = Field(default="UTC", max_length=64)  # IANA
    timezone_error: str | None = Field(default=None, max_length=200)  # the vendor's zone was not understood
    has_irradiance_sensor: bool = Field(default=False)
    current_power_kw: float | None = None
    daily_energy_mwh: float | None = None
    last_reading_at: datetime | None = ts_field()
    # the plant's latest final, complete plant-local KPI day (copied from plant_daily_kpis in the telemetry
    # database, so the plants list can sort by PR and specific yield in SQL): see services.plants.refresh_latest_kpis
    kpi_day: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    kpi_pr: float | None = None
    kpi_yield_kwh_kwp: float | None = None  # specific yield Yf of that day [kWh/kWp]
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime = ts_field(nullable=False, default_now=True)


class PlantDevice(MainModel, table=True):
    """A device of a plant (inverter, data logger, weather station, meter) as its vendor lists it, with the
    status the vendor reports; kept by the sync (services.plants.upsert_plants), one row per (plant, serial)."""

    __tablename__ = "plant_devices"
    __table_args__ = (sa.UniqueConstraint("plant_id", "sn"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id")
    plant_id: int = fk("plants.id", ondelete="CASCADE")
    sn: str = Field(max_length=80)
    kind: str = Field(max_length=20)  # inverter | logger | weather | meter | other
    name: str = Field(default="", max_length=80)
    status: str = Field(default="unknown", max_length=20)  # online | alarm | fault | offline | unknown
    last_data_at: datetime | None = ts_field()  # the vendor's last-data time, when it gives one
    seen_at: datetime = ts_field(nullable=False, default_now=True)  # the last sync that listed it
