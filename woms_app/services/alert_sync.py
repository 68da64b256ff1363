"""Alert upsert from a vendor sync: dedupe by (vendor, external id), resolve what the vendor cleared,
link new alerts of plants on an active work order to that work order."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.upsert import insert_for
from woms_app.models.alert import Alert
from woms_app.models.enums import ACTIVE_WORK_ORDER_STATUSES, AlertSeverity, AlertStatus
from woms_app.models.plant import Plant
from woms_app.models.vendor import Vendor
from woms_app.models.work_order import WorkOrder, WorkOrderEvent, WorkOrderPlant
from woms_app.services.notifications import events as notify_events

UPDATABLE = ("title", "message", "vendor_code", "severity", "category", "status", "started_at", "resolved_at")


@dataclass
class AlertCounts:
    new: int = 0
    updated: int = 0
    resolved: int = 0
    linked: int = 0

    @property
    def changed(self) -> int:
        return self.new + self.updated + self.resolved


def active_work_orders(session: Session, plant_ids: Sequence[int]) -> dict[int, int]:
    """plant id → id of its active work order (at most one per plant: the database rule)."""
    if not plant_ids:
        return {}
    rows = session.exec(select(WorkOrderPlant.plant_id, WorkOrderPlant.work_order_id)
                        .join(WorkOrder, WorkOrder.id == WorkOrderPlant.work_order_id)
                        .where(WorkOrderPlant.plant_id.in_(list(plant_ids)), WorkOrderPlant.is_active,
                               WorkOrder.status.in_(ACTIVE_WORK_ORDER_STATUSES))).all()
    return {pid: wid for pid, wid in rows}


def _severity(value: str) -> AlertSeverity:
    try:
        return AlertSeverity(str(value).lower())
    except ValueError:
        return AlertSeverity.MINOR


def apply_alerts(session: Session, vendor: Vendor, plants_by_ext: dict[str, Plant], alerts: Sequence,
                 now: datetime) -> AlertCounts:
    """Upsert ``alerts`` (NormalizedAlert records) of the plants in ``plants_by_ext``.

    An ACTIVE alert of one of those plants that the vendor no longer reports is resolved now.
    Only changed rows are written, so a re-run changes nothing.
    """
    counts = AlertCounts()
    incoming: dict[str, dict] = {}
    guessed: set[str] = set()  # resolved without a vendor time: resolved_at = first time we saw it
    for a in alerts:
        plant = plants_by_ext.get(str(a.plant_external_id))
        if plant is None:
            continue
        status = AlertStatus.RESOLVED if str(a.status).upper() == "RESOLVED" else AlertStatus.ACTIVE
        incoming[str(a.external_id)[:120]] = {
            "org_id": plant.org_id, "plant_id": plant.id, "vendor_id": vendor.id,
            "external_id": str(a.external_id)[:120], "title": (a.title or "Alert")[:300], "message": a.message or "",
            "vendor_code": (a.vendor_code or "")[:60], "severity": _severity(a.severity),
            "category": (a.category or "")[:60], "status": status, "started_at": a.started_at or now,
            "resolved_at": (a.resolved_at or now) if status == AlertStatus.RESOLVED else None,
        }
        if status == AlertStatus.RESOLVED and a.resolved_at is None:
            guessed.add(str(a.external_id)[:120])
    plant_ids = [p.id for p in plants_by_ext.values()]
    existing_rows = session.exec(select(Alert).where(
        Alert.vendor_id == vendor.id,
        sa.or_(Alert.external_id.in_(list(incoming)) if incoming else sa.false(),
               sa.and_(Alert.status == AlertStatus.ACTIVE, Alert.plant_id.in_(plant_ids))))).all()
    existing = {a.external_id: a for a in existing_rows}

    new_rows = [row for ext, row in incoming.items() if ext not in existing]
    if new_rows:
        wos = active_work_orders(session, list({r["plant_id"] for r in new_rows}))
        for r in new_rows:
            r["work_order_id"] = wos.get(r["plant_id"])
            r["created_at"] = r["updated_at"] = now
        table = Alert.__table__
        stmt = insert_for(session, table).on_conflict_do_nothing(
            index_elements=[table.c.vendor_id, table.c.external_id])
        session.execute(stmt, new_rows)
        counts.new = len(new_rows)
        ids = dict(session.exec(select(Alert.external_id, Alert.id).where(
            Alert.vendor_id == vendor.id, Alert.external_id.in_([r["external_id"] for r in new_rows]))).all())
        names = {p.id: p.name for p in plants_by_ext.values()}
        # the notifications of the new alerts commit with them (the outbox)
        notify_events.new_alerts(session, [(ids[r["external_id"]], r, names.get(r["plant_id"], ""))
                                           for r in new_rows if r["external_id"] in ids], now)
        linked = [r for r in new_rows if r["work_order_id"]]
        if linked:
            for r in linked:
                session.add(WorkOrderEvent(work_order_id=r["work_order_id"], at=now, kind="alert_linked",
                                           note=f"Alert #{ids.get(r['external_id'])} linked: {r['title']}"[:500]))
                feed.publish_after_commit(session, r["org_id"], feed.WORK_ORDERS)
            counts.linked = len(linked)

    updates = []
    for ext, alert in existing.items():
        row = incoming.get(ext)
        if row is None:
            if alert.status == AlertStatus.ACTIVE:  # the vendor cleared it
                updates.append({"id": alert.id, "status": AlertStatus.RESOLVED, "resolved_at": now, "updated_at": now})
                counts.resolved += 1
            continue
        diff = {k: row[k] for k in UPDATABLE if getattr(alert, k) != row[k]
                and not (k == "resolved_at" and ext in guessed and alert.resolved_at is not None)}
        if diff:
            diff.update(id=alert.id, updated_at=now)
            updates.append(diff)
            if diff.get("status") == AlertStatus.RESOLVED:
                counts.resolved += 1
            else:
                counts.updated += 1
    for upd in updates:  # few rows; one UPDATE each keeps per-row column sets simple
        session.execute(sa.update(Alert).where(Alert.id == upd["id"]).values(
            **{k: v for k, v in upd.items() if k != "id"}))
    if counts.changed:
        feed.publish_after_commit(session, vendor.org_id, feed.ALERTS)
    return counts
