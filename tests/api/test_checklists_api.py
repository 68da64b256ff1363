"""/api/checklist-templates and /api/work-orders/{id}/checklists over HTTP: the demo's solar templates, managing
them, attaching, recording results (bad input answers 422 and changes nothing), and a failed item's corrective
work order created through the ordinary create route."""
from __future__ import annotations

import pytest

from tests.api.conftest import login
from tests.security.conftest import db_fingerprint
from tests.wo_fleet import EMAILS, build_fleet
from woms_app.core.db import SYSTEM_CONTEXT, main_session


@pytest.fixture
def fleet(client):
    with main_session(SYSTEM_CONTEXT) as s:
        return build_fleet(s)


def as_(client, who):
    client.cookies.clear()
    assert login(client, EMAILS[who]).status_code == 200
    return client


def _template(client, name):
    return next(t for t in client.get("/api/checklist-templates").json() if t["name"] == name)


def test_templates_of_the_demo_and_their_management(client, fleet):
    as_(client, "sunrise")
    names = sorted(t["name"] for t in client.get("/api/checklist-templates").json())
    assert names == ["Inverter inspection", "Module cleaning", "String IV check", "Vegetation control"]
    assert [t["name"] for t in client.get("/api/checklist-templates", params={"wo_type": "cleaning"}).json()] == \
        ["Module cleaning"]
    r = client.post("/api/checklist-templates", json={"name": "Transformer check", "wo_type": "inspection",
                                                       "items": [{"label": "Oil level in range"},
                                                                 {"label": "Oil temperature", "unit": "°C"}]})
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["org_id"] == fleet.orgs["sunrise"] and [i["unit"] for i in t["items"]] == ["", "°C"]
    assert client.post("/api/checklist-templates", json={"name": "transformer check", "wo_type": "other",
                                                          "items": [{"label": "x"}]}).status_code == 409
    r = client.post("/api/checklist-templates", json={"name": "No items", "wo_type": "other", "items": []})
    assert r.status_code == 422 and "items" in r.json()["detail"]
    r = client.patch(f"/api/checklist-templates/{t['id']}", json={"items": [{"label": "Bushings clean"}]})
    assert r.status_code == 200 and [i["label"] for i in r.json()["items"]] == ["Bushings clean"]
    as_(client, "helios")
    assert client.get(f"/api/checklist-templates/{t['id']}").status_code == 404
    assert client.patch(f"/api/checklist-templates/{t['id']}", json={"name": "Mine now"}).status_code == 404
    assert client.delete(f"/api/checklist-templates/{t['id']}").status_code == 404
    assert "Transformer check" not in [x["name"] for x in client.get("/api/checklist-templates").json()]
    as_(client, "govt")
    assert client.get(f"/api/checklist-templates/{t['id']}").status_code == 200
    assert client.delete(f"/api/checklist-templates/{t['id']}").status_code == 403
    as_(client, "admin")  # SUPERADMIN names the organization
    r = client.post("/api/checklist-templates", json={"name": "Fleet standard", "wo_type": "other",
                                                       "items": [{"label": "x"}]})
    assert r.status_code == 422 and r.json()["field"] == "org_id"
    r = client.post("/api/checklist-templates", json={"name": "Fleet standard", "wo_type": "other",
                                                       "items": [{"label": "x"}], "org_id": fleet.orgs["helios"]})
    assert r.status_code == 201 and r.json()["org_id"] == fleet.orgs["helios"]
    as_(client, "sunrise")
    assert client.delete(f"/api/checklist-templates/{t['id']}").status_code == 204
    assert client.get(f"/api/checklist-templates/{t['id']}").status_code == 404


def test_attach_record_and_the_corrective_work_order(client, fleet):
    as_(client, "sunrise")
    wo = client.post("/api/work-orders", json={"title": "Inverter inspection",
                                               "plant_ids": [fleet.plants["sunrise-1"]]}).json()
    t = _template(client, "Inverter inspection")
    r = client.post(f"/api/work-orders/{wo['id']}/checklists", json={"template_id": t["id"],
                                                                     "plant_id": fleet.plants["sunrise-1"]})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["plant_name"] == "Sunrise plant 1" and c["done"] == 0 and len(c["items"]) == len(t["items"])
    base = f"/api/work-orders/{wo['id']}/checklists/{c['id']}/items"
    iso = next(i for i in c["items"] if i["unit"] == "MΩ")
    display = c["items"][0]

    before = db_fingerprint()
    for body in ({"result": "broken"}, {"result": "fail", "reading": "lots"}, {"result": "pass", "note": "n" * 501},
                 {"reading": 1.0}):
        r = client.put(f"{base}/{iso['id']}", json=body)
        assert r.status_code == 422 and r.json()["detail"], body
    r = client.put(f"{base}/{iso['id']}", content=b'{"result": "flag", "reading": NaN}',
                   headers={"content-type": "application/json"})
    assert r.status_code == 422 and "finite" in r.json()["detail"] and r.json()["field"] == "reading"
    assert client.put(f"{base}/999999", json={"result": "pass"}).status_code == 404
    assert db_fingerprint() == before

    r = client.put(f"{base}/{iso['id']}", json={"result": "flag", "reading": 0.8, "note": "Below 1 MΩ"})
    assert r.status_code == 200 and r.json()["done"] == 1
    r = client.put(f"{base}/{display['id']}", json={"result": "fail", "note": "Display shows error 304"})
    got = next(i for i in r.json()["items"] if i["id"] == display["id"])
    assert got["result"] == "fail" and got["recorded_by"] == EMAILS["sunrise"] and r.json()["failed"] == 1
    assert client.get(f"{base}/{iso['id']}/corrective-draft").status_code == 409  # flagged, not failed

    draft = client.get(f"{base}/{display['id']}/corrective-draft").json()
    assert draft["priority"] == "HIGH" and draft["wo_type"] == "corrective"
    assert draft["plant_ids"] == [fleet.plants["sunrise-1"]]
    assert draft["title"] == "Fix: Inverter display error-free — Sunrise plant 1"
    assert "error 304" in draft["description"]
    body = {k: draft[k] for k in ("title", "description", "priority", "plant_ids")}
    r = client.post("/api/work-orders", json=body)
    assert r.status_code == 409 and f"#{wo['id']}" in r.json()["detail"]  # the plant is still on the inspection
    cancel = {"status": "CANCELLED", "note": "duplicate"}
    assert client.patch(f"/api/work-orders/{wo['id']}/status", json=cancel).status_code == 200
    r = client.post("/api/work-orders", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["priority"] == "HIGH" and r.json()["plants"] == ["Sunrise plant 1"]
    # the closed inspection keeps its results and refuses new ones
    assert client.put(f"{base}/{iso['id']}", json={"result": "pass"}).status_code == 409
    kinds = [h["kind"] for h in client.get(f"/api/work-orders/{wo['id']}").json()["history"]]
    assert kinds.count("checklist_result") == 2 and "checklist_added" in kinds


def test_foreign_and_read_only_callers(client, fleet):
    as_(client, "sunrise")
    wo = client.post("/api/work-orders", json={"title": "Cleaning", "plant_ids": [fleet.plants["sunrise-1"]]}).json()
    c = client.post(f"/api/work-orders/{wo['id']}/checklists",
                    json={"template_id": _template(client, "Module cleaning")["id"]}).json()
    item = f"/api/work-orders/{wo['id']}/checklists/{c['id']}/items/{c['items'][0]['id']}"
    as_(client, "helios")
    helios_template = _template(client, "Module cleaning")["id"]
    assert client.get(f"/api/work-orders/{wo['id']}/checklists").status_code == 404
    assert client.post(f"/api/work-orders/{wo['id']}/checklists",
                       json={"template_id": helios_template}).status_code == 404
    assert client.put(item, json={"result": "pass"}).status_code == 404
    assert client.get(f"{item}/corrective-draft").status_code == 404
    assert client.delete(f"/api/work-orders/{wo['id']}/checklists/{c['id']}").status_code == 404
    as_(client, "govt")
    assert client.get(f"/api/work-orders/{wo['id']}/checklists").json()[0]["id"] == c["id"]
    r = client.put(item, json={"result": "pass"})
    assert r.status_code == 403 and "Read-only" in r.json()["detail"]
    assert client.post(f"/api/work-orders/{wo['id']}/checklists",
                       json={"template_id": helios_template}).status_code == 403
