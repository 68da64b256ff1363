"""The viewer (who is asking) and the one scoping helper every query goes through.

ORG accounts see and write only their organization's rows; GOVT accounts read
everything and write nothing; SUPERADMIN reads and writes everything. A row outside
the viewer's scope answers "not found", never "forbidden", so ids do not leak.

Inside an organization an ORG account is a **manager** (every right of the organization) or a **technician**
(sees what the organization sees; works the work orders assigned to them or left unassigned — see
``services.work_orders.workable_work_order``; manages no vendors, accounts, settings or schedules:
``require_manager``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from woms_app.core.db import SYSTEM_CONTEXT, DbContext
from woms_app.core.errors import Forbidden, NotFound
from woms_app.core.ids import MAX_ID, parse_id  # noqa: F401  (MAX_ID re-exported)
from woms_app.models.enums import AccountType, OrgRole

T = TypeVar("T")


@dataclass(frozen=True)
class Viewer:
    account_id: int | None
    email: str
    role: AccountType
    org_id: int | None = None
    full_name: str = ""
    org_name: str = ""
    org_role: OrgRole | None = None  # ORG accounts only

    @property
    def is_manager(self) -> bool:
        """May manage: a SUPERADMIN, or an ORG account that is its organization's manager."""
        return self.role == AccountType.SUPERADMIN or (self.role == AccountType.ORG
                                                       and self.org_role == OrgRole.MANAGER)

    @property
    def is_technician(self) -> bool:
        """An ORG account that is not a manager (a technician; an ORG viewer without a role gets no more)."""
        return self.role == AccountType.ORG and not self.is_manager

    @property
    def is_org(self) -> bool:
        return self.role == AccountType.ORG

    @property
    def is_govt(self) -> bool:
        return self.role == AccountType.GOVT

    @property
    def is_superadmin(self) -> bool:
        return self.role == AccountType.SUPERADMIN

    @property
    def can_write(self) -> bool:
        return self.role != AccountType.GOVT

    @property
    def db_context(self) -> DbContext:
        """How PostgreSQL's row-level security sees this viewer (the second wall)."""
        if self is SYSTEM or (self.account_id is None and self.email == "system"):
            return SYSTEM_CONTEXT
        return DbContext(role=self.role.value, org_id=self.org_id, account_id=self.account_id)

    @property
    def fleet_wide(self) -> bool:
        """Sees every organization (SUPERADMIN and GOVT)."""
        return self.role in (AccountType.SUPERADMIN, AccountType.GOVT)


SYSTEM = Viewer(account_id=None, email="system", role=AccountType.SUPERADMIN, full_name="WOMS scheduler")


def org_filter(viewer: Viewer, org_column: Any) -> sa.ColumnElement[bool]:
    """The WHERE clause restricting ``org_column`` to what ``viewer`` may see."""
    if viewer.fleet_wide:
        return sa.true()
    if viewer.org_id is None:  # an ORG account without org sees nothing
        return sa.false()
    return org_column == viewer.org_id


def scoped(stmt, viewer: Viewer, model: Any):
    """Apply the viewer's scope to a select on ``model`` (which has ``org_id``)."""
    return stmt.where(org_filter(viewer, model.org_id))


def get_scoped(session: Session, viewer: Viewer, model: type[T], obj_id: Any, what: str = "") -> T:
    """Load one row by id within the viewer's scope, or raise NotFound."""
    obj_id = parse_id(obj_id)
    if obj_id is None:
        raise NotFound(f"{what or model.__name__} not found")
    obj = session.get(model, obj_id)
    if obj is None or not can_see_org(viewer, getattr(obj, "org_id", None)):
        raise NotFound(f"{what or model.__name__} not found")
    return obj


def can_see_org(viewer: Viewer, org_id: int | None) -> bool:
    return viewer.fleet_wide or (org_id is not None and org_id == viewer.org_id)


def require_writer(viewer: Viewer) -> None:
    """GOVT accounts never write."""
    if not viewer.can_write:
        raise Forbidden("Read-only account: government observers cannot change data")


def require_manager(viewer: Viewer, what: str = "do this") -> None:
    """GOVT never writes; a technician does not manage (vendors, accounts, settings, schedules)."""
    require_writer(viewer)
    if not viewer.is_manager:
        raise Forbidden(f"Technicians cannot {what}: ask a manager of your organization")


def require_superadmin(viewer: Viewer) -> None:
    if not viewer.is_superadmin:
        raise Forbidden("Only a super admin can do this")


def require_write_org(viewer: Viewer, org_id: int | None) -> None:
    """The viewer may write rows of ``org_id`` (NotFound outside its scope)."""
    require_writer(viewer)
    if not can_see_org(viewer, org_id):
        raise NotFound("not found")
