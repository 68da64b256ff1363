"""GET /api/dashboard."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlmodel import Session

from woms_app.api.deps import DB, current_viewer
from woms_app.services import dashboard
from woms_app.services.viewer import Viewer

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard")
def get_dashboard(viewer: Viewer = Depends(current_viewer), session: Session = DB) -> dict:
    """Fleet figures for the viewer's scope, with a per-organization breakdown."""
    return dashboard.summary(session, viewer).to_dict()
