"""Alerts pulled from the vendors, and who acknowledged them."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.db import MainModel
from woms_app.models._fields import enum_field, fk, ts_field
from woms_app.models.enums import AlertSeverity, AlertStatus


class Alert(MainModel, table=True):
    __tablename__ = "alerts"
    __table_args__ = (
        sa.UniqueConstraint("vendor_id", "external_id"),
        sa.Index("ix_alerts_org_status_started", "org_id", "status", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id", index=False)
    plant_id: int = fk("plants.id")
    vendor_id: int = fk("vendors.id", index=False)
    external_id: str = Field(max_length=120)
    title: str = Field(max_length=300)
    message: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    vendor_code: str = Field(default="", max_length=60)
    severity: AlertSeverity = enum_field(AlertSeverity, "alert_severity")
    category: str = Field(default="", max_length=60)
    status: AlertStatus = enum_field(AlertStatus, "alert_status", default=AlertStatus.ACTIVE)
    started_at: datetime = ts_field(nullable=False)
    resolved_at: datetime | None = ts_field()
    work_order_id: int | None = fk("work_orders.id", nullable=True, ondelete="SET NULL")
    # acknowledged: someone has seen it and owns it (set and cleared by people, never by the sync)
    acknowledged_at: datetime | None = ts_field()
    acknowledged_by: int | None = fk("accounts.id", nullable=True, index=False, ondelete="SET NULL")
    ack_note: str = Field(default="", max_length=500)
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime = ts_field(nullable=False, default_now=True)
