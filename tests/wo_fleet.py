"""A small fleet for work-order and alert tests: plants and alerts in both demo organizations,
written straight to a database (the demo seed gives organizations, accounts and one vendor each)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.models import Account, Alert, AlertSeverity, AlertStatus, Organization, Plant, Vendor
from woms_app.services.auth import viewer_for
from woms_app.services.viewer import Viewer

EMAILS = {"admin": "admin@demo.woms", "govt": "govt@demo.woms", "sunrise": "ops@sunrise.demo.woms",
          "helios": "ops@helios.demo.woms"}
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


@dataclass
class Fleet:
    orgs: dict[str, int] = field(default_factory=dict)  # "sunrise"/"helios" → org id
    plants: dict[str, int] = field(default_factory=dict)  # "sunrise-1" → plant id
    alerts: dict[str, int] = field(default_factory=dict)  # "sunrise-critical" → alert id


def build_fleet(session: Session, n_plants: int = 3) -> Fleet:
    fleet = Fleet()
    for key, name in (("sunrise", "Sunrise Energy"), ("helios", "Helios Power")):
        org = session.exec(select(Organization).where(Organization.name == name)).one()
        fleet.orgs[key] = org.id
        vendor = session.exec(select(Vendor).where(Vendor.org_id == org.id)).first()
        if vendor is None:
            vendor = Vendor(org_id=org.id, name=f"{name} cloud", vendor_type="solarman", base_url="http://x")
            session.add(vendor)
            session.flush()
        for i in range(1, n_plants + 1):
            p = Plant(org_id=org.id, vendor_id=vendor.id, external_id=f"{key}-{i}", name=f"{name.split()[0]} plant {i}",
                      capacity_kw=100.0 * i)
            session.add(p)
            session.flush()
            fleet.plants[f"{key}-{i}"] = p.id
        for j, sev in enumerate((AlertSeverity.CRITICAL, AlertSeverity.MINOR, AlertSeverity.INFO)):
            a = Alert(org_id=org.id, plant_id=fleet.plants[f"{key}-1"], vendor_id=vendor.id,
                      external_id=f"{key}-alert-{j}", title=f"{sev.label} fault {j}", message="Inverter 2 offline",
                      vendor_code=f"E{j}", severity=sev, category="inverter",
                      status=AlertStatus.RESOLVED if sev == AlertSeverity.INFO else AlertStatus.ACTIVE,
                      started_at=T0 + timedelta(minutes=10 * j))
            session.add(a)
            session.flush()
            fleet.alerts[f"{key}-{sev.value}"] = a.id
    session.flush()
    return fleet


def viewer(session: Session, who: str) -> Viewer:
    account = session.exec(select(Account).where(sa.func.lower(Account.email) == EMAILS[who])).one()
    return viewer_for(session, account)
