"""Command line: ``python -m woms_app <command>``.

Commands:
  create-admin --email E [--name N]   create a SUPERADMIN (password prompted, never echoed)
  seed-demo [--no-history]            create the demo organizations, accounts and vendors, list the demo plants
                                      and backfill 35 days of daily history (demo mode only; idempotent)
  migrate                             upgrade both databases to the latest schema
"""
from __future__ import annotations

import argparse
import getpass
import logging
import sys

from woms_app.core.config import ConfigError
from woms_app.core.errors import WomsError


def _migrate() -> None:
    from alembic import command
    from alembic.config import Config

    from woms_app.core.config import PROJECT_ROOT

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    command.upgrade(cfg, "head")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m woms_app", description="WOMS administration")
    sub = parser.add_subparsers(dest="command", required=True)
    p_admin = sub.add_parser("create-admin", help="create a SUPERADMIN account")
    p_admin.add_argument("--email", required=True)
    p_admin.add_argument("--name", default="")
    p_seed = sub.add_parser("seed-demo", help="seed the demo organizations, accounts, vendors, plants and 35 days "
                                              "of daily history (idempotent)")
    p_seed.add_argument("--no-history", action="store_true",
                        help="only organizations, accounts and vendors (plants arrive with the first sync)")
    sub.add_parser("migrate", help="upgrade both databases")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from woms_app.core.db import SYSTEM_CONTEXT, main_session

    try:
        if args.command == "migrate":
            _migrate()
        elif args.command == "create-admin":
            from woms_app.models.enums import AccountType
            from woms_app.services import accounts
            from woms_app.services.viewer import SYSTEM

            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Repeat password: "):
                print("Passwords do not match.", file=sys.stderr)
                return 2
            with main_session(SYSTEM_CONTEXT) as session:  # an administrative act, like a migration
                acc = accounts.create_account(session, SYSTEM, email=args.email, password=password,
                                              account_type=AccountType.SUPERADMIN, full_name=args.name)
                print(f"Created super admin {acc.email} (id {acc.id}).")
        elif args.command == "seed-demo":
            from woms_app.services.seed import seed_demo

            with main_session(SYSTEM_CONTEXT) as session:
                created = seed_demo(session)
            print("Demo seed: " + ", ".join(f"{v} {k} created" for k, v in created.items()))
            if not args.no_history:
                from woms_app.services.demo_history import seed_history

                history = seed_history()
                print(f"Demo history: {history['plants']} plants, {history['energy_days']} energy days and "
                      f"{history['kpi_days']} KPI days written, {history['work_orders']} work orders created")
                from woms_app.services.demo_work_orders import seed_work_orders

                print(f"Demo work orders: {seed_work_orders()} created")
    except WomsError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
