"""Notifications: who wants which event on which channel, the organizations' webhooks, and the outbox.

The outbox is written in the transaction of the event that causes it (``services.notifications.outbox``) and
drained by the delivery job (``services.notifications.deliver``); its idempotency key (event, channel,
recipient) is unique, so an event enqueued twice is one row, and a row marked sent is never claimed again.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.db import MainModel
from woms_app.models._fields import enum_field, fk, ts_field
from woms_app.models.enums import AlertSeverity, LabelledEnum


class EventKind(LabelledEnum):
    ALERT_NEW = "alert.new"
    WO_ASSIGNED = "wo.assigned"
    WO_SLA_DUE_SOON = "wo.sla_due_soon"
    WO_SLA_BREACHED = "wo.sla_breached"
    WO_DONE = "wo.done"
    WEBHOOK_TEST = "webhook.test"  # "send test" on a webhook: to that endpoint only, never to people


class Channel(LabelledEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class OutboxStatus(LabelledEnum):
    PENDING = "pending"  # not tried yet (or waiting for the SMTP configuration)
    FAILED = "failed"  # the last try failed; tried again at next_attempt_at
    SENT = "sent"
    DEAD = "dead"  # given up (24 h of retries, or its recipient is gone)


class NotificationPref(MainModel, table=True):
    """One account's choice for one event kind; no row = the defaults of ``services.notifications.prefs``.

    ``org_id`` is the account's organization (only accounts of an organization are notified): it scopes the row
    under row-level security like every other tenant table."""

    __tablename__ = "notification_prefs"
    __table_args__ = (sa.UniqueConstraint("account_id", "event_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id", ondelete="CASCADE")
    account_id: int = fk("accounts.id", index=False, ondelete="CASCADE")
    event_kind: EventKind = enum_field(EventKind, "notification_event_kind")
    in_app: bool = Field(default=True)
    email: bool = Field(default=False)
    # alert.new only: the least severe alert that is notified (critical < major < minor < info)
    min_severity: AlertSeverity | None = Field(
        default=None, sa_column=sa.Column(sa.Enum(AlertSeverity, name="notification_min_severity", native_enum=False,
                                                  create_constraint=True, length=12,
                                                  values_callable=lambda e: [m.value for m in e]), nullable=True))
    updated_at: datetime = ts_field(nullable=False, default_now=True)


class WebhookEndpoint(MainModel, table=True):
    """An organization's receiver of every notification event, signed with its own secret (Fernet at rest)."""

    __tablename__ = "webhook_endpoints"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id", ondelete="CASCADE")
    url: str = Field(max_length=300)
    description: str = Field(default="", max_length=120)
    secret_encrypted: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # alert.new: the least severe alert sent to this endpoint
    min_severity: AlertSeverity = enum_field(AlertSeverity, "webhook_min_severity", default=AlertSeverity.MAJOR)
    active: bool = Field(default=True)
    created_by: int | None = fk("accounts.id", nullable=True, index=False, ondelete="SET NULL")
    created_at: datetime = ts_field(nullable=False, default_now=True)


class OutboxMessage(MainModel, table=True):
    """One notification to one recipient on one channel: an account (e-mail) or a webhook endpoint.

    Two nullable foreign keys instead of one "recipient id": the database keeps each pointing at a real row
    (an account or endpoint deleted takes its undelivered rows with it)."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key"),
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        sa.CheckConstraint("(channel = 'email' AND account_id IS NOT NULL AND webhook_id IS NULL) OR "
                           "(channel = 'webhook' AND webhook_id IS NOT NULL AND account_id IS NULL)",
                           name="one_recipient"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = fk("organizations.id", ondelete="CASCADE")
    event_kind: EventKind = enum_field(EventKind, "outbox_event_kind")
    event_key: str = Field(max_length=200)
    channel: Channel = enum_field(Channel, "outbox_channel")
    account_id: int | None = fk("accounts.id", nullable=True, index=False, ondelete="CASCADE")
    webhook_id: int | None = fk("webhook_endpoints.id", nullable=True, ondelete="CASCADE")
    idempotency_key: str = Field(max_length=300)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    status: OutboxStatus = enum_field(OutboxStatus, "outbox_status", default=OutboxStatus.PENDING)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = ts_field(nullable=False, default_now=True)
    # a delivery run owns the row until then (a run killed mid-batch leaves it to the next one after the lease)
    claimed_until: datetime | None = ts_field()
    claim_token: str | None = Field(default=None, max_length=40)
    last_error: str = Field(default="", max_length=500)
    sent_at: datetime | None = ts_field()
    created_at: datetime = ts_field(nullable=False, default_now=True)
