"""Shared fixtures: real databases (SQLite always, PostgreSQL when present / required in CI)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Tests never use the developer's .env or data/ folder.
os.environ.setdefault("WOMS_DEMO", "true")
os.environ["WOMS_SECRET_KEY"] = "test-secret-key-0123456789abcdef"
os.environ["WOMS_BCRYPT_ROUNDS"] = "4"  # fast hashes for fixtures; production default (12) is tested separately
os.environ["WOMS_SCHEDULER_ENABLED"] = "false"
os.environ["REFLEX_TELEMETRY_ENABLED"] = "false"

PG_ADMIN_URL = os.environ.get("WOMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def require_pg() -> None:
    """Skip politely outside CI when no PostgreSQL answers; fail in CI."""
    if not pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is required when CI=true")
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")


@dataclass
class Databases:
    kind: str
    main_url: str
    telemetry_url: str


def _pg_create(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def _pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def use_databases(main_url: str, telemetry_url: str) -> None:
    """Point the application at these databases (settings and engines are re-read)."""
    from woms_app.core.config import reset_settings
    from woms_app.core.db import dispose_engines

    os.environ["WOMS_DATABASE_URL"] = main_url
    os.environ["WOMS_TELEMETRY_DATABASE_URL"] = telemetry_url
    reset_settings()
    dispose_engines()


def migrate(main_url: str, telemetry_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(Path(__file__).resolve().parents[1] / "alembic.ini"))
    cfg.attributes["urls"] = {"main": main_url, "telemetry": telemetry_url}
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


@pytest.fixture
def fresh_databases(request, tmp_path) -> Iterator[Databases]:
    """Two empty databases of the kind named by ``request.param`` ("sqlite" default, or "pg")."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        yield Databases("sqlite", f"sqlite:///{tmp_path / 'main.db'}", f"sqlite:///{tmp_path / 'tel.db'}")
        return
    require_pg()
    suffix = uuid.uuid4().hex[:10]
    names = (f"woms_test_{suffix}", f"woms_test_{suffix}_tel")
    urls = [_pg_create(n) for n in names]
    try:
        yield Databases("pg", urls[0], urls[1])
    finally:
        from woms_app.core.db import dispose_engines

        dispose_engines()
        for n in names:
            _pg_drop(n)


@pytest.fixture
def db(fresh_databases) -> Iterator[Databases]:
    """Migrated databases, with the application pointed at them."""
    migrate(fresh_databases.main_url, fresh_databases.telemetry_url)
    use_databases(fresh_databases.main_url, fresh_databases.telemetry_url)
    yield fresh_databases
    from woms_app.core.db import dispose_engines

    dispose_engines()


@pytest.fixture
def demo(db):
    """Migrated databases holding the demo organizations and accounts."""
    from woms_app.core.db import main_session
    from woms_app.services.seed import seed_demo

    with main_session() as session:
        seed_demo(session)
    return db


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread for the rest of
    the session, and asyncio tests collected after the first browser test would fail to start their own."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


BOTH_DATABASES = pytest.mark.parametrize("fresh_databases", ["sqlite", pytest.param("pg", marks=pytest.mark.pg)],
                                         indirect=True)
