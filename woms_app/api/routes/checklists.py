"""/api/checklist-templates (an organization's templates) and /api/work-orders/{id}/checklists (the checklists of a
work order, their results, and the corrective work order a failed item offers)."""
from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from woms_app.api.deps import DB, current_viewer
from woms_app.api.ids import ChecklistId, ChecklistItemId, ChecklistTemplateId, WorkOrderId
from woms_app.models.enums import ChecklistResult, Priority, WorkOrderType
from woms_app.services import checklists as svc
from woms_app.services.viewer import MAX_ID, Viewer

router = APIRouter(tags=["checklists"])

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
TypeParam = Enum("TypeParam", {t.value: t.value for t in WorkOrderType}, type=str)


# ---------------------------------------------------------------- bodies

class TemplateItemIn(BaseModel):
    label: str = Field(min_length=1, max_length=svc.LABEL_MAX)
    unit: str = Field(default="", max_length=svc.UNIT_MAX, description="the reading's unit; empty: no reading")


class TemplateCreate(BaseModel):
    name: str = Field(min_length=svc.NAME_MIN, max_length=svc.NAME_MAX)
    wo_type: WorkOrderType
    items: list[TemplateItemIn] = Field(min_length=1, max_length=svc.MAX_ITEMS)
    org_id: Id | None = Field(default=None, description="SUPERADMIN: the organization (ORG accounts: their own)")


class TemplateUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=svc.NAME_MIN, max_length=svc.NAME_MAX)
    wo_type: WorkOrderType | None = None
    items: list[TemplateItemIn] | None = Field(default=None, min_length=1, max_length=svc.MAX_ITEMS,
                                               description="replaces every item, in this order")


class ChecklistAttach(BaseModel):
    template_id: Id
    plant_id: Id | None = Field(default=None, description="one of the work order's plants; empty: the whole order")


class ResultIn(BaseModel):
    result: ChecklistResult
    reading: float | None = Field(default=None, description=f"a finite number within ±{svc.READING_MAX:.0e}, "
                                                            "in the item's unit")
    note: str = Field(default="", max_length=svc.NOTE_MAX)


# ---------------------------------------------------------------- answers

# the services' views are the response models (one definition of each public shape)
TemplateItemOut = svc.TemplateItemView
TemplateOut = svc.TemplateView
ChecklistItemOut = svc.ChecklistItemView


class ChecklistOut(BaseModel):
    id: int
    work_order_id: int
    template_id: int | None
    name: str
    wo_type: WorkOrderType
    plant_id: int | None
    plant_name: str
    created_by: str
    created_at: datetime
    done: int
    failed: int
    items: list[ChecklistItemOut]


class CorrectiveDraftOut(BaseModel):
    """POST it to /api/work-orders (title, description, priority, plant_ids) to create the corrective work order."""

    title: str
    description: str
    priority: Priority
    plant_ids: list[int]
    wo_type: WorkOrderType = WorkOrderType.CORRECTIVE
    source_work_order_id: int
    checklist_item_id: int


def _template_out(t: svc.TemplateView) -> TemplateOut:
    return t


def _checklist_out(c: svc.ChecklistView) -> ChecklistOut:
    return ChecklistOut(id=c.id, work_order_id=c.work_order_id, template_id=c.template_id, name=c.name,
                        wo_type=c.wo_type, plant_id=c.plant_id, plant_name=c.plant_name, created_by=c.created_by,
                        created_at=c.created_at, done=c.done, failed=c.failed,
                        items=c.items)


# ---------------------------------------------------------------- templates

@router.get("/checklist-templates", response_model=list[TemplateOut])
def list_templates(org_id: int | None = Query(default=None, ge=1, le=MAX_ID), wo_type: TypeParam | None = None,
                   viewer: Viewer = Depends(current_viewer), session: Session = DB) -> list[TemplateOut]:
    """The templates of the viewer's organization (SUPERADMIN, GOVT: every organization's), by name."""
    rows = svc.list_templates(session, viewer, org_id=org_id, wo_type=wo_type.value if wo_type else None)
    return [_template_out(t) for t in rows]


@router.post("/checklist-templates", response_model=TemplateOut, status_code=201)
def create_template(body: TemplateCreate, viewer: Viewer = Depends(current_viewer),
                    session: Session = DB) -> TemplateOut:
    """A manager's new template; 409 when the organization has one of that name."""
    return _template_out(svc.create_template(session, viewer, name=body.name, wo_type=body.wo_type,
                                             items=[i.model_dump() for i in body.items], org_id=body.org_id))


@router.get("/checklist-templates/{template_id}", response_model=TemplateOut)
def get_template(template_id: ChecklistTemplateId, viewer: Viewer = Depends(current_viewer),
                 session: Session = DB) -> TemplateOut:
    return _template_out(svc.get_template(session, viewer, template_id))


@router.patch("/checklist-templates/{template_id}", response_model=TemplateOut)
def update_template(template_id: ChecklistTemplateId, body: TemplateUpdate, viewer: Viewer = Depends(current_viewer),
                    session: Session = DB) -> TemplateOut:
    """Rename, retype or replace the items; checklists already on work orders keep their copy."""
    items = [i.model_dump() for i in body.items] if body.items is not None else None
    return _template_out(svc.update_template(session, viewer, template_id, name=body.name, wo_type=body.wo_type,
                                             items=items))


@router.delete("/checklist-templates/{template_id}", status_code=204)
def delete_template(template_id: ChecklistTemplateId, viewer: Viewer = Depends(current_viewer),
                    session: Session = DB) -> Response:
    svc.delete_template(session, viewer, template_id)
    return Response(status_code=204)


# ---------------------------------------------------------------- checklists of a work order

@router.get("/work-orders/{wo_id}/checklists", response_model=list[ChecklistOut])
def list_checklists(wo_id: WorkOrderId, viewer: Viewer = Depends(current_viewer),
                    session: Session = DB) -> list[ChecklistOut]:
    return [_checklist_out(c) for c in svc.list_checklists(session, viewer, wo_id)]


@router.post("/work-orders/{wo_id}/checklists", response_model=ChecklistOut, status_code=201)
def attach_checklist(wo_id: WorkOrderId, body: ChecklistAttach, viewer: Viewer = Depends(current_viewer),
                     session: Session = DB) -> ChecklistOut:
    """Copy a template of the work order's organization onto it (later template edits do not change the copy)."""
    return _checklist_out(svc.attach_checklist(session, viewer, wo_id, body.template_id, body.plant_id))


@router.delete("/work-orders/{wo_id}/checklists/{checklist_id}", status_code=204)
def remove_checklist(wo_id: WorkOrderId, checklist_id: ChecklistId, viewer: Viewer = Depends(current_viewer),
                     session: Session = DB) -> Response:
    """Once results are recorded, only a manager may remove a checklist."""
    svc.remove_checklist(session, viewer, wo_id, checklist_id)
    return Response(status_code=204)


@router.put("/work-orders/{wo_id}/checklists/{checklist_id}/items/{item_id}", response_model=ChecklistOut)
def record_result(wo_id: WorkOrderId, checklist_id: ChecklistId, item_id: ChecklistItemId, body: ResultIn,
                  viewer: Viewer = Depends(current_viewer), session: Session = DB) -> ChecklistOut:
    """Record (or correct) an item's result: pass / flag / fail, an optional reading and note."""
    return _checklist_out(svc.record_result(session, viewer, wo_id, checklist_id, item_id, result=body.result,
                                            reading=body.reading, note=body.note))


@router.get("/work-orders/{wo_id}/checklists/{checklist_id}/items/{item_id}/corrective-draft",
            response_model=CorrectiveDraftOut)
def corrective_draft(wo_id: WorkOrderId, checklist_id: ChecklistId, item_id: ChecklistItemId,
                     viewer: Viewer = Depends(current_viewer), session: Session = DB) -> CorrectiveDraftOut:
    """A corrective work order for a failed item, prefilled (not saved; 409 for an item that did not fail)."""
    d = svc.corrective_draft(session, viewer, wo_id, checklist_id, item_id)
    return CorrectiveDraftOut(title=d.title, description=d.description, priority=d.priority, plant_ids=d.plant_ids,
                              source_work_order_id=wo_id, checklist_item_id=item_id)
