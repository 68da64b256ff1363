"""PostgreSQL-only fixtures: migrated databases and a connection as the non-owner app role."""
import pytest
import sqlalchemy as sa

from tests.conftest import migrate

APP_LOGIN = "woms_web_test"


@pytest.fixture
def pg_dbs(fresh_databases):
    """Migrated PostgreSQL databases (tests parametrize ``fresh_databases`` with "pg")."""
    assert fresh_databases.kind == "pg"
    migrate(fresh_databases.main_url, fresh_databases.telemetry_url)
    owner = sa.create_engine(fresh_databases.main_url.replace("postgresql://", "postgresql+psycopg://"))
    with owner.begin() as conn:
        conn.execute(sa.text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_LOGIN}') THEN "
            f"CREATE ROLE {APP_LOGIN} LOGIN NOSUPERUSER NOBYPASSRLS INHERIT IN ROLE woms_app; END IF; END $$"))
    owner.dispose()
    yield fresh_databases


def as_app_role(url: str) -> str:
    """The same database, connecting as the login role that only has woms_app's rights."""
    return url.replace("postgresql://postgres@", f"postgresql://{APP_LOGIN}@")
