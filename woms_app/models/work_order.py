"""Work orders, their plants, their history and their efficiency snapshots."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.db import MainModel
from woms_app.models._fields import enum_field, fk, ts_field
from woms_app.models.enums import EffPeriod, Priority, WorkOrderStatus


class WorkOrder(MainModel, table=True):
    __tablename__ = "work_orders"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id")
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    priority: Priority = enum_field(Priority, "priority", default=Priority.MEDIUM)
    status: WorkOrderStatus = enum_field(WorkOrderStatus, "work_order_status", default=WorkOrderStatus.OPEN, index=True)
    created_by: int | None = fk("accounts.id", nullable=True)
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime = ts_field(nullable=False, default_now=True)
    closed_at: datetime | None = ts_field()


class WorkOrderPlant(MainModel, table=True):
    __tablename__ = "work_order_plants"
    __table_args__ = (
        # The database rule: a plant is on at most one active work order.
        sa.Index(
            "uq_work_order_plants_one_active",
            "plant_id",
            unique=True,
            sqlite_where=sa.text("is_active"),
            postgresql_where=sa.text("is_active"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = fk("work_orders.id", ondelete="CASCADE")
    plant_id: int = fk("plants.id")
    is_active: bool = Field(default=True)
    assigned_at: datetime = ts_field(nullable=False, default_now=True)
    assigned_by: int | None = fk("accounts.id", nullable=True, index=False)
    deactivated_at: datetime | None = ts_field()
    deactivated_by: int | None = fk("accounts.id", nullable=True, index=False)


class WorkOrderEvent(MainModel, table=True):
    """History of a work order: who did what, when."""

    __tablename__ = "work_order_events"

    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = fk("work_orders.id", ondelete="CASCADE")
    at: datetime = ts_field(nullable=False, default_now=True)
    account_id: int | None = fk("accounts.id", nullable=True, index=False)
    kind: str = Field(max_length=40)  # created, status, plant_added, plant_removed, alert_linked
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    note: str = Field(default="", max_length=500)


class WorkOrderPlantEff(MainModel, table=True):
    """Efficiency snapshot of one plant of a work order for one window."""

    __tablename__ = "work_order_plant_eff"
    __table_args__ = (sa.UniqueConstraint("work_order_id", "plant_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = fk("work_orders.id", ondelete="CASCADE")
    plant_id: int = fk("plants.id")
    period: EffPeriod = enum_field(EffPeriod, "eff_period")
    window_start: datetime = ts_field(nullable=False)
    window_end: datetime = ts_field(nullable=False)
    efficiency_pct: float | None = None
    pr: float | None = None
    pr_temp_corrected: float | None = None
    coverage_pct: float | None = None
    energy_kwh: float | None = None
    expected_energy_kwh: float | None = None
    days: int = Field(default=0)
    method: str = Field(default="", max_length=200)
    computed_at: datetime = ts_field(nullable=False, default_now=True)
