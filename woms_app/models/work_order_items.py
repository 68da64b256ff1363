"""What a work order carries besides its plants: checklists (from per-organization templates) and attachments.

A checklist is a **copy** of its template made when it is attached (name, type and items), so editing or deleting
a template later never rewrites what a technician checked. Attachments keep the file's sniffed type, size and an
opaque storage key (core/storage.py); the bytes live in the blob store, never in the database.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.db import MainModel
from woms_app.core.types import enum_type
from woms_app.models._fields import enum_field, fk, ts_field
from woms_app.models.enums import ChecklistResult, WorkOrderType


class ChecklistTemplate(MainModel, table=True):
    """A reusable checklist of one organization for one type of work."""

    __tablename__ = "checklist_templates"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id")
    name: str = Field(max_length=120)
    wo_type: WorkOrderType = enum_field(WorkOrderType, "work_order_type", default=WorkOrderType.INSPECTION)
    created_by: int | None = fk("accounts.id", nullable=True, index=False)
    created_at: datetime = ts_field(nullable=False, default_now=True)
    updated_at: datetime = ts_field(nullable=False, default_now=True)


class ChecklistTemplateItem(MainModel, table=True):
    """One line of a template, in order: a pass / flag / fail check, with a reading in ``unit`` when it has one."""

    __tablename__ = "checklist_template_items"

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = fk("checklist_templates.id", ondelete="CASCADE")
    position: int = Field(default=0)
    label: str = Field(max_length=200)
    unit: str = Field(default="", max_length=20)  # "" = no reading expected


class WorkOrderChecklist(MainModel, table=True):
    """A checklist on a work order (optionally for one of its plants), copied from a template."""

    __tablename__ = "work_order_checklists"

    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = fk("work_orders.id", ondelete="CASCADE")
    template_id: int | None = fk("checklist_templates.id", nullable=True, index=False, ondelete="SET NULL")
    plant_id: int | None = fk("plants.id", nullable=True, index=False)
    name: str = Field(max_length=120)
    wo_type: WorkOrderType = enum_field(WorkOrderType, "work_order_type", default=WorkOrderType.INSPECTION)
    created_by: int | None = fk("accounts.id", nullable=True, index=False)
    created_at: datetime = ts_field(nullable=False, default_now=True)


class WorkOrderChecklistItem(MainModel, table=True):
    """One item of a work order's checklist and its result (empty until recorded)."""

    __tablename__ = "work_order_checklist_items"

    id: int | None = Field(default=None, primary_key=True)
    checklist_id: int = fk("work_order_checklists.id", ondelete="CASCADE")
    position: int = Field(default=0)
    label: str = Field(max_length=200)
    unit: str = Field(default="", max_length=20)
    result: ChecklistResult | None = Field(
        default=None, sa_column=sa.Column(enum_type(ChecklistResult, "checklist_result"), nullable=True))
    reading: float | None = None
    note: str = Field(default="", max_length=500)
    recorded_by: int | None = fk("accounts.id", nullable=True, index=False)
    recorded_at: datetime | None = ts_field()


class WorkOrderAttachment(MainModel, table=True):
    """A photo or PDF on a work order, or on one item of its checklists."""

    __tablename__ = "work_order_attachments"

    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = fk("work_orders.id", ondelete="CASCADE")
    checklist_item_id: int | None = fk("work_order_checklist_items.id", nullable=True, ondelete="SET NULL")
    file_name: str = Field(max_length=160)
    content_type: str = Field(max_length=40)  # sniffed from the bytes, never the client's claim
    size_bytes: int = Field(default=0)
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=64)
    thumbnail_key: str | None = Field(default=None, max_length=64)
    width: int | None = None
    height: int | None = None
    uploaded_by: int | None = fk("accounts.id", nullable=True, index=False)
    uploaded_at: datetime = ts_field(nullable=False, default_now=True)
