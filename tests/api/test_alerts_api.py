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
