"""How fresh the viewer's plants' data is (fresh / stale / offline / no data): per plant, and counted for a fleet in
the database. The rule itself is the sync service's (``services.telemetry.freshness``)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import case, func
from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.models.enums import Freshness
from woms_app.models.plant import Plant
from woms_app.models.vendor import Vendor
from woms_app.services import telemetry
from woms_app.services.viewer import Viewer, org_filter
from woms_app.services.zones import scope_zones

DEFAULT_POLL_S = 300


def plant_freshness(plant: Plant, poll_interval_s: int | None, now: datetime | None = None) -> Freshness:
    """The sync service's rule (services.telemetry.freshness), with the default poll interval as fallback."""
    return telemetry.freshness(plant, int(poll_interval_s or DEFAULT_POLL_S), now)


def freshness_for(main: Session, plants: list[Plant], now: datetime | None = None) -> dict[int, Freshness]:
    """Freshness of already-scoped plants (one query for their vendors' poll intervals)."""
    vendor_ids = {p.vendor_id for p in plants}
    polls = dict(main.exec(select(Vendor.id, Vendor.poll_interval_s).where(Vendor.id.in_(vendor_ids))).all()) \
        if vendor_ids else {}
    now = now or utcnow()
    return {p.id: plant_freshness(p, polls.get(p.vendor_id), now) for p in plants}


def freshness_counts(main: Session, viewer: Viewer, now: datetime | None = None,
                     zones: Iterable[str] | None = None) -> dict[str, int]:
    """How many of the viewer's plants are fresh / stale / offline / without data: ``telemetry.freshness``
    counted in the database (the daylight rule as SQL: ``telemetry.daylight_clause``), one aggregate per
    distinct poll interval — no plant row is loaded, whatever the hour (at night most plants are stale, and the
    per-plant rule used to run for each of them). ``zones``: the plants' zones when the caller has them."""
    counts = {f.value: 0 for f in Freshness}
    now = now or utcnow()
    scope = org_filter(viewer, Plant.org_id)
    if zones is None:
        zones = list(scope_zones(main, viewer))
    daylight = telemetry.daylight_clause(zones, now)
    offline_before = now - telemetry.OFFLINE_AFTER
    one = lambda cond: func.coalesce(func.sum(case((cond, 1), else_=0)), 0)  # noqa: E731
    polls = main.exec(select(Vendor.poll_interval_s).distinct().select_from(Plant)
                      .join(Vendor, Vendor.id == Plant.vendor_id).where(scope)).all()
    for poll in polls:
        cutoff = now - timedelta(seconds=2 * int(poll or DEFAULT_POLL_S))  # telemetry.freshness: age ≤ 2× poll
        same_poll = Vendor.poll_interval_s.is_(None) if poll is None else Vendor.poll_interval_s == poll
        last = Plant.last_reading_at
        older = sa.and_(last.is_not(None), last < cutoff)
        offline = sa.and_(older, last < offline_before, daylight)
        no_data, fresh, old, off = main.exec(
            select(one(last.is_(None)), one(last >= cutoff), one(older), one(offline)).select_from(Plant)
            .join(Vendor, Vendor.id == Plant.vendor_id).where(scope, same_poll)).one()
        counts[Freshness.NO_DATA.value] += int(no_data)
        counts[Freshness.FRESH.value] += int(fresh)
        counts[Freshness.OFFLINE.value] += int(off)
        counts[Freshness.STALE.value] += int(old) - int(off)
    return counts
