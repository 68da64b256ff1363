"""Vendor integrations (one row per vendor cloud account of an organization)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.db import MainModel
from woms_app.models._fields import enum_field, fk, ts_field
from woms_app.models.enums import VendorStatus


class Vendor(MainModel, table=True):
    __tablename__ = "vendors"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id")
    name: str = Field(max_length=120)
    vendor_type: str = Field(max_length=40)  # key in the VendorManager registry
    base_url: str = Field(max_length=300)
    # Fernet token of the JSON credentials; never returned by the API or shown in the UI
    credentials_encrypted: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    poll_interval_s: int = Field(default=300, ge=60)
    alert_interval_s: int = Field(default=120, ge=30)
    # request budget: at most rate_limit_requests per rate_limit_window_s, max_concurrency in flight
    rate_limit_requests: int = Field(default=10, ge=1)
    rate_limit_window_s: float = Field(default=1.0, gt=0)
    max_concurrency: int = Field(default=4, ge=1)
    # call allowance (services/quota.py): quota_calls per quota_period (year | month | day; a year starts on
    # quota_period_start's date), read from the vendor where the account permits (quota_source "vendor") or
    # configured; quota_calls_used = calls spent in the period that started at quota_used_since
    quota_calls: int | None = Field(default=None, ge=1)
    quota_period: str = Field(default="year", max_length=8)
    quota_source: str = Field(default="configured", max_length=12)
    quota_period_start: datetime | None = ts_field()
    quota_calls_used: int = Field(default=0, ge=0)
    quota_used_since: datetime | None = ts_field()
    quota_checked_at: datetime | None = ts_field()
    # when each kind of planned work last ran (services/quota.due_work)
    power_polled_at: datetime | None = ts_field()
    frames_synced_at: datetime | None = ts_field()
    lists_refreshed_at: datetime | None = ts_field()
    status: VendorStatus = enum_field(VendorStatus, "vendor_status", default=VendorStatus.ACTIVE)
    last_sync_at: datetime | None = ts_field()
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime = ts_field(nullable=False, default_now=True)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)
