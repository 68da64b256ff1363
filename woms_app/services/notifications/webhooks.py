"""An organization's webhook endpoints: create (the secret is shown once), list, delete, send a test, and the
delivery log. Managed by the organization's accounts and super admins; GOVT observers have no access (an
endpoint's URL is configuration, like a vendor's).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.errors import Forbidden, NotFound, ValidationFailed
from woms_app.core.security import encrypt_json
from woms_app.models.enums import AlertSeverity
from woms_app.models.notification import EventKind, OutboxMessage, WebhookEndpoint
from woms_app.models.org import Organization
from woms_app.services import audit
from woms_app.services.notifications import outbox, signing
from woms_app.services.public_url import clean_public_url
from woms_app.services.viewer import Viewer, get_scoped, require_write_org, scoped

MAX_PER_ORG = 10
DELIVERY_LOG_ROWS = 100


@dataclass(frozen=True)
class WebhookView:
    id: int
    org_id: int
    url: str
    description: str
    min_severity: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    id: int
    event_kind: str
    event_key: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


def require_access(viewer: Viewer) -> None:
    if viewer.is_govt:
        raise Forbidden("Webhooks are managed by the organization's accounts")


def _view(h: WebhookEndpoint) -> WebhookView:
    assert h.id is not None
    return WebhookView(h.id, h.org_id, h.url, h.description, AlertSeverity(h.min_severity).value, h.active,
                       h.created_at)


def list_webhooks(session: Session, viewer: Viewer) -> list[WebhookView]:
    require_access(viewer)
    rows = session.exec(scoped(select(WebhookEndpoint), viewer, WebhookEndpoint)
                        .order_by(col(WebhookEndpoint.org_id), col(WebhookEndpoint.id))).all()
    return [_view(h) for h in rows]


def _load(session: Session, viewer: Viewer, webhook_id: int) -> WebhookEndpoint:
    require_access(viewer)
    return get_scoped(session, viewer, WebhookEndpoint, webhook_id, "Webhook")


def create_webhook(session: Session, viewer: Viewer, url: str, *, description: str = "",
                   min_severity: str = AlertSeverity.MAJOR.value, org_id: int | None = None
                   ) -> tuple[WebhookView, str]:
    """A new endpoint and its secret — the only time the secret is returned (stored Fernet-encrypted)."""
    require_access(viewer)
    if viewer.is_org and org_id is not None and org_id != viewer.org_id:
        raise NotFound("Organization not found")  # another organization's id: as if it did not exist
    target = viewer.org_id if viewer.is_org else org_id
    if target is None:
        raise ValidationFailed("Choose the organization the webhook belongs to", field="org_id")
    require_write_org(viewer, target)
    if session.get(Organization, target) is None:
        raise NotFound("Organization not found")
    clean = clean_public_url(url, field="url", label="Webhook URL")
    text = " ".join((description or "").split())
    if len(text) > 120:
        raise ValidationFailed("Description must be at most 120 characters", field="description")
    try:
        sev = AlertSeverity(min_severity or AlertSeverity.MAJOR.value)
    except ValueError:
        raise ValidationFailed(f"Severity must be one of {', '.join(AlertSeverity.values())}",
                               field="min_severity") from None
    existing = session.exec(select(WebhookEndpoint.id).where(WebhookEndpoint.org_id == target)).all()
    if len(existing) >= MAX_PER_ORG:
        raise ValidationFailed(f"An organization has at most {MAX_PER_ORG} webhooks", field="url")
    secret = signing.new_secret()
    hook = WebhookEndpoint(org_id=target, url=clean, description=text, min_severity=sev,
                           secret_encrypted=encrypt_json({"secret": secret}), created_by=viewer.account_id,
                           created_at=utcnow())
    session.add(hook)
    session.flush()
    audit.record_write(session, viewer, "webhook.create", "webhook_endpoints", hook.id, org_id=target,
                       detail=clean)  # the URL only: never the secret
    feed.publish_after_commit(session, target, feed.NOTIFICATIONS)
    return _view(hook), secret


def delete_webhook(session: Session, viewer: Viewer, webhook_id: int) -> None:
    """Remove the endpoint, with its undelivered notifications and its delivery log."""
    hook = _load(session, viewer, webhook_id)
    require_write_org(viewer, hook.org_id)
    audit.record_write(session, viewer, "webhook.delete", "webhook_endpoints", hook.id, org_id=hook.org_id,
                       detail=hook.url)
    feed.publish_after_commit(session, hook.org_id, feed.NOTIFICATIONS)
    session.delete(hook)
    session.flush()


def send_test(session: Session, viewer: Viewer, webhook_id: int) -> int:
    """Enqueue a ``webhook.test`` event for this endpoint only; returns the outbox row's id."""
    hook = _load(session, viewer, webhook_id)
    require_write_org(viewer, hook.org_id)
    if not hook.active:
        raise ValidationFailed("The webhook is inactive", field="id")
    key = f"webhook.test:{hook.id}:{uuid.uuid4().hex[:12]}"
    outbox.enqueue(session, EventKind.WEBHOOK_TEST, hook.org_id, key,
                   {"title": "WOMS test event", "webhook_id": hook.id, "requested_by": viewer.email},
                   webhook_ids=[hook.id])
    audit.record_write(session, viewer, "webhook.test", "webhook_endpoints", hook.id, org_id=hook.org_id,
                       detail=key)
    feed.publish_after_commit(session, hook.org_id, feed.NOTIFICATIONS)
    row = session.exec(select(OutboxMessage.id).where(OutboxMessage.event_key == key)).one()
    return int(row)


def deliveries(session: Session, viewer: Viewer, webhook_id: int, *, limit: int = DELIVERY_LOG_ROWS
               ) -> list[Delivery]:
    """The endpoint's newest deliveries: status, attempts, last error, times."""
    hook = _load(session, viewer, webhook_id)
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.webhook_id == hook.id)
                        .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
                        .limit(limit)).all()
    audit.record_read(session, viewer, "outbox", hook.id, org_id=hook.org_id)
    return [Delivery(r.id or 0, r.event_kind.value, r.event_key, r.status.value, r.attempts, r.last_error,
                     r.created_at, r.next_attempt_at, r.sent_at) for r in rows]
