"""Live updates in the browser (DESIGN.md §8): the Reflex side of the change feed.

* ``LiveChannel`` — an ``rx.SharedState`` per channel ("org<id>" for an organization, "fleet" for
  SUPERADMIN/GOVT). It carries only a change marker: a version counter and the topics that changed.
  Never data: clients re-query through the scoped services with their own viewer.
* ``LiveState.link`` — put it in a page's ``on_load`` after ``AuthState.guard``: it resolves the viewer
  from the session and links this client to the one channel the server derives for it.
* ``live_refresh(handler)`` — a hidden component; whenever the channel's version changes it calls
  ``handler`` (your page's reload). Inside the handler, ``await changed_topics(self)`` tells what changed,
  so a page re-queries only what it shows.
* ``live_feed_lifespan`` — a lifespan task: feed messages (from services, any thread) are coalesced for
  a few milliseconds and written to the channels through the app's state manager, which fans the delta
  out to every linked client (across workers when Redis is configured).
"""
from __future__ import annotations

import asyncio
import logging
import re

import reflex as rx
from reflex.istate.manager.token import BaseStateToken
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import LiteralVar, Var, VarData

from woms_app.core import feed
from woms_app.state.base import AuthState

log = logging.getLogger(__name__)

COALESCE_S = 0.05


class LiveChannel(rx.SharedState):
    version: int = 0
    topics: list[str] = []


class LiveState(AuthState):
    """Links the client to its channel (after the auth check; channel derived on the server)."""

    _last_topics: list[str] = []

    @rx.event
    def note(self, topics: list[str]):
        """Remember the topics the client saw change (sent from the client's copy of its channel)."""
        self._last_topics = [t for t in (topics or []) if t in feed.TOPICS]

    @rx.event
    async def link(self):
        viewer = self.current_viewer()
        if viewer is None:
            return
        channel = feed.channel_of(viewer.org_id, viewer.fleet_wide)
        live = await self.get_state(LiveChannel)
        await live._link_to(channel)


async def changed_topics(state: rx.State) -> set[str]:
    """The topics of the last change on this client's channel (inside a ``live_refresh`` handler)."""
    live = await state.get_state(LiveState)
    return set(live._last_topics)


class _LiveWatcher(rx.el.Div):
    """A hidden div whose ``on_mount`` events run on mount and again whenever the channel version
    changes. (Reflex's own mount effect has no dependencies; this one depends on the version, and is
    emitted through ``add_hooks`` so it comes after the state context it reads.)"""

    def _get_mount_lifecycle_hook(self) -> str | None:
        return None

    def add_hooks(self) -> list:
        chain = self.event_triggers.get("on_mount")
        if chain is None:
            return []
        chain_var = LiteralVar.create(chain)
        version = LiveChannel.version
        code = f"useEffect(() => {{ {chain_var!s}(); }}, [{version!s}]);"
        data = VarData.merge(version._get_all_var_data(), chain_var._get_all_var_data(),
                             VarData(imports={"react": [ImportVar(tag="useEffect")]}))
        return [Var(_js_expr=code, _var_data=data)]


def live_refresh(handler, testid: str = "live-marker") -> rx.Component:
    """Calls ``handler`` each time the client's channel announces a change (and once on mount)."""
    return _LiveWatcher.create(
        rx.el.span(LiveChannel.version, data_testid=testid),
        on_mount=[LiveState.note(LiveChannel.topics), handler],
        style={"display": "none"},
    )


class _ChannelDeltaFilter(logging.Filter):
    """``app.modify_state`` on a channel also tries to emit the channel's own delta to a client named like the
    channel; there is none (the linked clients get theirs from the fan-out). With the in-memory token manager
    Reflex logs a warning for that on every push: drop exactly that message."""

    _channel = re.compile(r"Attempting to send delta to disconnected client '(org\d+|fleet)'$")

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and self._channel.match(record.getMessage()))


logging.getLogger("reflex.app").addFilter(_ChannelDeltaFilter())


async def _push(app, channel: str, topics: set[str]) -> None:
    # ``app.modify_state`` (not ``app.state_manager.modify_state_with_links``): it resolves and cleans the
    # channel's delta before the links are released, which is what records the dirty vars that Reflex
    # applies to every linked client. Without it the fan-out carries no LiveChannel change under the Redis
    # state manager (each client's copy is re-read from Redis); the memory manager hid this by sharing
    # one object between the channel and its clients.
    with app.set_contexts():
        async with app.modify_state(BaseStateToken(ident=channel, cls=LiveChannel)) as root:
            live = root if isinstance(root, LiveChannel) else await root.get_state(LiveChannel)
            live.version += 1
            live.topics = sorted(topics)


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
    it claims. Each change is thus written once to its channels in Redis, and Reflex fans the delta out to
    every linked client, whichever worker holds its socket.
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

