"""Issue 16 over REST: type / assignee / due on create and PATCH, the lifecycle with hold, closure and reopen,
SLA clocks in the answers, comments, the closure taxonomy, SLA targets, the new list filters and CSV columns,
the dashboard's counts; technicians and GOVT refused where they must be."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import login
from tests.wo_fleet import EMAILS, build_fleet
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def fleet(client):
    with main_session(SYSTEM_CONTEXT) as s:
        f = build_fleet(s)
    yield f
    clock.freeze(None)


def as_(client, who):
    client.cookies.clear()
    assert login(client, EMAILS[who]).status_code == 200
    return client.get("/api/me").json()


def create(client, fleet, plants=("sunrise-1",), **kw):
    body = {"title": "String 4 down", "plant_ids": [fleet.plants[p] for p in plants], **kw}
    return client.post("/api/work-orders", json=body)


def test_a_work_order_from_assignment_to_closure_and_reopen(client, fleet):
    tech = as_(client, "tech1")
    manager = as_(client, "sunrise")
    clock.freeze(NOW)
    r = create(client, fleet, wo_type="corrective", priority="HIGH", assignee_id=tech["id"],
               due_at=(NOW + timedelta(hours=6)).isoformat())
    assert r.status_code == 201, r.text
    wo = r.json()
    assert (wo["wo_type"], wo["assignee"], wo["due_at"]) == ("corrective", EMAILS["tech1"], "2026-03-02T18:00:00Z")
    assert wo["sla"]["response"] == {"state": "running", "due_at": "2026-03-02T20:00:00Z",
                                     "remaining_seconds": 8 * 3600, "overdue_seconds": None}
    assert wo["effective_due_at"] == "2026-03-02T18:00:00Z" and wo["sla_times"]["started_at"] == "2026-03-02T12:00:00Z"
    path = f"/api/work-orders/{wo['id']}"
    # a naive instant is refused with a reason
    r = client.patch(path, json={"due_at": "2026-03-03T09:00:00"})
    assert r.status_code == 422 and r.json()["detail"]
    assert manager["is_manager"] is True

    as_(client, "tech1")
    assert client.post(f"{path}/comments", json={"body": "On site, string 4 fuse blown"}).status_code == 201
    clock.freeze(NOW + timedelta(hours=1))
    assert client.patch(f"{path}/status", json={"status": "IN_PROGRESS"}).json()["sla"]["response"]["state"] == "met"
    clock.freeze(NOW + timedelta(hours=2))
    r = client.patch(f"{path}/status", json={"status": "ON_HOLD", "note": "Fuse on order"})
    assert r.json()["status"] == "ON_HOLD" and r.json()["sla"]["paused"] is True
    assert r.json()["next_statuses"] == ["IN_PROGRESS", "CANCELLED"]
    clock.freeze(NOW + timedelta(hours=5))
    r = client.patch(f"{path}/status", json={"status": "IN_PROGRESS"})
    assert r.json()["sla_times"]["held_seconds"] == 3 * 3600
    assert r.json()["sla_times"]["resolution_due_at"] == "2026-03-05T15:00:00Z"  # 72 h + 3 h held
    r = client.patch(f"{path}/status", json={"status": "DONE", "resolution_note": "Fuse replaced"})
    assert r.status_code == 422 and r.json()["field"] == "cause_code"
    r = client.patch(f"{path}/status", json={"status": "DONE", "resolution_note": "Fuse replaced",
                                             "cause_code": "dc_fuse", "remedy_code": "dc_replace_fuse"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["closure"]["problem_code"] == "string_dc_fault" and body["closure"]["cause"] == "Blown string fuse"
    assert body["closure"]["downtime_start"] == "2026-03-02T12:00:00Z"
    assert body["closure"]["downtime_end"] == "2026-03-02T17:00:00Z"
    assert body["sla"]["resolution"]["state"] == "met" and body["next_statuses"] == ["OPEN"]
    assert [h["to_status"] for h in body["history"] if h["kind"] == "status"] == [
        "DONE", "IN_PROGRESS", "ON_HOLD", "IN_PROGRESS"]
    r = client.patch(f"{path}/status", json={"status": "CANCELLED", "note": "x"})
    assert r.status_code == 409 and "it can move to open (reopen)" in r.json()["detail"]
    r = client.patch(f"{path}/status", json={"status": "OPEN", "note": "Blew again"})
    assert r.status_code == 200 and r.json()["closed_at"] is None and r.json()["plants"] == ["Sunrise plant 1"]
    assert [c["body"] for c in client.get(f"{path}/comments").json()] == ["On site, string 4 fuse blown"]


def test_closure_codes_and_sla_targets(client, fleet):
    as_(client, "govt")
    tree = client.get("/api/closure-codes").json()
    assert tree[0]["code"] == "inverter_trip" and tree[0]["causes"][0]["code"] == "inverter_overtemp"
    assert client.get("/api/sla-targets").status_code == 422  # a fleet-wide viewer names the organization
    r = client.get("/api/sla-targets", params={"org_id": fleet.orgs["sunrise"]})
    assert r.status_code == 200 and r.json()[0] == {"priority": "CRITICAL", "response_minutes": 240,
                                                    "resolution_minutes": 1440, "is_default": True}
    put = {"targets": [{"priority": "LOW", "response_minutes": 600, "resolution_minutes": 6000}]}
    assert client.put("/api/sla-targets", json={**put, "org_id": fleet.orgs["sunrise"]}).status_code == 403
    as_(client, "tech1")
    r = client.put("/api/sla-targets", json=put)
    assert r.status_code == 403 and "Technicians cannot" in r.json()["detail"]
    as_(client, "sunrise")
    bad = client.put("/api/sla-targets", json={"targets": [{"priority": "LOW", "response_minutes": 6000,
                                                            "resolution_minutes": 600}]})
    assert bad.status_code == 422 and "cannot be longer" in bad.json()["detail"]
    assert client.put("/api/sla-targets", json={"targets": []}).status_code == 422
    r = client.put("/api/sla-targets", json=put)
    assert r.status_code == 200 and r.json()[-1] == {"priority": "LOW", "response_minutes": 600,
                                                     "resolution_minutes": 6000, "is_default": False}
    assert client.get("/api/sla-targets").json() == r.json()


def test_list_filters_csv_columns_and_dashboard_counts(client, fleet):
    as_(client, "sunrise")
    clock.freeze(NOW)
    late = create(client, fleet, plants=("sunrise-1",), title="Late", due_at="2026-03-02T13:00:00Z").json()
    soon = create(client, fleet, plants=("sunrise-2",), title="Soon", priority="CRITICAL", wo_type="inspection").json()
    create(client, fleet, plants=("sunrise-3",), title="Someday", priority="LOW")
    clock.freeze(NOW + timedelta(hours=2))
    get = lambda **p: [w["id"] for w in client.get("/api/work-orders", params=p).json()["items"]]  # noqa: E731
    assert get(overdue="true") == [late["id"]]
    assert get(due_within_hours=24) == [soon["id"]]
    assert get(sort="due")[:2] == [late["id"], soon["id"]]
    assert get(wo_type="inspection") == [soon["id"]]
    assert get(unassigned="true", sort="due")[:1] == [late["id"]]
    assert client.get("/api/work-orders", params={"due_within_hours": 0}).status_code == 422
    assert client.get("/api/work-orders", params={"sort": "random"}).status_code == 422
    rows = list(csv.reader(io.StringIO(client.get("/api/work-orders", params={"format": "csv", "sort": "due"}).text)))
    assert rows[0][:10] == ["id", "organization", "title", "priority", "status", "plants", "created_by",
                            "created_at", "updated_at", "closed_at"]
    assert rows[0][10:] == ["type", "assignee", "due_at", "effective_due_at", "response_sla", "resolution_sla",
                            "cause_code"]
    assert rows[1][2] == "Late" and rows[1][10] == "corrective" and rows[1][15] == "running"
    d = client.get("/api/dashboard").json()
    assert (d["overdue_work_orders"], d["due_soon_work_orders"]) == (1, 1)
    as_(client, "helios")
    assert client.get("/api/dashboard").json()["overdue_work_orders"] == 0
    assert client.get(f"/api/work-orders/{late['id']}/comments").status_code == 404
