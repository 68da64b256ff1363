"""Work orders, their plants, their history, comments and efficiency snapshots; the closure taxonomy and the
SLA targets per organization and priority."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.db import MainModel
from woms_app.models._fields import enum_field, fk, ts_field
from woms_app.models.enums import ClosureLevel, EffPeriod, Priority, WorkOrderStatus, WorkOrderType


class WorkOrder(MainModel, table=True):
    __tablename__ = "work_orders"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id")
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    priority: Priority = enum_field(Priority, "priority", default=Priority.MEDIUM)
    status: WorkOrderStatus = enum_field(WorkOrderStatus, "work_order_status", default=WorkOrderStatus.OPEN, index=True)
    wo_type: WorkOrderType = enum_field(WorkOrderType, "work_order_type", default=WorkOrderType.CORRECTIVE)
    created_by: int | None = fk("accounts.id", nullable=True)
    assignee_id: int | None = fk("accounts.id", nullable=True)
    due_at: datetime | None = ts_field()
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime = ts_field(nullable=False, default_now=True)
    closed_at: datetime | None = ts_field()
    # SLA clocks (services/sla.py): started at the linked alert's start (else creation); on hold pauses them
    sla_started_at: datetime | None = ts_field()
    responded_at: datetime | None = ts_field()
    response_due_at: datetime | None = ts_field()
    resolution_due_at: datetime | None = ts_field()
    hold_started_at: datetime | None = ts_field()
    held_seconds: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0"))
    # closure (DONE): codes of the closure taxonomy, the resolution and the downtime window; CANCELLED: the reason
    problem_code: str | None = Field(default=None, sa_column=sa.Column(
        sa.String(40), sa.ForeignKey("closure_codes.code"), nullable=True))
    cause_code: str | None = Field(default=None, sa_column=sa.Column(
        sa.String(40), sa.ForeignKey("closure_codes.code"), nullable=True))
    remedy_code: str | None = Field(default=None, sa_column=sa.Column(
        sa.String(40), sa.ForeignKey("closure_codes.code"), nullable=True))
    resolution_note: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    downtime_start: datetime | None = ts_field()
    downtime_end: datetime | None = ts_field()
    cancel_reason: str = Field(default="", sa_column=sa.Column(sa.String(500), nullable=False, server_default=""))
    lost_energy_kwh: float | None = None  # expected − actual over the downtime window (services/kpis.py)


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
    kind: str = Field(max_length=40)  # created, status, updated, plant_added, plant_removed, alert_linked, comment
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


class WorkOrderComment(MainModel, table=True):
    """One message of a work order's thread (kept with the work order; the body is plain text)."""

    __tablename__ = "work_order_comments"

    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = fk("work_orders.id", ondelete="CASCADE")
    account_id: int | None = fk("accounts.id", nullable=True, index=False)
    at: datetime = ts_field(nullable=False, default_now=True)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


class ClosureCode(MainModel, table=True):
    """The closure taxonomy (global reference data, seeded by the migration): problems, each with its causes and
    remedies (``parent_code`` = the problem). Codes are stable strings stored on closed work orders."""

    __tablename__ = "closure_codes"

    code: str = Field(primary_key=True, max_length=40)
    parent_code: str | None = Field(default=None, sa_column=sa.Column(
        sa.String(40), sa.ForeignKey("closure_codes.code"), nullable=True, index=True))
    level: ClosureLevel = enum_field(ClosureLevel, "closure_level")
    label: str = Field(max_length=120)
    sort: int = Field(default=0)


class SlaTarget(MainModel, table=True):
    """An organization's response and resolution targets for one priority (defaults in services/sla.py)."""

    __tablename__ = "sla_targets"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "priority"),
        sa.CheckConstraint("response_minutes > 0 AND resolution_minutes >= response_minutes",
                           name="sla_minutes_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id")
    priority: Priority = enum_field(Priority, "priority")
    response_minutes: int
    resolution_minutes: int
    updated_at: datetime = ts_field(nullable=False, default_now=True)
    updated_by: int | None = fk("accounts.id", nullable=True, index=False)
