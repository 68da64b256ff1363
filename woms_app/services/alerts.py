"""Alerts: scoped lists (newest first), lookups, and acknowledgement.

Alerts are written by the vendor sync; people only acknowledge them ("I have seen this and own it"), with an
optional note, and may take that back. The sync never touches the acknowledgement, so an alert that resolves and
comes back keeps who acknowledged it. Acknowledging is a write: GOVT accounts cannot, and every change is audited
and announced on the change feed so every open alerts list shows it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.errors import Conflict, ValidationFailed
from woms_app.models.alert import Alert
from woms_app.models.enums import AlertSeverity, AlertStatus, WorkOrderStatus
from woms_app.models.notification import EventKind
from woms_app.models.org import Account, Organization
from woms_app.models.plant import Plant
from woms_app.models.work_order import WorkOrder
from woms_app.services import audit
from woms_app.services.notifications import prefs
from woms_app.services.paging import MAX_EXPORT_ROWS, MAX_PAGE_SIZE, Page
from woms_app.services.viewer import Viewer, get_scoped, require_write_org, require_writer, scoped

ACK_NOTE_MAX = 500
#: the severities that raise a toast on every open page of the people who may see the alert
TOAST_SEVERITIES = (AlertSeverity.CRITICAL, AlertSeverity.MAJOR)


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
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""  # the e-mail of who acknowledged it ("" when nobody did, or the account is gone)
    ack_note: str = ""

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def has_active_work_order(self) -> bool:
        return self.work_order_status is not None and self.work_order_status.is_active


def parse_severity(value) -> AlertSeverity:
    return AlertSeverity.parse(value, "severity")


def parse_alert_status(value) -> AlertStatus:
    return AlertStatus.parse(value, "status")


def parse_acknowledged(value) -> bool | None:
    """``yes``/``no`` (or true/false, 1/0) → a filter; empty → no filter."""
    if value is None or isinstance(value, bool):
        return value
    raw = str(value).strip().lower()
    if raw == "":
        return None
    if raw in ("yes", "true", "1"):
        return True
    if raw in ("no", "false", "0"):
        return False
    raise ValidationFailed("acknowledged must be yes or no", field="acknowledged")


def _base():
    return (select(Alert, Organization.name, Plant.name, WorkOrder.title, WorkOrder.status, Account.email)
            .join(Organization, Organization.id == Alert.org_id)
            .join(Plant, Plant.id == Alert.plant_id)
            .outerjoin(WorkOrder, WorkOrder.id == Alert.work_order_id)
            .outerjoin(Account, Account.id == Alert.acknowledged_by))


def _view(row) -> AlertView:
    a, org_name, plant_name, wo_title, wo_status, ack_email = row
    return AlertView(id=a.id, org_id=a.org_id, org_name=org_name, plant_id=a.plant_id, plant_name=plant_name,
                     title=a.title, message=a.message, vendor_code=a.vendor_code, severity=AlertSeverity(a.severity),
                     category=a.category, status=AlertStatus(a.status), started_at=a.started_at,
                     resolved_at=a.resolved_at, work_order_id=a.work_order_id, work_order_title=wo_title or "",
                     work_order_status=WorkOrderStatus(wo_status) if wo_status else None,
                     acknowledged_at=a.acknowledged_at, acknowledged_by=ack_email or "", ack_note=a.ack_note or "")


def list_alerts(session: Session, viewer: Viewer, *, severity: str | AlertSeverity | None = None,
                status: str | AlertStatus | None = None, plant_id: int | None = None, org_id: int | None = None,
                acknowledged: bool | str | None = None, search: str = "", page: int = 1, page_size: int = 25,
                export: bool = False) -> Page:
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
    ack = parse_acknowledged(acknowledged)
    if ack is not None:
        stmt = stmt.where(Alert.acknowledged_at.is_not(None) if ack else Alert.acknowledged_at.is_(None))
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
                      detail=f"list severity={severity} status={status} plant={plant_id} org={org_id} "
                             f"acknowledged={ack} page={page}")
    return Page(items=[_view(r) for r in rows], total=total)


def get_alert(session: Session, viewer: Viewer, alert_id: int) -> AlertView:
    alert = get_scoped(session, viewer, Alert, alert_id, "Alert")
    row = session.exec(_base().where(Alert.id == alert.id)).one()
    audit.record_read(session, viewer, "alerts", alert.id, org_id=alert.org_id)
    return _view(row)


def _writable_alert(session: Session, viewer: Viewer, alert_id: int) -> Alert:
    require_writer(viewer)
    alert = get_scoped(session, viewer, Alert, alert_id, "Alert")
    require_write_org(viewer, alert.org_id)
    return alert


def _who(session: Session, account_id: int | None) -> str:
    account = session.get(Account, account_id) if account_id is not None else None
    return account.email if account is not None else "someone"


def acknowledge(session: Session, viewer: Viewer, alert_id: int, note: str | None = "") -> AlertView:
    """Mark the alert as seen and owned by the viewer. An alert already acknowledged is refused (it names who
    did it and when) and keeps its acknowledgement: taking it over means un-acknowledging first."""
    alert = _writable_alert(session, viewer, alert_id)
    text = " ".join((note or "").split())
    if len(text) > ACK_NOTE_MAX:
        raise ValidationFailed(f"Note must be at most {ACK_NOTE_MAX} characters", field="note")
    if alert.status != AlertStatus.ACTIVE:
        raise Conflict("Alert is resolved: there is nothing left to acknowledge")
    if alert.acknowledged_at is not None:
        raise Conflict(f"Alert already acknowledged by {_who(session, alert.acknowledged_by)} at "
                       f"{alert.acknowledged_at:%Y-%m-%d %H:%M} UTC")
    now = utcnow()
    alert.acknowledged_at, alert.acknowledged_by, alert.ack_note = now, viewer.account_id, text
    session.add(alert)
    audit.record_write(session, viewer, "alert.acknowledge", "alerts", alert.id, org_id=alert.org_id,
                       detail=text[:200])
    feed.publish_after_commit(session, alert.org_id, feed.ALERTS)
    session.flush()
    return get_alert(session, viewer, alert.id)


def unacknowledge(session: Session, viewer: Viewer, alert_id: int) -> AlertView:
    """Take an acknowledgement back (anyone who may write the alert's organization may: the owner may be away)."""
    alert = _writable_alert(session, viewer, alert_id)
    if alert.acknowledged_at is None:
        raise Conflict("Alert is not acknowledged")
    previous = _who(session, alert.acknowledged_by)
    alert.acknowledged_at, alert.acknowledged_by, alert.ack_note = None, None, ""
    session.add(alert)
    audit.record_write(session, viewer, "alert.unacknowledge", "alerts", alert.id, org_id=alert.org_id,
                       detail=f"was acknowledged by {previous}")
    feed.publish_after_commit(session, alert.org_id, feed.ALERTS)
    session.flush()
    return get_alert(session, viewer, alert.id)


@dataclass(frozen=True)
class Attention:
    """What the sidebar badge and the alert toasts need: the count of active, unacknowledged alerts in the
    viewer's scope, and the newest alerts worth a toast (critical or major, active, unacknowledged) after an id."""

    unacknowledged: int
    newest_id: int
    to_announce: list[AlertView]


def _toast_severities(session: Session, viewer: Viewer) -> list[AlertSeverity]:
    """The severities that toast for this viewer: an ORG account's "new alert" preference (in the app on or off,
    and its minimum severity; the Notifications page sets it), else critical and major."""
    if not viewer.is_org or viewer.account_id is None:
        return list(TOAST_SEVERITIES)
    pref = prefs.effective(session, [viewer.account_id], EventKind.ALERT_NEW).get(viewer.account_id)
    if pref is None:
        return list(TOAST_SEVERITIES)
    if not pref.in_app:
        return []
    return [sev for sev in AlertSeverity if prefs.severity_wanted(sev, pref.min_severity)]


def attention(session: Session, viewer: Viewer, *, after_id: int | None = None, limit: int = 5) -> Attention:
    """The badge count, and (when ``after_id`` is given) the alerts newer than it worth a toast, oldest first.
    The count is not audited (it runs on every live push of every open tab); the alerts it returns for a toast are,
    as a read of those rows."""
    open_ = scoped(select(sa.func.count()).select_from(Alert), viewer, Alert).where(
        Alert.status == AlertStatus.ACTIVE, Alert.acknowledged_at.is_(None))
    count = int(session.exec(open_).one())
    newest = session.exec(scoped(select(sa.func.max(Alert.id)), viewer, Alert)).one() or 0
    fresh: list[AlertView] = []
    severities = _toast_severities(session, viewer)
    if after_id is not None and newest > after_id and severities:
        rows = session.exec(scoped(_base(), viewer, Alert).where(
            Alert.id > after_id, Alert.status == AlertStatus.ACTIVE, Alert.acknowledged_at.is_(None),
            Alert.severity.in_(severities)).order_by(Alert.id.desc()).limit(limit)).all()
        fresh = [_view(r) for r in reversed(rows)]
        if fresh:
            audit.record_read(session, viewer, "alerts", detail="toast " + ",".join(str(a.id) for a in fresh))
    return Attention(unacknowledged=count, newest_id=int(newest), to_announce=fresh)
