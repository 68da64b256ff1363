"""/api/plants: scoping, filters, pagination, 404 for foreign ids, 422 reasons."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.conftest import login
from tests.telemetry_fleet import NOW, add_plants
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import Alert, AlertSeverity, Plant, Vendor


@pytest.fixture
def fleet(client):
    clock.freeze(NOW)
    with main_session(SYSTEM_CONTEXT) as s:
        f = add_plants(s)
        p = s.get(Plant, f.plants["sunrise"])
        p.last_reading_at, p.current_power_kw = NOW - timedelta(minutes=3), 80.0
        s.add(p)
        s.add(Alert(org_id=p.org_id, plant_id=p.id, vendor_id=p.vendor_id, external_id="a1", title="String fault",
                    severity=AlertSeverity.MAJOR, started_at=NOW))
    yield f
    clock.freeze(None)


def test_org_sees_only_its_plants_with_freshness_and_alerts(client, fleet):
    login(client, "ops@sunrise.demo.woms")
    r = client.get("/api/plants")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2
    names = [p["name"] for p in body["items"]]
    assert names == sorted(names) and all(p["org_name"] == "Sunrise Energy" for p in body["items"])
    first = next(p for p in body["items"] if p["id"] == fleet.plants["sunrise"])
    assert first["freshness"] == "fresh" and first["active_alerts"] == 1 and first["active_work_order_id"] is None
    assert first["timezone"] == "Asia/Kolkata" and first["last_reading_at"].endswith("Z")
    # a foreign organization filter narrows to nothing; it never widens the scope
    assert client.get("/api/plants", params={"org_id": fleet.orgs["helios"]}).json()["total"] == 0


def test_fleet_viewer_search_sort_paginate_and_filter(client, fleet):
    login(client, "govt@demo.woms")
    body = client.get("/api/plants", params={"sort": "capacity", "order": "desc", "page_size": 2}).json()
    assert body["total"] == 3 and [p["capacity_kw"] for p in body["items"]] == [400.0, 200.0]
    page2 = client.get("/api/plants", params={"sort": "capacity", "order": "desc", "page_size": 2, "page": 2}).json()
    assert [p["capacity_kw"] for p in page2["items"]] == [100.0]
    assert client.get("/api/plants", params={"search": "HELIOS"}).json()["total"] == 1
    assert client.get("/api/plants", params={"org_id": fleet.orgs["sunrise"]}).json()["total"] == 2
    with main_session(SYSTEM_CONTEXT) as s:
        vid = s.get(Plant, fleet.plants["helios"]).vendor_id
        assert s.get(Vendor, vid) is not None
    assert client.get("/api/plants", params={"vendor_id": vid}).json()["total"] == 1


def test_foreign_and_unknown_ids_are_404(client, fleet):
    login(client, "ops@helios.demo.woms")
    assert client.get(f"/api/plants/{fleet.plants['helios']}").status_code == 200
    for pid in (fleet.plants["sunrise"], 999_999):
        r = client.get(f"/api/plants/{pid}")
        assert r.status_code == 404 and r.json()["detail"] == "Plant not found"


@pytest.mark.parametrize("params, reason", [
    ({"sort": "colour"}, "sort must be one of"),
    ({"page": 0}, "page"),
    ({"page_size": 1000}, "page_size"),
    ({"order": "sideways"}, "order"),
])
def test_bad_parameters_are_422_with_a_reason(client, fleet, params, reason):
    login(client, "admin@demo.woms")
    r = client.get("/api/plants", params=params)
    assert r.status_code == 422 and reason in r.json()["detail"]


def test_signed_out_is_401(client, fleet):
    assert client.get("/api/plants").status_code == 401
    assert client.get(f"/api/plants/{fleet.plants['sunrise']}").status_code == 401
