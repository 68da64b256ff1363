"""Work orders: scoped lists, detail with plants and history, creation (also from an alert), updates (type,
assignee, due time, ...), plant assignments and the lifecycle with its SLA clocks and closure.

The rule "a plant is on at most one active work order" is checked here first (for a clear
message naming the other work order) and enforced by the database's partial unique index
``uq_work_order_plants_one_active`` (for races): an IntegrityError becomes the same 409.
GOVT viewers never write; ids outside the viewer's scope answer NotFound.

Who may work a work order is one function, ``workable_work_order``: managers (and SUPERADMIN) every work order of
their scope, technicians the ones assigned to them or left unassigned. Technicians may create work orders (a field
find), change their status, comment and close them; they may take an unassigned one (assign it to themselves) but
not give one to a colleague, and they do not change priorities or due times (those move the SLA clocks).

Lifecycle (``TRANSITIONS``, the one source of the allowed moves, also for the UI via
``WorkOrderDetail.next_statuses``)::

    OPEN → IN_PROGRESS | CANCELLED
    IN_PROGRESS → ON_HOLD | DONE | CANCELLED
    ON_HOLD → IN_PROGRESS | CANCELLED
    DONE | CANCELLED → OPEN (reopen: the plants it released are held again, if they are free)

DONE needs a resolution note and a cause code of the closure taxonomy (services/closure_codes.py); CANCELLED a
reason; ON_HOLD takes an optional one. Every move is a history row with who, when and the note; every move is
checked completely before anything is written, so a refused one changes nothing. SLA clocks: services/sla.py.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from woms_app.models.alert import Alert
from woms_app.models.enums import (
    ACTIVE_WORK_ORDER_STATUSES,
    AccountType,
    OrgRole,
    Priority,
    WorkOrderStatus,
    WorkOrderType,
)
from woms_app.models.org import Account, Organization
from woms_app.models.plant import Plant
from woms_app.models.work_order import WorkOrder, WorkOrderEvent, WorkOrderPlant
from woms_app.services import audit, closure_codes, sla
from woms_app.services.notifications import events as notify
from woms_app.services.paging import MAX_EXPORT_ROWS, MAX_PAGE_SIZE, Page
from woms_app.services.sla import SlaView
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
    WorkOrderStatus.IN_PROGRESS: (WorkOrderStatus.ON_HOLD, WorkOrderStatus.DONE, WorkOrderStatus.CANCELLED),
    WorkOrderStatus.ON_HOLD: (WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.CANCELLED),
    WorkOrderStatus.DONE: (WorkOrderStatus.OPEN,),  # reopen
    WorkOrderStatus.CANCELLED: (WorkOrderStatus.OPEN,),  # reopen
}
CLOSED = (WorkOrderStatus.DONE, WorkOrderStatus.CANCELLED)
TITLE_MIN, TITLE_MAX = 3, 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 500
RESOLUTION_MAX = 4000
MAX_DUE_WITHIN_HOURS = 24 * 366
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
    wo_type: WorkOrderType = WorkOrderType.CORRECTIVE
    assignee_id: int | None = None
    assignee: str = ""  # the assignee's email ("" = unassigned)
    due_at: datetime | None = None
    sla: SlaView | None = None
    effective_due_at: datetime | None = None  # the earlier of due_at and the resolution clock (active only)
    cause_code: str | None = None  # DONE: the closure's cause


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
class Closure:
    """How a work order ended: DONE with codes, resolution and downtime; CANCELLED with a reason."""

    problem_code: str | None = None
    problem: str = ""
    cause_code: str | None = None
    cause: str = ""
    remedy_code: str | None = None
    remedy: str = ""
    resolution_note: str = ""
    downtime_start: datetime | None = None
    downtime_end: datetime | None = None
    cancel_reason: str = ""
    lost_energy_kwh: float | None = None  # expected − actual over the downtime window, computed at closing


@dataclass
class SlaTimes:
    started_at: datetime | None = None
    responded_at: datetime | None = None
    response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    hold_started_at: datetime | None = None
    held_seconds: int = 0


@dataclass
class WorkOrderDetail:
    summary: WorkOrderSummary
    description: str
    plants: list[PlantLink]
    history: list[HistoryEntry]
    alerts: list[LinkedAlert]
    closure: Closure = field(default_factory=Closure)
    sla_times: SlaTimes = field(default_factory=SlaTimes)

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


def parse_status(value) -> WorkOrderStatus:
    return WorkOrderStatus.parse(value, "status")


def parse_priority(value) -> Priority:
    return Priority.parse(value, "priority")


def parse_type(value) -> WorkOrderType:
    return WorkOrderType.parse(value, "wo_type", "type")


def _clean_due(value: datetime | None, not_before: datetime) -> datetime | None:
    """A due time: aware, and not before the work order exists."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationFailed("The due time needs a time zone (an ISO 8601 instant such as 2026-12-08T09:00Z)",
                               field="due_at")
    if value < not_before:
        raise ValidationFailed("The due time cannot be before the work order was created", field="due_at")
    return value


def _assignee(session: Session, org_id: int, assignee_id: int | None) -> Account | None:
    """The assignee: an active ORG account of the work order's organization (anything else is refused, the same
    way for a foreign or absent account, so ids do not leak)."""
    if assignee_id is None:
        return None
    acc = session.get(Account, assignee_id) if isinstance(assignee_id, int) and 0 < assignee_id else None
    if acc is None or AccountType(acc.account_type) != AccountType.ORG or acc.org_id != org_id or not acc.is_active:
        raise ValidationFailed("The assignee must be an active account of the work order's organization",
                               field="assignee_id")
    return acc


@dataclass(frozen=True)
class AssigneeOption:
    account_id: int
    label: str  # "Full Name (e-mail)", or the e-mail
    is_technician: bool


def assignee_options(session: Session, viewer: Viewer, org_id: int) -> list[AssigneeOption]:
    """Who a work order of ``org_id`` can be assigned to (its organization's active ORG accounts), for the viewer's
    scope only (another organization's people → NotFound). Technicians first, by name."""
    if not can_see_org(viewer, org_id):
        raise NotFound("Organization not found")
    rows = session.exec(select(Account).where(Account.org_id == org_id, Account.is_active.is_(True),
                                              Account.account_type == AccountType.ORG)).all()
    out = [AssigneeOption(account_id=a.id, label=f"{a.full_name} ({a.email})" if a.full_name else a.email,
                          is_technician=a.org_role != OrgRole.MANAGER) for a in rows if a.id is not None]
    return sorted(out, key=lambda o: (not o.is_technician, o.label.lower()))


def _refuse_delegation(viewer: Viewer, assignee_id: int | None, current: int | None = None) -> None:
    """A technician takes work (assigns it to themselves) but does not hand it to a colleague."""
    if viewer.is_technician and assignee_id not in (None, viewer.account_id, current):
        raise Forbidden("Technicians can assign a work order only to themselves: ask a manager to assign a colleague",
                        field="assignee_id")


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
                     search: str = "", page: int = 1, page_size: int = 25, export: bool = False,
                     wo_type: str | WorkOrderType | None = None, assignee_id: int | None = None,
                     unassigned: bool = False, overdue: bool = False, due_within_hours: float | None = None,
                     sort: str = "newest", active: bool = False) -> Page:
    """Newest first (``sort="due"``: soonest effective due time first, see services/sla.py). ``plant_id`` matches
    work orders that ever had the plant. ``search`` matches the title (case-insensitive) or ``#id``. ``overdue``
    and ``due_within_hours`` keep active work orders past, or within N hours of, their effective due time (the
    earlier of the due time and the resolution clock). ``active`` keeps open, in-progress and on-hold ones.
    ``export`` allows up to MAX_EXPORT_ROWS rows per page."""
    _check_paging(page, page_size, MAX_EXPORT_ROWS if export else MAX_PAGE_SIZE)
    if sort not in ("newest", "due"):
        raise ValidationFailed("sort must be newest or due", field="sort")
    if due_within_hours is not None and not 0 < due_within_hours <= MAX_DUE_WITHIN_HOURS:
        raise ValidationFailed(f"due_within_hours must be 1–{MAX_DUE_WITHIN_HOURS}", field="due_within_hours")
    now = utcnow()
    stmt = scoped(select(WorkOrder, Organization.name).join(Organization, Organization.id == WorkOrder.org_id),
                  viewer, WorkOrder)
    if status:
        stmt = stmt.where(WorkOrder.status == parse_status(status))
    if active:
        stmt = stmt.where(WorkOrder.status.in_(list(ACTIVE_WORK_ORDER_STATUSES)))
    if priority:
        stmt = stmt.where(WorkOrder.priority == parse_priority(priority))
    if org_id is not None:
        stmt = stmt.where(WorkOrder.org_id == org_id)
    if plant_id is not None:
        stmt = stmt.where(sa.exists().where(WorkOrderPlant.work_order_id == WorkOrder.id,
                                            WorkOrderPlant.plant_id == plant_id))
    if wo_type:
        stmt = stmt.where(WorkOrder.wo_type == parse_type(wo_type))
    if assignee_id is not None:
        stmt = stmt.where(WorkOrder.assignee_id == assignee_id)
    if unassigned:
        stmt = stmt.where(WorkOrder.assignee_id.is_(None))
    if overdue:
        stmt = stmt.where(sla.overdue_clause(now))
    if due_within_hours is not None:
        stmt = stmt.where(sla.due_within_clause(now, due_within_hours))
    term = (search or "").strip()[:100]
    if term:
        cond = sa.func.lower(WorkOrder.title).contains(term.lower(), autoescape=True)
        digits = term.lstrip("#")
        if digits.isdigit() and len(digits) < 10:
            cond = sa.or_(cond, WorkOrder.id == int(digits))
        stmt = stmt.where(cond)
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    order = sla.due_order() if sort == "due" else [WorkOrder.created_at.desc(), WorkOrder.id.desc()]
    rows = session.exec(stmt.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all()
    items = _summaries(session, rows, now)
    audit.record_read(session, viewer, "work_orders",
                      detail=f"list status={status} priority={priority} plant={plant_id} q={term!r} page={page}"
                             f" type={wo_type} assignee={assignee_id} overdue={overdue} due_within={due_within_hours}")
    return Page(items=items, total=total)


def _summaries(session: Session, rows, now: datetime | None = None) -> list[WorkOrderSummary]:
    now = now or utcnow()
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
    emails = _emails(session, {wo.created_by for wo in wos} | {wo.assignee_id for wo in wos})
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
                                    created_by=emails.get(wo.created_by, ""), plant_names=shown,
                                    wo_type=WorkOrderType(wo.wo_type), assignee_id=wo.assignee_id,
                                    assignee=emails.get(wo.assignee_id, ""), due_at=wo.due_at,
                                    sla=sla.sla_view(wo, now), effective_due_at=sla.effective_due(wo, now),
                                    cause_code=wo.cause_code))
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
        closure=_closure(session, wo),
        sla_times=SlaTimes(started_at=wo.sla_started_at, responded_at=wo.responded_at,
                           response_due_at=wo.response_due_at, resolution_due_at=wo.resolution_due_at,
                           hold_started_at=wo.hold_started_at, held_seconds=wo.held_seconds or 0),
    )


def _closure(session: Session, wo: WorkOrder) -> Closure:
    names = closure_codes.labels(session, {wo.problem_code, wo.cause_code, wo.remedy_code})
    return Closure(problem_code=wo.problem_code, problem=names.get(wo.problem_code or "", ""),
                   cause_code=wo.cause_code, cause=names.get(wo.cause_code or "", ""),
                   remedy_code=wo.remedy_code, remedy=names.get(wo.remedy_code or "", ""),
                   resolution_note=wo.resolution_note or "", downtime_start=wo.downtime_start,
                   downtime_end=wo.downtime_end, cancel_reason=wo.cancel_reason or "",
                   lost_energy_kwh=wo.lost_energy_kwh)


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
                      priority: str | Priority = Priority.MEDIUM, plant_ids, alert_id: int | None = None,
                      wo_type: str | WorkOrderType = WorkOrderType.CORRECTIVE, assignee_id: int | None = None,
                      due_at: datetime | None = None) -> WorkOrder:
    """Create an OPEN work order on ``plant_ids`` (one organization, visible to the viewer, none on another
    active work order). With ``alert_id`` the alert is linked to it and the SLA clocks start at the alert's start;
    otherwise now. ``assignee_id``: an active account of the organization (a technician may name only
    themselves)."""
    require_writer(viewer)
    title = _clean_title(title)
    description = _clean_description(description)
    priority = parse_priority(priority)
    wo_type = parse_type(wo_type)
    now = utcnow()
    due_at = _clean_due(due_at, now)
    _refuse_delegation(viewer, assignee_id)
    plants = _load_plants(session, viewer, plant_ids)
    orgs = {p.org_id for p in plants}
    if len(orgs) > 1:
        raise ValidationFailed("All plants of a work order must belong to one organization", field="plant_ids")
    org_id = orgs.pop()
    require_write_org(viewer, org_id)
    assignee = _assignee(session, org_id, assignee_id)
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

    wo = WorkOrder(org_id=org_id, title=title, description=description, priority=priority, wo_type=wo_type,
                   assignee_id=assignee.id if assignee else None, due_at=due_at,
                   status=WorkOrderStatus.OPEN, created_by=viewer.account_id, created_at=now, updated_at=now)
    # the clocks start when the fault did (the alert's start), never in the future
    sla.start_clocks(wo, min(alert.started_at, now) if alert is not None else now, sla.targets_for(session, org_id))
    session.add(wo)
    session.flush()
    for p in plants:
        session.add(WorkOrderPlant(work_order_id=wo.id, plant_id=p.id, is_active=True, assigned_at=now,
                                   assigned_by=viewer.account_id))
    _flush_assignments(session, plants, wo.id)
    extra = [f"type {wo_type.label.lower()}"] + ([f"assigned to {assignee.email}"] if assignee else []) \
        + ([f"due {due_at:%Y-%m-%d %H:%M} UTC"] if due_at else [])
    _event(session, viewer, wo, "created", to_status=WorkOrderStatus.OPEN,
           note=f"Plants: {', '.join(p.name for p in plants)}; " + ", ".join(extra))
    if alert is not None:
        alert.work_order_id = wo.id
        alert.updated_at = now
        session.add(alert)
        _event(session, viewer, wo, "alert_linked", note=f"Alert #{alert.id}: {alert.title}")
    audit.record_write(session, viewer, "create", "work_orders", wo.id, org_id=org_id,
                       detail=f"{title!r} plants={[p.id for p in plants]} type={wo_type.value} "
                              f"assignee={wo.assignee_id} due={due_at.isoformat() if due_at else None}"
                              + (f" alert={alert.id}" if alert else ""))
    notify.work_order_assigned(session, wo, wo.assignee_id, viewer.account_id, now)
    _announce(session, org_id, feed.PLANTS, *((feed.ALERTS,) if alert else ()))
    session.flush()
    return wo


@dataclass
class MyWork:
    mine: list[WorkOrderSummary]  # active, assigned to the viewer, soonest due first
    unassigned: list[WorkOrderSummary]  # active, nobody's yet (the viewer's organization), soonest due first


MY_WORK_MAX = 100


def my_work(session: Session, viewer: Viewer) -> MyWork:
    """A field technician's list (also a manager's own): the active work orders assigned to the viewer, and the
    organization's unassigned ones anyone may take, each soonest due first. ORG accounts only."""
    if not viewer.is_org or viewer.account_id is None:
        raise Forbidden("My work is for the accounts of an organization")
    mine = list_work_orders(session, viewer, assignee_id=viewer.account_id, active=True, sort="due",
                            page_size=MY_WORK_MAX).items
    free = list_work_orders(session, viewer, unassigned=True, active=True, sort="due", page_size=MY_WORK_MAX).items
    return MyWork(mine=mine, unassigned=free)


def can_work(viewer: Viewer, org_id: int, assignee_id: int | None) -> bool:
    """The rule of ``workable_work_order`` for a work order already read (what a page offers): a writer of the
    organization, and for a technician a work order assigned to them or to nobody."""
    if not viewer.can_write or not can_see_org(viewer, org_id):
        return False
    return not viewer.is_technician or assignee_id in (None, viewer.account_id)


def workable_work_order(session: Session, viewer: Viewer, wo_id: int) -> WorkOrder:
    """The work order ``wo_id`` if ``viewer`` may work it (status, comments, checklist, attachments, closure):
    GOVT → Forbidden; outside the viewer's scope → NotFound; a technician on a work order assigned to someone
    else → Forbidden. Managers and SUPERADMIN work every work order of their scope."""
    require_writer(viewer)
    wo = get_scoped(session, viewer, WorkOrder, wo_id, "Work order")
    require_write_org(viewer, wo.org_id)
    if not can_work(viewer, wo.org_id, wo.assignee_id):
        who = _emails(session, {wo.assignee_id}).get(wo.assignee_id, "a colleague")
        raise Forbidden(f"Work order #{wo.id} is assigned to {who}: only they or a manager can work on it")
    return wo


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def update_work_order(session: Session, viewer: Viewer, wo_id: int, *, title: Any = UNSET,
                      description: Any = UNSET, priority: Any = UNSET, wo_type: Any = UNSET,
                      assignee_id: Any = UNSET, due_at: Any = UNSET) -> WorkOrder:
    """Change the fields given (``None`` clears the assignee or the due time). A priority change moves the running
    SLA clocks by the difference of the targets. Priority, assignee and due time change only while the work order
    is active. Technicians: title, description and type of the work orders they may work, and taking an
    unassigned one (assignee = themselves); priority and due time are a manager's."""
    wo = workable_work_order(session, viewer, wo_id)
    status = WorkOrderStatus(wo.status)
    changes: list[str] = []
    values: dict[str, Any] = {}
    if title is not UNSET:
        t = _clean_title(title)
        if t != wo.title:
            values["title"] = t
            changes.append(f"title → {t!r}")
    if description is not UNSET:
        d = _clean_description(description)
        if d != wo.description:
            values["description"] = d
            changes.append("description")
    if wo_type is not UNSET:
        ty = parse_type(wo_type)
        if ty != WorkOrderType(wo.wo_type):
            values["wo_type"] = ty
            changes.append(f"type {WorkOrderType(wo.wo_type).label.lower()} → {ty.label.lower()}")
    new_priority = None
    if priority is not UNSET:
        pr = parse_priority(priority)
        if pr != Priority(wo.priority):
            if viewer.is_technician:
                raise Forbidden("Technicians cannot change a work order's priority: ask a manager", field="priority")
            new_priority = pr
            changes.append(f"priority {Priority(wo.priority).label.lower()} → {pr.label.lower()}")
    assignee = None
    if assignee_id is not UNSET and assignee_id != wo.assignee_id:
        _refuse_delegation(viewer, assignee_id)
        if viewer.is_technician and assignee_id is None:
            raise Forbidden("Technicians cannot unassign a work order: ask a manager", field="assignee_id")
        assignee = _assignee(session, wo.org_id, assignee_id)
        values["assignee_id"] = assignee.id if assignee else None
        old = _emails(session, {wo.assignee_id}).get(wo.assignee_id, "nobody")
        changes.append(f"assignee {old} → {assignee.email if assignee else 'nobody'}")
    if due_at is not UNSET and due_at != wo.due_at:
        if viewer.is_technician:
            raise Forbidden("Technicians cannot change a work order's due time: ask a manager", field="due_at")
        due = _clean_due(due_at, wo.created_at)
        values["due_at"] = due
        changes.append(f"due {due:%Y-%m-%d %H:%M} UTC" if due else "due time removed")
    if ((new_priority is not None or "assignee_id" in values or "due_at" in values)
            and status not in ACTIVE_WORK_ORDER_STATUSES):
        raise Conflict(f"Work order #{wo.id} is {status.label.lower()}: reopen it to change its priority, "
                       "assignee or due time", field="status")
    if not changes:
        return wo
    now = utcnow()
    for k, v in values.items():
        setattr(wo, k, v)
    if new_priority is not None:
        sla.reprioritise(wo, Priority(wo.priority), new_priority, sla.targets_for(session, wo.org_id))
        wo.priority = new_priority
    wo.updated_at = now
    session.add(wo)
    _event(session, viewer, wo, "updated", note="; ".join(changes))
    audit.record_write(session, viewer, "update", "work_orders", wo.id, org_id=wo.org_id, detail="; ".join(changes))
    if "assignee_id" in values:
        notify.work_order_assigned(session, wo, wo.assignee_id, viewer.account_id, now)
    _announce(session, wo.org_id)
    session.flush()
    return wo


def assign_plant(session: Session, viewer: Viewer, wo_id: int, plant_id: int) -> WorkOrder:
    """Put one more plant on an active work order."""
    wo = workable_work_order(session, viewer, wo_id)
    plant = get_scoped(session, viewer, Plant, plant_id, "Plant")
    status = WorkOrderStatus(wo.status)
    if status not in ACTIVE_WORK_ORDER_STATUSES:
        raise Conflict(f"Work order #{wo.id} is {status.label.lower()}; plants can only be added to active (open, "
                       "in progress or on hold) work orders", field="plant_id")
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
    wo = workable_work_order(session, viewer, wo_id)
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


def _aware(value: datetime | None, what: str) -> datetime | None:
    if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
        raise ValidationFailed(f"{what} needs a time zone (an ISO 8601 instant)", field=what)
    return value


def _illegal(wo: WorkOrder, current: WorkOrderStatus, target: WorkOrderStatus) -> Conflict:
    names = {WorkOrderStatus.OPEN: "open (reopen)"}
    allowed = " or ".join(names.get(s, s.label.lower()) for s in TRANSITIONS[current])
    return Conflict(f"Work order #{wo.id} is {current.label.lower()}: it cannot move to {target.label.lower()} "
                    f"(it can move to {allowed})", field="status")


def _plants_to_reclaim(session: Session, wo: WorkOrder) -> list[Plant]:
    """The plants a closed work order released when it closed (a reopen holds them again)."""
    if wo.closed_at is None:
        return []
    ids = session.exec(select(WorkOrderPlant.plant_id).where(WorkOrderPlant.work_order_id == wo.id,
                                                             WorkOrderPlant.deactivated_at == wo.closed_at)).all()
    ids = list(dict.fromkeys(ids))
    return list(session.exec(select(Plant).where(Plant.id.in_(ids)).order_by(Plant.name)).all()) if ids else []


def change_status(session: Session, viewer: Viewer, wo_id: int, to_status: str | WorkOrderStatus,
                  note: str = "", *, resolution_note: str | None = None, problem_code: str | None = None,
                  cause_code: str | None = None, remedy_code: str | None = None,
                  downtime_start: datetime | None = None, downtime_end: datetime | None = None) -> WorkOrder:
    """Move a work order along ``TRANSITIONS`` (see the module docstring). ``note`` goes into the history; it is
    the reason of CANCELLED (required) and of ON_HOLD (optional). DONE needs ``resolution_note`` (else the note)
    and ``cause_code`` (``problem_code`` and ``remedy_code`` checked against it); the downtime window defaults to
    the SLA start → now. Closing releases the plants and sets closed_at; a reopen holds the released plants again
    (refused, changing nothing, when one is on another active work order) and restarts the resolution clock."""
    target = parse_status(to_status)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"Note must be at most {NOTE_MAX} characters", field="note")
    wo = workable_work_order(session, viewer, wo_id)
    current = WorkOrderStatus(wo.status)
    if target not in TRANSITIONS[current]:
        raise _illegal(wo, current, target)
    now = utcnow()
    values: dict[str, Any] = {"status": target, "updated_at": now}
    history_note = note
    closure = None
    reclaim: list[Plant] = []

    # ---- every check first: a refused move changes nothing
    if target == WorkOrderStatus.DONE:
        resolution = (resolution_note if resolution_note is not None else note or "").strip()
        if not resolution:
            raise ValidationFailed("A resolution note is required to mark the work order done",
                                   field="resolution_note")
        if len(resolution) > RESOLUTION_MAX:
            raise ValidationFailed(f"The resolution note must be at most {RESOLUTION_MAX} characters",
                                   field="resolution_note")
        closure = closure_codes.validate_closure(session, problem_code, cause_code, remedy_code)
        start = _aware(downtime_start, "downtime_start") or wo.sla_started_at or wo.created_at
        end = _aware(downtime_end, "downtime_end") or now
        if start > end:
            raise ValidationFailed("The downtime cannot end before it starts", field="downtime_end")
        if end > now:
            raise ValidationFailed("The downtime cannot end in the future", field="downtime_end")
        values.update(problem_code=closure.problem_code, cause_code=closure.cause_code,
                      remedy_code=closure.remedy_code, resolution_note=resolution, downtime_start=start,
                      downtime_end=end)
        history_note = "; ".join(x for x in (note if resolution_note is not None else "", closure.text,
                                              resolution) if x)
    elif target == WorkOrderStatus.CANCELLED and not note:
        raise ValidationFailed("A reason is required to cancel the work order", field="note")
    elif target == WorkOrderStatus.OPEN:  # reopen
        reclaim = _plants_to_reclaim(session, wo)
        _refuse_busy(session, reclaim, except_wo=wo.id)

    # ---- the clocks
    if target == WorkOrderStatus.IN_PROGRESS and wo.responded_at is None:
        values["responded_at"] = now
    if current == WorkOrderStatus.ON_HOLD:
        held, resumed = sla.end_hold(wo, now)  # moves resolution_due_at later by the hold's length
        values.update(resumed)
        history_note = "; ".join(x for x in (history_note, f"held {_duration(held)}") if x)
    if target == WorkOrderStatus.ON_HOLD:
        values["hold_started_at"] = now
    if target in CLOSED:
        values["closed_at"] = now
        if target == WorkOrderStatus.CANCELLED:
            values["cancel_reason"] = note
    if target == WorkOrderStatus.OPEN:  # reopen: the resolution clock restarts now; the last closure is history
        res_minutes = sla.targets_for(session, wo.org_id)[Priority(wo.priority)][1]
        values.update(closed_at=None, resolution_due_at=now + timedelta(minutes=res_minutes), problem_code=None,
                      cause_code=None, remedy_code=None, resolution_note="", downtime_start=None, downtime_end=None,
                      cancel_reason="", lost_energy_kwh=None)
        history_note = "; ".join(x for x in ("Reopened", note) if x)

    # compare-and-set: a concurrent transition of the same work order makes this one fail cleanly
    result = session.execute(sa.update(WorkOrder).where(WorkOrder.id == wo.id, WorkOrder.status == current)
                             .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(f"Work order #{wo.id} was changed meanwhile; reload and try again", field="status")
    released = 0
    if target in CLOSED:
        released = session.execute(
            sa.update(WorkOrderPlant).where(WorkOrderPlant.work_order_id == wo.id, WorkOrderPlant.is_active)
            .values(is_active=False, deactivated_at=now, deactivated_by=viewer.account_id)
            .execution_options(synchronize_session=False)).rowcount
    for p in reclaim:
        session.add(WorkOrderPlant(work_order_id=wo.id, plant_id=p.id, is_active=True, assigned_at=now,
                                   assigned_by=viewer.account_id))
    if reclaim:
        _flush_assignments(session, reclaim, wo.id)
    session.expire(wo)
    extra = (f"{released} plant(s) released" if released else "") or \
        (f"plants held again: {', '.join(p.name for p in reclaim)}" if reclaim else "")
    _event(session, viewer, wo, "status", from_status=current, to_status=target,
           note="; ".join(x for x in (history_note, extra) if x))
    audit.record_write(session, viewer, "status", "work_orders", wo.id, org_id=wo.org_id,
                       detail=f"{current.value} -> {target.value}"
                              + (f" cause={closure.cause_code}" if closure else ""))
    _announce(session, wo.org_id, *((feed.PLANTS,) if released or reclaim else ()))
    if target == WorkOrderStatus.DONE:
        session.flush()
        session.refresh(wo)
        notify.work_order_done(session, wo, now)
    if target in CLOSED or current in CLOSED:
        snapshots_after_commit(session, wo.id)
    session.flush()
    session.refresh(wo)
    return wo


def _duration(seconds: int) -> str:
    h, rem = divmod(int(seconds), 3600)
    return f"{h} h {rem // 60:02d} min" if h else f"{rem // 60} min"


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
    try:
        kpis.refresh_lost_energy(sorted(ids))
    except Exception:  # the close is committed; the figure stays unknown
        log.exception("lost energy after closing %s failed", sorted(ids))


def _drop_snapshots(session: Session) -> None:
    session.info.pop(_SNAPSHOT_KEY, None)
    if sa.event.contains(session, "after_commit", _refresh_snapshots):
        sa.event.remove(session, "after_commit", _refresh_snapshots)


def detail_after_write(session: Session, wo: WorkOrder) -> WorkOrderDetail:
    """The detail of a work order the viewer just wrote (no read audit needed)."""
    return _detail(session, wo)


__all__ = [
    "TRANSITIONS", "UNSET", "AssigneeOption", "Closure", "Draft", "MyWork", "HistoryEntry", "LinkedAlert", "PlantLink",
    "my_work",
    "PlantOption", "SlaTimes", "WorkOrderDetail", "WorkOrderSummary", "active_work_order_of_plant", "assign_plant",
    "assignee_options", "busy_message", "can_work", "change_status", "create_work_order", "deactivate_plant",
    "detail_after_write", "draft_from_alert", "get_work_order", "list_work_orders", "parse_priority", "parse_status",
    "parse_type", "plant_options", "update_work_order", "workable_work_order",
]
