"""Persisted daily KPIs and work-order snapshots, from readings in the telemetry database."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pvlib
import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests import factories
from tests.conftest import BOTH_DATABASES
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.models import (
    EffPeriod,
    Plant,
    PlantDailyKpi,
    TelemetryReading,
    WorkOrder,
    WorkOrderPlant,
    WorkOrderPlantEff,
    WorkOrderStatus,
)
from woms_app.services import kpis
from woms_app.services.telemetry import upsert_readings
from woms_app.vendors.base import Reading

TZ = "Asia/Kolkata"
KOL = ZoneInfo(TZ)


@pytest.fixture
def plant(db):
    with main_session(SYSTEM_CONTEXT) as s:
        org = factories.organization(s, "Kolkata Org")
        p = factories.plant(s, org.id, external_id="k1", name="Bengaluru 50", capacity_kw=50.0, latitude=12.97,
                            longitude=77.59, altitude_m=920.0, timezone=TZ)
    return p


def write_days(plant, days, ratio_by_day, *, ambient=30.0, hours=None):
    """5-min readings for whole local days: P = ratio · P0 · G_clearsky/1000, ``ambient`` °C air (None: the
    plant reports no temperature), stored the way the sync stores vendor readings (upsert_readings)."""
    loc = pvlib.location.Location(12.97, 77.59, TZ, altitude=920.0)
    rows = []
    for d in days:
        start = pd.Timestamp(datetime(d.year, d.month, d.day, tzinfo=KOL)).tz_convert("UTC")
        ts = pd.date_range(start, start + pd.Timedelta(hours=24), freq="5min", inclusive="left")
        sp = loc.get_solarposition(ts)
        cs = loc.get_clearsky(ts)
        poa = pvlib.irradiance.get_total_irradiance(12.97, 180, sp["apparent_zenith"], sp["azimuth"], cs["dni"],
                                                    cs["ghi"], cs["dhi"], albedo=0.25, model="isotropic")
        g = poa["poa_global"].fillna(0).clip(lower=0).to_numpy()
        for t, gi in zip(ts, g):
            if hours is not None and t.tz_convert(KOL).hour not in hours:
                continue
            rows.append(Reading(ts=t.to_pydatetime(), generation_power_kw=ratio_by_day[d] * 50.0 * gi / 1000,
                                ambient_temperature_c=ambient))
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        upsert_readings(tel, plant.id, plant.org_id, rows)


def kolkata(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=KOL)


def stored(plant_id, day):
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        return tel.get(PlantDailyKpi, (plant_id, day))


@BOTH_DATABASES
def test_daily_kpis_are_stored_and_final_days_are_never_recomputed(plant):
    day = date(2026, 6, 1)
    write_days(plant, [day], {day: 0.8})
    # noon of the day: provisional figures
    assert kpis.refresh_recent(kolkata(2026, 6, 1, 12)) == 1
    row = stored(plant.id, day)
    assert row.final is False and row.samples == 145  # 00:00 … 12:00 local
    # after the day ended: final, full day, PR exactly the plant's 0.8 (clear-sky method)
    kpis.refresh_recent(kolkata(2026, 6, 2, 1))
    row = stored(plant.id, day)
    assert row.final is True and row.samples == 288 and row.coverage_pct == 100.0
    assert row.pr == pytest.approx(0.8, abs=1e-4) and row.irradiance_source == "clearsky"
    assert 5.0 < row.irradiation_kwh_m2 < 8.5 and row.energy_kwh == pytest.approx(0.8 * 50 * row.irradiation_kwh_m2,
                                                                                  rel=1e-3)
    # readings of a final day disappearing (retention) never degrade its figures
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        tel.exec(sa.delete(TelemetryReading).where(TelemetryReading.ts < kolkata(2026, 6, 1, 12)))
    kpis.refresh_recent(kolkata(2026, 6, 2, 2))
    again = stored(plant.id, day)
    assert again.samples == 288 and again.pr == row.pr and again.computed_at == row.computed_at


def test_finalize_before_purge_computes_the_days_about_to_lose_readings(plant):
    day = date(2026, 6, 1)
    write_days(plant, [day], {day: 0.75})
    now = kolkata(2026, 6, 2, 0, 30)
    cutoff = now - timedelta(hours=24)
    assert stored(plant.id, day) is None
    assert kpis.finalize_before_purge(cutoff, now=now) == 1
    row = stored(plant.id, day)
    assert row.final and row.samples == 288 and row.pr == pytest.approx(0.75, abs=1e-4)
    assert kpis.finalize_before_purge(cutoff, now=now) == 0  # idempotent


@BOTH_DATABASES
def test_work_order_snapshots_before_during_after(plant):
    days = [date(2026, 5, 30) + timedelta(days=i) for i in range(5)]  # 30, 31 | 1 | 2, 3 June
    ratios = {days[0]: 0.7, days[1]: 0.7, days[2]: 0.8, days[3]: 0.9, days[4]: 0.9}
    write_days(plant, days, ratios)
    now = kolkata(2026, 6, 4, 1)
    for d in days:
        kpis.compute_plant_days(plant, [d], now=now)
    with main_session(SYSTEM_CONTEXT) as s:
        wo = WorkOrder(org_id=plant.org_id, title="Wash modules", status=WorkOrderStatus.DONE,
                       closed_at=kolkata(2026, 6, 1, 17))
        s.add(wo)
        s.flush()
        s.add(WorkOrderPlant(work_order_id=wo.id, plant_id=plant.id, is_active=False,
                             assigned_at=kolkata(2026, 6, 1, 8), deactivated_at=kolkata(2026, 6, 1, 17)))
    assert kpis.refresh_work_order_snapshots(now) == 3
    with main_session(SYSTEM_CONTEXT) as s:
        snaps = {e.period: e for e in s.exec(select(WorkOrderPlantEff).where(WorkOrderPlantEff.work_order_id == wo.id))}
    assert set(snaps) == {EffPeriod.BEFORE, EffPeriod.DURING, EffPeriod.AFTER}
    before, during, after = snaps[EffPeriod.BEFORE], snaps[EffPeriod.DURING], snaps[EffPeriod.AFTER]
    assert before.pr == pytest.approx(0.7, abs=1e-3) and during.pr == pytest.approx(0.8, abs=1e-3)
    assert after.pr == pytest.approx(0.9, abs=1e-3)
    # the before window has 7 days but data on 2 of them: coverage says so
    assert before.days == 7 and before.coverage_pct == pytest.approx(100 * 2 / 7, abs=0.5)
    assert after.days == 2  # 2 and 3 June elapsed so far (partial, refreshed until final)
    assert after.efficiency_pct > during.efficiency_pct > before.efficiency_pct  # the maintenance helped
    assert "clear-sky" in during.method
    # re-running replaces, never duplicates
    kpis.refresh_work_order_snapshots(now)
    with main_session(SYSTEM_CONTEXT) as s:
        assert len(s.exec(select(WorkOrderPlantEff)).all()) == 3


@BOTH_DATABASES
def test_an_incomplete_day_stays_provisional_until_late_data_completes_it(plant):
    day = date(2026, 6, 1)
    write_days(plant, [day], {day: 0.8}, hours=range(0, 12))  # the afternoon has not arrived
    kpis.refresh_recent(kolkata(2026, 6, 2, 1))
    row = stored(plant.id, day)
    assert row.incomplete and row.final is False  # the day has ended, but its data is not complete
    write_days(plant, [day], {day: 0.8}, hours=range(12, 24))  # backfill
    kpis.refresh_recent(kolkata(2026, 6, 2, 2))
    row = stored(plant.id, day)
    assert row.final is True and not row.incomplete and row.samples == 288 and row.revisions == 0
    assert row.pr == pytest.approx(0.8, abs=1e-4)


@BOTH_DATABASES
def test_a_final_day_is_recomputed_when_late_readings_change_it_and_the_revision_is_recorded(plant):
    day = date(2026, 6, 1)
    write_days(plant, [day], {day: 0.8})
    kpis.refresh_recent(kolkata(2026, 6, 2, 1))
    first = stored(plant.id, day)
    assert first.final and first.revisions == 0 and first.revised_at is None
    kpis.refresh_recent(kolkata(2026, 6, 2, 2))  # nothing changed: left as it is
    assert stored(plant.id, day).computed_at == first.computed_at
    write_days(plant, [day], {day: 0.7}, hours=range(10, 14))  # corrected readings arrive late
    at = kolkata(2026, 6, 2, 3)
    kpis.refresh_recent(at)
    revised = stored(plant.id, day)
    assert revised.final and revised.revisions == 1 and revised.revised_at == at
    assert 0.7 < revised.pr < first.pr


def test_a_plant_without_any_temperature_gets_a_pr_with_the_assumption_stated(plant):
    with main_session(SYSTEM_CONTEXT) as s:  # and without altitude: 0 m, said so, not a map lookup
        p = s.get(Plant, plant.id)
        p.altitude_m = None
        s.add(p)
        s.flush()
        s.refresh(p)
        s.expunge(p)
    day = date(2026, 6, 1)
    write_days(p, [day], {day: 0.8}, ambient=None)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        assert tel.exec(select(TelemetryReading.module_temperature_c, TelemetryReading.ambient_temperature_c)
                        .where(TelemetryReading.plant_id == p.id)).first() == (None, None)
    kpis.refresh_recent(kolkata(2026, 6, 2, 1))
    row = stored(p.id, day)
    assert row.pr is not None and row.pr_temp_corrected is not None and row.final
    assert "Tamb 20C assumed" in row.method and "alt 0m(unknown)" in row.method


def test_upsert_readings_stores_module_and_ambient_temperature(plant):
    at = kolkata(2026, 6, 1, 12)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        upsert_readings(tel, plant.id, plant.org_id, [
            Reading(ts=at, generation_power_kw=10.0, temperature_c=41.5, ambient_temperature_c=27.25),
            Reading(ts=at + timedelta(minutes=5), generation_power_kw=10.0, ambient_temperature_c=27.5)])
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        rows = tel.exec(select(TelemetryReading.module_temperature_c, TelemetryReading.ambient_temperature_c)
                        .where(TelemetryReading.plant_id == plant.id).order_by(TelemetryReading.ts)).all()
    assert [tuple(r) for r in rows] == [(41.5, 27.25), (None, 27.5)]


def test_plant_without_coordinates_is_skipped_not_crashed(plant):
    with main_session(SYSTEM_CONTEXT) as s:
        p = s.get(Plant, plant.id)
        p.latitude = p.longitude = None
        s.add(p)
    write_days(plant, [date(2026, 6, 1)], {date(2026, 6, 1): 0.8})
    assert kpis.refresh_recent(kolkata(2026, 6, 2, 1)) == 0


def test_kpi_api_is_scoped(plant, demo):
    from fastapi.testclient import TestClient

    from tests.api.conftest import login
    from woms_app.api.app import create_api

    write_days(plant, [date(2026, 6, 1)], {date(2026, 6, 1): 0.8})
    kpis.compute_plant_days(plant, [date(2026, 6, 1)], now=kolkata(2026, 6, 2, 1))
    from woms_app.core import clock

    clock.freeze(kolkata(2026, 6, 2, 9))
    try:
        with TestClient(create_api(), base_url="http://localhost:3000") as c:
            assert c.get(f"/api/plants/{plant.id}/kpis").status_code == 401
            login(c, "ops@sunrise.demo.woms")  # another organization: the plant does not exist for it
            assert c.get(f"/api/plants/{plant.id}/kpis").status_code == 404
            c.post("/api/logout")
            login(c, "govt@demo.woms")
            r = c.get(f"/api/plants/{plant.id}/kpis?days=7")
            assert r.status_code == 200
            items = r.json()["items"]
            assert [i["day"] for i in items] == ["2026-06-01"] and items[0]["pr"] == pytest.approx(0.8, abs=1e-4)
            assert c.get(f"/api/plants/{plant.id}/kpis?days=0").status_code == 422
    finally:
        clock.freeze(None)
