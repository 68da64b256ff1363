"""The plant page's diagnosis curves: expected power is the KPI model's (its integral is the day's expected energy),
irradiance is the sensor's or the clear-sky model's (labelled), gaps stay gaps."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, time, timedelta

import pytest
from sqlmodel import select

from woms_app import analytics
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.core.timezones import local_day, zone
from woms_app.emulator.fleet import build_fleet
from woms_app.models import Plant, PlantDailyKpi, Vendor
from woms_app.services import demo_history, diagnosis, kpis
from woms_app.services.telemetry import upsert_readings
from woms_app.services.viewer import SYSTEM
from woms_app.vendors.base import Reading


def _store_day(name: str, days_ago: int = 2, *, drop: tuple[time, time] | None = None, trip: bool = False):
    """One generated day of a demo plant, stored the way the sync stores readings (vendor Reading records), less
    the readings whose local time falls in `drop`. Returns the plant, its day, the day's end and what was stored.
    The generator's days differ (weather, the odd logger outage), so tests compare with what was stored."""
    demo_history.seed_history()
    with main_session(SYSTEM_CONTEXT) as s:
        plant, vendor_type = s.exec(select(Plant, Vendor.vendor_type).join(Vendor).where(Plant.name == name)).one()
        s.expunge(plant)
    day = local_day(demo_history.utcnow(), plant.timezone) - timedelta(days=days_ago)
    data = demo_history.generate_day(42, demo_history.emulator_plant(build_fleet(42), plant, vendor_type), day,
                                     trip=trip)
    sensor = plant.has_irradiance_sensor
    # what the adapters return: module temperature and irradiance only with a sensor, ambient always
    readings = [Reading(ts=t.to_pydatetime(), generation_power_kw=float(p),
                        temperature_c=float(tm) if sensor else None,
                        irradiance_w_m2=float(g) if sensor else None, ambient_temperature_c=float(ta))
                for t, p, tm, g, ta in zip(data.ts, data.power_kw, data.module_temperature_c, data.irradiance_w_m2,
                                           data.ambient_temperature_c)]
    if drop is not None:
        tz = zone(plant.timezone)
        readings = [r for r in readings if not drop[0] <= r.ts.astimezone(tz).time() < drop[1]]
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        upsert_readings(tel, plant.id, plant.org_id, readings)
        tel.delete(tel.get(PlantDailyKpi, (plant.id, day)))
    start, end = analytics.local_day_bounds(day, plant.timezone)
    return plant, day, end.to_pydatetime(), readings


def _quarter(ts) -> str:
    """A reading's 15-minute bucket start, as the diagnosis labels bucket centres (UTC, ISO with Z)."""
    start = ts.astimezone(UTC).replace(minute=ts.minute // 15 * 15, second=0, microsecond=0)
    return (start + timedelta(minutes=7.5)).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("name", ["Warehouse Rooftop Utrecht", "Cape Town Winery Roof"])
def test_expected_power_integrates_to_the_days_expected_energy(demo, name):
    plant, day, day_end, readings = _store_day(name)
    assert kpis.compute_plant_days(plant, [day]) == 1
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        row = tel.get(PlantDailyKpi, (plant.id, day))
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        d = diagnosis.power_diagnosis(s, tel, SYSTEM, plant.id, now=day_end - timedelta(seconds=1))
    assert d.irradiance_source == row.irradiance_source
    if not row.expected_energy_kwh:
        # the stored readings give the KPI loader no usable temperature (a plant without a sensor, before the
        # loader falls back to the ambient temperature): neither the day nor the curve has an expected figure,
        # and the chart says why instead of drawing a flat line
        assert d.expected_energy_kwh is None and "temperature" in d.expected_note
        assert not plant.has_irradiance_sensor
    else:
        assert d.expected_energy_kwh == pytest.approx(row.expected_energy_kwh, rel=1e-5, abs=1e-3)
        assert d.energy_kwh == pytest.approx(row.energy_kwh, rel=1e-5, abs=1e-3)
        noon = max(d.points, key=lambda p: p["irradiance"] or 0)
        assert noon["expected"] > 0 and noon["power"] > 0
    assert d.irradiance_source == row.irradiance_source == ("sensor" if plant.has_irradiance_sensor else "clearsky")
    assert ("measured" if plant.has_irradiance_sensor else "clear-sky") in d.irradiance_label
    assert len(d.points) == 96  # 15-minute means over the 24 h
    if plant.has_irradiance_sensor:  # the sensor's readings, averaged per quarter hour (by hand here)
        stored = defaultdict(list)
        for r in readings:
            stored[_quarter(r.ts)].append(r.irradiance_w_m2)
        assert {p["t"]: p["irradiance"] for p in d.points if p["irradiance"] is not None} == {
            t: pytest.approx(sum(g) / len(g), abs=1e-3) for t, g in stored.items()}
    else:  # the clear sky: dark at the day's first and last quarter hour, light at noon
        by_label = {p["label"]: p["irradiance"] for p in d.points}
        assert by_label["00:07"] == 0 and by_label["23:52"] == 0 and by_label["12:07"] > 100


def test_a_gap_stays_a_gap_and_underperformance_shows(demo):
    # 10:00-11:00 local not stored: its four quarter hours have no point, nor has any quarter hour the generated
    # day itself left without a reading (a logger outage); every other quarter hour has power
    plant, day, day_end, readings = _store_day("Sevilla Solar Farm", drop=(time(10), time(11)))
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        d = diagnosis.power_diagnosis(s, tel, SYSTEM, plant.id, now=day_end - timedelta(seconds=1))
    empty = {p["label"] for p in d.points if p["power"] is None}
    assert {"10:07", "10:22", "10:37", "10:52"} <= empty
    covered = {_quarter(r.ts) for r in readings}
    assert {p["t"] for p in d.points if p["power"] is None} == {p["t"] for p in d.points} - covered
    assert all(p["expected"] is None for p in d.points if p["power"] is None)


def test_an_inverter_trip_opens_a_gap_between_actual_and_expected_power(demo):
    # one of 3 inverters off 10:00-15:30
    plant, _day, day_end, _readings = _store_day("Phoenix Desert Array", trip=True)
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        d = diagnosis.power_diagnosis(s, tel, SYSTEM, plant.id, now=day_end - timedelta(seconds=1))
    lit = [p for p in d.points if p["power"] and p["expected"] and p["irradiance"] > 100]
    during = [p["power"] / p["expected"] for p in lit if "10:00" < p["label"] < "15:30"]  # bucket centres
    outside = [p["power"] / p["expected"] for p in lit if p["label"] < "10:00" or p["label"] > "15:30"]
    assert during and outside
    assert max(during) < 0.8 * min(outside)


def test_diagnosis_is_scoped(demo):
    from woms_app.core.errors import NotFound
    from woms_app.models import AccountType
    from woms_app.services.viewer import Viewer

    plant, _day, _end, _readings = _store_day("Warehouse Rooftop Utrecht")
    other = Viewer(account_id=999, email="x@y", role=AccountType.ORG, org_id=plant.org_id + 1)
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel, pytest.raises(NotFound):
        diagnosis.power_diagnosis(s, tel, other, plant.id)
