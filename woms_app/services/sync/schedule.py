"""What the scheduler needs to know of the vendors: which it syncs (``schedulable_vendors``) and how often
(``tick_intervals``, from the vendor's polling plan: ``services.quota`` through ``vendor_plan``).

The queries and the plan live here, in services; the scheduler (scheduler/runner.py, scheduler/selection.py) asks
and schedules, and holds no SQL."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.models.enums import VendorStatus
from woms_app.models.org import Organization
from woms_app.models.plant import Plant
from woms_app.models.vendor import Vendor
from woms_app.services import quota
from woms_app.services.sync.allowance import vendor_plan

SCHEDULABLE = (VendorStatus.ACTIVE, VendorStatus.FAILING)


def schedulable_vendors(session: Session) -> list[Vendor]:
    """Vendors the scheduler syncs: of organizations with auto-sync on, not paused / needing credentials."""
    return list(session.exec(select(Vendor).join(Organization, Organization.id == Vendor.org_id)
                             .where(Organization.auto_sync_enabled, Vendor.status.in_(SCHEDULABLE))
                             .order_by(Vendor.id)).all())


def tick_intervals(session: Session, vendor: Vendor, now: datetime | None = None) -> tuple[float, float]:
    """(telemetry tick, alert interval) of a vendor's scheduler jobs at its current plan."""
    now = now or utcnow()
    plants = list(session.exec(select(Plant).where(Plant.vendor_id == vendor.id)).all())
    allowance, plan = vendor_plan(vendor, plants, now)
    if allowance.calls is not None:  # a planned vendor: a tick a minute asks what is due (plans change hourly)
        return quota.TICK_S, float(plan.alerts_interval_s or quota.DAY_S)
    steps = [x for x in (plan.power_interval_s, plan.frames_interval_s) if x]
    tick = min(steps) if steps else (plan.lists_interval_s or 3600.0)
    return float(tick), float(plan.alerts_interval_s or quota.DAY_S)
