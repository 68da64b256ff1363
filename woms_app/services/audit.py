"""The audit log: every write by anyone and every read by a GOVT account.

Services call these; pages and API routes never write the log themselves.
"""
from __future__ import annotations

from sqlmodel import Session

from woms_app.models.ops import AuditLog
from woms_app.services.viewer import Viewer


def _entry(viewer: Viewer, action: str, entity: str, entity_id, org_id, detail: str) -> AuditLog:
    return AuditLog(
        account_id=viewer.account_id,
        account_email=viewer.email,
        role=viewer.role.value,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        org_id=org_id,
        detail=detail[:1000],
    )


def record_write(session: Session, viewer: Viewer, action: str, entity: str, entity_id=None,
                 org_id: int | None = None, detail: str = "") -> None:
    """Record a write; added to ``session`` so it commits (or rolls back) with the change."""
    session.add(_entry(viewer, action, entity, entity_id, org_id, detail))


def record_read(session: Session, viewer: Viewer, entity: str, entity_id=None,
                org_id: int | None = None, detail: str = "") -> None:
    """Record a read when the viewer is a GOVT observer (every GOVT read is audited)."""
    if viewer.is_govt:
        session.add(_entry(viewer, "read", entity, entity_id, org_id, detail))
