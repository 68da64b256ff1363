"""Organizations and accounts (administration)."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import security
from woms_app.core.clock import utcnow
from woms_app.core.errors import Conflict, NotFound, ValidationFailed
from woms_app.models.enums import AccountType, OrgRole
from woms_app.models.org import Account, Organization
from woms_app.services import audit, checklists
from woms_app.services.auth import normalize_email, revoke_all_sessions
from woms_app.services.viewer import Viewer, require_superadmin

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationFailed(f"Password must be at least {MIN_PASSWORD} characters", field="password")
    if len(password) > 72:
        raise ValidationFailed("Password must be at most 72 characters", field="password")


def validate_timezone(tz: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"Unknown time zone: {tz!r}", field="timezone") from exc
    return tz


def create_organization(session: Session, viewer: Viewer, name: str, *, auto_sync_enabled: bool = True,
                        timezone: str = "UTC") -> Organization:
    require_superadmin(viewer)
    name = (name or "").strip()
    if not 2 <= len(name) <= 120:
        raise ValidationFailed("Name must be 2–120 characters", field="name")
    validate_timezone(timezone)
    if session.exec(select(Organization).where(sa.func.lower(Organization.name) == name.lower())).first():
        raise Conflict(f"An organization named {name!r} already exists", field="name")
    org = Organization(name=name, auto_sync_enabled=auto_sync_enabled, timezone=timezone)
    session.add(org)
    session.flush()
    audit.record_write(session, viewer, "create", "organizations", org.id, org_id=org.id, detail=name)
    checklists.install_default_templates(session, viewer, org.id)  # the solar checklist templates to start from
    return org


def update_organization(session: Session, viewer: Viewer, org_id: int, *, name: str | None = None,
                        auto_sync_enabled: bool | None = None, timezone: str | None = None) -> Organization:
    require_superadmin(viewer)
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("Organization not found")
    changes = []
    if name is not None and name.strip() != org.name:
        name = name.strip()
        if not 2 <= len(name) <= 120:
            raise ValidationFailed("Name must be 2–120 characters", field="name")
        clash = session.exec(select(Organization).where(sa.func.lower(Organization.name) == name.lower(),
                                                        Organization.id != org_id)).first()
        if clash:
            raise Conflict(f"An organization named {name!r} already exists", field="name")
        org.name = name
        changes.append("name")
    if auto_sync_enabled is not None and auto_sync_enabled != org.auto_sync_enabled:
        org.auto_sync_enabled = auto_sync_enabled
        changes.append(f"auto_sync={'on' if auto_sync_enabled else 'off'}")
    if timezone is not None and timezone != org.timezone:
        org.timezone = validate_timezone(timezone)
        changes.append("timezone")
    session.add(org)
    audit.record_write(session, viewer, "update", "organizations", org.id, org_id=org.id, detail=", ".join(changes))
    return org


def parse_org_role(value: OrgRole | str | None) -> OrgRole:
    """manager | technician (an ORG account's role inside its organization)."""
    if isinstance(value, OrgRole):
        return value
    try:
        return OrgRole(str(value or "").strip().lower())
    except ValueError as exc:
        raise ValidationFailed("The role in the organization must be manager or technician",
                               field="org_role") from exc


def create_account(session: Session, viewer: Viewer, *, email: str, password: str, account_type: AccountType | str,
                   org_id: int | None = None, full_name: str = "",
                   org_role: OrgRole | str | None = OrgRole.MANAGER) -> Account:
    """Create an account (SUPERADMIN only; the CLI passes the system viewer). An ORG account gets ``org_role``
    (manager unless said otherwise); the other types have none."""
    require_superadmin(viewer)
    email_n = normalize_email(email)
    if not EMAIL_RE.match(email_n) or len(email_n) > 254:
        raise ValidationFailed("Enter a valid email address", field="email")
    try:
        account_type = AccountType(account_type)
    except ValueError as exc:
        raise ValidationFailed("Role must be SUPERADMIN, GOVT or ORG", field="account_type") from exc
    role: OrgRole | None = None
    if account_type == AccountType.ORG:
        if org_id is None or session.get(Organization, org_id) is None:
            raise ValidationFailed("An organization account needs an existing organization", field="org_id")
        role = parse_org_role(org_role)
    else:
        org_id = None
    validate_password(password)
    if session.exec(select(Account).where(sa.func.lower(Account.email) == email_n)).first():
        raise Conflict("An account with this email already exists", field="email")
    account = Account(email=email_n, full_name=(full_name or "").strip()[:120],
                      password_hash=security.hash_password(password), account_type=account_type, org_id=org_id,
                      org_role=role)
    session.add(account)
    session.flush()
    audit.record_write(session, viewer, "create", "accounts", account.id, org_id=org_id,
                       detail=f"{email_n} ({account_type.value}{', ' + role.value if role else ''})")
    return account


def set_org_role(session: Session, viewer: Viewer, account_id: int, org_role: OrgRole | str) -> Account:
    """Make an ORG account a manager or a technician (SUPERADMIN only). Its sessions end, so the new rights apply
    at once everywhere."""
    require_superadmin(viewer)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("Account not found")
    if AccountType(account.account_type) != AccountType.ORG:
        raise ValidationFailed("Only organization accounts have a role in an organization", field="org_role")
    role = parse_org_role(org_role)
    if account.org_role != role:
        account.org_role = role
        session.add(account)
        revoke_all_sessions(session, account.id)
        audit.record_write(session, viewer, "set_org_role", "accounts", account.id, org_id=account.org_id,
                           detail=f"{account.email} -> {role.value}")
    return account


def set_account_active(session: Session, viewer: Viewer, account_id: int, active: bool) -> Account:
    require_superadmin(viewer)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("Account not found")
    if account.id == viewer.account_id and not active:
        raise ValidationFailed("You cannot deactivate your own account")
    account.is_active = active
    session.add(account)
    if not active:
        revoke_all_sessions(session, account.id)
    audit.record_write(session, viewer, "activate" if active else "deactivate", "accounts", account.id,
                       org_id=account.org_id, detail=account.email)
    return account


def reset_password(session: Session, viewer: Viewer, account_id: int, new_password: str) -> Account:
    require_superadmin(viewer)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("Account not found")
    validate_password(new_password)
    account.password_hash = security.hash_password(new_password)
    account.failed_login_count = 0
    session.add(account)
    revoke_all_sessions(session, account.id)
    audit.record_write(session, viewer, "reset_password", "accounts", account.id, org_id=account.org_id,
                       detail=account.email)
    return account


def touch(obj) -> None:
    """Bump ``updated_at`` on a row that has one."""
    if hasattr(obj, "updated_at"):
        obj.updated_at = utcnow()
