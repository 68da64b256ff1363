"""A vendor alarm raised at the (emulated) vendor → after the next sync, one e-mail to each opted-in account of
the plant's organization (a real SMTP server) and one signed webhook (a real receiver), written with the alert."""
from __future__ import annotations

import email.utils

import sqlalchemy as sa
from sqlmodel import select

from tests.notify_servers import receiver, smtp  # noqa: F401  (fixtures)
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import Account, Alert, EventKind, OutboxMessage, Plant
from woms_app.services.notifications import deliver, prefs, webhooks
from woms_app.services.sync import sync_vendor
from woms_app.services.viewer import SYSTEM


async def test_a_new_critical_alert_from_a_sync_is_mailed_and_posted_once(vendors, live, smtp, receiver):  # noqa: F811
    sm = vendors["solarman"]
    await sync_vendor(sm)
    with main_session(SYSTEM_CONTEXT) as s:
        plant = s.exec(select(Plant).where(Plant.vendor_id == sm, Plant.external_id == "61200002")).one()
        org_id, plant_name = plant.org_id, plant.name
        view, receiver.secret = webhooks.create_webhook(s, SYSTEM, receiver.url, org_id=org_id)
        people = s.exec(select(Account).where(Account.org_id == org_id, Account.is_active)).all()
        emails = sorted(a.email for a in people)  # every account: new critical alerts are e-mailed by default
        assert prefs.default_pref(EventKind.ALERT_NEW).email
    with main_session(SYSTEM_CONTEXT) as s:  # whatever the first sync brought (the emulator's own alarms) is old
        s.execute(sa.delete(OutboxMessage))

    live.admin("POST", "/alerts", json={"vendor": "solarman", "plant_id": 61200002, "severity": "critical",
                                        "name": "Injected Arc Fault"})
    r = await sync_vendor(sm)
    assert r.alerts.new == 1
    with main_session(SYSTEM_CONTEXT) as s:
        alert = s.exec(select(Alert).where(Alert.title == "Injected Arc Fault")).one()
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.event_key == f"alert:{alert.id}")).all()
        assert len(s.exec(select(OutboxMessage)).all()) == len(rows)
    assert sorted(r.channel.value for r in rows) == ["email"] * len(emails) + ["webhook"]

    result = await deliver.run_delivery()
    assert result.sent == len(rows)
    got = sorted(email.utils.parseaddr(m["To"])[1] for m in smtp.messages)
    assert got == emails and emails
    assert all(m["Subject"] == f"[WOMS] Critical alert at {plant_name}: Injected Arc Fault" for m in smtp.messages)
    assert list(receiver.received) == [f"alert:{alert.id}:webhook:webhook:{view.id}"]
    assert receiver.bad_signatures == 0
    r = await sync_vendor(sm)  # the same alert again: no new notification
    assert r.alerts.new == 0 and (await deliver.run_delivery()).claimed == 0
