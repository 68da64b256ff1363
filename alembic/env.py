"""Alembic environment for WOMS's two databases (Alembic's multi-database pattern).

Each migration script has ``upgrade_main``/``upgrade_telemetry`` (and downgrades).
URLs come from the application settings, or from ``config.attributes['urls']``
(a dict ``{"main": url, "telemetry": url}``) when called programmatically (tests).
"""
from __future__ import annotations

import logging
import re
from logging.config import fileConfig

from alembic import context

import woms_app.models  # noqa: F401  (registers every table)
from woms_app.core.config import get_settings
from woms_app.core.db import MainModel, TelemetryModel, include_name, make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db_names = [n for n in re.split(r",\s*", config.get_main_option("databases", "main, telemetry")) if n]
target_metadata = {"main": MainModel.metadata, "telemetry": TelemetryModel.metadata}


def _urls() -> dict[str, str]:
    urls = config.attributes.get("urls")
    if urls:
        return urls
    settings = get_settings()
    return {"main": settings.migration_database_url or settings.database_url,
            "telemetry": settings.migration_telemetry_database_url or settings.telemetry_database_url}


def _configure_kwargs(name: str, url: str) -> dict:
    return dict(
        target_metadata=target_metadata[name],
        render_as_batch=url.startswith("sqlite"),  # SQLite ALTERs go through batch mode
        compare_type=True,
        compare_server_default=False,
        include_name=include_name,
    )


def run_migrations_offline() -> None:
    for name, url in _urls().items():
        if name not in db_names:
            continue
        with open(f"{name}.sql", "w") as buffer:
            context.configure(url=url, output_buffer=buffer, literal_binds=True,
                              dialect_opts={"paramstyle": "named"}, **_configure_kwargs(name, url))
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


def run_migrations_online() -> None:
    urls = _urls()
    for name in db_names:
        url = urls[name]
        engine = make_engine(url)
        with engine.connect() as connection:
            logger.info("Migrating database %s", name)
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # batch mode rebuilds a table (copy, DROP the old one, rename): with foreign keys enforced, the DROP
                # would delete (ON DELETE CASCADE) or refuse every referencing row. Off for the migration (only
                # outside a transaction does the pragma act), checked and back on afterwards.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            context.configure(
                connection=connection,
                upgrade_token=f"{name}_upgrades",
                downgrade_token=f"{name}_downgrades",
                **_configure_kwargs(name, url),
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
                if broken:
                    raise RuntimeError(f"the migration left rows violating foreign keys: {broken[:5]}")
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
