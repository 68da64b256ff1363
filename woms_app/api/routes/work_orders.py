"""/api/work-orders: list (JSON or CSV; filters incl. overdue / due within N hours, sort by due), create (also from
an alert), detail, update (type, assignee, due, ...), status (the lifecycle with its closure), plant assignments,
comments."""
from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, Field, field_validator
from sqlmodel import Session

from woms_app.api.csv_export import csv_response
from woms_app.api.deps import DB, current_viewer
from woms_app.api.ids import AlertId, PlantId, WorkOrderId
from woms_app.models.enums import Priority, WorkOrderStatus, WorkOrderType
from woms_app.services import work_order_comments as comments_svc
from woms_app.services import work_orders as svc
from woms_app.services.paging import MAX_EXPORT_ROWS, MAX_PAGE_SIZE
from woms_app.services.viewer import MAX_ID, Viewer

router = APIRouter(prefix="/work-orders", tags=["work orders"])

ID_MAX = MAX_ID  # ids are INTEGER columns (int4 on PostgreSQL): larger ones cannot exist
Id = Annotated[int, Field(ge=1, le=ID_MAX)]

StatusParam = Enum("StatusParam", {s.value: s.value for s in WorkOrderStatus}, type=str)
PriorityParam = Enum("PriorityParam", {p.value: p.value for p in Priority}, type=str)
TypeParam = Enum("TypeParam", {t.value: t.value for t in WorkOrderType}, type=str)
Code = Annotated[str, Field(min_length=1, max_length=40)]


# ---------------------------------------------------------------- bodies

class WorkOrderCreate(BaseModel):
    title: str = Field(min_length=svc.TITLE_MIN, max_length=svc.TITLE_MAX)
    description: str = Field(default="", max_length=svc.DESCRIPTION_MAX)
    priority: Priority = Priority.MEDIUM
    plant_ids: list[Id] = Field(min_length=1, max_length=svc.MAX_PLANTS)
    alert_id: Id | None = None
    wo_type: WorkOrderType = WorkOrderType.CORRECTIVE
    assignee_id: Id | None = None
    due_at: AwareDatetime | None = None

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, v: str) -> str:
        if len(" ".join(v.split())) < svc.TITLE_MIN:
            raise ValueError(f"must be at least {svc.TITLE_MIN} characters besides spaces")
        return v


class WorkOrderUpdate(BaseModel):
    """Only the fields sent change; ``null`` clears the assignee or the due time."""

    title: str | None = Field(default=None, min_length=svc.TITLE_MIN, max_length=svc.TITLE_MAX)
    description: str | None = Field(default=None, max_length=svc.DESCRIPTION_MAX)
    priority: Priority | None = None
    wo_type: WorkOrderType | None = None
    assignee_id: Id | None = None
    due_at: AwareDatetime | None = None


class StatusChange(BaseModel):
    """``note``: the history's note, the reason of CANCELLED (required) and ON_HOLD. DONE: ``resolution_note`` and
    ``cause_code`` (GET /api/closure-codes) are required; the downtime window defaults to SLA start → now."""

    status: WorkOrderStatus
    note: str = Field(default="", max_length=svc.NOTE_MAX)
    resolution_note: str | None = Field(default=None, max_length=svc.RESOLUTION_MAX)
    problem_code: Code | None = None
    cause_code: Code | None = None
    remedy_code: Code | None = None
    downtime_start: AwareDatetime | None = None
    downtime_end: AwareDatetime | None = None


class CommentCreate(BaseModel):
    body: str = Field(min_length=1, max_length=comments_svc.BODY_MAX)


class PlantAssign(BaseModel):
    plant_id: Id


# ---------------------------------------------------------------- answers

class SlaClockOut(BaseModel):
    state: Literal["met", "breached", "running", "cancelled", "none"]
    due_at: datetime | None
    remaining_seconds: int | None
    overdue_seconds: int | None


class SlaOut(BaseModel):
    response: SlaClockOut
    resolution: SlaClockOut
    paused: bool


class WorkOrderOut(BaseModel):
    id: int
    org_id: int
    org_name: str
    title: str
    priority: Priority
    status: WorkOrderStatus
    wo_type: WorkOrderType
    assignee_id: int | None
    assignee: str
    due_at: datetime | None
    effective_due_at: datetime | None
    sla: SlaOut | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    created_by: str
    plants: list[str]


class PlantLinkOut(BaseModel):
    plant_id: int
    plant_name: str
    is_active: bool
    assigned_at: datetime
    assigned_by: str
    deactivated_at: datetime | None
    deactivated_by: str


class HistoryOut(BaseModel):
    at: datetime
    who: str
    kind: str
    from_status: WorkOrderStatus | None
    to_status: WorkOrderStatus | None
    note: str


class LinkedAlertOut(BaseModel):
    id: int
    title: str
    severity: str
    status: str
    started_at: datetime


class ClosureOut(BaseModel):
    problem_code: str | None
    problem: str
    cause_code: str | None
    cause: str
    remedy_code: str | None
    remedy: str
    resolution_note: str
    downtime_start: datetime | None
    downtime_end: datetime | None
    cancel_reason: str
    lost_energy_kwh: float | None


class SlaTimesOut(BaseModel):
    started_at: datetime | None
    responded_at: datetime | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    hold_started_at: datetime | None
    held_seconds: int


class WorkOrderDetailOut(WorkOrderOut):
    description: str
    next_statuses: list[WorkOrderStatus]
    plant_links: list[PlantLinkOut]
    history: list[HistoryOut]
    alerts: list[LinkedAlertOut]
    closure: ClosureOut
    sla_times: SlaTimesOut


class CommentOut(BaseModel):
    id: int
    work_order_id: int
    at: datetime
    author: str
    author_name: str
    body: str


class WorkOrderList(BaseModel):
    items: list[WorkOrderOut]
    total: int
    page: int
    page_size: int


class DraftOut(BaseModel):
    title: str
    description: str
    priority: Priority
    plant_ids: list[int]
    alert_id: int


def _sla_out(v) -> SlaOut | None:
    if v is None:
        return None
    return SlaOut(response=SlaClockOut(**vars(v.response)), resolution=SlaClockOut(**vars(v.resolution)),
                  paused=v.paused)


def _out(s: svc.WorkOrderSummary) -> dict:
    return dict(id=s.id, org_id=s.org_id, org_name=s.org_name, title=s.title, priority=s.priority, status=s.status,
                wo_type=s.wo_type, assignee_id=s.assignee_id, assignee=s.assignee, due_at=s.due_at,
                effective_due_at=s.effective_due_at, sla=_sla_out(s.sla),
                created_at=s.created_at, updated_at=s.updated_at, closed_at=s.closed_at, created_by=s.created_by,
                plants=s.plant_names)


def _detail_out(d: svc.WorkOrderDetail) -> WorkOrderDetailOut:
    return WorkOrderDetailOut(
        **_out(d.summary), description=d.description, next_statuses=list(d.next_statuses),
        plant_links=[PlantLinkOut(**vars(p)) for p in d.plants],
        history=[HistoryOut(**vars(h)) for h in d.history],
        alerts=[LinkedAlertOut(**vars(a)) for a in d.alerts],
        closure=ClosureOut(**vars(d.closure)), sla_times=SlaTimesOut(**vars(d.sla_times)),
    )


# the first ten columns as before issue 16 (spreadsheets that read them by position keep working), then the new ones
CSV_HEADER = ["id", "organization", "title", "priority", "status", "plants", "created_by", "created_at",
              "updated_at", "closed_at", "type", "assignee", "due_at", "effective_due_at", "response_sla",
              "resolution_sla", "cause_code"]


# ---------------------------------------------------------------- routes

@router.get("", response_model=WorkOrderList, responses={200: {"content": {"text/csv": {}}}})
def list_work_orders(
    status: StatusParam | None = None,
    priority: PriorityParam | None = None,
    plant_id: int | None = Query(default=None, ge=1, le=ID_MAX),
    org_id: int | None = Query(default=None, ge=1, le=ID_MAX),
    q: str = Query(default="", max_length=100, description="title contains, or #id"),
    wo_type: TypeParam | None = None,
    assignee_id: int | None = Query(default=None, ge=1, le=ID_MAX),
    unassigned: bool = False,
    overdue: bool = Query(default=False, description="active and past the earlier of the due time and the "
                                                     "resolution clock"),
    due_within_hours: int | None = Query(default=None, ge=1, le=svc.MAX_DUE_WITHIN_HOURS,
                                         description="active, not overdue, due within N hours"),
    sort: Literal["newest", "due"] = "newest",
    page: int = Query(default=1, ge=1),
    page_size: int = Query(default=25, ge=1, le=MAX_PAGE_SIZE),
    format: Literal["json", "csv"] = "json",
    viewer: Viewer = Depends(current_viewer),
    session: Session = DB,
):
    """Newest first (``sort=due``: soonest due first), scoped to the viewer. ``format=csv`` exports every matching
    row (up to 10 000)."""
    filters = dict(status=status.value if status else None, priority=priority.value if priority else None,
                   plant_id=plant_id, org_id=org_id, search=q, wo_type=wo_type.value if wo_type else None,
                   assignee_id=assignee_id, unassigned=unassigned, overdue=overdue,
                   due_within_hours=due_within_hours, sort=sort)
    if format == "csv":
        result = svc.list_work_orders(session, viewer, **filters, page=1, page_size=MAX_EXPORT_ROWS, export=True)
        return csv_response("work-orders", CSV_HEADER, (
            [w.id, w.org_name, w.title, w.priority, w.status, "; ".join(w.plant_names), w.created_by, w.created_at,
             w.updated_at, w.closed_at, w.wo_type, w.assignee, w.due_at, w.effective_due_at,
             w.sla.response.state if w.sla else "", w.sla.resolution.state if w.sla else "", w.cause_code]
            for w in result.items))
    result = svc.list_work_orders(session, viewer, **filters, page=page, page_size=page_size)
    return WorkOrderList(items=[WorkOrderOut(**_out(w)) for w in result.items], total=result.total, page=page,
                         page_size=page_size)


@router.post("", response_model=WorkOrderDetailOut, status_code=201)
def create_work_order(body: WorkOrderCreate, viewer: Viewer = Depends(current_viewer),
                      session: Session = DB) -> WorkOrderDetailOut:
    """Create an open work order on plants of one organization. 409 names the active work order holding a plant."""
    wo = svc.create_work_order(session, viewer, title=body.title, description=body.description,
                               priority=body.priority, plant_ids=body.plant_ids, alert_id=body.alert_id,
                               wo_type=body.wo_type, assignee_id=body.assignee_id, due_at=body.due_at)
    return _detail_out(svc.detail_after_write(session, wo))


@router.get("/draft-from-alert/{alert_id}", response_model=DraftOut)
def draft_from_alert(alert_id: AlertId, viewer: Viewer = Depends(current_viewer),
                     session: Session = DB) -> DraftOut:
    """A work order prefilled from an alert (not saved); POST it with ``alert_id`` to link the alert."""
    d = svc.draft_from_alert(session, viewer, alert_id)
    return DraftOut(title=d.title, description=d.description, priority=d.priority, plant_ids=d.plant_ids,
                    alert_id=d.alert_id)


@router.get("/{wo_id}", response_model=WorkOrderDetailOut)
def get_work_order(wo_id: WorkOrderId, viewer: Viewer = Depends(current_viewer),
                   session: Session = DB) -> WorkOrderDetailOut:
    return _detail_out(svc.get_work_order(session, viewer, wo_id))


@router.patch("/{wo_id}", response_model=WorkOrderDetailOut)
def update_work_order(wo_id: WorkOrderId, body: WorkOrderUpdate, viewer: Viewer = Depends(current_viewer),
                      session: Session = DB) -> WorkOrderDetailOut:
    """Change title, description, priority, type, assignee or due time (only the fields sent). Technicians: title,
    description, type, and taking an unassigned work order themselves."""
    fields = {k: getattr(body, k) for k in body.model_fields_set}
    wo = svc.update_work_order(session, viewer, wo_id, **fields)
    return _detail_out(svc.detail_after_write(session, wo))


@router.patch("/{wo_id}/status", response_model=WorkOrderDetailOut)
def change_status(wo_id: WorkOrderId, body: StatusChange, viewer: Viewer = Depends(current_viewer),
                  session: Session = DB) -> WorkOrderDetailOut:
    """OPEN → IN_PROGRESS | CANCELLED; IN_PROGRESS → ON_HOLD | DONE | CANCELLED; ON_HOLD → IN_PROGRESS | CANCELLED;
    DONE | CANCELLED → OPEN (reopen). Other moves answer 409 naming the allowed ones (``next_statuses``)."""
    wo = svc.change_status(session, viewer, wo_id, body.status, note=body.note, resolution_note=body.resolution_note,
                           problem_code=body.problem_code, cause_code=body.cause_code, remedy_code=body.remedy_code,
                           downtime_start=body.downtime_start, downtime_end=body.downtime_end)
    return _detail_out(svc.detail_after_write(session, wo))


@router.get("/{wo_id}/comments", response_model=list[CommentOut])
def list_comments(wo_id: WorkOrderId, viewer: Viewer = Depends(current_viewer),
                  session: Session = DB) -> list[CommentOut]:
    """The work order's thread, oldest first."""
    return [CommentOut(**vars(c)) for c in comments_svc.list_comments(session, viewer, wo_id)]


@router.post("/{wo_id}/comments", response_model=CommentOut, status_code=201)
def add_comment(wo_id: WorkOrderId, body: CommentCreate, viewer: Viewer = Depends(current_viewer),
                session: Session = DB) -> CommentOut:
    """Add a comment (whoever may work the work order); every open view of it refreshes."""
    return CommentOut(**vars(comments_svc.add_comment(session, viewer, wo_id, body.body)))


@router.post("/{wo_id}/plants", response_model=WorkOrderDetailOut, status_code=201)
def assign_plant(wo_id: WorkOrderId, body: PlantAssign, viewer: Viewer = Depends(current_viewer),
                 session: Session = DB) -> WorkOrderDetailOut:
    wo = svc.assign_plant(session, viewer, wo_id, body.plant_id)
    return _detail_out(svc.detail_after_write(session, wo))


@router.delete("/{wo_id}/plants/{plant_id}", response_model=WorkOrderDetailOut)
def deactivate_plant(wo_id: WorkOrderId, plant_id: PlantId, viewer: Viewer = Depends(current_viewer),
                     session: Session = DB) -> WorkOrderDetailOut:
    """End the plant's active assignment (kept in the history; the plant is free again)."""
    wo = svc.deactivate_plant(session, viewer, wo_id, plant_id)
    return _detail_out(svc.detail_after_write(session, wo))
