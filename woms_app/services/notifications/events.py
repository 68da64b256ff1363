"""The notification hooks other services call, each in its caller's transaction.

``new_alerts``: the vendor alert sync's new rows → one ``alert.new`` event per alert (event key
``alert:<id>``). Only alerts still active and started within ``ALERT_NEWS_MAX_AGE``: the first sync of a vendor
brings its last days of history, which is not news to anyone.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from woms_app.models.notification import EventKind
from woms_app.services.notifications.outbox import enqueue

ALERT_NEWS_MAX_AGE = timedelta(hours=6)


def alert_payload(alert_id: int, row: dict[str, Any], plant_name: str) -> dict[str, Any]:
    severity = getattr(row["severity"], "value", row["severity"])
    started = row["started_at"]
    return {"title": f"{str(severity).capitalize()} alert at {plant_name}: {row['title']}"[:300],
            "alert_id": alert_id, "severity": severity, "plant_id": row["plant_id"], "plant_name": plant_name,
            "alert_title": row["title"], "vendor_code": row.get("vendor_code", ""),
            "category": row.get("category", ""), "message": (row.get("message") or "")[:500],
            "started_at": started.isoformat() if isinstance(started, datetime) else str(started)}


def new_alerts(session: Session, alerts: Iterable[tuple[int, dict[str, Any], str]], now: datetime) -> int:
    """``alerts``: (alert id, the inserted row's values, plant name). Returns the outbox rows written."""
    written = 0
    for alert_id, row, plant_name in alerts:
        if getattr(row["status"], "value", row["status"]) != "ACTIVE" or row["started_at"] < now - ALERT_NEWS_MAX_AGE:
            continue
        written += enqueue(session, EventKind.ALERT_NEW, row["org_id"], f"alert:{alert_id}",
                           alert_payload(alert_id, row, plant_name))
    return written
