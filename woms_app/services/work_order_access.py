"""Who may see, work and manage what a work order carries (checklists, attachments): the one place for it.

Checklists and attachments ask only these three questions, so the role model of issue 16 (manager / technician)
changes them here and nowhere else:

* ``visible_work_order`` — may the viewer *see* the work order (GOVT included; a foreign id is NotFound);
* ``workable_work_order`` — may the viewer *work* it (record results, upload, attach);
* ``is_manager`` — may the viewer manage the organization's templates and remove anyone's attachment.

A work order is worked by a manager of its organization or SUPERADMIN, and by a technician when it is assigned to
them or to nobody (``work_orders.workable_work_order``; GOVT → Forbidden); managing is ``Viewer.is_manager``.
"""
from __future__ import annotations

from sqlmodel import Session

from woms_app.models.work_order import WorkOrder
from woms_app.services import work_orders
from woms_app.services.viewer import Viewer, get_scoped


def visible_work_order(session: Session, viewer: Viewer, wo_id: int) -> WorkOrder:
    """The work order if the viewer may see it (NotFound otherwise, also for a malformed id)."""
    return get_scoped(session, viewer, WorkOrder, wo_id, "Work order")


def workable_work_order(session: Session, viewer: Viewer, wo_id: int) -> WorkOrder:
    """The work order if the viewer may work on it: foreign → NotFound, read-only (GOVT) → Forbidden, a technician
    on a colleague's work order → Forbidden."""
    return work_orders.workable_work_order(session, viewer, wo_id)


def is_manager(viewer: Viewer) -> bool:
    """Manages templates and may remove any attachment of its organization: ORG managers and SUPERADMIN."""
    return viewer.can_write and viewer.is_manager
