"""Solar plants."""
from __future__ import annotations

from datetime import datetime

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
    has_irradiance_sensor: bool = Field(default=False)
    current_power_kw: float | None = None
    daily_energy_mwh: float | None = None
    last_reading_at: datetime | None = ts_field()
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime = ts_field(nullable=False, default_now=True)
