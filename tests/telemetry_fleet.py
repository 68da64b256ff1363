"""Plants with telemetry for the telemetry/plants tests: one Asia/Kolkata (+5:30) plant in Sunrise Energy and
one Europe/Berlin plant in Helios Power, readings stored as the sync stores them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from tests import factories
from woms_app.models import Account
from woms_app.services.auth import viewer_for
from woms_app.services.viewer import Viewer

EMAILS = {"admin": "admin@demo.woms", "govt": "govt@demo.woms", "sunrise": "ops@sunrise.demo.woms",
          "helios": "ops@helios.demo.woms"}
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@dataclass
class TelFleet:
    orgs: dict[str, int] = field(default_factory=dict)
    plants: dict[str, int] = field(default_factory=dict)  # "sunrise" / "helios" / "sunrise-2"


def add_plants(session: Session) -> TelFleet:
    fleet = TelFleet()
    specs = [("sunrise", "Sunrise Energy", "Asia/Kolkata", 12.97, 77.59, 200.0),
             ("sunrise-2", "Sunrise Energy", "Asia/Kolkata", 13.0, 77.6, 100.0),
             ("helios", "Helios Power", "Europe/Berlin", 52.5, 13.4, 400.0)]
    for key, org_name, tz, lat, lon, cap in specs:
        org = factories.org_named(session, org_name)
        fleet.orgs[key.split("-")[0]] = org.id
        p = factories.plant(session, org.id, external_id=f"tel-{key}", name=f"{org_name.split()[0]} {key}",
                            capacity_kw=cap, latitude=lat, longitude=lon, timezone=tz)
        fleet.plants[key] = p.id
    return fleet


def add_readings(tel: Session, plant_id: int, org_id: int, instants, power=lambda i: float(i), **cols) -> None:
    """Readings as the sync stores them (tests.factories.readings), 400 V, 10 A, module at 30 °C by default."""
    factories.readings(tel, plant_id, org_id, instants, power, voltage_v=cols.get("voltage", 400.0),
                       current_a=cols.get("current", 10.0), temperature_c=cols.get("temperature", 30.0))


def viewer(session: Session, who: str) -> Viewer:
    account = session.exec(select(Account).where(sa.func.lower(Account.email) == EMAILS[who])).one()
    return viewer_for(session, account)
