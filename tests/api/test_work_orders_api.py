"""/api/work-orders: scoping (404), GOVT 403, 422 reasons, the two-WO 409, races, CSV."""
from __future__ import annotations

import csv
import io
import threading

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import login
from tests.conftest import BOTH_DATABASES
from tests.wo_fleet import EMAILS, build_fleet
from woms_app.api.app import create_api
from woms_app.core.db import SYSTEM_CONTEXT, main_session


@pytest.fixture
def fleet(client):
    with main_session(SYSTEM_CONTEXT) as s:
        return build_fleet(s)


def as_(client, who):
    client.cookies.clear()
    assert login(client, EMAILS[who]).status_code == 200
    return client


def create(client, fleet, plants=("sunrise-1", "sunrise-2"), **kw):
    body = {"title": "Inverter swap", "priority": "HIGH", "plant_ids": [fleet.plants[p] for p in plants], **kw}
    return client.post("/api/work-orders", json=body)


def test_create_get_list_and_transitions(client, fleet):
    as_(client, "sunrise")
    r = create(client, fleet, description="Swap inverter 2")
    assert r.status_code == 201, r.text
    wo = r.json()
    assert wo["status"] == "OPEN" and wo["org_name"] == "Sunrise Energy" and wo["next_statuses"] == ["IN_PROGRESS", "CANCELLED"]
    assert [p["plant_name"] for p in wo["plant_links"]] == ["Sunrise plant 1", "Sunrise plant 2"]
    listing = client.get("/api/work-orders").json()
    assert listing["total"] == 1 and listing["items"][0]["plants"] == ["Sunrise plant 1", "Sunrise plant 2"]
    assert client.get("/api/work-orders", params={"status": "DONE"}).json()["total"] == 0
    assert client.get("/api/work-orders", params={"priority": "HIGH", "plant_id": fleet.plants["sunrise-2"]}).json()["total"] == 1
    r = client.patch(f"/api/work-orders/{wo['id']}/status", json={"status": "DONE"})
    assert r.status_code == 409 and "cannot move to done" in r.json()["detail"] and r.json()["field"] == "status"
    r = client.patch(f"/api/work-orders/{wo['id']}/status", json={"status": "IN_PROGRESS", "note": "crew out"})
    assert r.status_code == 200 and r.json()["status"] == "IN_PROGRESS"
    r = client.delete(f"/api/work-orders/{wo['id']}/plants/{fleet.plants['sunrise-2']}")
    assert r.status_code == 200
    assert [p["is_active"] for p in r.json()["plant_links"]] == [True, False]
    r = client.post(f"/api/work-orders/{wo['id']}/plants", json={"plant_id": fleet.plants["sunrise-3"]})
    assert r.status_code == 201
    r = client.patch(f"/api/work-orders/{wo['id']}/status", json={"status": "DONE", "resolution_note": "Swapped",
                                                                    "cause_code": "dc_fuse"})
    body = r.json()
    assert body["status"] == "DONE" and body["closed_at"] and not any(p["is_active"] for p in body["plant_links"])
    assert [h["kind"] for h in body["history"]] == ["status", "plant_added", "plant_removed", "status", "created"]
    assert body["history"][0]["who"] == EMAILS["sunrise"]


def test_other_org_gets_404_and_govt_gets_403(client, fleet):
    as_(client, "sunrise")
    wo_id = create(client, fleet).json()["id"]
    as_(client, "helios")
    assert client.get(f"/api/work-orders/{wo_id}").status_code == 404
    assert client.get("/api/work-orders").json()["total"] == 0
    assert client.patch(f"/api/work-orders/{wo_id}/status", json={"status": "CANCELLED"}).status_code == 404
    assert client.post(f"/api/work-orders/{wo_id}/plants", json={"plant_id": fleet.plants["helios-1"]}).status_code == 404
    assert client.delete(f"/api/work-orders/{wo_id}/plants/{fleet.plants['sunrise-1']}").status_code == 404
    r = create(client, fleet, plants=("sunrise-3",))
    assert r.status_code == 404 and r.json()["field"] == "plant_ids"
    as_(client, "govt")
    assert client.get(f"/api/work-orders/{wo_id}").status_code == 200
    for r in (create(client, fleet, plants=("helios-1",)),
              client.patch(f"/api/work-orders/{wo_id}/status", json={"status": "CANCELLED"}),
              client.post(f"/api/work-orders/{wo_id}/plants", json={"plant_id": fleet.plants["sunrise-3"]}),
              client.delete(f"/api/work-orders/{wo_id}/plants/{fleet.plants['sunrise-1']}")):
        assert r.status_code == 403 and "Read-only" in r.json()["detail"]
    client.cookies.clear()
    assert client.get("/api/work-orders").status_code == 401


CREATE_422 = [
    ({"title": "ab"}, "title: String should have at least 3 characters"),
    ({"title": "x" * 201}, "title: String should have at most 200 characters"),
    ({"title": "   a   "}, "title: Value error, must be at least 3 characters besides spaces"),
    ({"priority": "URGENT"}, "priority: Input should be 'LOW', 'MEDIUM', 'HIGH' or 'CRITICAL'"),
    ({"plant_ids": []}, "plant_ids: List should have at least 1 item"),
    ({"plant_ids": ["abc"]}, "plant_ids.0: Input should be a valid integer"),
    ({"description": "d" * 5001}, "description: String should have at most 5000 characters"),
]


def test_create_422_gives_a_reason_and_writes_nothing(client, fleet):
    as_(client, "sunrise")
    for body, reason in CREATE_422:
        r = client.post("/api/work-orders", json={"title": "Valid", "plant_ids": [fleet.plants["sunrise-1"]], **body})
        assert r.status_code == 422, body
        assert reason in r.json()["detail"], (reason, r.json())
    assert client.get("/api/work-orders").json()["total"] == 0


def test_list_422_reasons(client, fleet):
    as_(client, "sunrise")
    for params, reason in (({"status": "ARCHIVED"}, "status: Input should be"),
                           ({"page_size": 1000}, "page_size: Input should be less than or equal to 200"),
                           ({"page": 0}, "page: Input should be greater than or equal to 1"),
                           ({"format": "xml"}, "format: Input should be 'json' or 'csv'")):
        r = client.get("/api/work-orders", params=params)
        assert r.status_code == 422 and reason in r.json()["detail"], r.text
    huge = "9" * 25  # ids no database can hold: a query filter answers 422, a path id 404 (never a 500)
    assert client.get(f"/api/work-orders/{huge}").status_code == 404
    assert client.get("/api/work-orders", params={"plant_id": huge}).status_code == 422
    r = client.post("/api/work-orders", json={"title": "Valid", "plant_ids": [int(huge)]})
    assert r.status_code == 422 and "plant_ids.0: Input should be less than or equal to" in r.json()["detail"]
    assert client.get(f"/api/alerts/{huge}").status_code == 404
    assert client.get(f"/api/work-orders/{2**31 - 1}").status_code == 404  # the largest INTEGER id: just absent
    assert client.get(f"/api/work-orders/{2**31}").status_code == 404  # PostgreSQL INTEGER cannot hold it
    r = client.patch("/api/work-orders/1/status", json={"status": "ARCHIVED"})
    assert r.status_code == 422 and "status: Input should be" in r.json()["detail"]


def test_second_work_order_on_a_busy_plant_is_409_with_the_name(client, fleet):
    as_(client, "sunrise")
    first = create(client, fleet).json()["id"]
    r = create(client, fleet, plants=("sunrise-3", "sunrise-2"), title="Panel cleaning")
    assert r.status_code == 409
    assert r.json() == {"detail": f"Plant Sunrise plant 2 is already on active work order #{first} 'Inverter swap'",
                        "field": "plant_ids"}
    second = create(client, fleet, plants=("sunrise-3",), title="Panel cleaning").json()["id"]
    r = client.post(f"/api/work-orders/{second}/plants", json={"plant_id": fleet.plants["sunrise-1"]})
    assert r.status_code == 409 and f"active work order #{first} 'Inverter swap'" in r.json()["detail"]
    assert client.get("/api/work-orders").json()["total"] == 2


@BOTH_DATABASES
def test_simultaneous_api_assignments_one_wins_other_409(client):
    with main_session(SYSTEM_CONTEXT) as s:
        fleet = build_fleet(s, n_plants=3)
    as_(client, "helios")
    a = create(client, fleet, plants=("helios-2",), title="Helios A").json()["id"]
    b = create(client, fleet, plants=("helios-3",), title="Helios B").json()["id"]
    clients = []
    for _ in range(2):
        c = TestClient(create_api(), base_url="http://localhost:3000")
        c.__enter__()
        assert login(c, EMAILS["helios"]).status_code == 200
        clients.append(c)
    barrier = threading.Barrier(2)
    results = {}

    def go(c, wo_id):
        barrier.wait(timeout=10)
        results[wo_id] = c.post(f"/api/work-orders/{wo_id}/plants", json={"plant_id": fleet.plants["helios-1"]})

    try:
        threads = [threading.Thread(target=go, args=(c, w)) for c, w in zip(clients, (a, b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        for c in clients:
            c.__exit__(None, None, None)
    codes = sorted(r.status_code for r in results.values())
    assert codes == [201, 409], {k: r.text for k, r in results.items()}
    winner = next(w for w, r in results.items() if r.status_code == 201)
    loser = next(r for r in results.values() if r.status_code == 409)
    title = {a: "Helios A", b: "Helios B"}[winner]
    assert loser.json()["detail"] == f"Plant Helios plant 1 is already on active work order #{winner} '{title}'"
    holders = [w["id"] for w in client.get("/api/work-orders").json()["items"]
               if "Helios plant 1" in w["plants"]]
    assert holders == [winner]


def test_create_from_alert_links_it(client, fleet):
    as_(client, "sunrise")
    alert_id = fleet.alerts["sunrise-critical"]
    draft = client.get(f"/api/work-orders/draft-from-alert/{alert_id}").json()
    assert draft["priority"] == "CRITICAL" and draft["plant_ids"] == [fleet.plants["sunrise-1"]]
    r = client.post("/api/work-orders", json=draft)
    assert r.status_code == 201 and [a["id"] for a in r.json()["alerts"]] == [alert_id]
    assert client.get(f"/api/alerts/{alert_id}").json()["work_order_id"] == r.json()["id"]
    as_(client, "helios")
    assert client.get(f"/api/work-orders/draft-from-alert/{alert_id}").status_code == 404


def test_csv_export_follows_filters_and_scope(client, fleet):
    as_(client, "sunrise")
    create(client, fleet, plants=("sunrise-1",), title="=HYPERLINK(\"x\")")
    create(client, fleet, plants=("sunrise-2",), title="Cleaning, west rows", priority="LOW")
    as_(client, "helios")
    create(client, fleet, plants=("helios-1",), title="Helios job")
    as_(client, "sunrise")
    r = client.get("/api/work-orders", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'attachment; filename="work-orders-' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:5] == ["id", "organization", "title", "priority", "status"]
    assert [row[2] for row in rows[1:]] == ["Cleaning, west rows", "'=HYPERLINK(\"x\")"]  # scoped; formula defused
    low = list(csv.reader(io.StringIO(client.get("/api/work-orders?format=csv&priority=LOW").text)))
    assert len(low) == 2 and low[1][5] == "Sunrise plant 2"
