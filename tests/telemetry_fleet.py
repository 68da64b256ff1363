"""Plants with telemetry for the telemetry/plants tests: one Asia/Kolkata (+5:30) plant in Sunrise Energy and
one Europe/Berlin plant in Helios Power, readings written straight to the telemetry database."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.models import Account, Organization, Plant, TelemetryReading, Vendor
from woms_app.services.auth import viewer_for
from woms_app.services.telemetry import refresh_power_buckets
from woms_app.services.viewer import Viewer

EMAILS = {"admin": "admin@demo.woms", "govt": "govt@demo.woms", "sunrise": "ops@sunrise.demo.woms",
          "helios": "ops@helios.demo.woms"}
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


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
        org = session.exec(select(Organization).where(Organization.name == org_name)).one()
        fleet.orgs[key.split("-")[0]] = org.id
        vendor = session.exec(select(Vendor).where(Vendor.org_id == org.id)).first()
        p = Plant(org_id=org.id, vendor_id=vendor.id, external_id=f"tel-{key}", name=f"{org_name.split()[0]} {key}",
                  capacity_kw=cap, latitude=lat, longitude=lon, timezone=tz)
        session.add(p)
        session.flush()
        fleet.plants[key] = p.id
    return fleet


def add_readings(tel: Session, plant_id: int, org_id: int, instants, power=lambda i: float(i), **cols) -> None:
    for i, ts in enumerate(instants):
        tel.add(TelemetryReading(plant_id=plant_id, org_id=org_id, ts=ts, generation_power_kw=power(i),
                                 voltage_v=cols.get("voltage", 400.0), current_a=cols.get("current", 10.0),
                                 temperature_c=cols.get("temperature", 30.0)))
    tel.flush()
    instants = list(instants)
    if instants:  # as the sync does after every upsert
        refresh_power_buckets(tel, plant_id, org_id, min(instants), max(instants))


def viewer(session: Session, who: str) -> Viewer:
    account = session.exec(select(Account).where(sa.func.lower(Account.email) == EMAILS[who])).one()
    return viewer_for(session, account)
