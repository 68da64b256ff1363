"""Ids in REST paths: anything but 1..MAX_ID in ASCII digits is a clean 404 naming what was not found (the same
answer as an id that names no row), on every route that takes one; never a 422 or a 500."""
from __future__ import annotations

import pytest
from sqlmodel import select

from tests.api.conftest import login
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import Vendor
from woms_app.services.viewer import MAX_ID

BAD_IDS = ["%C2%B2", "%D9%A3", "%EF%BC%91", "9" * 5000, "9" * 25, "-1", "0", str(MAX_ID + 1), "1.5", "abc", "+1"]
ROUTES = [  # (method, path with {id}, what, body)
    ("GET", "/api/plants/{id}", "Plant", None),
    ("GET", "/api/plants/{id}/kpis", "Plant", None),
    ("GET", "/api/alerts/{id}", "Alert", None),
    ("GET", "/api/vendors/{id}", "Vendor", None),
    ("PATCH", "/api/vendors/{id}", "Vendor", {"name": "x", "vendor_type": "solarman"}),
    ("DELETE", "/api/vendors/{id}", "Vendor", None),
    ("POST", "/api/vendors/{id}/test", "Vendor", None),
    ("POST", "/api/vendors/{id}/sync", "Vendor", None),
    ("GET", "/api/work-orders/{id}", "Work order", None),
    ("GET", "/api/work-orders/{id}/efficiency", "Work order", None),
    ("PATCH", "/api/work-orders/{id}/status", "Work order", {"status": "DONE"}),
    ("POST", "/api/work-orders/{id}/plants", "Work order", {"plant_id": 1}),
    ("DELETE", "/api/work-orders/1/plants/{id}", "Plant", None),
    ("GET", "/api/work-orders/draft-from-alert/{id}", "Alert", None),
]


@pytest.mark.parametrize("method, path, what, body", ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_bad_path_ids_are_a_clean_404(client, method, path, what, body):
    login(client, "admin@demo.woms")
    for bad in BAD_IDS:
        r = client.request(method, path.format(id=bad), json=body)
        assert r.status_code == 404, (bad[:20], r.status_code, r.text[:200])
        assert r.json() == {"detail": f"{what} not found"}, (bad[:20], r.text[:200])


def test_a_good_id_still_works_and_the_schema_documents_the_range(client):
    login(client, "admin@demo.woms")
    with main_session(SYSTEM_CONTEXT) as s:
        vid = s.exec(select(Vendor.id)).first()
    assert client.get(f"/api/vendors/{vid}").json()["id"] == vid
    assert client.get(f"/api/vendors/ {vid}").status_code == 200  # surrounding blanks, as before
    param = client.get("/api/openapi.json").json()["paths"]["/api/vendors/{vendor_id}"]["get"]["parameters"][0]
    assert param["schema"]["type"] == "integer"
    assert (param["schema"]["minimum"], param["schema"]["maximum"]) == (1, MAX_ID)
