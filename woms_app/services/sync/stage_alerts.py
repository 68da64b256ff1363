"""Stage 3 of a run, alerts: the vendor's alerts since the oldest still-active one (at least ``ALERT_LOOKBACK``,
at most ``MAX_ALERT_LOOKBACK`` back), upserted by (vendor, external id) (``services.alert_sync.apply_alerts``).
A vendor error here fails the run's alerts only (the telemetry stays stored); an auth failure stops the run."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import select

from woms_app.core.db import main_session
from woms_app.models.plant import Plant
from woms_app.models.vendor import Vendor
from woms_app.services.alert_sync import AlertCounts, apply_alerts
from woms_app.services.sync.run import RunState, _short
from woms_app.vendors import VendorAuthError, VendorError

ALERT_LOOKBACK = timedelta(hours=48)
MAX_ALERT_LOOKBACK = timedelta(days=30)


async def sync_alerts(run: RunState) -> None:
    if not (run.shape.alerts and run.plants):
        return
    plants, result = run.plants, run.result
    await run.report("alerts")
    since = await asyncio.to_thread(_alert_since, run.vendor.id, run.now)
    try:
        alerts = await run.adapter.get_alerts([p for p in plants if p.external_id not in run.zone_errors], since)
    except VendorAuthError:
        raise
    except VendorError as exc:
        result.error = f"alerts: {_short(exc)}"
    else:
        async with run.db_lock:
            result.alerts = await asyncio.to_thread(_store_alerts, run.vendor, plants, alerts, run.now)


def _store_alerts(vendor: Vendor, plants: list[Plant], alerts: list, now: datetime) -> AlertCounts:
    with main_session() as session:
        rows = session.exec(select(Plant).where(Plant.id.in_([p.id for p in plants]))).all()
        return apply_alerts(session, vendor, {p.external_id: p for p in rows}, alerts, now)


def _alert_since(vendor_id: int, now: datetime) -> datetime:
    from woms_app.models.alert import Alert
    from woms_app.models.enums import AlertStatus

    with main_session() as session:
        oldest_active = session.exec(select(sa.func.min(Alert.started_at)).where(
            Alert.vendor_id == vendor_id, Alert.status == AlertStatus.ACTIVE)).one()
    since = now - ALERT_LOOKBACK
    if oldest_active is not None:
        from woms_app.services.telemetry import _as_utc

        since = min(since, max(_as_utc(oldest_active), now - MAX_ALERT_LOOKBACK))
    return since
