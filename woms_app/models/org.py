"""Organizations, accounts, login sessions and login attempts."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.db import MainModel
from woms_app.core.types import enum_type
from woms_app.models._fields import enum_field, fk, ts_field
from woms_app.models.enums import AccountType, OrgRole


class Organization(MainModel, table=True):
    __tablename__ = "organizations"
    __table_args__ = (sa.Index("uq_organizations_name_lower", sa.func.lower(sa.column("name")), unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    auto_sync_enabled: bool = Field(default=True)
    timezone: str = Field(default="UTC", max_length=64)
    created_at: datetime = ts_field(nullable=False, default_now=True)


class Account(MainModel, table=True):
    __tablename__ = "accounts"
    __table_args__ = (
        # unique email, case-insensitive
        sa.Index("uq_accounts_email_lower", sa.func.lower(sa.column("email")), unique=True),
        # ORG accounts belong to exactly one organization; the others to none
        sa.CheckConstraint(
            "(account_type = 'ORG' AND org_id IS NOT NULL) OR (account_type <> 'ORG' AND org_id IS NULL)",
            name="org_matches_type",
        ),
        # ORG accounts have a role inside their organization (manager or technician); the others none
        sa.CheckConstraint(
            "(account_type = 'ORG' AND org_role IS NOT NULL) OR (account_type <> 'ORG' AND org_role IS NULL)",
            name="org_role_matches_type",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    full_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=100)
    account_type: AccountType = enum_field(AccountType, "account_type")
    org_id: int | None = fk("organizations.id", nullable=True)
    org_role: OrgRole | None = Field(default=None, sa_column=sa.Column(enum_type(OrgRole, "org_role"), nullable=True))
    is_active: bool = Field(default=True)
    failed_login_count: int = Field(default=0)
    last_failed_login_at: datetime | None = ts_field()
    last_login_at: datetime | None = ts_field()
    created_at: datetime = ts_field(nullable=False, default_now=True)


class AuthSession(MainModel, table=True):
    """A server-side login session. Only the SHA-256 of the session id is stored."""

    __tablename__ = "auth_sessions"

    id: str = Field(primary_key=True, max_length=64)
    account_id: int = fk("accounts.id", ondelete="CASCADE")
    created_at: datetime = ts_field(nullable=False, default_now=True)
    expires_at: datetime = ts_field(nullable=False)
    revoked_at: datetime | None = ts_field()
    user_agent: str = Field(default="", max_length=300)


class LoginAttempt(MainModel, table=True):
    """Failed logins per email (lower-cased) and client address, for throttling across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index("ix_login_attempts_email_at", "email", "attempted_at"),
                      sa.Index("ix_login_attempts_ip_at", "ip", "attempted_at"))

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    ip: str = Field(default="", max_length=64)
    attempted_at: datetime = ts_field(nullable=False, default_now=True)
