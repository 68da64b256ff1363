"""A run's cost against the vendor's call allowance: what a run does (``RunShape``), the allowance of the current
period, the vendor's polling plan, and the calls a finished run adds to the period's count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.models.enums import SyncKind
from woms_app.models.plant import Plant
from woms_app.models.vendor import Vendor
from woms_app.services import quota
from woms_app.vendors.metering import VendorAllowance


@dataclass(frozen=True)
class RunShape:
    """What a run does (the parts the planner schedules separately)."""

    lists: bool
    power: bool
    frames: bool
    alerts: bool


def run_shape(kind: SyncKind, lists: bool | None = None, power: bool = False, frames: bool | None = None) -> RunShape:
    telemetry = kind in (SyncKind.FULL, SyncKind.TELEMETRY)
    return RunShape(lists=(kind in (SyncKind.FULL, SyncKind.TELEMETRY, SyncKind.PLANTS)) if lists is None else lists,
                    power=power, frames=telemetry if frames is None else (frames and telemetry),
                    alerts=kind in (SyncKind.FULL, SyncKind.ALERTS))


def vendor_allowance(vendor: Vendor, now: datetime) -> quota.Allowance:
    """The vendor's allowance for the period containing ``now`` (calls used reset when a new period began)."""
    period = vendor.quota_period if vendor.quota_period in quota.PERIODS else "year"
    start, end = quota.period_bounds(period, now, vendor.quota_period_start)
    since = vendor.quota_used_since
    used = int(vendor.quota_calls_used or 0) if since is not None and since >= start else 0
    return quota.Allowance(calls=vendor.quota_calls, period=period, used=used, period_start=start, period_end=end)


def _locations(plants: list[Plant]) -> list[tuple[float | None, float | None]]:
    return [(p.latitude, p.longitude) for p in plants]


def vendor_plan(vendor: Vendor, plants: list[Plant], now: datetime) -> tuple[quota.Allowance, quota.Plan]:
    allowance = vendor_allowance(vendor, now)
    return allowance, quota.plan(allowance, len(plants), quota.costs_for(vendor.vendor_type), now,
                                 latitudes=[p.latitude for p in plants],
                                 defaults=(float(vendor.poll_interval_s), float(vendor.alert_interval_s)))


def _count_plants(session: Session, vendor_id: int) -> int:
    return int(session.exec(select(sa.func.count()).select_from(Plant).where(Plant.vendor_id == vendor_id)).one())


def _record_calls(session: Session, vendor: Vendor, calls: int, reported: VendorAllowance | None, now: datetime,
                  shape: RunShape | None, ok_parts: set[str]) -> None:
    """Add a run's calls to the vendor's period count; take the vendor's own figure when it gave one."""
    row = session.get(Vendor, vendor.id)
    if row is None:
        return
    allowance = vendor_allowance(row, now)
    used = allowance.used + max(0, calls)
    if reported is not None:
        if reported.period in quota.PERIODS and reported.limit is not None:
            row.quota_period = reported.period
            allowance = vendor_allowance(row, now)
        if reported.limit is not None and reported.used is not None:  # Sungrow: limit and used per day
            row.quota_calls, used, row.quota_source = int(reported.limit), int(reported.used), "vendor"
        elif reported.remaining is not None:  # SOLARMAN: only what is left
            if row.quota_calls is not None and row.quota_source == "configured":
                used = max(0, int(row.quota_calls) - int(reported.remaining))
            else:
                row.quota_calls, row.quota_source = used + int(reported.remaining), "vendor"
        row.quota_checked_at = now
    row.quota_calls_used = used
    row.quota_used_since = allowance.period_start
    if shape is not None:
        if "lists" in ok_parts:
            row.lists_refreshed_at = now
        if "power" in ok_parts:
            row.power_polled_at = now
        if "frames" in ok_parts:
            row.frames_synced_at = now
    session.add(row)
