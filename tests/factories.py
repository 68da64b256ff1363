"""Test data with defaults and overrides: organizations, vendors, plants, alerts, work orders and readings.

Rows are added to the session you pass and flushed (ids are set); the caller's session commits. Readings go through
the sync's own storage path (``upsert_readings`` of vendor ``Reading`` records, then the 15-minute power buckets),
never as hand-built ``TelemetryReading`` rows, so a test that feeds readings sees them the way production stores them.
Every default is an override: ``plant(s, org, capacity_kw=50, timezone="Asia/Kolkata")``.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from woms_app.models import (
    Account,
    Alert,
    AlertSeverity,
    Organization,
    Plant,
    Vendor,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPlant,
)
from woms_app.services.telemetry import refresh_power_buckets, upsert_readings
from woms_app.vendors.base import Reading

_seq = itertools.count(1)


def _add(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def organization(session: Session, name: str | None = None, **over: Any) -> Organization:
    return _add(session, Organization(name=name or f"Test Org {next(_seq)}", **over))


def org_named(session: Session, name: str) -> Organization:
    """An existing organization (the demo seed's "Sunrise Energy", "Helios Power")."""
    return session.exec(select(Organization).where(Organization.name == name)).one()


def vendor(session: Session, org_id: int, **over: Any) -> Vendor:
    """A vendor row of the organization (no credentials: tests that sync use the emulator's demo accounts)."""
    fields = {"name": f"Vendor {next(_seq)}", "vendor_type": "solarman", "base_url": "http://vendor.invalid"} | over
    return _add(session, Vendor(org_id=org_id, **fields))


def org_vendor(session: Session, org_id: int) -> Vendor:
    """The organization's first vendor, made if it has none."""
    return session.exec(select(Vendor).where(Vendor.org_id == org_id)).first() or vendor(session, org_id)


def plant(session: Session, org_id: int, vendor_id: int | None = None, **over: Any) -> Plant:
    """A 100 kWp plant in UTC at 12.97 N 77.59 E (override any field); on the org's vendor unless given one."""
    n = next(_seq)
    fields = {"external_id": f"ext-{n}", "name": f"Plant {n}", "capacity_kw": 100.0, "latitude": 12.97,
              "longitude": 77.59, "timezone": "UTC"} | over
    if vendor_id is None:
        vendor_id = org_vendor(session, org_id).id
    return _add(session, Plant(org_id=org_id, vendor_id=vendor_id, **fields))


def account_of(session: Session, org_id: int) -> Account:
    """The organization's first account (the demo seed gives each organization its manager)."""
    return session.exec(select(Account).where(Account.org_id == org_id).order_by(Account.id)).first()


def alert(session: Session, plant: Plant, **over: Any) -> Alert:
    n = next(_seq)
    fields = {"external_id": f"alert-{n}", "title": f"Alert {n}", "message": "Inverter 2 offline",
              "severity": AlertSeverity.CRITICAL, "started_at": datetime(2026, 3, 1, 8, 0, tzinfo=UTC)} | over
    return _add(session, Alert(org_id=plant.org_id, plant_id=plant.id, vendor_id=plant.vendor_id, **fields))


def work_order(session: Session, org_id: int, plants: Iterable[Plant] = (), *, created_by: int | None = None,
               **over: Any) -> WorkOrder:
    """A work order holding ``plants`` (active links), with its "created" history row. For lifecycle behaviour use
    the service (services.work_orders); this is for tests that need a work order to exist."""
    if created_by is None:
        created_by = account_of(session, org_id).id
    n = next(_seq)
    wo = _add(session, WorkOrder(org_id=org_id, title=over.pop("title", f"Work order {n}"),
                                 description=over.pop("description", ""), created_by=created_by, **over))
    for p in plants:
        session.add(WorkOrderPlant(work_order_id=wo.id, plant_id=p.id, assigned_by=created_by))
    session.add(WorkOrderEvent(work_order_id=wo.id, account_id=created_by, kind="created"))
    session.flush()
    return wo


def readings(tel: Session, plant_id: int, org_id: int, instants: Iterable[datetime],
             power: Callable[[int], float | None] = float, **cols: Any) -> int:
    """Store one vendor reading per instant the way the sync does (upsert, then the plant's and organization's
    15-minute power buckets). ``power(i)`` gives the i-th power [kW]; ``cols`` are further ``Reading`` fields
    (``voltage_v``, ``current_a``, ``temperature_c`` = module temperature, ``irradiance_w_m2``,
    ``ambient_temperature_c``) as constants. Returns the rows written."""
    instants = list(instants)
    rows = [Reading(ts=ts, generation_power_kw=power(i), **cols) for i, ts in enumerate(instants)]
    n = upsert_readings(tel, plant_id, org_id, rows)
    if instants:
        refresh_power_buckets(tel, plant_id, org_id, min(instants), max(instants))
    return n
