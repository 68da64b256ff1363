"""Operational records: sync runs, the audit log and the scheduler lock."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.db import MainModel
from woms_app.models._fields import enum_field, fk, ts_field
from woms_app.models.enums import SyncKind, SyncStatus, SyncTrigger


class SyncRun(MainModel, table=True):
    __tablename__ = "sync_runs"
    __table_args__ = (sa.Index("ix_sync_runs_vendor_started", "vendor_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int | None = fk("vendors.id", nullable=True, index=False, ondelete="SET NULL")
    org_id: int | None = fk("organizations.id", nullable=True)
    kind: SyncKind = enum_field(SyncKind, "sync_kind")
    trigger: SyncTrigger = enum_field(SyncTrigger, "sync_trigger")
    status: SyncStatus = enum_field(SyncStatus, "sync_status", default=SyncStatus.RUNNING)
    triggered_by: int | None = fk("accounts.id", nullable=True, index=False)
    plants_total: int = Field(default=0)
    plants_done: int = Field(default=0)
    plants_failed: int = Field(default=0)
    readings_upserted: int = Field(default=0)
    alerts_upserted: int = Field(default=0)
    vendor_calls: int = Field(default=0)  # requests sent to the vendor (they count against its allowance)
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    traceback: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    started_at: datetime = ts_field(nullable=False, default_now=True)
    finished_at: datetime | None = ts_field()
    duration_ms: int | None = None


class AuditLog(MainModel, table=True):
    """Every write by anyone and every read by a GOVT account."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = ts_field(nullable=False, default_now=True)
    account_id: int | None = fk("accounts.id", nullable=True)
    account_email: str = Field(default="", max_length=254)
    role: str = Field(default="", max_length=20)
    action: str = Field(max_length=60)  # e.g. read, create, update, delete, login, logout, sync
    entity: str = Field(max_length=60)  # e.g. plants, work_orders
    entity_id: str | None = Field(default=None, max_length=60)
    org_id: int | None = Field(default=None, index=True)  # whose data; None = fleet-wide
    detail: str = Field(default="", max_length=1000)


class SchedulerLock(MainModel, table=True):
    """Leader election for the scheduler on databases without advisory locks."""

    __tablename__ = "scheduler_lock"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=120)
    expires_at: datetime = ts_field(nullable=False)
