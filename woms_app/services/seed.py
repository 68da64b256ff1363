"""The demo seed (demo mode only; idempotent)."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core.config import get_settings
from woms_app.core.errors import Forbidden
from woms_app.models.enums import AccountType, OrgRole
from woms_app.models.org import Account, Organization
from woms_app.services import accounts, audit, checklists
from woms_app.services.viewer import SYSTEM

log = logging.getLogger(__name__)

DEMO_PASSWORD = "woms-demo-pass"
DEMO_ORGS = [("Sunrise Energy", "Asia/Kolkata"), ("Helios Power", "Europe/Berlin")]
#: email, name, type, organization, role in the organization (all with DEMO_PASSWORD; listed in the README)
DEMO_ACCOUNTS = [
    ("admin@demo.woms", "Demo Super Admin", AccountType.SUPERADMIN, None, None),
    ("govt@demo.woms", "Demo Energy Agency", AccountType.GOVT, None, None),
    ("ops@sunrise.demo.woms", "Sunrise O&M", AccountType.ORG, "Sunrise Energy", OrgRole.MANAGER),
    ("ops@helios.demo.woms", "Helios O&M", AccountType.ORG, "Helios Power", OrgRole.MANAGER),
    ("tech1@sunrise.demo.woms", "Asha Rao (technician)", AccountType.ORG, "Sunrise Energy", OrgRole.TECHNICIAN),
    ("tech2@sunrise.demo.woms", "Vikram Singh (technician)", AccountType.ORG, "Sunrise Energy", OrgRole.TECHNICIAN),
    ("tech1@helios.demo.woms", "Lena Vogel (technician)", AccountType.ORG, "Helios Power", OrgRole.TECHNICIAN),
    ("tech2@helios.demo.woms", "Jonas Becker (technician)", AccountType.ORG, "Helios Power", OrgRole.TECHNICIAN),
]


def seed_demo(session: Session) -> dict[str, int]:
    """Create the demo organizations and accounts if they are missing. Returns counts created."""
    if not get_settings().demo:
        raise Forbidden("The demo seed runs only in demo mode (WOMS_DEMO=true)")
    created = {"organizations": 0, "accounts": 0, "vendors": 0, "checklist templates": 0}
    orgs: dict[str, Organization] = {}
    templates_before = checklists.count_templates(session)
    for name, tz in DEMO_ORGS:
        org = session.exec(select(Organization).where(sa.func.lower(Organization.name) == name.lower())).first()
        if org is None:
            org = accounts.create_organization(session, SYSTEM, name, timezone=tz)
            created["organizations"] += 1
        orgs[name] = org
        checklists.install_default_templates(session, SYSTEM, org.id)  # a new organization has them already
    created["checklist templates"] = checklists.count_templates(session) - templates_before
    for email, full_name, role, org_name, org_role in DEMO_ACCOUNTS:
        if session.exec(select(Account).where(sa.func.lower(Account.email) == email)).first() is None:
            accounts.create_account(session, SYSTEM, email=email, password=DEMO_PASSWORD, account_type=role,
                                    org_id=orgs[org_name].id if org_name else None, full_name=full_name,
                                    org_role=org_role)
            created["accounts"] += 1
    session.flush()
    created["vendors"] = _seed_demo_vendors(session, orgs)
    return created


def _seed_demo_vendors(session: Session, orgs: dict[str, Organization]) -> int:
    """One vendor per demo organization, on the local emulator (plants arrive with the first sync)."""
    from woms_app.core.security import encrypt_json
    from woms_app.emulator.demo import demo_vendor_accounts
    from woms_app.models.vendor import Vendor
    from woms_app.vendors import VendorManager

    n = 0
    for spec in demo_vendor_accounts(get_settings().emulator_url):
        org = orgs.get(spec["org_name"])
        if org is None:
            continue
        exists = session.exec(select(Vendor).where(Vendor.org_id == org.id, Vendor.name == spec["name"])).first()
        if exists is None:
            budget = VendorManager.adapter_class(spec["vendor_type"]).default_budget
            vendor = Vendor(org_id=org.id, name=spec["name"], vendor_type=spec["vendor_type"],
                            base_url=spec["base_url"], credentials_encrypted=encrypt_json(spec["credentials"]),
                            rate_limit_requests=budget.requests, rate_limit_window_s=budget.window_s,
                            max_concurrency=budget.max_concurrency)
            session.add(vendor)
            session.flush()
            audit.record_write(session, SYSTEM, "create", "vendors", vendor.id, org_id=org.id, detail="demo seed")
            n += 1
    return n
