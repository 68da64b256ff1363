"""Cross-tenant matrix over the live route table: every role × every /api route × org B's ids.

ORG A asking for org B's rows gets 404 (never 403: ids do not leak), sees none of B's data in any answer and
changes nothing; GOVT reads but never writes (403, nothing changed); anonymous gets 401; SUPERADMIN and ORG B
(positive controls) do reach B's rows with the same requests, so every 404 is about scope, not a wrong id.

A route the table below does not classify fails the test: a new route must say who may call it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import EMAILS, PASSWORD, World, changed_tables, db_fingerprint
from woms_app.api.app import create_api

BASE = "http://localhost:3000"
UNREACHABLE = "http://127.0.0.1:9"  # discard port: a connection test fails fast

PUBLIC = "public"  # no session needed (login, logout, the API's own documentation)
READ = "read"
WRITE = "write"


@dataclass
class Call:
    path: str
    params: dict = field(default_factory=dict)
    json: dict | None = None
    files: dict | None = None  # multipart uploads


@dataclass
class Probe:
    kind: str
    calls: Callable[[World], list[Call]] = lambda w: []
    # ORG A with B's ids: 404, or "scoped" (a list/summary answering 200 without any of B's rows)
    org_a: int | str = 404
    govt: int = 200  # reads; writes are always 403 for GOVT
    a_own_ok: bool = True  # a read the route would answer for A's own rows too (not used for writes)
    shows_b: bool = True  # the positive controls' answer names B's rows (not for reference data or settings)


def _wo_create(w: World) -> list[Call]:
    return [Call("/api/work-orders", json={"title": "Cross tenant", "plant_ids": [w.b.free_plant_id]}),
            Call("/api/work-orders", json={"title": "Cross tenant", "plant_ids": [w.b.free_plant_id,
                                                                                  w.a.free_plant_id]}),
            Call("/api/work-orders", json={"title": "Cross tenant", "plant_ids": [w.a.free_plant_id],
                                           "alert_id": w.b.alert_id})]


def _vendor_create(w: World) -> list[Call]:
    # an ORG account's vendor always belongs to its own org: org B's id in the body is ignored; the
    # (unreachable) connection check then refuses it, so nothing is written anywhere
    return [Call("/api/vendors", json={"name": "Cross tenant", "vendor_type": "sungrow", "base_url": UNREACHABLE,
                                       "org_id": w.b.org_id,
                                       "credentials": {"appkey": "k", "access_key": "a", "username": "u",
                                                       "password": "p"}})]


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def _cl(wo: int, checklist: int, item: int | None = None) -> str:
    return f"/api/work-orders/{wo}/checklists/{checklist}" + (f"/items/{item}" if item is not None else "")


def _att(wo: int, att: int) -> str:
    return f"/api/work-orders/{wo}/attachments/{att}"


# issue 16: checklist templates, checklists of a work order, attachments
ITEM_ROUTES: dict[tuple[str, str], Probe] = {
    ("GET", "/api/checklist-templates"): Probe(READ, lambda w: [
        Call("/api/checklist-templates"), Call("/api/checklist-templates", {"org_id": w.b.org_id}),
        Call("/api/checklist-templates", {"wo_type": "inspection"})], org_a="scoped"),
    ("POST", "/api/checklist-templates"): Probe(WRITE, lambda w: [
        Call("/api/checklist-templates", json={"name": "Cross tenant", "wo_type": "other", "items": [{"label": "x"}],
                                               "org_id": w.b.org_id})]),
    ("GET", "/api/checklist-templates/{template_id}"): Probe(READ, lambda w: [
        Call(f"/api/checklist-templates/{w.b.template_id}")]),
    ("PATCH", "/api/checklist-templates/{template_id}"): Probe(WRITE, lambda w: [
        Call(f"/api/checklist-templates/{w.b.template_id}", json={"name": "Renamed by A"}),
        Call(f"/api/checklist-templates/{w.b.template_id}", json={"items": [{"label": "A's item"}]})]),
    ("DELETE", "/api/checklist-templates/{template_id}"): Probe(WRITE, lambda w: [
        Call(f"/api/checklist-templates/{w.b.template_id}")]),
    ("GET", "/api/work-orders/{wo_id}/checklists"): Probe(READ, lambda w: [
        Call(f"/api/work-orders/{w.b.wo_id}/checklists")]),
    ("POST", "/api/work-orders/{wo_id}/checklists"): Probe(WRITE, lambda w: [
        Call(f"/api/work-orders/{w.b.wo_id}/checklists", json={"template_id": w.b.template_id}),
        Call(f"/api/work-orders/{w.a.wo_id}/checklists", json={"template_id": w.b.template_id}),
        Call(f"/api/work-orders/{w.a.wo_id}/checklists", json={"template_id": w.a.template_id,
                                                                "plant_id": w.b.plant_ids[0]})]),
    ("DELETE", "/api/work-orders/{wo_id}/checklists/{checklist_id}"): Probe(WRITE, lambda w: [
        Call(_cl(w.b.wo_id, w.b.checklist_id)), Call(_cl(w.a.wo_id, w.b.checklist_id))]),
    ("PUT", "/api/work-orders/{wo_id}/checklists/{checklist_id}/items/{item_id}"): Probe(WRITE, lambda w: [
        Call(_cl(w.b.wo_id, w.b.checklist_id, w.b.item_id), json={"result": "fail", "reading": 1.5}),
        Call(_cl(w.a.wo_id, w.b.checklist_id, w.b.item_id), json={"result": "pass"}),
        Call(_cl(w.a.wo_id, w.a.checklist_id, w.b.item_id), json={"result": "pass"})]),
    ("GET", "/api/work-orders/{wo_id}/checklists/{checklist_id}/items/{item_id}/corrective-draft"): Probe(
        READ, lambda w: [Call(_cl(w.b.wo_id, w.b.checklist_id, w.b.failed_item_id) + "/corrective-draft")]),
    ("GET", "/api/work-orders/{wo_id}/attachments"): Probe(READ, lambda w: [
        Call(f"/api/work-orders/{w.b.wo_id}/attachments")]),
    ("POST", "/api/work-orders/{wo_id}/attachments"): Probe(WRITE, lambda w: [
        Call(f"/api/work-orders/{w.b.wo_id}/attachments", files={"file": ("x.png", PNG, "image/png")}),
        Call(f"/api/work-orders/{w.a.wo_id}/attachments", files={"file": ("x.png", PNG, "image/png"),
                                                                 "checklist_item_id": (None, str(w.b.item_id))})]),
    ("GET", "/api/work-orders/{wo_id}/attachments/{attachment_id}"): Probe(READ, lambda w: [
        Call(_att(w.b.wo_id, w.b.attachment_id))]),
    ("GET", "/api/work-orders/{wo_id}/attachments/{attachment_id}/thumbnail"): Probe(READ, lambda w: [
        Call(_att(w.b.wo_id, w.b.attachment_id) + "/thumbnail")]),
    ("DELETE", "/api/work-orders/{wo_id}/attachments/{attachment_id}"): Probe(WRITE, lambda w: [
        Call(_att(w.b.wo_id, w.b.attachment_id)), Call(_att(w.a.wo_id, w.b.attachment_id))]),
}

MATRIX: dict[tuple[str, str], Probe] = {
    ("GET", "/api/openapi.json"): Probe(PUBLIC),
    ("GET", "/api/docs"): Probe(PUBLIC),
    ("GET", "/api/docs/init.js"): Probe(PUBLIC),
    ("GET", "/api/origin.js"): Probe(PUBLIC),
    ("POST", "/api/login"): Probe(PUBLIC),
    ("POST", "/api/logout"): Probe(PUBLIC),
    ("GET", "/api/me"): Probe(READ, lambda w: [Call("/api/me")], org_a="scoped"),
    ("GET", "/api/dashboard"): Probe(READ, lambda w: [Call("/api/dashboard")], org_a="scoped"),
    ("GET", "/api/production/today"): Probe(READ, lambda w: [Call("/api/production/today", {"n": 50})],
                                            org_a="scoped"),
    ("GET", "/api/plants"): Probe(READ, lambda w: [
        Call("/api/plants", {"page_size": 100}), Call("/api/plants", {"org_id": w.b.org_id}),
        Call("/api/plants", {"vendor_id": w.b.vendor_id}), Call("/api/plants", {"search": "HELIOSMARK"})],
        org_a="scoped"),
    ("GET", "/api/plants/{plant_id}"): Probe(READ, lambda w: [Call(f"/api/plants/{p}") for p in w.b.plant_ids]),
    ("GET", "/api/plants/{plant_id}/kpis"): Probe(READ, lambda w: [Call(f"/api/plants/{w.b.plant_ids[0]}/kpis")]),
    ("GET", "/api/telemetry"): Probe(READ, lambda w: [
        Call("/api/telemetry", {"plant_id": w.b.plant_ids[0]}),
        Call("/api/telemetry", {"plant_id": w.b.plant_ids[0], "format": "csv"})]),
    ("GET", "/api/alerts"): Probe(READ, lambda w: [
        Call("/api/alerts"), Call("/api/alerts", {"org_id": w.b.org_id}),
        Call("/api/alerts", {"plant_id": w.b.plant_ids[1]}), Call("/api/alerts", {"format": "csv"}),
        Call("/api/alerts", {"q": "HELIOSMARK"})], org_a="scoped"),
    ("GET", "/api/alerts/{alert_id}"): Probe(READ, lambda w: [Call(f"/api/alerts/{w.b.alert_id}")]),
    ("POST", "/api/alerts/{alert_id}/acknowledge"): Probe(WRITE, lambda w: [
        Call(f"/api/alerts/{w.b.alert_id}/acknowledge", json={"note": "by A"})]),
    ("DELETE", "/api/alerts/{alert_id}/acknowledge"): Probe(WRITE, lambda w: [
        Call(f"/api/alerts/{w.b.alert_id}/acknowledge")]),
    ("GET", "/api/work-orders"): Probe(READ, lambda w: [
        Call("/api/work-orders"), Call("/api/work-orders", {"org_id": w.b.org_id}),
        Call("/api/work-orders", {"plant_id": w.b.plant_ids[0]}), Call("/api/work-orders", {"format": "csv"}),
        Call("/api/work-orders", {"q": f"#{w.b.wo_id}"})], org_a="scoped"),
    ("GET", "/api/work-orders/{wo_id}"): Probe(READ, lambda w: [Call(f"/api/work-orders/{w.b.wo_id}")]),
    ("GET", "/api/work-orders/{work_order_id}/efficiency"): Probe(
        READ, lambda w: [Call(f"/api/work-orders/{w.b.wo_id}/efficiency")]),
    ("GET", "/api/work-orders/draft-from-alert/{alert_id}"): Probe(
        READ, lambda w: [Call(f"/api/work-orders/draft-from-alert/{w.b.alert_id}")]),  # a read: nothing saved
    ("GET", "/api/vendors"): Probe(READ, lambda w: [Call("/api/vendors"),
                                                    Call("/api/vendors", {"org_id": w.b.org_id})],
                                   org_a="scoped", govt=403),
    ("GET", "/api/vendors/types"): Probe(READ, lambda w: [Call("/api/vendors/types")], org_a="scoped", govt=403),
    ("GET", "/api/vendors/{vendor_id}"): Probe(READ, lambda w: [Call(f"/api/vendors/{w.b.vendor_id}")], govt=403),
    ("POST", "/api/vendors"): Probe(WRITE, _vendor_create, org_a=422),
    ("PATCH", "/api/vendors/{vendor_id}"): Probe(WRITE, lambda w: [
        Call(f"/api/vendors/{w.b.vendor_id}", json={"name": "Renamed by A"}),
        Call(f"/api/vendors/{w.b.vendor_id}", json={"org_id": w.a.org_id})]),
    ("DELETE", "/api/vendors/{vendor_id}"): Probe(WRITE, lambda w: [
        Call(f"/api/vendors/{w.b.vendor_id}", {"remove_plants": "true"})]),
    ("POST", "/api/vendors/{vendor_id}/test"): Probe(WRITE, lambda w: [Call(f"/api/vendors/{w.b.vendor_id}/test")]),
    ("POST", "/api/vendors/{vendor_id}/sync"): Probe(WRITE, lambda w: [Call(f"/api/vendors/{w.b.vendor_id}/sync")]),
    ("POST", "/api/work-orders"): Probe(WRITE, _wo_create),
    ("PATCH", "/api/work-orders/{wo_id}"): Probe(WRITE, lambda w: [
        Call(f"/api/work-orders/{w.b.wo_id}", json={"title": "Renamed by A"}),
        Call(f"/api/work-orders/{w.b.wo_id}", json={"assignee_id": w.a.account_id})]),
    ("GET", "/api/work-orders/{wo_id}/comments"): Probe(READ, lambda w: [
        Call(f"/api/work-orders/{w.b.wo_id}/comments")]),
    ("POST", "/api/work-orders/{wo_id}/comments"): Probe(WRITE, lambda w: [
        Call(f"/api/work-orders/{w.b.wo_id}/comments", json={"body": "From A"})]),
    ("GET", "/api/closure-codes"): Probe(READ, lambda w: [Call("/api/closure-codes")], org_a="scoped",
                                         shows_b=False),
    ("GET", "/api/sla-targets"): Probe(READ, lambda w: [Call("/api/sla-targets", {"org_id": w.b.org_id})],
                                       shows_b=False),
    ("PUT", "/api/sla-targets"): Probe(WRITE, lambda w: [
        Call("/api/sla-targets", json={"org_id": w.b.org_id, "targets": [
            {"priority": "HIGH", "response_minutes": 60, "resolution_minutes": 600}]})]),
    # the caller's own preferences: no foreign id to send; A's refusal is the bad kind, GOVT's its role
    ("GET", "/api/me/notification-prefs"): Probe(READ, lambda w: [Call("/api/me/notification-prefs")],
                                                 org_a="scoped", shows_b=False),
    ("PUT", "/api/me/notification-prefs"): Probe(WRITE, lambda w: [Call("/api/me/notification-prefs", json={
        "items": [{"event_kind": "no.such.kind", "in_app": True, "email": True}]})], org_a=422),
    ("GET", "/api/webhooks"): Probe(READ, lambda w: [Call("/api/webhooks")], org_a="scoped", govt=403),
    ("POST", "/api/webhooks"): Probe(WRITE, lambda w: [Call("/api/webhooks", json={
        "url": "https://93.184.216.34/hook", "org_id": w.b.org_id})]),
    ("DELETE", "/api/webhooks/{webhook_id}"): Probe(WRITE, lambda w: [Call(f"/api/webhooks/{w.b.webhook_id}")]),
    ("POST", "/api/webhooks/{webhook_id}/test"): Probe(WRITE, lambda w: [
        Call(f"/api/webhooks/{w.b.webhook_id}/test")]),
    ("GET", "/api/webhooks/{webhook_id}/deliveries"): Probe(READ, lambda w: [
        Call(f"/api/webhooks/{w.b.webhook_id}/deliveries")], govt=403),
    ("PATCH", "/api/work-orders/{wo_id}/status"): Probe(WRITE, lambda w: [
        Call(f"/api/work-orders/{w.b.wo_id}/status", json={"status": s}) for s in ("IN_PROGRESS", "CANCELLED")]),
    ("POST", "/api/work-orders/{wo_id}/plants"): Probe(WRITE, lambda w: [
        Call(f"/api/work-orders/{w.b.wo_id}/plants", json={"plant_id": w.b.free_plant_id}),
        Call(f"/api/work-orders/{w.b.wo_id}/plants", json={"plant_id": w.a.free_plant_id}),
        Call(f"/api/work-orders/{w.a.wo_id}/plants", json={"plant_id": w.b.free_plant_id})]),
    ("DELETE", "/api/work-orders/{wo_id}/plants/{plant_id}"): Probe(WRITE, lambda w: [
        Call(f"/api/work-orders/{w.b.wo_id}/plants/{w.b.plant_ids[0]}"),
        Call(f"/api/work-orders/{w.a.wo_id}/plants/{w.b.plant_ids[0]}")]),
    **ITEM_ROUTES,
}


def live_routes() -> set[tuple[str, str]]:
    """Every (method, path) the API app answers (it sits in front of Reflex, so all of them count)."""
    routes = create_api().routes
    try:  # FastAPI ≥ 0.16x includes routers lazily; flatten them
        from fastapi.routing import iter_route_contexts
        routes = list(iter_route_contexts(routes))
    except ImportError:
        pass
    out = set()
    for r in routes:
        out |= {(m, r.path) for m in (getattr(r, "methods", None) or ()) if m not in ("HEAD", "OPTIONS")}
    return out


def test_every_api_route_is_classified():
    live = live_routes()
    assert live, "no routes found"
    missing = sorted(live - MATRIX.keys())
    stale = sorted(MATRIX.keys() - live)
    assert not missing, f"routes without a tenant-matrix entry (classify them in MATRIX): {missing}"
    assert not stale, f"MATRIX entries for routes that no longer exist: {stale}"


def _client(email: str | None) -> TestClient:
    c = TestClient(create_api(), base_url=BASE, headers={"Origin": BASE})
    if email:
        r = c.post("/api/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
    return c


def _send(c: TestClient, method: str, call: Call):
    return c.request(method, call.path, params=call.params, json=call.json, files=call.files)


def _leaks(text: str, w: World) -> list[str]:
    return [m for m in w.b.markers if m.lower() in text.lower()]


def test_cross_tenant_matrix(world):
    w = world
    clients = {role: _client(EMAILS.get(role)) for role in ("ORG_A", "ORG_B", "GOVT", "SUPERADMIN")}
    clients["ANON"] = _client(None)
    failures: list[str] = []
    checked = 0

    def check(role: str, method: str, path: str, call: Call, ok: Callable[[int], bool], expect: str,
              may_change: set[str] = frozenset(), no_leak: bool = False, must_show_b: bool = False):
        nonlocal checked
        before = db_fingerprint()
        r = _send(clients[role], method, call)
        changed = set(changed_tables(before, db_fingerprint())) - set(may_change)
        where = f"{role} {method} {call.path} {call.params or ''} {call.json or ''}"
        checked += 1
        if not ok(r.status_code):
            failures.append(f"{where}: {r.status_code} (expected {expect}) {r.text[:200]}")
        if changed:
            failures.append(f"{where}: changed {sorted(changed)}")
        if no_leak and (leaked := _leaks(r.text + str(r.headers), w)):
            failures.append(f"{where}: org B's data in the answer: {leaked}")
        # B's names, or (bodies of bare figures: KPIs, CSV readings) B's rows themselves
        # (a file: the name it is served under)
        shows_b = _leaks(r.text + r.headers.get("content-disposition", ""), w) or '"items":[{' in r.text or \
            f",{w.b.plant_ids[0]}," in r.text
        if must_show_b and r.status_code == 200 and not shows_b and not call.path.endswith("types"):
            failures.append(f"{where}: positive control does not show org B's row: {r.text[:200]}")
        return r

    for (method, path), probe in sorted(MATRIX.items()):
        if probe.kind == PUBLIC:
            continue
        for call in probe.calls(w):
            # anonymous: 401 before anything else
            check("ANON", method, path, call, lambda s: s == 401, "401", no_leak=True)
            # ORG A with B's ids
            if probe.org_a == "scoped":
                check("ORG_A", method, path, call, lambda s: s == 200, "200 without B's rows", no_leak=True)
            else:
                check("ORG_A", method, path, call, lambda s, e=probe.org_a: s == e, str(probe.org_a), no_leak=True)
            if probe.kind == WRITE:
                check("GOVT", method, path, call, lambda s: s == 403, "403")
            else:
                check("GOVT", method, path, call, lambda s, e=probe.govt: s == e, str(probe.govt),
                      may_change={"audit_log"})  # every GOVT read is audited
                # positive controls: the same request reaches B's rows for B and for SUPERADMIN
                for role in ("ORG_B", "SUPERADMIN"):
                    check(role, method, path, call, lambda s: s == 200, "200",
                          must_show_b=probe.shows_b and (probe.org_a != "scoped" or role == "ORG_B"))
    # positive controls for the writes: every B id used above exists and is visible to B
    for p in (f"/api/plants/{w.b.free_plant_id}", f"/api/work-orders/{w.b.wo_id}", f"/api/alerts/{w.b.alert_id}",
              f"/api/vendors/{w.b.vendor_id}", f"/api/webhooks/{w.b.webhook_id}/deliveries"):
        assert clients["ORG_B"].get(p).status_code == 200, p
    assert checked > 150
    assert not failures, f"{len(failures)} of {checked} checks failed:\n" + "\n".join(failures[:40])


def test_a_write_by_org_b_itself_does_go_through(world):
    """The write probes are real: org B can do what A was refused (so A's 404 is about scope)."""
    c = _client(EMAILS["ORG_B"])
    w = world
    r = c.patch(f"/api/work-orders/{w.b.wo_id}/status", json={"status": "IN_PROGRESS"})
    assert r.status_code == 200, r.text
    r = c.post(f"/api/work-orders/{w.b.wo_id}/plants", json={"plant_id": w.b.free_plant_id})
    assert r.status_code == 201, r.text
    r = c.delete(f"/api/work-orders/{w.b.wo_id}/plants/{w.b.free_plant_id}")
    assert r.status_code == 200, r.text
    r = c.post("/api/work-orders", json={"title": "B's own", "plant_ids": [w.b.free_plant_id],
                                         "alert_id": w.b.alert_id})
    assert r.status_code == 201, r.text
    assert c.delete(f"/api/vendors/{w.b.vendor_id}", params={"remove_plants": "true"}).status_code in (204, 409)
    # issue 16: B works its own checklist and attachments
    assert c.put(_cl(w.b.wo_id, w.b.checklist_id, w.b.item_id), json={"result": "pass"}).status_code == 200
    r = c.post(f"/api/work-orders/{w.b.wo_id}/attachments", files={"file": ("x.png", PNG, "image/png"),
                                                                   "checklist_item_id": (None, str(w.b.item_id))})
    assert r.status_code == 201, r.text
    assert c.delete(_att(w.b.wo_id, w.b.attachment_id)).status_code == 204
    assert c.delete(_cl(w.b.wo_id, w.b.checklist_id)).status_code == 204


MANAGER_ONLY = ["POST /api/vendors", "PATCH /api/vendors/{vendor_id}", "DELETE /api/vendors/{vendor_id}",
                "POST /api/vendors/{vendor_id}/test", "POST /api/vendors/{vendor_id}/sync", "PUT /api/sla-targets"]


def _manager_only_calls(w: World) -> list[tuple[str, Call]]:
    """The manager-only routes on org A's own rows (what a technician of A is refused)."""
    v = w.a.vendor_id
    return [("POST", Call("/api/vendors", json={"name": "Tech's vendor", "vendor_type": "sungrow",
                                                "base_url": UNREACHABLE, "credentials": {
                                                    "appkey": "k", "access_key": "a", "username": "u",
                                                    "password": "p"}})),
            ("PATCH", Call(f"/api/vendors/{v}", json={"name": "Renamed by a technician"})),
            ("DELETE", Call(f"/api/vendors/{v}", {"remove_plants": "true"})),
            ("POST", Call(f"/api/vendors/{v}/test")),
            ("POST", Call(f"/api/vendors/{v}/sync")),
            ("PUT", Call("/api/sla-targets", json={"targets": [
                {"priority": "HIGH", "response_minutes": 60, "resolution_minutes": 600}]}))]


def test_a_technician_is_refused_on_manager_only_routes_and_changes_nothing(world):
    """Technicians see their organization but do not manage it: vendor writes, syncs and SLA targets answer 403
    (their own organization's rows: the refusal is about the role), nothing changes; their manager may."""
    w = world
    tech = _client(EMAILS["TECH_A"])
    calls = _manager_only_calls(w)
    assert sorted(f"{m} {c.path}".replace(str(w.a.vendor_id), "{vendor_id}") for m, c in calls) == \
        sorted(MANAGER_ONLY)
    failures = []
    for method, call in calls:
        before = db_fingerprint()
        r = _send(tech, method, call)
        changed = changed_tables(before, db_fingerprint())
        if r.status_code != 403 or changed or "Technicians cannot" not in r.text:
            failures.append(f"{method} {call.path}: {r.status_code} {r.text[:120]} changed={changed}")
    assert not failures, "\n".join(failures)
    # the reads stay open to them
    for path in ("/api/vendors", "/api/sla-targets", "/api/closure-codes", f"/api/work-orders/{w.a.wo_id}",
                 f"/api/plants/{w.a.plant_ids[0]}", f"/api/alerts/{w.a.alert_id}", "/api/dashboard"):
        assert tech.get(path).status_code == 200, path
    # and the manager's same SLA request goes through (the 403 was about the role)
    manager = _client(EMAILS["ORG_A"])
    assert _send(manager, "PUT", calls[-1][1]).status_code == 200


def test_a_technician_works_unassigned_and_own_work_orders_but_not_a_colleagues(world):
    w = world
    tech, colleague = _client(EMAILS["TECH_A"]), _client(EMAILS["TECH_A2"])
    me = tech.get("/api/me").json()
    assert me["org_role"] == "technician" and me["is_manager"] is False
    # A's work order is unassigned: the technician comments, takes it and starts it
    assert tech.post(f"/api/work-orders/{w.a.wo_id}/comments", json={"body": "On my way"}).status_code == 201
    r = tech.patch(f"/api/work-orders/{w.a.wo_id}", json={"assignee_id": me["id"]})
    assert r.status_code == 200 and r.json()["assignee"] == EMAILS["TECH_A"]
    # now it is theirs: the colleague is refused every working route, and nothing changes
    for method, call in [("PATCH", Call(f"/api/work-orders/{w.a.wo_id}/status", json={"status": "IN_PROGRESS"})),
                         ("POST", Call(f"/api/work-orders/{w.a.wo_id}/comments", json={"body": "Mine now"})),
                         ("PATCH", Call(f"/api/work-orders/{w.a.wo_id}", json={"title": "Renamed"})),
                         ("POST", Call(f"/api/work-orders/{w.a.wo_id}/plants", json={"plant_id": w.a.free_plant_id}))]:
        before = db_fingerprint()
        r = _send(colleague, method, call)
        assert r.status_code == 403 and EMAILS["TECH_A"] in r.json()["detail"], (method, call.path, r.text)
        assert changed_tables(before, db_fingerprint()) == []
    # ... but reads it (comments included)
    assert [c["body"] for c in colleague.get(f"/api/work-orders/{w.a.wo_id}/comments").json()][-1] == "On my way"
    r = tech.patch(f"/api/work-orders/{w.a.wo_id}/status", json={"status": "IN_PROGRESS"})
    assert r.status_code == 200 and r.json()["status"] == "IN_PROGRESS"
    # a technician gives no work to a colleague, and changes no priority
    colleague_id = colleague.get("/api/me").json()["id"]
    assert tech.patch(f"/api/work-orders/{w.a.wo_id}", json={"assignee_id": colleague_id}).status_code == 403
    assert tech.patch(f"/api/work-orders/{w.a.wo_id}", json={"priority": "CRITICAL"}).status_code == 403
    # a foreign work order is still 404 for a technician
    assert tech.get(f"/api/work-orders/{w.b.wo_id}").status_code == 404
    assert tech.post(f"/api/work-orders/{w.b.wo_id}/comments", json={"body": "x"}).status_code == 404


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost:3000.evil.example"])
def test_every_state_changing_route_refuses_a_foreign_origin(world, origin):
    """CSRF, generated from the route table: any unsafe method from a foreign Origin → 403, nothing changed —
    even for a SUPERADMIN session that could otherwise do it."""
    c = _client(EMAILS["SUPERADMIN"])
    unsafe = sorted((m, p) for m, p in live_routes() if m in ("POST", "PUT", "PATCH", "DELETE"))
    assert len(unsafe) >= 10
    failures = []
    for method, path in unsafe:
        probe = MATRIX[(method, path)]
        calls = probe.calls(world) or [Call(path, json={"email": EMAILS["ORG_A"], "password": PASSWORD})]
        for call in calls:
            before = db_fingerprint()
            r = c.request(method, call.path, params=call.params, json=call.json, files=call.files,
                          headers={"Origin": origin})
            changed = changed_tables(before, db_fingerprint())
            if r.status_code != 403 or changed:
                failures.append(f"{method} {call.path}: {r.status_code} changed={changed}")
    assert not failures, "\n".join(failures)
    # the same session with its own origin is accepted (the refusal is about the origin)
    assert c.post(f"/api/work-orders/{world.b.wo_id}/plants", json={"plant_id": world.b.free_plant_id},
                  headers={"Origin": BASE}).status_code == 201
