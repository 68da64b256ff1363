"""A small fleet for work-order and alert tests: plants and alerts in both demo organizations,
made with tests.factories (the demo seed gives organizations, accounts and one vendor each)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from tests import factories
from woms_app.models import Account, AlertSeverity, AlertStatus
from woms_app.services.auth import viewer_for
from woms_app.services.viewer import Viewer

EMAILS = {"admin": "admin@demo.woms", "govt": "govt@demo.woms", "sunrise": "ops@sunrise.demo.woms",
          "helios": "ops@helios.demo.woms", "tech1": "tech1@sunrise.demo.woms", "tech2": "tech2@sunrise.demo.woms",
          "helios-tech": "tech1@helios.demo.woms"}
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@dataclass
class Fleet:
    orgs: dict[str, int] = field(default_factory=dict)  # "sunrise"/"helios" → org id
    plants: dict[str, int] = field(default_factory=dict)  # "sunrise-1" → plant id
    alerts: dict[str, int] = field(default_factory=dict)  # "sunrise-critical" → alert id


def build_fleet(session: Session, n_plants: int = 3) -> Fleet:
    fleet = Fleet()
    for key, name in (("sunrise", "Sunrise Energy"), ("helios", "Helios Power")):
        org = factories.org_named(session, name)
        fleet.orgs[key] = org.id
        for i in range(1, n_plants + 1):
            p = factories.plant(session, org.id, external_id=f"{key}-{i}", name=f"{name.split()[0]} plant {i}",
                                capacity_kw=100.0 * i)
            fleet.plants[f"{key}-{i}"] = p.id
            if i == 1:
                first = p
        for j, sev in enumerate((AlertSeverity.CRITICAL, AlertSeverity.MINOR, AlertSeverity.INFO)):
            a = factories.alert(session, first, external_id=f"{key}-alert-{j}", title=f"{sev.label} fault {j}",
                                vendor_code=f"E{j}", severity=sev, category="inverter",
                                status=AlertStatus.RESOLVED if sev == AlertSeverity.INFO else AlertStatus.ACTIVE,
                                started_at=T0 + timedelta(minutes=10 * j))
            fleet.alerts[f"{key}-{sev.value}"] = a.id
    session.flush()
    return fleet


def viewer(session: Session, who: str) -> Viewer:
    account = session.exec(select(Account).where(sa.func.lower(Account.email) == EMAILS[who])).one()
    return viewer_for(session, account)


def account_id(session: Session, who: str) -> int:
    return session.exec(select(Account.id).where(sa.func.lower(Account.email) == EMAILS[who])).one()
