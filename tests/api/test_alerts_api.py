"""/api/alerts: scoped list (newest first, filters, pagination), 404 across tenants, 422 reasons, CSV."""
from __future__ import annotations

import csv
import io

import pytest

from tests.api.conftest import login
from tests.wo_fleet import EMAILS, build_fleet
from woms_app.core.db import SYSTEM_CONTEXT, main_session


@pytest.fixture
def fleet(client):
    with main_session(SYSTEM_CONTEXT) as s:
        return build_fleet(s)


def as_(client, who):
    client.cookies.clear()
    assert login(client, EMAILS[who]).status_code == 200


def test_list_is_scoped_newest_first_and_filtered(client, fleet):
    as_(client, "helios")
    body = client.get("/api/alerts").json()
    assert body["total"] == 3 and {a["org_name"] for a in body["items"]} == {"Helios Power"}
    assert [a["id"] for a in body["items"]] == [fleet.alerts[f"helios-{s}"] for s in ("info", "minor", "critical")]
    assert client.get("/api/alerts", params={"severity": "critical"}).json()["total"] == 1
    assert client.get("/api/alerts", params={"status": "ACTIVE"}).json()["total"] == 2
    assert client.get("/api/alerts", params={"plant_id": fleet.plants["helios-2"]}).json()["total"] == 0
    assert client.get("/api/alerts", params={"org_id": fleet.orgs["sunrise"]}).json()["total"] == 0
    page = client.get("/api/alerts", params={"page": 2, "page_size": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["page"] == 2
    as_(client, "govt")
    assert client.get("/api/alerts").json()["total"] == 6
    assert client.get("/api/alerts", params={"org_id": fleet.orgs["sunrise"]}).json()["total"] == 3


def test_foreign_alert_is_404(client, fleet):
    as_(client, "sunrise")
    assert client.get(f"/api/alerts/{fleet.alerts['sunrise-minor']}").status_code == 200
    r = client.get(f"/api/alerts/{fleet.alerts['helios-minor']}")
    assert r.status_code == 404 and r.json()["detail"] == "Alert not found"
    client.cookies.clear()
    assert client.get("/api/alerts").status_code == 401


def test_422_reasons(client, fleet):
    as_(client, "sunrise")
    r = client.get("/api/alerts", params={"severity": "fatal"})
    assert r.status_code == 422 and "severity: Input should be 'critical', 'major', 'minor' or 'info'" in r.json()["detail"]
    r = client.get("/api/alerts", params={"plant_id": "abc"})
    assert r.status_code == 422 and "plant_id: Input should be a valid integer" in r.json()["detail"]


def test_csv(client, fleet):
    as_(client, "sunrise")
    r = client.get("/api/alerts", params={"format": "csv", "status": "ACTIVE"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="alerts-' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:5] == ["id", "organization", "plant", "severity", "status"]
    assert [(row[3], row[4]) for row in rows[1:]] == [("minor", "ACTIVE"), ("critical", "ACTIVE")]
    assert {row[1] for row in rows[1:]} == {"Sunrise Energy"}


def _audit(action: str) -> list:
    from sqlmodel import select

    from woms_app.models import AuditLog
    with main_session(SYSTEM_CONTEXT) as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action)).all())


def test_acknowledge_and_take_it_back(client, fleet):
    alert = fleet.alerts["sunrise-critical"]
    as_(client, "sunrise")
    r = client.post(f"/api/alerts/{alert}/acknowledge", json={"note": "  on my way,\n  ETA 30 min "})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["acknowledged_by"] == EMAILS["sunrise"] and body["ack_note"] == "on my way, ETA 30 min"
    assert body["acknowledged_at"] is not None
    # a second acknowledgement is refused, names who did it, and changes nothing
    again = client.post(f"/api/alerts/{alert}/acknowledge", json={"note": "mine"})
    assert again.status_code == 409 and f"already acknowledged by {EMAILS['sunrise']}" in again.json()["detail"]
    assert client.get(f"/api/alerts/{alert}").json()["ack_note"] == "on my way, ETA 30 min"
    # the filter
    acked = client.get("/api/alerts", params={"acknowledged": "true"}).json()
    assert [a["id"] for a in acked["items"]] == [alert]
    assert alert not in [a["id"] for a in client.get("/api/alerts", params={"acknowledged": "false"}).json()["items"]]
    rows = list(csv.reader(io.StringIO(client.get("/api/alerts", params={"format": "csv", "acknowledged": "true"}).text)))
    assert rows[0][11:14] == ["acknowledged_at", "acknowledged_by", "ack_note"] and rows[1][12] == EMAILS["sunrise"]
    # taken back: cleared; taking back twice is a conflict
    r = client.delete(f"/api/alerts/{alert}/acknowledge")
    assert r.status_code == 200 and r.json()["acknowledged_at"] is None and r.json()["acknowledged_by"] == ""
    assert client.delete(f"/api/alerts/{alert}/acknowledge").status_code == 409
    assert [str(a.entity_id) for a in _audit("alert.acknowledge")] == [str(alert)]
    assert len(_audit("alert.unacknowledge")) == 1


def test_acknowledge_refusals_change_nothing(client, fleet):
    foreign = fleet.alerts["helios-critical"]
    as_(client, "sunrise")
    r = client.post(f"/api/alerts/{foreign}/acknowledge", json={})
    assert r.status_code == 404 and r.json()["detail"] == "Alert not found"
    r = client.post(f"/api/alerts/{fleet.alerts['sunrise-minor']}/acknowledge", json={"note": "x" * 501})
    assert r.status_code == 422
    r = client.post(f"/api/alerts/{fleet.alerts['sunrise-info']}/acknowledge", json={})  # resolved
    assert r.status_code == 409 and "resolved" in r.json()["detail"]
    as_(client, "govt")
    r = client.post(f"/api/alerts/{foreign}/acknowledge", json={})
    assert r.status_code == 403
    as_(client, "admin")  # a super admin may acknowledge any organization's alert
    assert client.post(f"/api/alerts/{foreign}/acknowledge", json={}).status_code == 200
    as_(client, "helios")
    assert client.get(f"/api/alerts/{foreign}").json()["acknowledged_by"] == EMAILS["admin"]
    assert client.get(f"/api/alerts/{fleet.alerts['sunrise-minor']}").status_code == 404
    assert _audit("alert.acknowledge") and len(_audit("alert.acknowledge")) == 1
