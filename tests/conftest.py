"""Shared fixtures: real databases (SQLite always, PostgreSQL when present / required in CI).

``WOMS_TEST_DB=pg`` runs the suite against PostgreSQL the way production does: the ``fresh_databases`` / ``db`` /
``demo`` fixtures default to PostgreSQL, the databases are migrated **as their owner** (a few pairs migrated once
and wiped between tests: CREATE DATABASE costs seconds on this disk) and the application connects as the non-owner login role ``woms_web_test`` (a member of
``woms_app``), so row-level security applies. Sessions the application opens act only for the context their
entry point gives them (a missing SYSTEM/viewer context shows up as "no rows" or a policy violation); test code that
opens a session itself (setup, inspection) says whom it acts for: ``main_session(SYSTEM_CONTEXT)``.
"""
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
os.environ["WOMS_REDIS_URL"] = ""  # one process: no cross-process feed, no Redis locks (tests/multiworker sets it)
os.environ["WOMS_MIGRATION_DATABASE_URL"] = ""
os.environ["WOMS_MIGRATION_TELEMETRY_DATABASE_URL"] = ""

PG_ADMIN_URL = os.environ.get("WOMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_DB = os.environ.get("WOMS_TEST_DB", "sqlite").lower()
if TEST_DB not in ("sqlite", "pg"):
    raise RuntimeError(f"WOMS_TEST_DB must be sqlite or pg, not {TEST_DB!r}")
APP_LOGIN = "woms_web_test"  # the app's login role in tests: member of woms_app (made by the migrations)


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
    main_url: str  # as the owner (migrations, test bookkeeping)
    telemetry_url: str
    names: tuple[str, str] | None = None  # PostgreSQL database names
    migrated: bool = False

    @property
    def app_main_url(self) -> str:
        """The URL the application uses: on PostgreSQL the non-owner login role."""
        return as_app_login(self.main_url) if self.kind == "pg" else self.main_url

    @property
    def app_telemetry_url(self) -> str:
        return as_app_login(self.telemetry_url) if self.kind == "pg" else self.telemetry_url


def as_app_login(url: str) -> str:
    """The same PostgreSQL database, connecting as the login role that only has woms_app's rights."""
    return url.replace("postgresql://postgres@", f"postgresql://{APP_LOGIN}@")


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


def ensure_app_login(owner_url: str) -> None:
    """Create the app's login role (member of woms_app) once the migrations made woms_app."""
    import psycopg

    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_LOGIN}') THEN "
            f"CREATE ROLE {APP_LOGIN} LOGIN NOSUPERUSER NOBYPASSRLS INHERIT IN ROLE woms_app; END IF; END $$")


_pool: list[tuple[str, str]] = []  # migrated PostgreSQL database pairs, reused test after test (wiped between)


#: tables a wipe keeps: the migrations' bookkeeping and the reference data they seed (the closure taxonomy)
KEPT_TABLES = ("alembic_version", "closure_codes")


def _pg_wipe(names: tuple[str, str]) -> None:
    """Empty every table of a migrated pair and restart its sequences (far cheaper than CREATE DATABASE here)."""
    import psycopg

    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    for name in names:
        with psycopg.connect(f"{base}/{name}", autocommit=True) as conn:
            conn.execute("SET lock_timeout = '10s'")
            # whatever a previous test left connected (a leaked session) must not hold locks on the tables
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            tables = [r[0] for r in conn.execute(
                "SELECT quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
                "AND NOT c.relname = ANY(%s)", [list(KEPT_TABLES)])]
            if tables:
                conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def _pg_migrated_pair() -> tuple[str, str]:
    """A migrated pair (as the owner) for one test: taken from the pool, or created and migrated."""
    if _pool:
        names = _pool.pop()
        _pg_wipe(names)
        return names
    suffix = uuid.uuid4().hex[:10]
    names = (f"woms_test_{suffix}", f"woms_test_{suffix}_tel")
    urls = [_pg_create(n) for n in names]
    migrate(*urls)
    ensure_app_login(urls[0])
    return names


def pytest_sessionfinish(session, exitstatus):
    while _pool:
        for n in _pool.pop():
            try:
                _pg_drop(n)
            except Exception:
                pass


@pytest.fixture
def fresh_databases(request, tmp_path) -> Iterator[Databases]:
    """Two empty databases of the kind named by ``request.param`` (default: sqlite, or WOMS_TEST_DB)."""
    kind = getattr(request, "param", TEST_DB)
    if kind == "sqlite":
        yield Databases("sqlite", f"sqlite:///{tmp_path / 'main.db'}", f"sqlite:///{tmp_path / 'tel.db'}")
        return
    require_pg()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    if "db" in request.fixturenames:  # it wants migrated databases: a reused pair, wiped
        names = _pg_migrated_pair()
        try:
            yield Databases("pg", f"{base}/{names[0]}", f"{base}/{names[1]}", names, migrated=True)
        finally:
            from woms_app.core.db import dispose_engines

            dispose_engines()
            _pool.append(names)
        return
    suffix = uuid.uuid4().hex[:10]
    names = (f"woms_test_{suffix}", f"woms_test_{suffix}_tel")
    urls = [_pg_create(n) for n in names]
    try:
        yield Databases("pg", urls[0], urls[1], names)
    finally:
        from woms_app.core.db import dispose_engines

        dispose_engines()
        for n in names:
            _pg_drop(n)


@pytest.fixture
def db(fresh_databases, tmp_path) -> Iterator[Databases]:
    """Migrated databases, with the application pointed at them (on PostgreSQL: as the non-owner login role), and
    an empty attachment store of their own."""
    if not fresh_databases.migrated:
        migrate(fresh_databases.main_url, fresh_databases.telemetry_url)
    os.environ["WOMS_ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    use_databases(fresh_databases.app_main_url, fresh_databases.app_telemetry_url)
    yield fresh_databases
    from woms_app.core.db import dispose_engines

    dispose_engines()


@pytest.fixture
def demo(db):
    """Migrated databases holding the demo organizations and accounts."""
    from woms_app.core.db import SYSTEM_CONTEXT, main_session
    from woms_app.services.seed import seed_demo

    with main_session(SYSTEM_CONTEXT) as session:
        seed_demo(session)
    return db


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread for the rest of
    the session, and asyncio tests collected after the first browser test would fail to start their own."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


BOTH_DATABASES = pytest.mark.parametrize("fresh_databases", ["sqlite", pytest.param("pg", marks=pytest.mark.pg)],
                                         indirect=True)


@pytest.fixture(scope="session")
def browser():
    """The one headless Chromium of the session (Debian's package, driven by Playwright; never downloaded).

    Defined here, once: Playwright's sync API allows a single instance per thread, so every test package that
    drives a browser (e2e, multiworker, ...) must share this fixture rather than import its own copy."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `apt-get install -y chromium` (make test does it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
