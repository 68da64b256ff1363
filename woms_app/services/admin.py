"""Administration reads (SUPERADMIN only): organizations, accounts and the audit log.

Writes live in services/accounts.py (create/update organization, create account,
activate/deactivate, reset password); this module lists what the admin pages show,
paginated in the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core.errors import ValidationFailed
from woms_app.models.enums import AccountType
from woms_app.models.ops import AuditLog
from woms_app.models.org import Account, Organization
from woms_app.models.plant import Plant
from woms_app.services.paging import Page, check_page
from woms_app.services.viewer import Viewer, require_superadmin


@dataclass
class OrgRow:
    id: int
    name: str
    timezone: str
    auto_sync_enabled: bool
    created_at: datetime
    plants: int
    accounts: int


def list_organizations(session: Session, viewer: Viewer) -> list[OrgRow]:
    """Every organization with its plant and account counts (organizations are few: not paginated)."""
    require_superadmin(viewer)
    plants = (select(Plant.org_id, sa.func.count(Plant.id).label("n")).group_by(Plant.org_id).subquery())
    accounts = (select(Account.org_id, sa.func.count(Account.id).label("n")).group_by(Account.org_id).subquery())
    rows = session.exec(
        select(Organization, sa.func.coalesce(plants.c.n, 0), sa.func.coalesce(accounts.c.n, 0))
        .outerjoin(plants, plants.c.org_id == Organization.id)
        .outerjoin(accounts, accounts.c.org_id == Organization.id)
        .order_by(sa.func.lower(Organization.name))
    ).all()
    return [OrgRow(id=o.id, name=o.name, timezone=o.timezone, auto_sync_enabled=o.auto_sync_enabled,
                   created_at=o.created_at, plants=int(np), accounts=int(na)) for o, np, na in rows]


def organization_choices(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    require_superadmin(viewer)
    return [(i, n) for i, n in session.exec(select(Organization.id, Organization.name)
                                             .order_by(sa.func.lower(Organization.name))).all()]


def list_accounts(session: Session, viewer: Viewer, *, search: str = "", role: str = "", org_id: int | None = None,
                  active: bool | None = None, page: int = 1, page_size: int = 25) -> Page:
    """Accounts with their organization name; never the password hash. Items: (Account, org name | None)."""
    require_superadmin(viewer)
    check_page(page, page_size)
    stmt = select(Account, Organization.name).outerjoin(Organization, Organization.id == Account.org_id)
    if search.strip():
        q = search.strip().lower()
        stmt = stmt.where(sa.or_(sa.func.lower(Account.email).contains(q, autoescape=True),
                                 sa.func.lower(Account.full_name).contains(q, autoescape=True)))
    if role:
        try:
            stmt = stmt.where(Account.account_type == AccountType(role))
        except ValueError as exc:
            raise ValidationFailed("Role must be SUPERADMIN, GOVT or ORG", field="role") from exc
    if org_id is not None:
        stmt = stmt.where(Account.org_id == org_id)
    if active is not None:
        stmt = stmt.where(Account.is_active == active)
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(sa.func.lower(Account.email)).offset((page - 1) * page_size)
                        .limit(page_size)).all()
    return Page(items=list(rows), total=total)


@dataclass
class AuditFilter:
    who: str = ""  # part of the email
    action: str = ""
    entity: str = ""
    org_id: int | None = None
    day_from: date | None = None  # UTC days, inclusive
    day_to: date | None = None


def _parse_day(value: str | date | None, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"{what} must be a date (YYYY-MM-DD)", field=what) from exc


def audit_filter(who: str = "", action: str = "", entity: str = "", org_id: int | None = None,
                 day_from: str | date | None = None, day_to: str | date | None = None) -> AuditFilter:
    f = AuditFilter(who=(who or "").strip()[:254], action=(action or "").strip()[:60],
                    entity=(entity or "").strip()[:60], org_id=org_id,
                    day_from=_parse_day(day_from, "from"), day_to=_parse_day(day_to, "to"))
    if f.day_from and f.day_to and f.day_from > f.day_to:
        raise ValidationFailed("The start date must not be after the end date", field="from")
    return f


def list_audit(session: Session, viewer: Viewer, flt: AuditFilter | None = None, *, page: int = 1,
               page_size: int = 50) -> Page:
    """The audit log, newest first. Items: (AuditLog, organization name | None)."""
    require_superadmin(viewer)
    check_page(page, page_size)
    flt = flt or AuditFilter()
    stmt = select(AuditLog, Organization.name).outerjoin(Organization, Organization.id == AuditLog.org_id)
    if flt.who:
        stmt = stmt.where(sa.func.lower(AuditLog.account_email).contains(flt.who.lower(), autoescape=True))
    if flt.action:
        stmt = stmt.where(AuditLog.action == flt.action)
    if flt.entity:
        stmt = stmt.where(AuditLog.entity == flt.entity)
    if flt.org_id is not None:
        stmt = stmt.where(AuditLog.org_id == flt.org_id)
    if flt.day_from:
        stmt = stmt.where(AuditLog.at >= datetime.combine(flt.day_from, time(0), UTC))
    if flt.day_to:
        stmt = stmt.where(AuditLog.at < datetime.combine(flt.day_to + timedelta(days=1), time(0), UTC))
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc()).offset((page - 1) * page_size)
                        .limit(page_size)).all()
    return Page(items=list(rows), total=total)


def audit_choices(session: Session, viewer: Viewer) -> tuple[list[str], list[str]]:
    """The distinct actions and entities present in the log (for the filter menus)."""
    require_superadmin(viewer)
    actions = sorted(session.exec(select(AuditLog.action).distinct()).all())
    entities = sorted(session.exec(select(AuditLog.entity).distinct()).all())
    return actions, entities
