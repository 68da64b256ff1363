"""Live updates in the browser (DESIGN.md §8): the Reflex side of the change feed.

* ``LiveState.link`` — put it in a page's ``on_load`` after ``AuthState.guard``: it resolves the viewer
  from the session and registers this client's token under the one channel the server derives for it
  ("org<id>" for an organization, "fleet" for SUPERADMIN/GOVT).
* ``live_refresh(handler)`` — a hidden component; whenever the client's ``LiveState.version`` changes it
  calls ``handler`` (your page's reload). Inside the handler, ``await changed_topics(self)`` tells what
  changed since the handler last asked, so a page re-queries only what it shows. A push carries only a
  change marker (a version and topics), never data: clients re-query through the scoped services with
  their own viewer.
* ``live_feed_lifespan`` — a lifespan task: feed messages (from services, any thread) are coalesced for
  a few milliseconds; each changed channel's linked clients get their version bumped through the app's
  state manager (``app.modify_state``), which sends each its delta (across workers when Redis is configured).

Why not an ``rx.SharedState`` channel (the first design): every event of every linked client then takes the
channel's lock (Reflex patches the linked state into each event), so after a push the 100 clients' re-query
events ran one at a time behind one lock, and the fan-out itself took the lock once per client. Bench P4,
100 sessions: p95 beyond 15 s. Here a push touches each client's own state once, concurrently, and their
re-queries run in parallel.
"""
from __future__ import annotations

import asyncio
import logging

import reflex as rx
from reflex.istate.manager.token import BaseStateToken
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import LiteralVar, Var, VarData

from woms_app.core import feed
from woms_app.state.base import AuthState
from woms_app.state.live_links import links

log = logging.getLogger(__name__)

COALESCE_S = 0.05


class LiveState(AuthState):
    """This client's change marker (bumped by the server) and its link to a channel."""

    version: int = 0
    _pending_topics: list[str] = []  # topics announced since the page's handler last asked

    @rx.event
    async def link(self):
        viewer = await asyncio.to_thread(self._current_viewer)  # off the event loop (a session lookup)
        if viewer is None:
            return
        await links().add(feed.channel_of(viewer.org_id, viewer.fleet_wide), self.router.session.client_token)


async def changed_topics(state: rx.State) -> set[str]:
    """The topics announced on this client's channel since the last call (inside a ``live_refresh`` handler)."""
    live = await state.get_state(LiveState)
    topics = {t for t in live._pending_topics if t in feed.TOPICS}
    live._pending_topics = []
    return topics


class _LiveWatcher(rx.el.Div):
    """A hidden div whose ``on_mount`` events run on mount and again whenever the client's live version
    changes. (Reflex's own mount effect has no dependencies; this one depends on the version, and is
    emitted through ``add_hooks`` so it comes after the state context it reads.)"""

    def _get_mount_lifecycle_hook(self) -> str | None:
        return None

    def add_hooks(self) -> list:
        chain = self.event_triggers.get("on_mount")
        if chain is None:
            return []
        chain_var = LiteralVar.create(chain)
        version: Var = LiveState.version  # a state field read on the class is a Var
        code = f"useEffect(() => {{ {chain_var!s}(); }}, [{version!s}]);"
        data = VarData.merge(version._get_all_var_data(), chain_var._get_all_var_data(),
                             VarData(imports={"react": [ImportVar(tag="useEffect")]}))
        return [Var(_js_expr=code, _var_data=data)]


def live_refresh(handler, testid: str = "live-marker") -> rx.Component:
    """Calls ``handler`` each time the client's channel announces a change (and once on mount)."""
    return _LiveWatcher.create(
        rx.el.span(LiveState.version, data_testid=testid),
        on_mount=[handler],
        style={"display": "none"},
    )


async def _push(app, channel: str, topics: set[str]) -> None:
    """Bump the live version of every client linked to ``channel`` (each its own state, concurrently)."""
    registry = links()
    tokens = await registry.tokens(channel)
    if not tokens:
        return
    namespace = app.event_namespace
    token_manager = getattr(namespace, "_token_manager", None) if namespace is not None else None
    gone: list[str] = []

    async def one(token: str) -> None:
        if token_manager is not None and not await token_manager.is_token_connected(token):
            gone.append(token)  # the tab closed; a reload re-links it from its page's on_load
            return
        async with app.modify_state(BaseStateToken(ident=token, cls=LiveState)) as root:
            live = root if isinstance(root, LiveState) else await root.get_state(LiveState)
            live._pending_topics = sorted(set(live._pending_topics) | topics)
            live.version += 1

    with app.set_contexts():
        results = await asyncio.gather(*(one(t) for t in tokens), return_exceptions=True)
    for _token, result in zip(tokens, results):
        if isinstance(result, Exception):
            log.warning("live push to a client of %s failed: %s", channel, result)
    if gone:
        await registry.remove(channel, gone)


def _per_channel(batch: list[feed.Change]) -> dict[str, set[str]]:
    per_channel: dict[str, set[str]] = {}
    for change in batch:
        for channel in feed.channels_for(change.org_id):
            per_channel.setdefault(channel, set()).update(change.topics)
    return per_channel


async def _apply(app, batch: list[feed.Change]) -> None:
    for channel, topics in _per_channel(batch).items():
        try:
            await _push(app, channel, topics)
        except Exception:
            log.exception("live push to %s failed", channel)


async def _drain(first: feed.Change, queue: asyncio.Queue) -> list[feed.Change]:
    """``first`` and whatever else arrives within the coalescing window."""
    batch = [first]
    await asyncio.sleep(COALESCE_S)
    while not queue.empty():
        batch.append(queue.get_nowait())
    return batch


async def live_feed_lifespan(app):
    """Forward change-feed messages to the live channels for the life of the backend.

    One process (no Redis): the in-process feed. Several workers (Redis): every worker reads the Redis bus,
    which carries every process's changes (its own, other workers', a CLI's), and applies only the changes
    it claims. Each change thus bumps its channels' clients once (the registry of linked tokens is in Redis),
    and Reflex delivers each client's delta through whichever worker holds its socket.
    """
    if feed.bus_url():
        await _live_from_bus(app)
        return
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[feed.Change] = asyncio.Queue()
    unsubscribe = feed.subscribe(lambda change: loop.call_soon_threadsafe(queue.put_nowait, change))
    try:
        while True:
            await _apply(app, await _drain(await queue.get(), queue))
    finally:
        unsubscribe()


async def _live_from_bus(app) -> None:
    remote = feed.RemoteFeed()
    queue: asyncio.Queue[feed.Change] = asyncio.Queue()

    async def read() -> None:
        async for change in remote.changes():
            queue.put_nowait(change)

    reader = asyncio.create_task(read(), name="woms-live-feed-reader")
    try:
        while True:
            batch = await _drain(await queue.get(), queue)
            try:
                mine = await remote.claim_many(batch)
            except Exception:
                log.warning("live feed: could not claim %d change(s)", len(batch), exc_info=True)
                continue
            if mine:
                await _apply(app, mine)
    finally:
        reader.cancel()
        try:
            await reader
        except (asyncio.CancelledError, Exception):
            pass
        await remote.aclose()

