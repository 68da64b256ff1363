"""Demo history: 35 plant-local days of daily roll-ups and KPIs for every demo plant (demo seed only).

A fresh demo would otherwise show empty analytics until a day has passed. This module generates, in memory,
each past day's 5-minute readings from the emulator's physics (:mod:`woms_app.emulator.physics`, the same pure
function the emulator serves), computes the day's KPIs with :func:`analytics.compute_daily_kpis` (the model
of the hourly KPI job) and its energy roll-up, and stores only the daily rows (``plant_daily_kpis``,
``plant_daily_energy``). Raw readings are never stored: they are kept 24 h and the sync fetches those.

The story it tells (fixed relative to yesterday Y of each plant's own zone, or to the cleaning work order once
it exists, so later runs extend the same story):

- ``Sevilla Solar Farm`` soils for a week (power ×0.92 falling to ×0.77, days A−7 … A−1), a cleaning work
  order is opened on day A = Y−12 and closed on A+1, and output recovers: its before / during / after
  snapshots show the improvement.
- ``Phoenix Desert Array`` loses one of its three inverters from 10:00 to 15:30 on Y−2 (availability and PR
  drop that day).

Idempotent: only days without a row are written, the work order is created once, and every value is a pure
function of (emulator seed, plant, day), so running the seed twice changes nothing.

The roll-up of a backfilled day is stored as its *purged* part (``purged_*`` = the whole day, as if its readings
had been rolled up and deleted by retention), so the day's readings that the first sync fetches again (the last
24 h reach into yesterday) are ignored by later roll-ups instead of replacing the full day with a partial one.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app import analytics
from woms_app.core.clock import utcnow
from woms_app.core.config import get_settings
from woms_app.core.db import SYSTEM_CONTEXT, db_context, main_session, telemetry_session
from woms_app.core.timezones import local_day, zone
from woms_app.emulator import physics
from woms_app.emulator.fleet import Fleet, build_fleet
from woms_app.emulator.fleet import PlantSpec as EmuPlant
from woms_app.models.enums import AccountType, OrgRole, Priority, SyncKind, SyncTrigger, WorkOrderStatus
from woms_app.models.org import Account
from woms_app.models.plant import Plant
from woms_app.models.telemetry import PlantDailyEnergy, PlantDailyKpi
from woms_app.models.vendor import Vendor
from woms_app.models.work_order import WorkOrder, WorkOrderEvent, WorkOrderPlant
from woms_app.services import kpis, sla
from woms_app.services.plants import refresh_latest_kpis
from woms_app.services.telemetry import DayAggregate, contributions
from woms_app.services.viewer import Viewer

log = logging.getLogger(__name__)

HISTORY_DAYS = 35  #: plant-local days backfilled, ending yesterday
SOILING_PLANT = "Sevilla Solar Farm"
TRIP_PLANT = "Phoenix Desert Array"
CLEANING_TITLE = "Module cleaning: soiling loss on the array"
CLEANING_DESCRIPTION = ("PR fell from ~94 % to under 75 % within a week without any alarm: dust on the modules. "
                        "Wash all strings; check the result in the before / after figures.")
ACTIVATION_DAYS_BEFORE_YESTERDAY = 12  #: the cleaning work order is opened on Y−12 and closed the day after
SOILING_START = (0.92, 0.025)  #: factor on day A−7 and its daily fall (×0.77 on A−1)
SOILING_DURING = 0.78  #: the activation day (cleaning under way)
TRIP_DAYS_BEFORE_YESTERDAY = 2
TRIP_HOURS = (time(10, 0), time(15, 30))  #: plant-local; inverter index 1 is down


@dataclass(frozen=True)
class DayData:
    """One generated plant-local day: the readings the sync would have stored (uploaded frames only)."""

    day: date
    epochs: np.ndarray  # int64 epoch seconds
    ts: pd.DatetimeIndex  # UTC
    power_kw: np.ndarray
    irradiance_w_m2: np.ndarray  # plane-of-array (the sensor's value; unused without a sensor)
    module_temperature_c: np.ndarray
    ambient_temperature_c: np.ndarray


def emulator_plant(fleet: Fleet, plant: Plant, vendor_type: str) -> EmuPlant | None:
    ext = str(plant.external_id)
    return fleet.plant(vendor_type, int(ext)) if ext.isdigit() else None


def soiling_factor(day: date, activation: date) -> float:
    """Power factor of the soiling plant on ``day`` (1 = clean)."""
    k = (day - (activation - timedelta(days=7))).days
    if 0 <= k < 7:
        return round(SOILING_START[0] - SOILING_START[1] * k, 4)
    if day == activation:
        return SOILING_DURING
    return 1.0


def generate_day(seed: int, spec: EmuPlant, day: date, *, factor: float = 1.0, trip: bool = False) -> DayData:
    """The emulator's physics for one plant-local day, with a soiling ``factor`` on power and, with ``trip``,
    inverter index 1 (or 0 on single-inverter plants) off during :data:`TRIP_HOURS`."""
    prof = physics.day_profile(seed, spec, day)
    inv = np.array(prof.inverter_power_w, dtype=float, copy=True)
    if trip:
        start = int(datetime.combine(day, TRIP_HOURS[0], tzinfo=spec.tz).timestamp())
        end = int(datetime.combine(day, TRIP_HOURS[1], tzinfo=spec.tz).timestamp())
        down = (prof.epochs >= start) & (prof.epochs < end)
        inv[min(1, inv.shape[0] - 1), down] = 0.0
    power_kw = inv.sum(axis=0) * factor / 1000.0
    m = prof.present
    return DayData(day=day, epochs=prof.epochs[m],
                   ts=pd.DatetimeIndex(pd.to_datetime(prof.epochs[m], unit="s", utc=True)),
                   power_kw=power_kw[m], irradiance_w_m2=np.asarray(prof.poa_w_m2)[m],
                   module_temperature_c=np.asarray(prof.temp_module_c)[m],
                   ambient_temperature_c=np.asarray(prof.temp_air_c)[m])


def readings_frame(days: list[DayData], has_sensor: bool) -> pd.DataFrame:
    """The days as the frame :func:`analytics.compute_daily_kpis` takes, holding what the sync stores: a
    sensor plant has measured irradiance and module temperature; a plant without one has neither, only the
    ambient temperature its vendor reports (the KPI model takes module temperature as such, and runs SAPM from the
    ambient one)."""
    if not days:
        return pd.DataFrame(columns=["ts", "generation_power_kw", "module_temperature_c", "ambient_temperature_c",
                                     "irradiance_w_m2"])
    cat = np.concatenate
    return pd.DataFrame({
        "ts": pd.to_datetime(cat([d.epochs for d in days]), unit="s", utc=True),
        "generation_power_kw": cat([d.power_kw for d in days]),
        "module_temperature_c": cat([d.module_temperature_c for d in days]) if has_sensor else np.nan,
        "ambient_temperature_c": np.nan if has_sensor else cat([d.ambient_temperature_c for d in days]),
        "irradiance_w_m2": cat([d.irradiance_w_m2 for d in days]) if has_sensor else np.nan,
    })


def energy_row(plant: Plant, data: DayData, now: datetime) -> dict:
    """The ``plant_daily_energy`` row of a generated day, computed like retention's roll-up (same step rule),
    stored as the day's purged part (see the module docstring)."""
    agg = DayAggregate()
    points = [(t.to_pydatetime(), float(p)) for t, p in zip(data.ts, data.power_kw)]
    for ts, power, step in contributions(points, None):
        agg.add(ts, power, step)
    start, end = analytics.local_day_bounds(data.day, plant.timezone)
    day_s = (end - start).total_seconds()
    return {"plant_id": plant.id, "day": data.day, "org_id": plant.org_id, "timezone": plant.timezone,
            "energy_kwh": round(agg.energy_kwh, 6), "peak_power_kw": agg.peak_kw, "readings_count": agg.readings,
            "coverage_pct": round(min(100.0, 100.0 * agg.covered_s / day_s), 3), "first_ts": agg.first_ts,
            "last_ts": agg.last_ts, "updated_at": now, "purged_energy_kwh": agg.energy_kwh,
            "purged_readings": agg.readings, "purged_covered_s": agg.covered_s, "purged_last_ts": agg.last_ts}


def kpi_rows(plant: Plant, frame: pd.DataFrame, days: set[date], now: datetime) -> list[dict]:
    """``plant_daily_kpis`` rows of complete past days: :func:`analytics.compute_daily_kpis` with the plant's
    own spec (the hourly job's model), final."""
    spec = kpis.plant_spec(plant)
    daily = analytics.compute_daily_kpis(frame, spec)
    rows = []
    for rec in daily.to_dict("records"):
        day = rec["day"] if isinstance(rec["day"], date) else pd.Timestamp(rec["day"]).date()
        if day not in days:
            continue
        row = kpis.kpi_row(plant, day, rec, now)
        row["final"], row["revisions"], row["revised_at"] = True, 0, None
        rows.append(row)
    return rows


# ------------------------------------------------------------------ the seed step
def _demo_plants(session: Session) -> list[tuple[Plant, str]]:
    from woms_app.emulator.demo import demo_vendor_accounts

    names = {spec["name"] for spec in demo_vendor_accounts(get_settings().emulator_url)}
    return list(session.exec(select(Plant, Vendor.vendor_type).join(Vendor, Vendor.id == Plant.vendor_id)
                             .where(Vendor.name.in_(names)).order_by(Plant.id)).all())


async def _list_demo_plants(seed: int) -> int:
    """Store the demo vendors' plants (a plants-only sync against an in-process emulator, through the real
    adapters), so history can be attached before the app and its emulator have started."""
    import httpx

    from woms_app.emulator.app import create_app
    from woms_app.emulator.demo import demo_vendor_accounts
    from woms_app.emulator.state import Config
    from woms_app.services.sync import sync_vendor

    names = {spec["name"] for spec in demo_vendor_accounts(get_settings().emulator_url)}
    with main_session(SYSTEM_CONTEXT) as session:
        ids = list(session.exec(select(Vendor.id).where(Vendor.name.in_(names)).order_by(Vendor.id)).all())
    listed = 0
    transport = httpx.ASGITransport(app=create_app(Config(seed=seed)))
    async with httpx.AsyncClient(transport=transport, timeout=30.0) as client:
        for vid in ids:
            result = await sync_vendor(vid, trigger=SyncTrigger.STARTUP, kind=SyncKind.PLANTS, client=client)
            listed += result.plants_total
            if result.error:
                log.warning("demo history: listing the plants of vendor %s: %s", vid, result.error)
    return listed


def _cleaning_order(session: Session, plant_id: int) -> tuple[WorkOrder, WorkOrderPlant] | None:
    return session.exec(select(WorkOrder, WorkOrderPlant)
                        .join(WorkOrderPlant, WorkOrderPlant.work_order_id == WorkOrder.id)
                        .where(WorkOrderPlant.plant_id == plant_id, WorkOrder.title == CLEANING_TITLE)).first()


def _anchor(session: Session, plant: Plant, now: datetime) -> date:
    """Day A of the soiling story: the cleaning work order's activation day, or Y−12 before it exists."""
    found = _cleaning_order(session, plant.id)
    if found is not None:
        return local_day(found[1].assigned_at, plant.timezone)
    return local_day(now, plant.timezone) - timedelta(days=1 + ACTIVATION_DAYS_BEFORE_YESTERDAY)


def backfill_plant(plant: Plant, spec: EmuPlant, seed: int, now: datetime, activation: date | None) -> dict[str, int]:
    """Write the missing daily rows of ``plant`` for its last :data:`HISTORY_DAYS` complete local days."""
    yesterday = local_day(now, plant.timezone) - timedelta(days=1)
    days = [yesterday - timedelta(days=i) for i in range(HISTORY_DAYS - 1, -1, -1)]
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        have_e = set(tel.exec(select(PlantDailyEnergy.day).where(PlantDailyEnergy.plant_id == plant.id,
                                                                  PlantDailyEnergy.day.in_(days))).all())
        have_k = set(tel.exec(select(PlantDailyKpi.day).where(PlantDailyKpi.plant_id == plant.id,
                                                               PlantDailyKpi.day.in_(days))).all())
        todo = [d for d in days if d not in have_e or d not in have_k]
        if not todo:
            return {"energy_days": 0, "kpi_days": 0}
        trip_day = yesterday - timedelta(days=TRIP_DAYS_BEFORE_YESTERDAY) if plant.name == TRIP_PLANT else None
        data = [generate_day(seed, spec, d,
                             factor=soiling_factor(d, activation) if activation is not None else 1.0,
                             trip=d == trip_day) for d in todo]
        energy = [energy_row(plant, d, now) for d in data if d.day not in have_e]
        k_days = {d for d in todo if d not in have_k}
        krows = kpi_rows(plant, readings_frame([d for d in data if d.day in k_days], plant.has_irradiance_sensor),
                         k_days, now) if k_days else []
        for row in energy:
            tel.add(PlantDailyEnergy(**row))
        for row in krows:
            tel.add(PlantDailyKpi(**row))
    return {"energy_days": len(energy), "kpi_days": len(krows)}


def _demo_writer(session: Session, org_id: int) -> Viewer:
    acc = session.exec(select(Account).where(Account.org_id == org_id, Account.account_type == AccountType.ORG,
                                             Account.org_role == OrgRole.MANAGER)
                       .order_by(Account.id)).first()
    if acc is None:
        raise RuntimeError("the demo organization has no manager account")
    return Viewer(account_id=acc.id, email=acc.email, role=AccountType.ORG, org_id=org_id,
                  full_name=acc.full_name or "", org_role=OrgRole.MANAGER)


def ensure_cleaning_work_order(plant: Plant, now: datetime) -> int | None:
    """The closed cleaning work order of the soiling plant (created once, through the work-order service,
    then dated back: opened A 08:00, in progress 09:30, done A+1 14:00 plant-local time), with its
    before / during / after snapshots. Returns its id (None when the plant is on another active order)."""
    from woms_app.services import work_orders as wo_service

    tz = zone(plant.timezone)
    with main_session(SYSTEM_CONTEXT) as session:
        found = _cleaning_order(session, plant.id)
        if found is not None:
            return found[0].id
        if wo_service.active_work_order_of_plant(session, plant.id) is not None:
            log.info("demo history: %s is on an active work order; no cleaning work order", plant.name)
            return None
        viewer = _demo_writer(session, plant.org_id)
        act = local_day(now, plant.timezone) - timedelta(days=1 + ACTIVATION_DAYS_BEFORE_YESTERDAY)
        opened = datetime.combine(act, time(8, 0), tzinfo=tz).astimezone(UTC)
        started = datetime.combine(act, time(9, 30), tzinfo=tz).astimezone(UTC)
        closed = datetime.combine(act + timedelta(days=1), time(14, 0), tzinfo=tz).astimezone(UTC)
        wo = wo_service.create_work_order(session, viewer, title=CLEANING_TITLE, description=CLEANING_DESCRIPTION,
                                          priority="high", plant_ids=[plant.id], wo_type="cleaning")
        wo_service.change_status(session, viewer, wo.id, WorkOrderStatus.IN_PROGRESS, note="Cleaning crew on site")
        wo_service.change_status(session, viewer, wo.id, WorkOrderStatus.DONE,
                                 resolution_note="All strings washed; output back to normal",
                                 problem_code="soiling", cause_code="soiling_dust", remedy_code="soiling_clean")
        wo_id = wo.id
        response, resolution = sla.targets_for(session, plant.org_id)[Priority.HIGH]
        session.execute(sa.update(WorkOrder).where(WorkOrder.id == wo_id)
                        .values(created_at=opened, updated_at=closed, closed_at=closed, sla_started_at=opened,
                                responded_at=started, response_due_at=opened + timedelta(minutes=response),
                                resolution_due_at=opened + timedelta(minutes=resolution), downtime_start=opened,
                                downtime_end=closed))
        session.execute(sa.update(WorkOrderPlant).where(WorkOrderPlant.work_order_id == wo_id)
                        .values(assigned_at=opened, deactivated_at=closed))
        for event, at in zip(session.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == wo_id)
                                          .order_by(WorkOrderEvent.id)).all(), (opened, started, closed)):
            event.at = at
            session.add(event)
    kpis.refresh_work_order_snapshots(now, work_order_ids=[wo_id])
    return wo_id


def seed_history(now: datetime | None = None) -> dict[str, int]:
    """The demo-history step of the seed (demo mode only; idempotent)."""
    from woms_app.core.errors import Forbidden

    settings = get_settings()
    if not settings.demo:
        raise Forbidden("The demo history is seeded only in demo mode (WOMS_DEMO=true)")
    now = now or utcnow()
    seed = settings.emulator_seed
    out = {"plants": 0, "energy_days": 0, "kpi_days": 0, "work_orders": 0}
    with db_context(SYSTEM_CONTEXT):
        with main_session(SYSTEM_CONTEXT) as session:
            known = len(_demo_plants(session))
        if not known:
            asyncio.run(_list_demo_plants(seed))
        fleet = build_fleet(seed)
        with main_session(SYSTEM_CONTEXT) as session:
            plants = _demo_plants(session)
            anchors = {p.id: _anchor(session, p, now) for p, _ in plants if p.name == SOILING_PLANT}
            for p, _ in plants:
                session.expunge(p)
        for plant, vendor_type in plants:
            spec = emulator_plant(fleet, plant, vendor_type)
            if spec is None:
                continue
            written = backfill_plant(plant, spec, seed, now, anchors.get(plant.id))
            out["plants"] += 1
            out["energy_days"] += written["energy_days"]
            out["kpi_days"] += written["kpi_days"]
        refresh_latest_kpis([p.id for p, _ in plants])
        soiling = next((p for p, _ in plants if p.name == SOILING_PLANT), None)
        if soiling is not None:
            with main_session(SYSTEM_CONTEXT) as session:
                existed = _cleaning_order(session, soiling.id) is not None
            if ensure_cleaning_work_order(soiling, now) is not None and not existed:
                out["work_orders"] += 1
    return out
