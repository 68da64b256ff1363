"""GET /api/closure-codes: the closure taxonomy (problem → causes, remedies) a DONE work order names."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlmodel import Session

from woms_app.api.deps import DB, current_viewer
from woms_app.services import closure_codes as svc
from woms_app.services.viewer import Viewer

router = APIRouter(tags=["work orders"])


class CodeOut(BaseModel):
    code: str
    label: str


class ProblemOut(BaseModel):
    code: str
    label: str
    causes: list[CodeOut]
    remedies: list[CodeOut]


@router.get("/closure-codes", response_model=list[ProblemOut])
def closure_codes(viewer: Viewer = Depends(current_viewer), session: Session = DB) -> list[ProblemOut]:
    """Every problem with its causes and remedies (reference data, the same for every organization)."""
    return [ProblemOut(code=p.code, label=p.label, causes=[CodeOut(**vars(c)) for c in p.causes],
                       remedies=[CodeOut(**vars(r)) for r in p.remedies]) for p in svc.closure_tree(session, viewer)]
