"""/api/vendors: list {items,total}, CRUD, test, sync; never credentials; 404 across orgs, 403 for GOVT."""
from __future__ import annotations

import pytest

from tests.api.conftest import login
from tests.sync.conftest import point_vendors_at
from tests.vendors.conftest import emulator, live  # noqa: F401  (fixtures)


@pytest.fixture
def ids(client, live):  # noqa: F811
    return point_vendors_at(live.url)


def as_user(client, email):
    client.cookies.clear()
    assert login(client, email).status_code == 200
    return client


def test_list_and_get_are_scoped_and_credential_free(client, ids):
    c = as_user(client, "admin@demo.woms")
    body = c.get("/api/vendors").json()
    assert body["total"] == 2 and len(body["items"]) == 2
    assert all(v["has_credentials"] for v in body["items"]) and "credentials" not in body["items"][0]
    assert "credentials_encrypted" not in c.get(f"/api/vendors/{ids['sungrow']}").text
    c = as_user(client, "ops@sunrise.demo.woms")
    assert [v["id"] for v in c.get("/api/vendors").json()["items"]] == [ids["solarman"]]
    r = c.get(f"/api/vendors/{ids['sungrow']}")
    assert r.status_code == 404 and r.json()["detail"] == "Vendor not found"
    assert c.patch(f"/api/vendors/{ids['sungrow']}", json={"name": "x"}).status_code == 404
    assert c.post(f"/api/vendors/{ids['sungrow']}/sync").status_code == 404
    c = as_user(client, "govt@demo.woms")
    assert c.get("/api/vendors").status_code == 403
    assert c.post(f"/api/vendors/{ids['solarman']}/sync").status_code == 403
    assert c.post(f"/api/vendors/{ids['solarman']}/test").status_code == 403
    assert c.delete(f"/api/vendors/{ids['solarman']}").status_code == 403
    assert c.post("/api/vendors", json={"name": "x"}).status_code == 403
    client.cookies.clear()
    assert client.get("/api/vendors").status_code == 401


def test_create_edit_test_sync_delete(client, ids, live):  # noqa: F811
    c = as_user(client, "ops@helios.demo.woms")
    acct = live.accounts()["sungrow"]
    bad = {"name": "Extra", "vendor_type": "sungrow", "base_url": acct["base_url"],
           "credentials": {**acct["credentials"], "password": "wrong-password-9"}}
    r = c.post("/api/vendors", json=bad)
    assert r.status_code == 422 and r.json()["field"] == "credentials" and "wrong-password-9" not in r.text
    r = c.post("/api/vendors", json={**bad, "credentials": acct["credentials"]})
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["has_credentials"] and new["org_name"] == "Helios Power" and acct["credentials"]["password"] not in r.text
    r = c.patch(f"/api/vendors/{new['id']}", json={"poll_interval_s": 900, "credentials": {"password": ""}})
    assert r.status_code == 200 and r.json()["poll_interval_s"] == 900
    assert c.post(f"/api/vendors/{new['id']}/test").json() == {"ok": True, "reason": "Connected; 5 plants visible",
                                                              "plant_count": 5}
    r = c.post(f"/api/vendors/{ids['sungrow']}/sync")
    assert r.status_code == 200 and r.json()["status"] == "succeeded" and r.json()["plants_done"] == 5
    listed = {v["id"]: v for v in c.get("/api/vendors").json()["items"]}
    assert listed[ids["sungrow"]]["plants"] == 5 and listed[ids["sungrow"]]["last_run_status"] == "succeeded"
    r = c.delete(f"/api/vendors/{ids['sungrow']}")
    assert r.status_code == 409 and "plants use this vendor" in r.json()["detail"]
    assert c.delete(f"/api/vendors/{new['id']}").status_code == 204
    assert c.get(f"/api/vendors/{new['id']}").status_code == 404
    assert c.delete(f"/api/vendors/{ids['sungrow']}?remove_plants=true").status_code == 204
    assert c.get("/api/vendors").json() == {"items": [], "total": 0}


def test_configured_allowance_and_an_overspending_sync_over_http(client, ids):
    """PATCH sets the allowance (bad values: a clear 422 and nothing changed); a sync it cannot afford answers
    refused with the reason, and the vendor is not called."""
    c = as_user(client, "ops@sunrise.demo.woms")
    vid = ids["solarman"]
    r = c.patch(f"/api/vendors/{vid}", json={"quota_calls": 200_000, "quota_period": "week"})
    assert r.status_code == 422 and r.json()["field"] == "quota_period"
    r = c.patch(f"/api/vendors/{vid}", json={"quota_calls": -5})
    assert r.status_code == 422 and r.json()["field"] == "quota_calls"
    assert c.get(f"/api/vendors/{vid}").json()["quota_calls"] is None
    r = c.patch(f"/api/vendors/{vid}", json={"quota_calls": 1, "quota_period": "day"})
    assert r.status_code == 200, r.text
    v = c.get(f"/api/vendors/{vid}").json()
    assert (v["quota_calls"], v["quota_period"], v["quota_source"]) == (1, "day", "configured")
    r = c.post(f"/api/vendors/{vid}/sync")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["refused"] is True and body["status"] == "failed" and body["vendor_calls"] == 0
    assert body["error"].startswith("Not started") and "of 1 left" in body["error"]
    client.cookies.clear()
