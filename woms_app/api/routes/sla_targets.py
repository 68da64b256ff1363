"""GET/PUT /api/sla-targets: an organization's response and resolution targets per priority (managers edit)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlmodel import Session

from woms_app.api.deps import DB, current_viewer
from woms_app.models.enums import Priority
from woms_app.services import sla as svc
from woms_app.services.viewer import MAX_ID, Viewer

router = APIRouter(tags=["work orders"])

Minutes = Field(ge=1, le=svc.MAX_MINUTES)


class SlaTargetOut(BaseModel):
    priority: Priority
    response_minutes: int
    resolution_minutes: int
    is_default: bool


class SlaTargetIn(BaseModel):
    priority: Priority
    response_minutes: int = Minutes
    resolution_minutes: int = Minutes


class SlaTargetsIn(BaseModel):
    org_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="fleet-wide viewers name the organization")
    targets: list[SlaTargetIn] = Field(min_length=1, max_length=len(Priority))


@router.get("/sla-targets", response_model=list[SlaTargetOut])
def get_sla_targets(org_id: int | None = Query(default=None, ge=1, le=MAX_ID), viewer: Viewer = Depends(current_viewer),
                    session: Session = DB) -> list[SlaTargetOut]:
    """The viewer's organization's targets (a SUPERADMIN or GOVT viewer names one with ``org_id``); the defaults
    where it has set none (``is_default``)."""
    return [SlaTargetOut(**vars(t)) for t in svc.list_sla_targets(session, viewer, org_id)]


@router.put("/sla-targets", response_model=list[SlaTargetOut])
def put_sla_targets(body: SlaTargetsIn, viewer: Viewer = Depends(current_viewer),
                    session: Session = DB) -> list[SlaTargetOut]:
    """Set targets (managers). Running work orders keep their due times; new ones use these."""
    targets = [t.model_dump(mode="json") for t in body.targets]
    return [SlaTargetOut(**vars(t)) for t in svc.set_sla_targets(session, viewer, targets, body.org_id)]
