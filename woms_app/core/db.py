"""Database engines and sessions.

Two databases: the main one (organizations, accounts, plants, work orders, alerts, ...)
and the telemetry one (high-frequency readings and daily roll-ups). Each has its own
SQLAlchemy metadata so that each Alembic branch manages only its own tables.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlmodel import Session, SQLModel

from woms_app.core.config import DATA_DIR, get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Main database: the default SQLModel metadata.
MainModel = SQLModel
MainModel.metadata.naming_convention = NAMING_CONVENTION

# Telemetry database: a separate registry so its tables stay out of the main metadata.
telemetry_registry = registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))


class TelemetryModel(SQLModel, registry=telemetry_registry):
    """Base for tables that live in the telemetry database."""


_engines: dict[str, Engine] = {}

_PARTITION_RE = re.compile(r"^telemetry_readings_(p\d{8}|default)$")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic filter: the daily partitions of telemetry_readings are managed at run time, not by migrations."""
    return not (type_ == "table" and name is not None and _PARTITION_RE.match(name))


# ------------------------------------------------------------------ row-level security context
@dataclass(frozen=True)
class DbContext:
    """Who the current transaction acts for, as PostgreSQL's row-level security policies see it.

    ``role`` is SUPERADMIN | GOVT | ORG | SYSTEM (jobs, migrations' data steps). Without a context the
    policies let nothing through.
    """

    role: str
    org_id: int | None = None
    account_id: int | None = None


SYSTEM_CONTEXT = DbContext(role="SYSTEM")
_current_context: ContextVar[DbContext | None] = ContextVar("woms_db_context", default=None)


@contextmanager
def db_context(ctx: DbContext | None) -> Iterator[None]:
    """Sessions opened inside this block act for ``ctx`` (unless given another explicitly)."""
    token = _current_context.set(ctx)
    try:
        yield
    finally:
        _current_context.reset(token)


def bind_db_context(ctx: DbContext | None) -> None:
    """Sessions opened later in the current task act for ``ctx`` (an event handler, after its auth check)."""
    _current_context.set(ctx)


def set_context(session: Session, ctx: DbContext | None) -> None:
    """Make ``session`` act for ``ctx`` from now on (this transaction and the following ones)."""
    session.info["woms_ctx"] = ctx
    if session.in_transaction():
        _apply_context(session, ctx)


_SET_CONTEXT = sa.text("SELECT set_config('woms.role', :r, true), set_config('woms.org_id', :o, true), "
                       "set_config('woms.account_id', :a, true)")


def _context_params(ctx: DbContext | None) -> dict[str, str]:
    return {"r": ctx.role if ctx else "", "o": "" if ctx is None or ctx.org_id is None else str(ctx.org_id),
            "a": "" if ctx is None or ctx.account_id is None else str(ctx.account_id)}


def _apply_context(session: Session, ctx: DbContext | None) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_SET_CONTEXT, _context_params(ctx))


@event.listens_for(Session, "after_begin")
def _on_begin(session: Session, transaction: object, connection: sa.Connection) -> None:  # noqa: ARG001
    """Every transaction on PostgreSQL starts by naming its viewer (transaction-local settings)."""
    if connection.dialect.name == "postgresql":
        connection.execute(_SET_CONTEXT, _context_params(session.info.get("woms_ctx")))


def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    """Build an engine with the project's settings for ``url``."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def main_engine() -> Engine:
    url = get_settings().database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def telemetry_engine() -> Engine:
    url = get_settings().telemetry_database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def main_session(ctx: DbContext | None = None) -> Iterator[Session]:
    """A session on the main database; commits on success, rolls back on error.

    It acts for ``ctx`` (default: the enclosing :func:`db_context`) under PostgreSQL row-level security.
    """
    with Session(main_engine(), expire_on_commit=False) as session:
        session.info["woms_ctx"] = ctx if ctx is not None else _current_context.get()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def telemetry_session(ctx: DbContext | None = None) -> Iterator[Session]:
    """A session on the telemetry database (same rules as :func:`main_session`)."""
    with Session(telemetry_engine(), expire_on_commit=False) as session:
        session.info["woms_ctx"] = ctx if ctx is not None else _current_context.get()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


__all__ = [
    "DATA_DIR",
    "MainModel",
    "TelemetryModel",
    "main_engine",
    "telemetry_engine",
    "main_session",
    "telemetry_session",
    "make_engine",
    "dispose_engines",
    "DbContext",
    "SYSTEM_CONTEXT",
    "db_context",
    "set_context",
    "bind_db_context",
    "include_name",
]
