"""/api/me/notification-prefs (each account's own) and /api/webhooks (the organization's endpoints, their test
event and delivery log). A webhook's secret is in the answer to its creation only."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from woms_app.api.deps import DB, current_viewer
from woms_app.api.ids import WebhookId
from woms_app.models.enums import AlertSeverity
from woms_app.services.notifications import prefs as prefs_svc
from woms_app.services.notifications import webhooks as hooks_svc
from woms_app.services.viewer import MAX_ID, Viewer

router = APIRouter(tags=["notifications"])


class PrefOut(BaseModel):
    event_kind: str
    label: str
    in_app: bool
    email: bool
    min_severity: str | None = None
    default: bool


class PrefIn(BaseModel):
    event_kind: str = Field(max_length=40, description="alert.new | wo.assigned | wo.sla_due_soon | "
                                                      "wo.sla_breached | wo.done")
    in_app: bool = True
    email: bool = False
    min_severity: str | None = Field(default=None, max_length=20,
                                     description="alert.new only: critical | major | minor | info")


class PrefsIn(BaseModel):
    items: list[PrefIn] = Field(max_length=20)


class WebhookOut(BaseModel):
    id: int
    org_id: int
    url: str
    description: str
    min_severity: str
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="shown this once: keep it where the receiver verifies signatures")


class WebhookIn(BaseModel):
    url: str = Field(max_length=300)
    description: str = Field(default="", max_length=200)
    min_severity: str = Field(default=AlertSeverity.MAJOR.value, max_length=20,
                              description="new alerts down to this severity are sent")
    org_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="super admins: the organization")


DeliveryOut = hooks_svc.Delivery  # the service's view is the response model


class TestQueued(BaseModel):
    outbox_id: int


@router.get("/me/notification-prefs", response_model=list[PrefOut])
def get_prefs(viewer: Viewer = Depends(current_viewer), session: Session = DB):
    """The caller's preferences, one per event kind (``default``: nothing saved for it)."""
    return prefs_svc.get_prefs(session, viewer)


@router.put("/me/notification-prefs", response_model=list[PrefOut])
def put_prefs(body: PrefsIn, viewer: Viewer = Depends(current_viewer), session: Session = DB):
    """Save the kinds given (the others keep theirs). Accounts of an organization only (403 otherwise)."""
    return prefs_svc.set_prefs(session, viewer, [prefs_svc.PrefInput(i.event_kind, i.in_app, i.email,
                                                                     i.min_severity) for i in body.items])


@router.get("/webhooks", response_model=list[WebhookOut])
def list_webhooks(viewer: Viewer = Depends(current_viewer), session: Session = DB):
    return hooks_svc.list_webhooks(session, viewer)


@router.post("/webhooks", response_model=WebhookCreated, status_code=201)
def create_webhook(body: WebhookIn, viewer: Viewer = Depends(current_viewer), session: Session = DB):
    """A new endpoint; the answer carries its signing secret, this once."""
    view, secret = hooks_svc.create_webhook(session, viewer, body.url, description=body.description,
                                            min_severity=body.min_severity, org_id=body.org_id)
    return WebhookCreated(**view.__dict__, secret=secret)


@router.delete("/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: WebhookId, viewer: Viewer = Depends(current_viewer), session: Session = DB):
    hooks_svc.delete_webhook(session, viewer, webhook_id)
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/test", response_model=TestQueued, status_code=202)
def send_test(webhook_id: WebhookId, viewer: Viewer = Depends(current_viewer), session: Session = DB):
    """Queue a signed ``webhook.test`` event for this endpoint (delivered by the next run of the job)."""
    return TestQueued(outbox_id=hooks_svc.send_test(session, viewer, webhook_id))


@router.get("/webhooks/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def deliveries(webhook_id: WebhookId, viewer: Viewer = Depends(current_viewer), session: Session = DB):
    """The newest 100 deliveries: status (pending | failed | sent | dead), attempts, last error, times."""
    return hooks_svc.deliveries(session, viewer, webhook_id)
