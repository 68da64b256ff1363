"""Alerts: scoped lists (newest first) and lookups. Alerts are written by the vendor sync, not here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core.errors import ValidationFailed
from woms_app.models.alert import Alert
from woms_app.models.enums import AlertSeverity, AlertStatus, WorkOrderStatus
from woms_app.models.org import Organization
from woms_app.models.plant import Plant
from woms_app.models.work_order import WorkOrder
from woms_app.services import audit
from woms_app.services.paging import MAX_EXPORT_ROWS, MAX_PAGE_SIZE, Page
from woms_app.services.viewer import Viewer, get_scoped, scoped


@dataclass
class AlertView:
    id: int
    org_id: int
    org_name: str
    plant_id: int
    plant_name: str
    title: str
    message: str
    vendor_code: str
    severity: AlertSeverity
    category: str
    status: AlertStatus
    started_at: datetime
    resolved_at: datetime | None
    work_order_id: int | None
    work_order_title: str
    work_order_status: WorkOrderStatus | None

    @property
    def has_active_work_order(self) -> bool:
        return self.work_order_status is not None and self.work_order_status.is_active


def _parse(enum_cls, value, name: str):
    if isinstance(value, enum_cls):
        return value
    raw = str(value).strip()
    for candidate in (raw, raw.lower(), raw.upper()):
        try:
            return enum_cls(candidate)
        except ValueError:
            continue
    raise ValidationFailed(f"{name} must be one of {', '.join(enum_cls.values())}", field=name)


def parse_severity(value) -> AlertSeverity:
    return _parse(AlertSeverity, value, "severity")


def parse_alert_status(value) -> AlertStatus:
    return _parse(AlertStatus, value, "status")


def _base():
    return (select(Alert, Organization.name, Plant.name, WorkOrder.title, WorkOrder.status)
            .join(Organization, Organization.id == Alert.org_id)
            .join(Plant, Plant.id == Alert.plant_id)
            .outerjoin(WorkOrder, WorkOrder.id == Alert.work_order_id))


def _view(row) -> AlertView:
    a, org_name, plant_name, wo_title, wo_status = row
    return AlertView(id=a.id, org_id=a.org_id, org_name=org_name, plant_id=a.plant_id, plant_name=plant_name,
                     title=a.title, message=a.message, vendor_code=a.vendor_code, severity=AlertSeverity(a.severity),
                     category=a.category, status=AlertStatus(a.status), started_at=a.started_at,
                     resolved_at=a.resolved_at, work_order_id=a.work_order_id, work_order_title=wo_title or "",
                     work_order_status=WorkOrderStatus(wo_status) if wo_status else None)


def list_alerts(session: Session, viewer: Viewer, *, severity: str | AlertSeverity | None = None,
                status: str | AlertStatus | None = None, plant_id: int | None = None, org_id: int | None = None,
                search: str = "", page: int = 1, page_size: int = 25, export: bool = False) -> Page:
    """Newest first (by start time). ``org_id`` narrows a fleet-wide viewer's list; it never widens a scope."""
    limit = MAX_EXPORT_ROWS if export else MAX_PAGE_SIZE
    if page < 1:
        raise ValidationFailed("page must be ≥ 1", field="page")
    if not 1 <= page_size <= limit:
        raise ValidationFailed(f"page_size must be 1–{limit}", field="page_size")
    stmt = scoped(_base(), viewer, Alert)
    if severity:
        stmt = stmt.where(Alert.severity == parse_severity(severity))
    if status:
        stmt = stmt.where(Alert.status == parse_alert_status(status))
    if plant_id is not None:
        stmt = stmt.where(Alert.plant_id == plant_id)
    if org_id is not None:
        stmt = stmt.where(Alert.org_id == org_id)
    term = (search or "").strip()[:100].lower()
    if term:
        stmt = stmt.where(sa.or_(sa.func.lower(Alert.title).contains(term, autoescape=True),
                                 sa.func.lower(Plant.name).contains(term, autoescape=True)))
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(Alert.started_at.desc(), Alert.id.desc())
                        .offset((page - 1) * page_size).limit(page_size)).all()
    audit.record_read(session, viewer, "alerts",
                      detail=f"list severity={severity} status={status} plant={plant_id} org={org_id} page={page}")
    return Page(items=[_view(r) for r in rows], total=total)


def get_alert(session: Session, viewer: Viewer, alert_id: int) -> AlertView:
    alert = get_scoped(session, viewer, Alert, alert_id, "Alert")
    row = session.exec(_base().where(Alert.id == alert.id)).one()
    audit.record_read(session, viewer, "alerts", alert.id, org_id=alert.org_id)
    return _view(row)
