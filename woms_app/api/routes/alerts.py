"""/api/alerts: the scoped alert list (JSON or CSV), newest first, one alert, and its acknowledgement."""
from __future__ import annotations

from enum import Enum
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlmodel import Session

from woms_app.api.csv_export import csv_response
from woms_app.api.deps import DB, current_viewer
from woms_app.api.ids import AlertId
from woms_app.models.enums import AlertSeverity, AlertStatus
from woms_app.services import alerts as svc
from woms_app.services.paging import MAX_EXPORT_ROWS, MAX_PAGE_SIZE
from woms_app.services.viewer import MAX_ID, Viewer

router = APIRouter(prefix="/alerts", tags=["alerts"])
ID_MAX = MAX_ID  # ids are INTEGER columns (int4 on PostgreSQL): larger ones cannot exist

SeverityParam = Enum("SeverityParam", {s.value: s.value for s in AlertSeverity}, type=str)
AlertStatusParam = Enum("AlertStatusParam", {s.value: s.value for s in AlertStatus}, type=str)


# the service's view is the response model: one definition of an alert's public fields
AlertOut = svc.AlertView


class AlertList(BaseModel):
    items: list[AlertOut]
    total: int
    page: int
    page_size: int


class AckIn(BaseModel):
    note: str = Field(default="", max_length=svc.ACK_NOTE_MAX, description="optional: what the acknowledger will do")


CSV_HEADER = ["id", "organization", "plant", "severity", "status", "title", "vendor_code", "category", "started_at",
              "resolved_at", "work_order_id", "acknowledged_at", "acknowledged_by", "ack_note", "message"]


@router.get("", response_model=AlertList, responses={200: {"content": {"text/csv": {}}}})
def list_alerts(
    severity: SeverityParam | None = None,
    status: AlertStatusParam | None = None,
    plant_id: int | None = Query(default=None, ge=1, le=ID_MAX),
    org_id: int | None = Query(default=None, ge=1, le=ID_MAX),
    acknowledged: bool | None = Query(default=None, description="true: acknowledged only; false: not yet"),
    q: str = Query(default="", max_length=100, description="title or plant name contains"),
    page: int = Query(default=1, ge=1),
    page_size: int = Query(default=25, ge=1, le=MAX_PAGE_SIZE),
    format: Literal["json", "csv"] = "json",
    viewer: Viewer = Depends(current_viewer),
    session: Session = DB,
):
    """Newest first, scoped to the viewer. ``format=csv`` exports every matching row (up to 10 000)."""
    filters = dict(severity=severity.value if severity else None, status=status.value if status else None,
                   plant_id=plant_id, org_id=org_id, acknowledged=acknowledged, search=q)
    if format == "csv":
        result = svc.list_alerts(session, viewer, **filters, page=1, page_size=MAX_EXPORT_ROWS, export=True)
        return csv_response("alerts", CSV_HEADER, (
            [a.id, a.org_name, a.plant_name, a.severity, a.status, a.title, a.vendor_code, a.category, a.started_at,
             a.resolved_at, a.work_order_id, a.acknowledged_at, a.acknowledged_by, a.ack_note, a.message]
            for a in result.items))
    result = svc.list_alerts(session, viewer, **filters, page=page, page_size=page_size)
    return AlertList(items=result.items, total=result.total, page=page,
                     page_size=page_size)


@router.get("/{alert_id}", response_model=AlertOut)
def get_alert(alert_id: AlertId, viewer: Viewer = Depends(current_viewer),
              session: Session = DB) -> AlertOut:
    return svc.get_alert(session, viewer, alert_id)


@router.post("/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(alert_id: AlertId, body: AckIn, viewer: Viewer = Depends(current_viewer),
                session: Session = DB) -> AlertOut:
    """Acknowledge (seen, owned by the caller) with an optional note. 409 when already acknowledged (the answer
    names who and when); GOVT answers 403."""
    return svc.acknowledge(session, viewer, alert_id, body.note)


@router.delete("/{alert_id}/acknowledge", response_model=AlertOut)
def unacknowledge(alert_id: AlertId, viewer: Viewer = Depends(current_viewer),
                  session: Session = DB) -> AlertOut:
    """Take the acknowledgement back. 409 when the alert is not acknowledged."""
    return svc.unacknowledge(session, viewer, alert_id)
