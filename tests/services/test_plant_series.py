"""One plant's telemetry: ≤ 500 points, bucket means, gaps kept as gaps, plant-local axis (+5:30), scoping,
the raw CSV."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from tests.telemetry_fleet import NOW, add_readings, viewer
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.core.errors import NotFound, ValidationFailed
from woms_app.models import AuditLog
from woms_app.services import plant_series

START = NOW - timedelta(hours=24)


def test_dense_readings_are_downsampled_to_at_most_500_bucket_means(fleet):
    with telemetry_session(SYSTEM_CONTEXT) as tel:  # 24 h every 10 s = 8640 readings
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["sunrise"],
                     [START + timedelta(seconds=10 * i) for i in range(8640)], power=lambda i: float(i % 2))
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        series = plant_series.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"], "power")
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
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["sunrise"], instants, power=lambda i: 50.0)
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        series = plant_series.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"])
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
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["sunrise"],
                     [START + timedelta(minutes=5 * i) for i in range(288)])
        add_readings(tel, fleet.plants["helios"], fleet.orgs["helios"],
                     [START + timedelta(minutes=5 * i) for i in range(288)])
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        kolkata = plant_series.plant_series(s, tel, viewer(s, "admin"), fleet.plants["sunrise"], "temperature")
        berlin = plant_series.plant_series(s, tel, viewer(s, "admin"), fleet.plants["helios"], "voltage")
    assert kolkata.zone_label == "Asia/Kolkata (UTC+05:30)"
    assert berlin.zone_label == "Europe/Berlin (UTC+01:00)"
    first_k = kolkata.points[0]
    assert first_k["t"] == "2026-03-01T12:00:00Z" and first_k["label"] == "17:30"
    assert berlin.points[0]["label"] == "13:00"
    assert (kolkata.unit, berlin.unit) == ("°C", "V")
    assert kolkata.values[0] == 30.0 and berlin.values[0] == 400.0


def test_no_readings_gives_no_points_not_zeros(fleet):
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        series = plant_series.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"])
    assert series.points == [] and series.readings == 0


def test_scoping_foreign_plant_is_not_found_and_rows_of_another_org_are_ignored(fleet):
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        add_readings(tel, fleet.plants["helios"], fleet.orgs["helios"], [NOW - timedelta(minutes=5)])
        # a row carrying the wrong org id is never served for the plant
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["helios"], [NOW - timedelta(minutes=5)])
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        with pytest.raises(NotFound):
            plant_series.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["helios"])
        with pytest.raises(NotFound):
            plant_series.plant_readings_csv(s, tel, viewer(s, "sunrise"), fleet.plants["helios"])
        with pytest.raises(NotFound):
            plant_series.plant_series(s, tel, viewer(s, "sunrise"), 999_999)
        assert plant_series.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"]).readings == 0
        assert plant_series.plant_series(s, tel, viewer(s, "govt"), fleet.plants["helios"]).readings == 1
    with main_session(SYSTEM_CONTEXT) as s:  # the GOVT read is audited with the plant's organization
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
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        with pytest.raises(ValidationFailed) as err:
            plant_series.plant_series(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"], **kwargs)
    assert err.value.field == field and err.value.message


def test_csv_holds_the_raw_readings_with_both_clocks(fleet):
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["sunrise"],
                     [NOW - timedelta(minutes=10), NOW - timedelta(minutes=5)], power=lambda i: 12.5 + i)
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        name, text = plant_series.plant_readings_csv(s, tel, viewer(s, "sunrise"), fleet.plants["sunrise"])
    lines = text.strip().split("\n")
    assert lines[0] == "timestamp_utc,timestamp_local (Asia/Kolkata),plant_id,power_kW"
    assert lines[1] == f"2026-03-02T11:50:00Z,2026-03-02T17:20:00+05:30,{fleet.plants['sunrise']},12.5"
    assert len(lines) == 3 and name.endswith(".csv")
