"""Telemetry reads: ≤ 500 points, bucket means, gaps kept as gaps, plant-local axis (+5:30), scoping,
fleet curve and performers, freshness."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from tests.telemetry_fleet import NOW, add_plants, add_readings, viewer
from woms_app.core import clock
from woms_app.core.db import main_session, telemetry_session
from woms_app.core.errors import NotFound, ValidationFailed
from woms_app.models import AuditLog, Plant, PlantDailyEnergy
from woms_app.services import telemetry_query as tq

START = NOW - timedelta(hours=24)


@pytest.fixture
def fleet(demo):
    clock.freeze(NOW)
    with main_session() as s:
        f = add_plants(s)
    yield f
    clock.freeze(None)


def test_dense_readings_are_downsampled_to_at_most_500_bucket_means(fleet):
    with telemetry_session() as tel:  # 24 h every 10 s = 8640 readings
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["sunrise"],
                     [START + timedelta(seconds=10 * i) for i in range(8640)], power=lambda i: float(i % 2))
    with main_session() as s, telemetry_session() as tel:
        series = tq.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"], "power")
    assert series.readings == 8640
    assert 400 < len(series.points) <= 500
    assert series.bucket_s == 180  # 86400 / 499 → whole minutes
    # every full bucket holds 18 readings alternating 0/1: the mean is 0.5 — nothing invented, nothing dropped;
    # the two half buckets at the window's edges hold 9 readings each
    values = series.values
    assert set(values[1:-1]) == {0.5}
    assert (values[0], values[-1]) == (round(4 / 9, 4), round(5 / 9, 4))


def test_gaps_stay_gaps_and_jitter_is_not_a_gap(fleet):
    hole = range(100, 124)  # two hours missing
    instants = [START + timedelta(minutes=5 * i, seconds=(i % 3) * 9) for i in range(288) if i not in hole]
    with telemetry_session() as tel:
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["sunrise"], instants, power=lambda i: 50.0)
    with main_session() as s, telemetry_session() as tel:
        series = tq.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"])
    assert series.bucket_s == 300  # the native 5-minute interval, although timestamps jitter
    values = series.values
    nones = [i for i, v in enumerate(values) if v is None]
    # one None per missing reading, contiguous, and no zero anywhere; plus the last bucket, which reaches
    # past the last reading to the window's end (no data yet)
    assert nones[:24] == list(range(nones[0], nones[0] + 24)) and nones[24:] == [len(values) - 1]
    assert values[nones[0] - 1] == 50.0 and values[nones[23] + 1] == 50.0
    assert 0.0 not in values
    gap_start = datetime.fromisoformat(series.points[nones[0]]["t"].replace("Z", "+00:00"))
    assert abs(gap_start - (START + timedelta(minutes=500))) <= timedelta(minutes=3)


def test_axis_is_labelled_on_the_plants_clock_with_a_half_hour_zone(fleet):
    with telemetry_session() as tel:
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["sunrise"],
                     [START + timedelta(minutes=5 * i) for i in range(288)])
        add_readings(tel, fleet.plants["helios"], fleet.orgs["helios"],
                     [START + timedelta(minutes=5 * i) for i in range(288)])
    with main_session() as s, telemetry_session() as tel:
        kolkata = tq.plant_series(s, tel, viewer(s, "admin"), fleet.plants["sunrise"], "temperature")
        berlin = tq.plant_series(s, tel, viewer(s, "admin"), fleet.plants["helios"], "voltage")
    assert kolkata.zone_label == "Asia/Kolkata (UTC+05:30)"
    assert berlin.zone_label == "Europe/Berlin (UTC+01:00)"
    first_k = kolkata.points[0]
    assert first_k["t"] == "2026-03-01T12:00:00Z" and first_k["label"] == "17:30"
    assert berlin.points[0]["label"] == "13:00"
    assert (kolkata.unit, berlin.unit) == ("°C", "V")
    assert kolkata.values[0] == 30.0 and berlin.values[0] == 400.0


def test_no_readings_gives_no_points_not_zeros(fleet):
    with main_session() as s, telemetry_session() as tel:
        series = tq.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"])
    assert series.points == [] and series.readings == 0


def test_scoping_foreign_plant_is_not_found_and_rows_of_another_org_are_ignored(fleet):
    with telemetry_session() as tel:
        add_readings(tel, fleet.plants["helios"], fleet.orgs["helios"], [NOW - timedelta(minutes=5)])
        # a row carrying the wrong org id is never served for the plant
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["helios"], [NOW - timedelta(minutes=5)])
    with main_session() as s, telemetry_session() as tel:
        with pytest.raises(NotFound):
            tq.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["helios"])
        with pytest.raises(NotFound):
            tq.plant_readings_csv(s, tel, viewer(s, "sunrise"), fleet.plants["helios"])
        with pytest.raises(NotFound):
            tq.plant_series(s, tel, viewer(s, "sunrise"), 999_999)
        assert tq.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"]).readings == 0
        assert tq.plant_series(s, tel, viewer(s, "govt"), fleet.plants["helios"]).readings == 1
    with main_session() as s:  # the GOVT read is audited with the plant's organization
        rows = s.exec(select(AuditLog).where(AuditLog.entity == "telemetry", AuditLog.role == "GOVT")).all()
        assert [(r.entity_id, r.org_id) for r in rows] == [(str(fleet.plants["helios"]), fleet.orgs["helios"])]


@pytest.mark.parametrize("kwargs, field", [
    ({"metric": "wind"}, "metric"),
    ({"start": NOW - timedelta(days=8)}, "from"),
    ({"start": NOW, "end": NOW - timedelta(hours=1)}, "from"),
    ({"start": datetime(2026, 3, 1)}, "from"),  # naive
    ({"max_points": 1}, "max_points"),
])
def test_bad_arguments_are_refused_with_a_reason(fleet, kwargs, field):
    with main_session() as s, telemetry_session() as tel:
        with pytest.raises(ValidationFailed) as err:
            tq.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"], **kwargs)
    assert err.value.field == field and err.value.message


def test_csv_holds_the_raw_readings_with_both_clocks(fleet):
    with telemetry_session() as tel:
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["sunrise"],
                     [NOW - timedelta(minutes=10), NOW - timedelta(minutes=5)], power=lambda i: 12.5 + i)
    with main_session() as s, telemetry_session() as tel:
        name, text = tq.plant_readings_csv(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"])
    lines = text.strip().split("\n")
    assert lines[0] == "timestamp_utc,timestamp_local (Asia/Kolkata),plant_id,power_kW"
    assert lines[1] == f"2026-03-02T11:50:00Z,2026-03-02T17:20:00+05:30,{fleet.plants['sunrise']},12.5"
    assert len(lines) == 3 and name.endswith(".csv")


def test_fleet_curve_sums_reporting_plants_only_within_scope(fleet):
    day0 = datetime(2026, 3, 1, 18, 30, tzinfo=timezone.utc)  # local midnight in Kolkata (2 March)
    with telemetry_session() as tel:
        # plant 1 reports 08:00–08:30 local, plant 2 only 08:00–08:15; Helios is someone else's
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["sunrise"],
                     [day0 + timedelta(hours=8, minutes=5 * i) for i in range(6)], power=lambda i: 100.0)
        add_readings(tel, fleet.plants["sunrise-2"], fleet.orgs["sunrise"],
                     [day0 + timedelta(hours=8, minutes=5 * i) for i in range(3)], power=lambda i: 40.0)
        add_readings(tel, fleet.plants["helios"], fleet.orgs["helios"],
                     [day0 + timedelta(hours=8, minutes=5 * i) for i in range(6)], power=lambda i: 999.0)
    with main_session() as s, telemetry_session() as tel:
        curve = tq.fleet_power_today(s, tel, viewer(s, "sunrise"))
        fleet_curve = tq.fleet_power_today(s, tel, viewer(s, "admin"))
    assert curve.timezone == "Asia/Kolkata" and curve.day == "2026-03-02" and curve.plants == 2
    assert len(curve.points) == 96
    by_label = {p["label"]: p for p in curve.points}
    assert by_label["08:00"]["value"] == 140.0 and by_label["08:00"]["plants"] == 2
    assert by_label["08:15"]["value"] == 100.0 and by_label["08:15"]["plants"] == 1
    assert by_label["07:45"]["value"] is None and by_label["12:00"]["value"] is None
    assert fleet_curve.timezone == "UTC" and fleet_curve.plants == 3  # mixed zones → UTC, labelled


def test_performers_rank_by_specific_yield_from_today_only(fleet):
    with main_session() as s:
        for key, mwh, last in (("sunrise", 1.0, NOW), ("helios", 0.8, NOW),
                               ("sunrise-2", 0.9, NOW - timedelta(days=1))):  # yesterday's counter: not today
            p = s.get(Plant, fleet.plants[key])
            p.daily_energy_mwh, p.last_reading_at = mwh, last
            s.add(p)
    with telemetry_session() as tel:
        tel.add(PlantDailyEnergy(plant_id=fleet.plants["sunrise-2"], org_id=fleet.orgs["sunrise"],
                                 day=NOW.date(), timezone="Asia/Kolkata", energy_kwh=300.0))
    with main_session() as s, telemetry_session() as tel:
        perf = tq.performers(s, tel, viewer(s, "admin"), n=1)
        rows = {r.plant_id: r for r in tq.energy_today(s, tel, viewer(s, "admin"))}
    # yields: sunrise 1000/200 = 5, sunrise-2 300/100 = 3 (roll-up), helios 800/400 = 2
    assert [r.plant_id for r in perf.top] == [fleet.plants["sunrise"]]
    assert [r.plant_id for r in perf.bottom] == [fleet.plants["helios"]]
    assert rows[fleet.plants["sunrise-2"]].source == "rollup" and rows[fleet.plants["sunrise-2"]].specific_yield == 3.0
    assert perf.with_data == 3 and perf.without_data == 0


def test_freshness_counts_follow_the_poll_interval(fleet):
    with main_session() as s:
        for key, age in (("sunrise", timedelta(minutes=4)), ("helios", timedelta(minutes=20))):
            p = s.get(Plant, fleet.plants[key])
            p.last_reading_at = NOW - age
            s.add(p)
    with main_session() as s:
        assert tq.freshness_counts(s, viewer(s, "admin")) == {"fresh": 1, "stale": 1, "offline": 0, "no_data": 1}
        assert tq.freshness_counts(s, viewer(s, "sunrise")) == {"fresh": 1, "stale": 0, "offline": 0, "no_data": 1}
        p = s.get(Plant, fleet.plants["sunrise"])
        p.last_reading_at = NOW - timedelta(hours=3)  # 17:30 in Kolkata on 2 March: the sun is still up
        assert tq.plant_freshness(p, 300, NOW).value == "offline"


def test_energy_today_is_not_yesterdays_total_after_a_plants_local_midnight(fleet):
    """A plant's daily figure is computed at each sync for that sync's local day: a plant silent since before its
    local midnight produced nothing WOMS knows of today — the dashboard, the plant list and the API say 0, not
    yesterday's total."""
    from woms_app.services import dashboard
    from woms_app.services.telemetry import energy_today_mwh

    # NOW = 12:00 UTC: 17:30 in Kolkata, 13:00 in Berlin
    with main_session() as s:
        for key, mwh, last in (("sunrise", 1.25, NOW - timedelta(minutes=5)),            # today, Kolkata
                               ("sunrise-2", 0.75, datetime(2026, 3, 1, 18, 25, tzinfo=timezone.utc)),  # 23:55 yesterday
                               ("helios", 2.0, datetime(2026, 3, 1, 22, 50, tzinfo=timezone.utc))):     # 23:50 yesterday
            p = s.get(Plant, fleet.plants[key])
            p.daily_energy_mwh, p.last_reading_at = mwh, last
            s.add(p)
    with main_session() as s:
        plants = {k: s.get(Plant, fleet.plants[k]) for k in ("sunrise", "sunrise-2", "helios")}
        assert [energy_today_mwh(plants[k], NOW) for k in ("sunrise", "sunrise-2", "helios")] == [1.25, 0.0, 0.0]
        summary = dashboard.summary(s, viewer(s, "admin"))
    assert summary.energy_today_mwh == 1.25
    # one minute before Berlin's midnight the Helios figure is still today's
    berlin_2359 = datetime(2026, 3, 1, 22, 59, tzinfo=timezone.utc)
    assert energy_today_mwh(plants["helios"], berlin_2359) == 2.0
