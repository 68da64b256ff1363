"""state/sync_now.py: the one lifecycle of a page's "Sync now" (progress, refusal, failure, a logout meanwhile)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from woms_app.core.errors import Conflict, WomsError
from woms_app.models.enums import SyncStatus, SyncTrigger
from woms_app.state import sync_now


class FakeState:
    """The hooks a page's state gives run_manual_sync, recording what they were told."""

    def __init__(self) -> None:
        self._session_binding = "s1"
        self.calls: list[tuple] = []
        self.locked = False

    async def __aenter__(self):
        assert not self.locked
        self.locked = True
        return self

    async def __aexit__(self, *exc):
        self.locked = False

    def _sync_progress(self, done, total):
        assert self.locked
        self.calls.append(("progress", done, total))

    def _sync_stopped(self, refused):
        assert self.locked
        self.calls.append(("stopped", refused))

    def _sync_finished(self, result):
        assert self.locked
        self.calls.append(("finished", result.status))
        return f": {result.plants_done} plants"


def _sync(monkeypatch, *, raises=None, status=SyncStatus.SUCCEEDED, logout_during=None):
    seen = {}

    async def fake_sync_vendor(vendor_id, *, viewer, trigger, progress):
        seen.update(vendor_id=vendor_id, viewer=viewer, trigger=trigger)
        await progress(SimpleNamespace(plants_done=1, plants_failed=1, plants_total=5))
        if logout_during is not None:
            logout_during._session_binding = "ended"
        if raises is not None:
            raise raises
        return SimpleNamespace(status=status, error="vendor said no", plants_done=5)

    monkeypatch.setattr(sync_now.sync_service, "sync_vendor", fake_sync_vendor)
    return seen


async def _run(state, then=()):
    return [e async for e in sync_now.run_manual_sync(state, 7, "Roof", "viewer", "s1", then=then)]


def _toast(event) -> str:
    return repr(event)


async def test_a_run_shows_progress_then_its_outcome_and_the_following_events(monkeypatch):
    state = FakeState()
    seen = _sync(monkeypatch)
    events = await _run(state, then=["reload-chart"])
    assert seen == {"vendor_id": 7, "viewer": "viewer", "trigger": SyncTrigger.MANUAL}
    assert state.calls == [("progress", 2, 5), ("finished", SyncStatus.SUCCEEDED)]
    assert len(events) == 2 and "Sync of Roof finished: 5 plants" in _toast(events[0]) and events[1] == "reload-chart"


async def test_a_failed_run_says_its_status_and_error(monkeypatch):
    state = FakeState()
    _sync(monkeypatch, status=SyncStatus.FAILED)
    events = await _run(state)
    assert state.calls[-1] == ("finished", SyncStatus.FAILED)
    assert len(events) == 1 and "Sync of Roof failed: vendor said no" in _toast(events[0])
    assert '"error"' in _toast(events[0])


@pytest.mark.parametrize(("exc", "refused"), [(Conflict("A sync of Roof is already running"), True),
                                              (WomsError("Vendor not found"), False)])
async def test_a_run_that_did_not_happen(monkeypatch, exc, refused):
    state = FakeState()
    _sync(monkeypatch, raises=exc)
    events = await _run(state, then=["reload-chart"])
    assert state.calls == [("progress", 2, 5), ("stopped", refused)]
    assert len(events) == 1 and exc.message in _toast(events[0])  # no following events
    assert ('"warning"' if refused else '"error"') in _toast(events[0])


async def test_after_a_logout_nothing_more_is_written_or_said(monkeypatch):
    state = FakeState()
    _sync(monkeypatch, logout_during=state)
    assert await _run(state, then=["reload-chart"]) == []
    assert state.calls == [("progress", 2, 5)]
    state = FakeState()
    _sync(monkeypatch, raises=Conflict("busy"), logout_during=state)
    assert await _run(state) == [] and state.calls == [("progress", 2, 5)]
