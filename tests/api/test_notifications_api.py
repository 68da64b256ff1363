"""/api/me/notification-prefs and /api/webhooks through the app: who may do what, clear refusals that change
nothing, the secret shown once and never again (responses, logs, audit), the test event and the delivery log."""
from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import select

from tests.api.conftest import login
from tests.notify_servers import receiver  # noqa: F401  (fixture)
from woms_app.core.config import reset_settings
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import AuditLog, OutboxMessage, WebhookEndpoint
from woms_app.services.notifications import deliver

SUNRISE, HELIOS, GOVT, ADMIN = "ops@sunrise.demo.woms", "ops@helios.demo.woms", "govt@demo.woms", "admin@demo.woms"


def test_prefs_read_defaults_and_save(client):
    assert login(client, SUNRISE).status_code == 200
    r = client.get("/api/me/notification-prefs")
    assert r.status_code == 200
    got = {p["event_kind"]: p for p in r.json()}
    assert list(got) == ["alert.new", "wo.assigned", "wo.sla_due_soon", "wo.sla_breached", "wo.done"]
    assert got["alert.new"] == {"event_kind": "alert.new", "label": "New alert", "in_app": True, "email": True,
                                "min_severity": "major", "default": True}
    r = client.put("/api/me/notification-prefs", json={"items": [
        {"event_kind": "alert.new", "in_app": True, "email": True, "min_severity": "critical"},
        {"event_kind": "wo.done", "in_app": False, "email": True}]})
    assert r.status_code == 200, r.text
    got = {p["event_kind"]: p for p in client.get("/api/me/notification-prefs").json()}
    assert got["alert.new"]["min_severity"] == "critical" and not got["alert.new"]["default"]
    assert (got["wo.done"]["in_app"], got["wo.done"]["email"]) == (False, True)
    assert got["wo.assigned"]["default"]
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.exec(select(AuditLog).where(AuditLog.action == "notification_prefs.update")).one()


@pytest.mark.parametrize("item, field", [
    ({"event_kind": "alert.bogus", "in_app": True, "email": True}, "event_kind"),
    ({"event_kind": "webhook.test", "in_app": True, "email": True}, "event_kind"),
    ({"event_kind": "alert.new", "in_app": True, "email": True, "min_severity": "huge"}, "min_severity"),
    ({"event_kind": "wo.done", "in_app": True, "email": True, "min_severity": "major"}, "min_severity"),
])
def test_bad_prefs_are_422_and_change_nothing(client, item, field):
    login(client, SUNRISE)
    before = client.get("/api/me/notification-prefs").json()
    r = client.put("/api/me/notification-prefs", json={"items": [item]})
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert client.get("/api/me/notification-prefs").json() == before


def test_prefs_are_for_accounts_of_an_organization(client):
    login(client, GOVT)
    assert client.get("/api/me/notification-prefs").status_code == 200
    body = {"items": [{"event_kind": "wo.done", "in_app": True, "email": True}]}
    assert client.put("/api/me/notification-prefs", json=body).status_code == 403
    login(client, ADMIN)
    r = client.put("/api/me/notification-prefs", json=body)
    assert r.status_code == 403 and "organization" in r.json()["detail"]


def test_webhook_secret_is_shown_once_and_never_again(client, receiver, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    login(client, SUNRISE)
    r = client.post("/api/webhooks", json={"url": receiver.url, "description": "PagerDuty bridge"})
    assert r.status_code == 201, r.text
    created = r.json()
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    receiver.secret = secret
    hook_id = created["id"]
    answers = [client.get("/api/webhooks"), client.post(f"/api/webhooks/{hook_id}/test")]
    asyncio.run(deliver.run_delivery())
    answers.append(client.get(f"/api/webhooks/{hook_id}/deliveries"))
    assert all(a.status_code in (200, 202) for a in answers)
    assert [h["url"] for h in answers[0].json()] == [receiver.url]
    assert "secret" not in answers[0].json()[0]
    log = answers[2].json()
    assert [(d["event_kind"], d["status"], d["attempts"]) for d in log] == [("webhook.test", "sent", 1)]
    assert list(receiver.received) == [r["headers"]["Idempotency-Key"] for r in receiver.requests]
    assert receiver.bad_signatures == 0
    for a in answers:
        assert secret not in a.text and secret not in str(a.headers)
    assert secret not in caplog.text
    with main_session(SYSTEM_CONTEXT) as s:
        assert all(secret not in (a.detail or "") for a in s.exec(select(AuditLog)).all())
        stored = s.get(WebhookEndpoint, hook_id)
        assert secret not in stored.secret_encrypted  # encrypted at rest
        assert all(secret not in str(m.payload) for m in s.exec(select(OutboxMessage)).all())
    # deleting it takes its log along; a second delete is 404
    assert client.delete(f"/api/webhooks/{hook_id}").status_code == 204
    assert client.delete(f"/api/webhooks/{hook_id}").status_code == 404
    assert client.get("/api/webhooks").json() == []


@pytest.mark.parametrize("url, words", [
    ("ftp://example.org/hook", "http(s) address"), ("https://example.org/hook?token=1", "query"),
    ("https://user:pw@example.org/", "user name or password"), ("https://exa mple.org/", "control characters"),
])
def test_bad_webhook_urls_are_422(client, url, words):
    login(client, SUNRISE)
    r = client.post("/api/webhooks", json={"url": url})
    assert r.status_code == 422 and words in r.json()["detail"] and r.json()["field"] == "url"
    assert client.get("/api/webhooks").json() == []


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("WOMS_ALLOW_PRIVATE_VENDOR_URLS", "false")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://10.0.0.5/hook", "http://localhost/h",
                                 "http://169.254.169.254/latest/meta-data"])
def test_a_private_webhook_url_is_refused_outside_demo_mode(client, production, url):
    login(client, SUNRISE)
    r = client.post("/api/webhooks", json={"url": url})
    assert r.status_code == 422 and "private or local network" in r.json()["detail"]
    assert client.get("/api/webhooks").json() == []


def test_a_name_that_turns_private_is_refused_at_connect_time(client, receiver, monkeypatch):  # noqa: F811
    """Saved while private targets were allowed (or while its name resolved elsewhere): the delivery refuses
    to connect once they are not, and says why in the log."""
    login(client, SUNRISE)
    hook_id = client.post("/api/webhooks", json={"url": receiver.url}).json()["id"]
    client.post(f"/api/webhooks/{hook_id}/test")
    monkeypatch.setenv("WOMS_ALLOW_PRIVATE_VENDOR_URLS", "false")
    reset_settings()
    try:
        asyncio.run(deliver.run_delivery())
    finally:
        monkeypatch.undo()
        reset_settings()
    (d,) = client.get(f"/api/webhooks/{hook_id}/deliveries").json()
    assert d["status"] == "failed" and "private or local network" in d["last_error"]
    assert receiver.requests == []


def test_who_manages_webhooks(client, receiver):  # noqa: F811
    login(client, GOVT)
    assert client.get("/api/webhooks").status_code == 403
    assert client.post("/api/webhooks", json={"url": receiver.url}).status_code == 403
    login(client, ADMIN)
    r = client.post("/api/webhooks", json={"url": receiver.url})
    assert r.status_code == 422 and r.json()["field"] == "org_id"  # a super admin names the organization
    with main_session(SYSTEM_CONTEXT) as s:
        from tests import factories

        helios = factories.org_named(s, "Helios Power").id
    r = client.post("/api/webhooks", json={"url": receiver.url, "org_id": helios})
    assert r.status_code == 201 and r.json()["org_id"] == helios
    login(client, SUNRISE)  # another organization's webhook: not found, everywhere
    hid = r.json()["id"]
    assert client.get("/api/webhooks").json() == []
    for method, path in (("DELETE", f"/api/webhooks/{hid}"), ("POST", f"/api/webhooks/{hid}/test"),
                         ("GET", f"/api/webhooks/{hid}/deliveries")):
        assert client.request(method, path).status_code == 404
    login(client, HELIOS)
    assert [h["id"] for h in client.get("/api/webhooks").json()] == [hid]
