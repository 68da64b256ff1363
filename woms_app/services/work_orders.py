"""Work orders: scoped lists, detail with plants and history, creation (also from an alert),
plant assignments and status transitions.

The rule "a plant is on at most one active work order" is checked here first (for a clear
message naming the other work order) and enforced by the database's partial unique index
``uq_work_order_plants_one_active`` (for races): an IntegrityError becomes the same 409.
GOVT viewers never write; ids outside the viewer's scope answer NotFound.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.errors import Conflict, NotFound, ValidationFailed
from woms_app.models.alert import Alert
from woms_app.models.enums import ACTIVE_WORK_ORDER_STATUSES, Priority, WorkOrderStatus
from woms_app.models.org import Account, Organization
from woms_app.models.plant import Plant
from woms_app.models.work_order import WorkOrder, WorkOrderEvent, WorkOrderPlant
from woms_app.services import audit
from woms_app.services.paging import MAX_EXPORT_ROWS, MAX_PAGE_SIZE, Page
from woms_app.services.viewer import (
    Viewer,
    can_see_org,
    get_scoped,
    require_write_org,
    require_writer,
    scoped,
)

log = logging.getLogger(__name__)

TRANSITIONS: dict[WorkOrderStatus, tuple[WorkOrderStatus, ...]] = {
    WorkOrderStatus.OPEN: (WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.CANCELLED),
    WorkOrderStatus.IN_PROGRESS: (WorkOrderStatus.DONE, WorkOrderStatus.CANCELLED),
    WorkOrderStatus.DONE: (),
    WorkOrderStatus.CANCELLED: (),
}
TITLE_MIN, TITLE_MAX = 3, 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 500
MAX_PLANTS = 100


# ---------------------------------------------------------------- views (plain data for API and state)

@dataclass
class WorkOrderSummary:
    id: int
    org_id: int
    org_name: str
    title: str
    priority: Priority
    status: WorkOrderStatus
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    created_by: str
    plant_names: list[str] = field(default_factory=list)


@dataclass
class PlantLink:
    plant_id: int
    plant_name: str
    is_active: bool
    assigned_at: datetime
    assigned_by: str
    deactivated_at: datetime | None
    deactivated_by: str


@dataclass
class HistoryEntry:
    at: datetime
    who: str
    kind: str
    from_status: WorkOrderStatus | None
    to_status: WorkOrderStatus | None
    note: str


@dataclass
class LinkedAlert:
    id: int
    title: str
    severity: str
    status: str
    started_at: datetime


@dataclass
class WorkOrderDetail:
    summary: WorkOrderSummary
    description: str
    plants: list[PlantLink]
    history: list[HistoryEntry]
    alerts: list[LinkedAlert]

    @property
    def next_statuses(self) -> tuple[WorkOrderStatus, ...]:
        return TRANSITIONS[self.summary.status]


@dataclass
class PlantOption:
    """A plant the viewer may put on a work order, with the active work order holding it (if any)."""

    id: int
    name: str
    org_id: int
    org_name: str
    busy_work_order_id: int | None = None
    busy_work_order_title: str = ""

    @property
    def busy_message(self) -> str:
        if self.busy_work_order_id is None:
            return ""
        return busy_message(self.name, self.busy_work_order_id, self.busy_work_order_title)


@dataclass
class Draft:
    """A work order prefilled from an alert or a failed checklist item (not saved); ``alert_id`` None: no alert."""

    title: str
    description: str
    priority: Priority
    plant_ids: list[int]
    alert_id: int | None
    org_id: int


def busy_message(plant_name: str, wo_id: int, wo_title: str) -> str:
    return f"Plant {plant_name} is already on active work order #{wo_id} '{wo_title}'"


# ---------------------------------------------------------------- validation helpers

def _clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise ValidationFailed(f"Title must be {TITLE_MIN}–{TITLE_MAX} characters", field="title")
    return title


def _clean_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(f"Description must be at most {DESCRIPTION_MAX} characters", field="description")
    return description


def _parse_enum(enum_cls, value, field_name: str):
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(str(value).strip().upper())
    except ValueError as exc:
        allowed = ", ".join(enum_cls.values())
        raise ValidationFailed(f"{field_name} must be one of {allowed}", field=field_name) from exc


def parse_status(value) -> WorkOrderStatus:
    return _parse_enum(WorkOrderStatus, value, "status")


def parse_priority(value) -> Priority:
    return _parse_enum(Priority, value, "priority")


def _check_paging(page: int, page_size: int, limit: int) -> None:
    if page < 1:
        raise ValidationFailed("page must be ≥ 1", field="page")
    if not 1 <= page_size <= limit:
        raise ValidationFailed(f"page_size must be 1–{limit}", field="page_size")


def _emails(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = session.exec(select(Account.id, Account.email).where(Account.id.in_(ids))).all()
    return {i: e for i, e in rows}


# ---------------------------------------------------------------- reads

def list_work_orders(session: Session, viewer: Viewer, *, status: str | WorkOrderStatus | None = None,
                     priority: str | Priority | None = None, plant_id: int | None = None, org_id: int | None = None,
                     search: str = "", page: int = 1, page_size: int = 25, export: bool = False) -> Page:
    """Newest first. ``plant_id`` matches work orders that ever had the plant. ``search`` matches the
    title (case-insensitive) or ``#id``. ``export`` allows up to MAX_EXPORT_ROWS rows per page."""
    _check_paging(page, page_size, MAX_EXPORT_ROWS if export else MAX_PAGE_SIZE)
    stmt = scoped(select(WorkOrder, Organization.name).join(Organization, Organization.id == WorkOrder.org_id),
                  viewer, WorkOrder)
    if status:
        stmt = stmt.where(WorkOrder.status == parse_status(status))
    if priority:
        stmt = stmt.where(WorkOrder.priority == parse_priority(priority))
    if org_id is not None:
        stmt = stmt.where(WorkOrder.org_id == org_id)
    if plant_id is not None:
        stmt = stmt.where(sa.exists().where(WorkOrderPlant.work_order_id == WorkOrder.id,
                                            WorkOrderPlant.plant_id == plant_id))
    term = (search or "").strip()[:100]
    if term:
        cond = sa.func.lower(WorkOrder.title).contains(term.lower(), autoescape=True)
        digits = term.lstrip("#")
        if digits.isdigit() and len(digits) < 10:
            cond = sa.or_(cond, WorkOrder.id == int(digits))
        stmt = stmt.where(cond)
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
                        .offset((page - 1) * page_size).limit(page_size)).all()
    items = _summaries(session, rows)
    audit.record_read(session, viewer, "work_orders",
                      detail=f"list status={status} priority={priority} plant={plant_id} q={term!r} page={page}")
    return Page(items=items, total=total)


def _summaries(session: Session, rows) -> list[WorkOrderSummary]:
    wos = [wo for wo, _ in rows]
    ids = [wo.id for wo in wos]
    names: dict[int, list[tuple[str, bool]]] = {i: [] for i in ids}
    if ids:
        for wo_id, name, active in session.exec(
            select(WorkOrderPlant.work_order_id, Plant.name, WorkOrderPlant.is_active)
            .join(Plant, Plant.id == WorkOrderPlant.plant_id)
            .where(WorkOrderPlant.work_order_id.in_(ids)).order_by(Plant.name)
        ).all():
            names[wo_id].append((name, active))
    emails = _emails(session, {wo.created_by for wo in wos})
    out = []
    for wo, org_name in rows:
        links = names[wo.id]
        if wo.status in ACTIVE_WORK_ORDER_STATUSES:
            shown = [n for n, active in links if active]
        else:  # closed: the plants it had (released at closing)
            shown = list(dict.fromkeys(n for n, _ in links))
        out.append(WorkOrderSummary(id=wo.id, org_id=wo.org_id, org_name=org_name, title=wo.title,
                                    priority=Priority(wo.priority), status=WorkOrderStatus(wo.status),
                                    created_at=wo.created_at, updated_at=wo.updated_at, closed_at=wo.closed_at,
                                    created_by=emails.get(wo.created_by, ""), plant_names=shown))
    return out


def get_work_order(session: Session, viewer: Viewer, wo_id: int) -> WorkOrderDetail:
    wo = get_scoped(session, viewer, WorkOrder, wo_id, "Work order")
    detail = _detail(session, wo)
    audit.record_read(session, viewer, "work_orders", wo.id, org_id=wo.org_id)
    return detail


def _detail(session: Session, wo: WorkOrder) -> WorkOrderDetail:
    org_name = session.exec(select(Organization.name).where(Organization.id == wo.org_id)).one()
    summary = _summaries(session, [(wo, org_name)])[0]
    links = session.exec(
        select(WorkOrderPlant, Plant.name).join(Plant, Plant.id == WorkOrderPlant.plant_id)
        .where(WorkOrderPlant.work_order_id == wo.id)
        .order_by(WorkOrderPlant.is_active.desc(), Plant.name, WorkOrderPlant.assigned_at.desc())
    ).all()
    events = session.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == wo.id)
                          .order_by(WorkOrderEvent.at.desc(), WorkOrderEvent.id.desc())).all()
    emails = _emails(session, {link.assigned_by for link, _ in links} | {link.deactivated_by for link, _ in links}
                     | {e.account_id for e in events})
    alerts = session.exec(select(Alert).where(Alert.work_order_id == wo.id).order_by(Alert.started_at.desc())).all()
    return WorkOrderDetail(
        summary=summary,
        description=wo.description,
        plants=[PlantLink(plant_id=link.plant_id, plant_name=name, is_active=link.is_active,
                          assigned_at=link.assigned_at, assigned_by=emails.get(link.assigned_by, ""),
                          deactivated_at=link.deactivated_at, deactivated_by=emails.get(link.deactivated_by, ""))
                for link, name in links],
        history=[HistoryEntry(at=e.at, who=emails.get(e.account_id, "system"), kind=e.kind,
                              from_status=WorkOrderStatus(e.from_status) if e.from_status else None,
                              to_status=WorkOrderStatus(e.to_status) if e.to_status else None, note=e.note)
                 for e in events],
        alerts=[LinkedAlert(id=a.id, title=a.title, severity=str(getattr(a.severity, "value", a.severity)),
                            status=str(getattr(a.status, "value", a.status)), started_at=a.started_at)
                for a in alerts],
    )


def active_work_order_of_plant(session: Session, plant_id: int) -> WorkOrder | None:
    """The active work order holding ``plant_id`` (unscoped; for services such as the alert sync)."""
    return session.exec(
        select(WorkOrder).join(WorkOrderPlant, WorkOrderPlant.work_order_id == WorkOrder.id)
        .where(WorkOrderPlant.plant_id == plant_id, WorkOrderPlant.is_active)
    ).first()


def _busy(session: Session, plant_ids: list[int], *, except_wo: int | None = None) -> dict[int, tuple[int, str]]:
    """plant id → (work order id, title) of the active assignment holding it."""
    if not plant_ids:
        return {}
    stmt = (select(WorkOrderPlant.plant_id, WorkOrder.id, WorkOrder.title)
            .join(WorkOrder, WorkOrder.id == WorkOrderPlant.work_order_id)
            .where(WorkOrderPlant.plant_id.in_(plant_ids), WorkOrderPlant.is_active))
    if except_wo is not None:
        stmt = stmt.where(WorkOrderPlant.work_order_id != except_wo)
    return {p: (w, t) for p, w, t in session.exec(stmt).all()}


def plant_options(session: Session, viewer: Viewer, *, search: str = "", org_id: int | None = None,
                  limit: int = 50) -> list[PlantOption]:
    """Plants for the work-order forms (scoped, searchable), each with the active WO holding it."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    stmt = scoped(select(Plant.id, Plant.name, Plant.org_id, Organization.name)
                  .join(Organization, Organization.id == Plant.org_id), viewer, Plant)
    if org_id is not None:
        stmt = stmt.where(Plant.org_id == org_id)
    term = (search or "").strip()[:100]
    if term:
        stmt = stmt.where(sa.func.lower(Plant.name).contains(term.lower(), autoescape=True))
    rows = session.exec(stmt.order_by(Plant.name, Plant.id).limit(limit)).all()
    busy = _busy(session, [r[0] for r in rows])
    audit.record_read(session, viewer, "plants", detail=f"work-order plant options q={term!r}")
    return [PlantOption(id=pid, name=name, org_id=oid, org_name=org_name,
                        busy_work_order_id=busy.get(pid, (None, ""))[0],
                        busy_work_order_title=busy.get(pid, (None, ""))[1])
            for pid, name, oid, org_name in rows]


# ---------------------------------------------------------------- writes

def _announce(session: Session, org_id: int, *topics: str) -> None:
    """Tell live viewers (change feed) after the commit: work orders changed, and what else did."""
    feed.publish_after_commit(session, org_id, feed.WORK_ORDERS, *topics)


def _event(session: Session, viewer: Viewer, wo: WorkOrder, kind: str, *, note: str = "",
           from_status: WorkOrderStatus | None = None, to_status: WorkOrderStatus | None = None) -> None:
    session.add(WorkOrderEvent(work_order_id=wo.id, account_id=viewer.account_id, kind=kind, note=note[:NOTE_MAX],
                               from_status=from_status.value if from_status else None,
                               to_status=to_status.value if to_status else None, at=utcnow()))


def _load_plants(session: Session, viewer: Viewer, plant_ids) -> list[Plant]:
    try:
        ids = list(dict.fromkeys(int(p) for p in (plant_ids or [])))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("plant_ids must be a list of plant ids", field="plant_ids") from exc
    if not ids:
        raise ValidationFailed("Pick at least one plant", field="plant_ids")
    if len(ids) > MAX_PLANTS:
        raise ValidationFailed(f"A work order can hold at most {MAX_PLANTS} plants", field="plant_ids")
    plants = session.exec(select(Plant).where(Plant.id.in_(ids))).all()
    found = {p.id: p for p in plants if can_see_org(viewer, p.org_id)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"Plant {missing[0]} not found", field="plant_ids")
    return [found[i] for i in ids]


def _refuse_busy(session: Session, plants: list[Plant], *, except_wo: int | None = None) -> None:
    busy = _busy(session, [p.id for p in plants], except_wo=except_wo)
    for p in plants:
        if p.id in busy:
            raise Conflict(busy_message(p.name, *busy[p.id]), field="plant_ids")


def _flush_assignments(session: Session, plants: list[Plant], wo_id: int | None) -> None:
    """Flush new active assignments; the partial unique index refuses a plant taken meanwhile."""
    names = [(p.id, p.name) for p in plants]
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        busy = _busy(session, [pid for pid, _ in names], except_wo=wo_id)
        for pid, name in names:
            if pid in busy:
                raise Conflict(busy_message(name, *busy[pid]), field="plant_ids") from exc
        raise Conflict("A plant was just put on another work order; reload and try again",
                       field="plant_ids") from exc


def draft_from_alert(session: Session, viewer: Viewer, alert_id: int) -> Draft:
    """A work order prefilled from an alert (title, description, priority from severity, its plant)."""
    alert = get_scoped(session, viewer, Alert, alert_id, "Alert")
    plant = session.get(Plant, alert.plant_id)
    sev = str(getattr(alert.severity, "value", alert.severity))
    priority = {"critical": Priority.CRITICAL, "major": Priority.HIGH, "minor": Priority.MEDIUM}.get(sev, Priority.LOW)
    lines = [f"From {sev} alert #{alert.id} on {plant.name if plant else 'plant'} "
             f"started {alert.started_at:%Y-%m-%d %H:%M} UTC."]
    if alert.vendor_code:
        lines.append(f"Vendor code: {alert.vendor_code}")
    if alert.message:
        lines.append(alert.message)
    title = alert.title.strip() or "Alert"
    title = (f"{title} — {plant.name}" if plant else title)[:TITLE_MAX]
    if len(title) < TITLE_MIN:
        title = f"Alert #{alert.id}"
    audit.record_read(session, viewer, "alerts", alert.id, org_id=alert.org_id, detail="work order draft")
    return Draft(title=title, description="\n".join(lines)[:DESCRIPTION_MAX], priority=priority,
                 plant_ids=[alert.plant_id], alert_id=alert.id, org_id=alert.org_id)


def create_work_order(session: Session, viewer: Viewer, *, title: str, description: str = "",
                      priority: str | Priority = Priority.MEDIUM, plant_ids, alert_id: int | None = None) -> WorkOrder:
    """Create an OPEN work order on ``plant_ids`` (one organization, visible to the viewer, none on another
    active work order). With ``alert_id`` the alert is linked to it."""
    require_writer(viewer)
    title = _clean_title(title)
    description = _clean_description(description)
    priority = parse_priority(priority)
    plants = _load_plants(session, viewer, plant_ids)
    orgs = {p.org_id for p in plants}
    if len(orgs) > 1:
        raise ValidationFailed("All plants of a work order must belong to one organization", field="plant_ids")
    org_id = orgs.pop()
    require_write_org(viewer, org_id)
    alert = None
    if alert_id is not None:
        alert = get_scoped(session, viewer, Alert, alert_id, "Alert")
        if alert.org_id != org_id:
            raise ValidationFailed("The alert belongs to another organization than the plants", field="alert_id")
        if alert.work_order_id is not None:
            linked = session.get(WorkOrder, alert.work_order_id)
            if linked is not None and WorkOrderStatus(linked.status) in ACTIVE_WORK_ORDER_STATUSES:
                raise Conflict(f"The alert is already linked to active work order #{linked.id} '{linked.title}'",
                               field="alert_id")
    _refuse_busy(session, plants)

    now = utcnow()
    wo = WorkOrder(org_id=org_id, title=title, description=description, priority=priority,
                   status=WorkOrderStatus.OPEN, created_by=viewer.account_id, created_at=now, updated_at=now)
    session.add(wo)
    session.flush()
    for p in plants:
        session.add(WorkOrderPlant(work_order_id=wo.id, plant_id=p.id, is_active=True, assigned_at=now,
                                   assigned_by=viewer.account_id))
    _flush_assignments(session, plants, wo.id)
    _event(session, viewer, wo, "created", to_status=WorkOrderStatus.OPEN,
           note=f"Plants: {', '.join(p.name for p in plants)}")
    if alert is not None:
        alert.work_order_id = wo.id
        alert.updated_at = now
        session.add(alert)
        _event(session, viewer, wo, "alert_linked", note=f"Alert #{alert.id}: {alert.title}")
    audit.record_write(session, viewer, "create", "work_orders", wo.id, org_id=org_id,
                       detail=f"{title!r} plants={[p.id for p in plants]}" + (f" alert={alert.id}" if alert else ""))
    _announce(session, org_id, feed.PLANTS, *((feed.ALERTS,) if alert else ()))
    session.flush()
    return wo


def _writable_wo(session: Session, viewer: Viewer, wo_id: int) -> WorkOrder:
    require_writer(viewer)
    wo = get_scoped(session, viewer, WorkOrder, wo_id, "Work order")
    require_write_org(viewer, wo.org_id)
    return wo


def assign_plant(session: Session, viewer: Viewer, wo_id: int, plant_id: int) -> WorkOrder:
    """Put one more plant on an active work order."""
    wo = _writable_wo(session, viewer, wo_id)
    plant = get_scoped(session, viewer, Plant, plant_id, "Plant")
    status = WorkOrderStatus(wo.status)
    if status not in ACTIVE_WORK_ORDER_STATUSES:
        raise Conflict(f"Work order #{wo.id} is {status.label.lower()}; plants can only be added to open or "
                       "in-progress work orders", field="plant_id")
    if plant.org_id != wo.org_id:
        raise ValidationFailed(f"Plant {plant.name} belongs to another organization than work order #{wo.id}",
                               field="plant_id")
    own = session.exec(select(WorkOrderPlant.id).where(WorkOrderPlant.work_order_id == wo.id,
                                                       WorkOrderPlant.plant_id == plant.id,
                                                       WorkOrderPlant.is_active)).first()
    if own is not None:
        raise Conflict(f"Plant {plant.name} is already on this work order", field="plant_id")
    _refuse_busy(session, [plant])
    now = utcnow()
    session.add(WorkOrderPlant(work_order_id=wo.id, plant_id=plant.id, is_active=True, assigned_at=now,
                               assigned_by=viewer.account_id))
    _flush_assignments(session, [plant], wo.id)
    wo.updated_at = now
    session.add(wo)
    _event(session, viewer, wo, "plant_added", note=f"Plant {plant.name}")
    audit.record_write(session, viewer, "assign_plant", "work_orders", wo.id, org_id=wo.org_id,
                       detail=f"plant={plant.id}")
    _announce(session, wo.org_id, feed.PLANTS)
    session.flush()
    return wo


def deactivate_plant(session: Session, viewer: Viewer, wo_id: int, plant_id: int) -> WorkOrder:
    """End a plant's active assignment on a work order (the row stays, for history)."""
    wo = _writable_wo(session, viewer, wo_id)
    plant = get_scoped(session, viewer, Plant, plant_id, "Plant")
    link = session.exec(select(WorkOrderPlant).where(WorkOrderPlant.work_order_id == wo.id,
                                                     WorkOrderPlant.plant_id == plant.id,
                                                     WorkOrderPlant.is_active)).first()
    if link is None:
        raise Conflict(f"Plant {plant.name} is not active on work order #{wo.id}", field="plant_id")
    now = utcnow()
    link.is_active = False
    link.deactivated_at = now
    link.deactivated_by = viewer.account_id
    session.add(link)
    wo.updated_at = now
    session.add(wo)
    _event(session, viewer, wo, "plant_removed", note=f"Plant {plant.name}")
    audit.record_write(session, viewer, "deactivate_plant", "work_orders", wo.id, org_id=wo.org_id,
                       detail=f"plant={plant.id}")
    _announce(session, wo.org_id, feed.PLANTS)
    session.flush()
    return wo


def change_status(session: Session, viewer: Viewer, wo_id: int, to_status: str | WorkOrderStatus,
                  note: str = "") -> WorkOrder:
    """OPEN → IN_PROGRESS → DONE; OPEN/IN_PROGRESS → CANCELLED. Closing sets closed_at and frees the plants."""
    target = parse_status(to_status)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"Note must be at most {NOTE_MAX} characters", field="note")
    wo = _writable_wo(session, viewer, wo_id)
    current = WorkOrderStatus(wo.status)
    if target not in TRANSITIONS[current]:
        allowed = " or ".join(s.label.lower() for s in TRANSITIONS[current])
        hint = f"it can move to {allowed}" if allowed else "it is closed"
        raise Conflict(f"Work order #{wo.id} is {current.label.lower()}: it cannot move to "
                       f"{target.label.lower()} ({hint})", field="status")
    now = utcnow()
    values = {"status": target, "updated_at": now}
    if target not in ACTIVE_WORK_ORDER_STATUSES:
        values["closed_at"] = now
    # compare-and-set: a concurrent transition of the same work order makes this one fail cleanly
    result = session.execute(sa.update(WorkOrder).where(WorkOrder.id == wo.id, WorkOrder.status == current)
                             .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(f"Work order #{wo.id} was changed meanwhile; reload and try again", field="status")
    released = 0
    if target not in ACTIVE_WORK_ORDER_STATUSES:
        released = session.execute(
            sa.update(WorkOrderPlant).where(WorkOrderPlant.work_order_id == wo.id, WorkOrderPlant.is_active)
            .values(is_active=False, deactivated_at=now, deactivated_by=viewer.account_id)
            .execution_options(synchronize_session=False)).rowcount
    session.expire(wo)
    extra = f"{released} plant(s) released" if released else ""
    _event(session, viewer, wo, "status", from_status=current, to_status=target,
           note="; ".join(x for x in (note, extra) if x))
    audit.record_write(session, viewer, "status", "work_orders", wo.id, org_id=wo.org_id,
                       detail=f"{current.value} -> {target.value}")
    _announce(session, wo.org_id, *((feed.PLANTS,) if released else ()))
    if target not in ACTIVE_WORK_ORDER_STATUSES:
        snapshots_after_commit(session, wo.id)
    session.flush()
    session.refresh(wo)
    return wo


def snapshots_after_commit(session: Session, wo_id: int) -> None:
    """Recompute the work order's before / during / after snapshots once ``session`` commits (closing ends the
    "during" window and opens "after": the figures change now, not at the next hourly job)."""
    pending: set[int] = session.info.setdefault(_SNAPSHOT_KEY, set())
    if not pending:
        sa.event.listen(session, "after_commit", _refresh_snapshots, once=True)
        sa.event.listen(session, "after_rollback", _drop_snapshots, once=True)
    pending.add(int(wo_id))


_SNAPSHOT_KEY = "woms_wo_snapshots_pending"


def _refresh_snapshots(session: Session) -> None:
    ids = session.info.pop(_SNAPSHOT_KEY, set())
    if sa.event.contains(session, "after_rollback", _drop_snapshots):
        sa.event.remove(session, "after_rollback", _drop_snapshots)
    if not ids:
        return
    from woms_app.services import kpis

    try:
        kpis.refresh_work_order_snapshots(work_order_ids=sorted(ids))
    except Exception:  # the close is committed; the hourly job computes the snapshots again
        log.exception("work-order snapshots after closing %s failed", sorted(ids))


def _drop_snapshots(session: Session) -> None:
    session.info.pop(_SNAPSHOT_KEY, None)
    if sa.event.contains(session, "after_commit", _refresh_snapshots):
        sa.event.remove(session, "after_commit", _refresh_snapshots)


def detail_after_write(session: Session, wo: WorkOrder) -> WorkOrderDetail:
    """The detail of a work order the viewer just wrote (no read audit needed)."""
    return _detail(session, wo)


__all__ = [
    "TRANSITIONS", "Draft", "HistoryEntry", "LinkedAlert", "PlantLink", "PlantOption",
    "WorkOrderDetail", "WorkOrderSummary", "active_work_order_of_plant", "assign_plant", "busy_message",
    "change_status", "create_work_order", "deactivate_plant", "detail_after_write", "draft_from_alert",
    "get_work_order", "list_work_orders", "parse_priority", "parse_status", "plant_options",
]
