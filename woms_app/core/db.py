"""Database engines and sessions.

Two databases: the main one (organizations, accounts, plants, work orders, alerts, ...)
and the telemetry one (high-frequency readings and daily roll-ups). Each has its own
SQLAlchemy metadata so that each Alembic branch manages only its own tables.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

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


def _sqlite_pragmas(dbapi_conn, _record) -> None:
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
def main_session() -> Iterator[Session]:
    """A session on the main database; commits on success, rolls back on error."""
    with Session(main_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def telemetry_session() -> Iterator[Session]:
    with Session(telemetry_engine(), expire_on_commit=False) as session:
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
]
