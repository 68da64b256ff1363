"""The demo history: 35 days of daily roll-ups and KPIs per demo plant from the emulator's physics, the soiling
week and its cleaning work order, the inverter trip, idempotency, and the same model as the hourly KPI job."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from tests.conftest import BOTH_DATABASES
from woms_app.core.clock import utcnow
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.models import (
    Plant,
    PlantDailyEnergy,
    PlantDailyKpi,
    TelemetryReading,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPlantEff,
    WorkOrderStatus,
)
from woms_app.services import demo_history, kpis
from woms_app.services.demo_history import HISTORY_DAYS, SOILING_PLANT, TRIP_PLANT
from woms_app.services.telemetry import upsert_readings
from woms_app.vendors.base import Reading


def _dump(model):
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        return sorted(tuple(r.model_dump().items()) for r in tel.exec(select(model)).all())


def _plants():
    with main_session(SYSTEM_CONTEXT) as s:
        plants = list(s.exec(select(Plant).order_by(Plant.id)).all())
        for p in plants:
            s.expunge(p)
    return plants


def _kpis(plant_id):
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        return {r.day: r for r in tel.exec(select(PlantDailyKpi).where(PlantDailyKpi.plant_id == plant_id)).all()}


def _yesterday(plant):
    return utcnow().astimezone(ZoneInfo(plant.timezone)).date() - timedelta(days=1)


@pytest.fixture
def seeded(demo):
    first = demo_history.seed_history()
    return first


@BOTH_DATABASES
def test_every_demo_plant_gets_35_final_days_ending_yesterday_and_a_second_run_changes_nothing(seeded):
    plants = _plants()
    assert len(plants) == 10  # listed through the real adapters from the in-process emulator
    assert seeded == {"plants": 10, "energy_days": 10 * HISTORY_DAYS, "kpi_days": 10 * HISTORY_DAYS,
                      "work_orders": 1}
    for p in plants:
        rows = _kpis(p.id)
        y = _yesterday(p)
        assert sorted(rows) == [y - timedelta(days=i) for i in range(HISTORY_DAYS - 1, -1, -1)], p.name
        assert all(r.final and r.pr is not None and r.pr > 0 for r in rows.values()), p.name
        assert {r.irradiance_source for r in rows.values()} == {"sensor" if p.has_irradiance_sensor else "clearsky"}
        with telemetry_session(SYSTEM_CONTEXT) as tel:
            energy = {r.day: r for r in tel.exec(select(PlantDailyEnergy).where(PlantDailyEnergy.plant_id == p.id))}
        assert sorted(energy) == sorted(rows)
        # the roll-up and the KPI energy describe the same readings: step rule vs trapezoid over valid intervals
        # agree within 1 % on a day without a data gap (a gap counts in the roll-up's capped step only)
        for day, e in energy.items():
            assert e.energy_kwh > 0 and e.purged_energy_kwh == pytest.approx(e.energy_kwh)
            if rows[day].coverage_pct == 100.0:
                assert e.energy_kwh == pytest.approx(rows[day].energy_kwh, rel=0.01, abs=0.05)
    with telemetry_session(SYSTEM_CONTEXT) as tel:  # nothing raw is stored: readings are the sync's, kept 24 h
        assert tel.exec(select(TelemetryReading)).first() is None

    before = (_dump(PlantDailyKpi), _dump(PlantDailyEnergy))
    with main_session(SYSTEM_CONTEXT) as s:
        wos = [(w.id, w.status, w.closed_at) for w in s.exec(select(WorkOrder)).all()]
        effs = sorted((e.period, e.efficiency_pct, e.computed_at) for e in s.exec(select(WorkOrderPlantEff)).all())
        events = len(s.exec(select(WorkOrderEvent)).all())
    again = demo_history.seed_history()
    assert again == {"plants": 10, "energy_days": 0, "kpi_days": 0, "work_orders": 0}
    assert (_dump(PlantDailyKpi), _dump(PlantDailyEnergy)) == before
    with main_session(SYSTEM_CONTEXT) as s:
        assert [(w.id, w.status, w.closed_at) for w in s.exec(select(WorkOrder)).all()] == wos
        assert sorted((e.period, e.efficiency_pct, e.computed_at)
                      for e in s.exec(select(WorkOrderPlantEff)).all()) == effs
        assert len(s.exec(select(WorkOrderEvent)).all()) == events


def test_the_soiling_week_drops_pr_and_the_closed_cleaning_work_order_shows_the_recovery(seeded):
    plant = next(p for p in _plants() if p.name == SOILING_PLANT)
    rows = _kpis(plant.id)
    y = _yesterday(plant)
    act = y - timedelta(days=demo_history.ACTIVATION_DAYS_BEFORE_YESTERDAY)
    soiled = [rows[act - timedelta(days=i)].pr for i in range(1, 8)]
    clean_after = [rows[act + timedelta(days=i)].pr for i in range(2, 9)]
    clean_before = [rows[act - timedelta(days=i)].pr for i in range(8, 15)]
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    # the physics' weather varies the PR by a few %; the soiling factor (×0.92 … ×0.77) dominates
    assert mean(soiled) < 0.9 * mean(clean_after) and mean(soiled) < 0.9 * mean(clean_before)
    assert max(soiled[:3]) < min(clean_after)  # the worst, latest soiled days sit below every clean day after

    with main_session(SYSTEM_CONTEXT) as s:
        wo = s.exec(select(WorkOrder).where(WorkOrder.title == demo_history.CLEANING_TITLE)).one()
        assert WorkOrderStatus(wo.status) == WorkOrderStatus.DONE and wo.closed_at is not None
        tz = ZoneInfo(plant.timezone)
        assert wo.created_at.astimezone(tz).date() == act and wo.closed_at.astimezone(tz).date() == act + timedelta(1)
        history = [e.kind + ":" + (e.to_status or "") for e in
                   s.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == wo.id)
                          .order_by(WorkOrderEvent.id)).all()]
        assert [h.lower() for h in history] == ["created:open", "status:in_progress", "status:done"]
        effs = {e.period.value: e for e in s.exec(select(WorkOrderPlantEff)
                                                   .where(WorkOrderPlantEff.work_order_id == wo.id)).all()}
    assert set(effs) == {"before", "during", "after"}
    assert effs["before"].days == effs["after"].days == 7
    assert effs["after"].efficiency_pct - effs["before"].efficiency_pct > 10
    assert effs["after"].pr > effs["before"].pr * 1.1
    effect = kpis.maintenance_effect(effs.values())
    assert effect.verdict == "helped" and effect.text.startswith("Yes:")


def test_the_trip_day_loses_availability_and_pr(seeded):
    plant = next(p for p in _plants() if p.name == TRIP_PLANT)
    rows = _kpis(plant.id)
    trip = _yesterday(plant) - timedelta(days=demo_history.TRIP_DAYS_BEFORE_YESTERDAY)
    others = [r for d, r in rows.items() if d != trip]
    # one of three inverters down 10:00–15:30: about a third of the day's best hours lost
    assert rows[trip].availability_pct == 100.0  # the plant still produced (two inverters up)
    assert rows[trip].pr < 0.8 * sorted(r.pr for r in others)[len(others) // 2]
    from woms_app.emulator.fleet import build_fleet

    trip_frame = demo_history.generate_day(42, demo_history.emulator_plant(build_fleet(42), plant, "sungrow"),
                                           trip, trip=True)
    midday = trip_frame.power_kw[len(trip_frame.power_kw) // 2]
    assert midday < 0.7 * plant.capacity_kw  # two of three inverters at most


def test_seeded_kpis_equal_the_hourly_job_on_the_readings_the_sync_would_store(seeded):
    """The same model as the KPI job: store one generated day of a sensor plant as the sync stores readings
    (upsert_readings of vendor Reading records), recompute it with kpis.compute_plant_days, compare."""
    plant = next(p for p in _plants() if p.name == "Warehouse Rooftop Utrecht")
    assert plant.has_irradiance_sensor
    day = _yesterday(plant) - timedelta(days=3)
    seeded_row = _kpis(plant.id)[day]
    from woms_app.emulator.fleet import build_fleet

    data = demo_history.generate_day(42, demo_history.emulator_plant(build_fleet(42), plant, "solarman"), day)
    readings = [Reading(ts=t.to_pydatetime(), generation_power_kw=float(p), temperature_c=float(tm),
                        irradiance_w_m2=float(g), ambient_temperature_c=float(ta))
                for t, p, tm, g, ta in zip(data.ts, data.power_kw, data.module_temperature_c, data.irradiance_w_m2,
                                           data.ambient_temperature_c)]
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        upsert_readings(tel, plant.id, plant.org_id, readings)
        tel.delete(tel.get(PlantDailyKpi, (plant.id, day)))
    assert kpis.compute_plant_days(plant, [day]) == 1
    job = _kpis(plant.id)[day]
    for col in ("pr", "pr_temp_corrected", "efficiency_pct", "availability_pct", "coverage_pct", "samples"):
        assert getattr(job, col) == getattr(seeded_row, col), col
    assert job.energy_kwh == pytest.approx(seeded_row.energy_kwh, rel=1e-9)


def test_history_is_refused_outside_demo_mode(demo, monkeypatch):
    from woms_app.core.config import reset_settings
    from woms_app.core.errors import Forbidden

    monkeypatch.setenv("WOMS_DEMO", "false")
    monkeypatch.setenv("WOMS_CREDENTIALS_KEY", "UlW8vWnVVk3-0Vvs-pgXPEfd61yLiJPU6VrtsX9DMR8=")
    monkeypatch.setenv("WOMS_SECRET_KEY", "a-production-session-key-of-32-bytes-or-more")
    reset_settings()
    try:
        with pytest.raises(Forbidden):
            demo_history.seed_history()
    finally:
        monkeypatch.undo()
        reset_settings()
    assert _plants() == []


def test_closing_a_work_order_recomputes_its_snapshots_at_once(seeded):
    """No hourly job runs here: the close itself computes before / during (and after, once a day has passed)."""
    from woms_app.core import clock
    from woms_app.services import work_orders as wo_service
    from woms_app.services.demo_history import _demo_writer

    plant = next(p for p in _plants() if p.name == "Jaipur Textile Mill")
    now = utcnow()
    with main_session(SYSTEM_CONTEXT) as s:
        viewer = _demo_writer(s, plant.org_id)
    clock.freeze(now - timedelta(days=10))
    try:
        with main_session(SYSTEM_CONTEXT) as s:
            wo_id = wo_service.create_work_order(s, viewer, title="Inverter 2 check", plant_ids=[plant.id]).id
            wo_service.change_status(s, viewer, wo_id, "in_progress")
        clock.freeze(now - timedelta(days=3))
        with main_session(SYSTEM_CONTEXT) as s:  # a close that is rolled back computes nothing
            wo_service.change_status(s, viewer, wo_id, "done", resolution_note="Checked", cause_code="dc_fuse")
            s.rollback()
        with main_session(SYSTEM_CONTEXT) as s:
            assert s.exec(select(WorkOrderPlantEff).where(WorkOrderPlantEff.work_order_id == wo_id)).all() == []
            wo_service.change_status(s, viewer, wo_id, "done", resolution_note="Checked", cause_code="dc_fuse")
    finally:
        clock.freeze(None)
    with main_session(SYSTEM_CONTEXT) as s:
        effs = {e.period.value: e for e in s.exec(select(WorkOrderPlantEff)
                                                   .where(WorkOrderPlantEff.work_order_id == wo_id)).all()}
    # computed at the moment of closing (3 days ago): "during" runs from the opening day up to the last elapsed
    # day; "after" starts only once a day after closing has elapsed
    assert set(effs) == {"before", "during"}
    assert effs["before"].days == 7 and effs["during"].days == 7
    assert all(e.efficiency_pct is not None and e.coverage_pct > 90 for e in effs.values())


def test_readings_the_first_sync_fetches_again_for_yesterday_never_shrink_its_backfilled_roll_up(seeded):
    """The sync's first 24 h reach into yesterday: rolling those readings up (retention) keeps the full day."""
    from woms_app.emulator.fleet import build_fleet
    from woms_app.services import retention

    plant = next(p for p in _plants() if p.name == "Jaipur Textile Mill")
    day = _yesterday(plant)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        full = tel.get(PlantDailyEnergy, (plant.id, day)).energy_kwh
    data = demo_history.generate_day(42, demo_history.emulator_plant(build_fleet(42), plant, "solarman"), day)
    half = len(data.ts) // 2  # the afternoon of yesterday, as a sync started today would fetch it
    readings = [Reading(ts=t.to_pydatetime(), generation_power_kw=float(p)) for t, p in
                zip(data.ts[half:], data.power_kw[half:])]
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        upsert_readings(tel, plant.id, plant.org_id, readings)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        assert retention.roll_up_plant(tel, plant) >= 1
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        assert tel.get(PlantDailyEnergy, (plant.id, day)).energy_kwh == pytest.approx(full, rel=1e-9)
