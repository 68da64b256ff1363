"""Login, sessions and logout.

A login creates a server-side session row (only the SHA-256 of its random id is stored)
and returns a signed token (PyJWT HS256) naming it. Every request resolves the token
through the row, so logout, expiry and deactivation take effect at once.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import security
from woms_app.core.clock import utcnow
from woms_app.core.config import get_settings
from woms_app.core.db import DbContext, set_context
from woms_app.core.errors import Forbidden, NotAuthenticated, TooManyAttempts, ValidationFailed
from woms_app.models.enums import AccountType, OrgRole
from woms_app.models.org import Account, AuthSession, LoginAttempt, Organization
from woms_app.services import audit
from woms_app.services.viewer import Viewer

log = logging.getLogger(__name__)

INVALID_CREDENTIALS = "Invalid email or password"
MAX_EMAIL = 254
MAX_PASSWORD = 1024


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    viewer: Viewer


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _throttle_check(session: Session, email: str, ip: str) -> None:
    """Within the window: 5 failures for one email *from one client address*, or 20 from one address → 429.

    Failures are never counted per email alone, so a flood of bad passwords from one address slows that email
    from that address only: its owner still signs in from anywhere else (README, "Login throttling")."""
    settings = get_settings()
    window = timedelta(minutes=settings.login_window_minutes)
    since = utcnow() - window
    checks = [(sa.and_(LoginAttempt.email == email, LoginAttempt.ip == ip), settings.login_max_failures)]
    if ip:  # one address trying many accounts
        checks.append((LoginAttempt.ip == ip, settings.login_max_failures_per_ip))
    for condition, limit in checks:
        rows = session.exec(
            select(LoginAttempt.attempted_at).where(condition, LoginAttempt.attempted_at > since)
            .order_by(LoginAttempt.attempted_at)
        ).all()
        if len(rows) >= limit:
            # the window reopens when enough of the oldest failures age out
            reopen = rows[len(rows) - limit] + window
            retry_after = max(1, math.ceil((reopen - utcnow()).total_seconds()))
            raise TooManyAttempts(
                f"Too many failed attempts. Try again in {math.ceil(retry_after / 60)} min.",
                retry_after=retry_after,
            )


def viewer_for(session: Session, account: Account) -> Viewer:
    """The viewer of ``account``; from here on ``session`` acts for it under row-level security."""
    set_context(session, DbContext(role=AccountType(account.account_type).value, org_id=account.org_id,
                                   account_id=account.id))
    org_name = ""
    if account.org_id is not None:
        org = session.get(Organization, account.org_id)
        org_name = org.name if org else ""
    return Viewer(
        account_id=account.id,
        email=account.email,
        role=AccountType(account.account_type),
        org_id=account.org_id,
        full_name=account.full_name,
        org_name=org_name,
        org_role=OrgRole(account.org_role) if account.org_role else None,
    )


def login(session: Session, email: str, password: str, user_agent: str = "", ip: str = "") -> LoginResult:
    """Verify credentials (bcrypt; same cost for unknown emails) and open a session.

    Blocking (bcrypt): call it from a thread.
    """
    email_n = normalize_email(email)
    if not email_n or not password or len(email_n) > MAX_EMAIL or len(password) > MAX_PASSWORD:
        raise ValidationFailed("Email and password are required")
    ip = (ip or "")[:64]
    _throttle_check(session, email_n, ip)
    account = session.exec(select(Account).where(sa.func.lower(Account.email) == email_n)).first()
    ok = security.verify_password(password, account.password_hash if account else None)
    now = utcnow()
    if not ok:
        session.add(LoginAttempt(email=email_n, ip=ip, attempted_at=now))
        if account is not None:
            account.failed_login_count += 1
            account.last_failed_login_at = now
            session.add(account)
        session.commit()
        log.info("login failed")  # no email in logs: it is personal data and an enumeration aid
        raise NotAuthenticated(INVALID_CREDENTIALS)
    assert account is not None
    if not account.is_active:
        raise Forbidden("This account is deactivated. Contact your administrator.")
    # the owner's success clears the failures from its own address only, not an attacker's elsewhere
    session.exec(sa.delete(LoginAttempt).where(LoginAttempt.email == email_n, LoginAttempt.ip == ip))
    sid = security.new_session_id()
    expires = security.session_expiry()
    session.add(AuthSession(id=security.hash_session_id(sid), account_id=account.id, created_at=now,
                            expires_at=expires, user_agent=(user_agent or "")[:300]))
    account.failed_login_count = 0
    account.last_login_at = now
    session.add(account)
    viewer = viewer_for(session, account)
    audit.record_write(session, viewer, "login", "sessions", org_id=account.org_id)
    session.commit()
    return LoginResult(token=security.sign_session_token(sid, expires), expires_at=expires, viewer=viewer)


def _live_session(session: Session, token: str | None) -> tuple[AuthSession, Account] | None:
    if not token:
        return None
    sid = security.read_session_token(token)
    if sid is None:
        return None
    row = session.get(AuthSession, security.hash_session_id(sid))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.is_active:
        return None
    return row, account


def resolve(session: Session, token: str | None) -> Viewer | None:
    """The viewer of a session token, or None when missing, invalid, expired or revoked."""
    live = _live_session(session, token)
    return None if live is None else viewer_for(session, live[1])


def live_session_id(session: Session, token: str | None) -> str | None:
    """The ``auth_sessions`` row id named by a session token while that session is live (not expired, not
    revoked, its account active), else None. What a browser tab's state is bound to (state/base.py)."""
    live = _live_session(session, token)
    return None if live is None else live[0].id


def logout(session: Session, token: str | None) -> bool:
    """Revoke the session named by ``token``. True when a live session was revoked."""
    sid = security.read_session_token(token or "")
    if sid is None:
        return False
    row = session.get(AuthSession, security.hash_session_id(sid))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.add(row)
    account = session.get(Account, row.account_id)
    if account is not None:
        audit.record_write(session, viewer_for(session, account), "logout", "sessions", org_id=account.org_id)
    session.commit()
    return True


def revoke_all_sessions(session: Session, account_id: int) -> int:
    """Revoke every live session of an account (deactivation, password reset)."""
    result = session.exec(
        sa.update(AuthSession)
        .where(AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0
