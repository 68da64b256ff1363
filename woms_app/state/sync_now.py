""""Sync now" from a page (the vendors list, a plant's page): one manual run of a vendor's sync, written once.

``run_manual_sync`` is the body of a background handler (``@rx.event(background=True)``) after it has marked the
run as started under ``async with self``: it runs the same sync service as the scheduler, shows progress, and
after every wait checks that the tab's tree still belongs to the login session it started for (a logout
discards the tree while the sync runs: then nothing more is written to it). What a page shows is its own, through
three hooks of the state:

* ``_sync_progress(done, total)`` — plants finished of the run's plants (under the state lock);
* ``_sync_stopped(refused)`` — the run did not happen: ``refused`` when another run of the vendor holds it
  (Conflict), else the service refused or failed (any other ``WomsError``);
* ``_sync_finished(result)`` — the run ended; returns what the success toast adds after "Sync of <vendor>
  finished" ("" for nothing).

Then the toast ("… finished…" or "Sync of <vendor> <status>: <error>") and the events of ``then``.

The hooks run under the state lock, in a worker thread (they re-query the page: database work).
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

import reflex as rx

from woms_app.core.errors import Conflict, WomsError
from woms_app.models.enums import SyncStatus, SyncTrigger
from woms_app.services import sync as sync_service
from woms_app.services.viewer import Viewer


class ManualSyncState(Protocol):
    _session_binding: str

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc: object) -> None: ...

    def _sync_progress(self, done: int, total: int) -> None: ...

    def _sync_stopped(self, refused: bool) -> None: ...

    def _sync_finished(self, result: sync_service.SyncResult) -> str: ...


async def run_manual_sync(state: ManualSyncState, vendor_id: int, vendor_name: str, viewer: Viewer, binding: str,
                          then: Sequence[Any] = ()) -> AsyncIterator[Any]:
    """Run the vendor's sync for ``viewer``; yields the toasts (``async for event in …: yield event``)."""

    async def progress(p: sync_service.SyncProgress) -> None:
        async with state:
            if state._session_binding == binding:
                state._sync_progress(p.plants_done + p.plants_failed, p.plants_total)

    try:
        result = await sync_service.sync_vendor(vendor_id, viewer=viewer, trigger=SyncTrigger.MANUAL,
                                                progress=progress)
    except WomsError as exc:
        refused = isinstance(exc, Conflict)
        async with state:
            if state._session_binding != binding:
                return
            await asyncio.to_thread(state._sync_stopped, refused)
        yield rx.toast.warning(exc.message) if refused else rx.toast.error(exc.message)
        return
    async with state:
        if state._session_binding != binding:
            return
        detail = await asyncio.to_thread(state._sync_finished, result)
    if result.status == SyncStatus.SUCCEEDED:
        yield rx.toast.success(f"Sync of {vendor_name} finished{detail}")
    else:
        yield rx.toast.error(f"Sync of {vendor_name} {result.status.value}: {result.error}")
    for event in then:
        yield event
