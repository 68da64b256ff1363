"""/api/telemetry: JSON series, CSV export, 404 for foreign plants, 422 reasons; /api/production/today."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.conftest import login
from tests.telemetry_fleet import NOW, add_plants, add_readings
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session


@pytest.fixture
def fleet(client):
    clock.freeze(NOW)
    with main_session(SYSTEM_CONTEXT) as s:
        f = add_plants(s)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        add_readings(tel, f.plants["sunrise"], f.orgs["sunrise"],
                     [NOW - timedelta(hours=2) + timedelta(minutes=5 * i) for i in range(24)], power=lambda i: 10.0 * i)
    yield f
    clock.freeze(None)


def test_series_json_is_scoped_downsampled_and_labelled(client, fleet):
    login(client, "ops@sunrise.demo.woms")
    r = client.get("/api/telemetry", params={"plant_id": fleet.plants["sunrise"], "metric": "power"})
    assert r.status_code == 200
    body = r.json()
    assert body["zone_label"] == "Asia/Kolkata (UTC+05:30)" and body["unit"] == "kW" and body["readings"] == 24
    assert len(body["points"]) <= 500
    values = [p["value"] for p in body["points"] if p["value"] is not None]
    assert values == [10.0 * i for i in range(24)]
    # the 22 hours before the first reading are a gap, not zeros
    assert body["points"][0]["value"] is None
    r = client.get("/api/telemetry", params={"plant_id": fleet.plants["sunrise"], "from": "2026-03-02T10:00:00Z",
                                             "to": "2026-03-02T10:30:00+00:00", "max_points": 3})
    assert r.status_code == 200 and len(r.json()["points"]) <= 3


def test_csv_export(client, fleet):
    login(client, "admin@demo.woms")
    r = client.get("/api/telemetry", params={"plant_id": fleet.plants["sunrise"], "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    lines = r.text.strip().split("\n")
    assert lines[0].startswith("timestamp_utc,") and len(lines) == 25
    assert lines[1].startswith("2026-03-02T10:00:00Z,2026-03-02T15:30:00+05:30,")


def test_foreign_plant_is_404_in_json_and_csv(client, fleet):
    login(client, "ops@helios.demo.woms")
    for fmt in ("json", "csv"):
        r = client.get("/api/telemetry", params={"plant_id": fleet.plants["sunrise"], "format": fmt})
        assert r.status_code == 404 and r.json()["detail"] == "Plant not found"


@pytest.mark.parametrize("params, reason", [
    ({"metric": "wind"}, "metric must be one of power, voltage, current, temperature"),
    ({"from": "yesterday"}, "from must be an ISO 8601 date-time"),
    ({"from": "2026-03-02T08:00:00"}, "from needs a time zone offset"),
    ({"from": "2026-03-02T10:00:00Z", "to": "2026-03-02T09:00:00Z"}, "from must be before to"),
    ({"from": "2026-02-01T00:00:00Z"}, "at most 7 days"),
    ({"format": "xml"}, "format must be json or csv"),
    ({"plant_id": "abc"}, "plant_id"),
    ({"max_points": 5000}, "max_points"),
])
def test_bad_parameters_are_422_with_a_reason(client, fleet, params, reason):
    login(client, "ops@sunrise.demo.woms")
    r = client.get("/api/telemetry", params={"plant_id": fleet.plants["sunrise"], **params})
    assert r.status_code == 422 and reason in r.json()["detail"]


def test_missing_plant_id_is_422_and_signed_out_is_401(client, fleet):
    assert client.get("/api/telemetry", params={"plant_id": fleet.plants["sunrise"]}).status_code == 401
    login(client, "ops@sunrise.demo.woms")
    r = client.get("/api/telemetry")
    assert r.status_code == 422 and "plant_id" in r.json()["detail"]


def test_production_today_is_scoped(client, fleet):
    login(client, "ops@helios.demo.woms")
    body = client.get("/api/production/today").json()
    assert body["curve"]["plants"] == 1 and body["curve"]["timezone"] == "Europe/Berlin"
    assert all(p["value"] is None for p in body["curve"]["points"])  # Helios has no readings
    login(client, "ops@sunrise.demo.woms")
    body = client.get("/api/production/today").json()
    assert body["curve"]["plants"] == 2 and any(p["value"] for p in body["curve"]["points"])
