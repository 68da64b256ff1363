"""Job selection: the startup sync of every vendor the scheduler syncs. Which vendors those are and how often each
is synced are answered by services (``services.sync.schedule``: ``schedulable_vendors``, ``tick_intervals``); the
scheduler holds no SQL."""
from __future__ import annotations

import asyncio
from typing import Any

from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.core.errors import Conflict
from woms_app.models.enums import SyncKind, SyncTrigger
from woms_app.services.sync import SyncResult, sync_vendor
from woms_app.services.sync.schedule import schedulable_vendors


async def sync_all(trigger: SyncTrigger = SyncTrigger.SCHEDULE, kind: SyncKind = SyncKind.FULL,
                   **kwargs: Any) -> list[SyncResult]:
    """Sync every schedulable vendor, concurrently (each within its own request budget)."""
    with main_session(SYSTEM_CONTEXT) as session:
        ids = [v.id for v in schedulable_vendors(session)]

    async def one(vid: int) -> SyncResult | None:
        try:
            return await sync_vendor(vid, trigger=trigger, kind=kind, **kwargs)
        except Conflict:
            return None

    results = await asyncio.gather(*(one(v) for v in ids))
    return [r for r in results if r is not None]
