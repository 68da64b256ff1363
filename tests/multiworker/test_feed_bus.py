"""The change feed across processes: with Redis configured a publish reaches every reader of the bus, and
exactly one reader claims each change."""
from __future__ import annotations

import asyncio
import subprocess
import time

import pytest

from tests.multiworker.conftest import ROOT_PY
from woms_app.core import feed


async def _collect(remote: feed.RemoteFeed, n: int, timeout: float = 5.0) -> list[feed.Change]:
    got: list[feed.Change] = []

    async def run():
        async for change in remote.changes():
            got.append(change)
            if len(got) >= n:
                return

    await asyncio.wait_for(run(), timeout)
    return got


async def test_publish_reaches_every_reader_and_one_claims_it(with_redis):
    readers = [feed.RemoteFeed() for _ in range(3)]
    try:
        tasks = [asyncio.create_task(_collect(r, 2)) for r in readers]
        await asyncio.wait_for(asyncio.gather(*(r.ready.wait() for r in readers)), 5)
        local: list[feed.Change] = []
        unsubscribe = feed.subscribe(local.append)
        try:
            sent = [feed.publish(7, feed.ALERTS), feed.publish(None, feed.PLANTS, feed.SYNC)]
        finally:
            unsubscribe()
        assert local == sent  # this process's subscribers still get them directly
        results = await asyncio.gather(*tasks)
        for got in results:  # every reader hears both, in order, with their ids
            assert [(c.id, c.org_id, c.topics) for c in got] == [(c.id, c.org_id, c.topics) for c in sent]
            assert all(c.origin == feed.process_id() for c in got)
        # each change is claimed by exactly one reader, even when they all try at once
        for change in sent:
            wins = await asyncio.gather(*(r.claim(change) for r in readers))
            assert sorted(wins) == [False, False, True]
        batch = await asyncio.gather(*(r.claim_many(sent) for r in readers))
        assert all(b == [] for b in batch)  # already claimed above
    finally:
        for r in readers:
            await r.aclose()


async def test_a_change_published_by_another_process_is_heard(with_redis):
    """A CLI process (no Reflex) publishes; this process's bus reader hears it within milliseconds."""
    remote = feed.RemoteFeed()
    try:
        task = asyncio.create_task(_collect(remote, 1))
        await asyncio.wait_for(remote.ready.wait(), 5)
        started = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            ROOT_PY, "-c", "from woms_app.core import feed; print(feed.publish(3, 'work_orders').id)",
            stdout=subprocess.PIPE, env={**__import__("os").environ, "WOMS_REDIS_URL": with_redis})
        out, _ = await proc.communicate()
        (change,) = await task
        assert change.id == out.decode().strip() and change.org_id == 3 and change.topics == {"work_orders"}
        assert change.origin != feed.process_id()
        assert time.monotonic() - started < 5
    finally:
        await remote.aclose()


def test_without_redis_nothing_leaves_the_process(monkeypatch):
    from woms_app.core.config import reset_settings

    monkeypatch.setenv("WOMS_REDIS_URL", "")
    reset_settings()
    sent: list = []
    monkeypatch.setattr(feed, "_sync_client", lambda url: sent.append(url))
    feed.publish(1, feed.ALERTS)
    assert sent == []
    with pytest.raises(ValueError):
        feed.RemoteFeed()


def test_a_redis_outage_never_fails_the_publisher(monkeypatch):
    from woms_app.core.config import reset_settings

    monkeypatch.setenv("WOMS_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    reset_settings()
    try:
        change = feed.publish(1, feed.ALERTS)
        assert change.topics == {"alerts"}
    finally:
        monkeypatch.delenv("WOMS_REDIS_URL")
        reset_settings()


def test_bus_channel_follows_the_database_number():
    assert feed.bus_channel("redis://127.0.0.1:6379/4") == "woms:feed:db4"
    assert feed.bus_channel("redis://127.0.0.1:6379") == "woms:feed:db0"


def test_malformed_messages_are_refused():
    for raw in ("{}", '{"id": "x", "topics": ["nope"]}', '{"id": 1, "topics": ["alerts"]}',
                '{"id": "x", "org_id": "1", "topics": ["alerts"]}'):
        with pytest.raises(ValueError):
            feed.Change.from_json(raw)
    c = feed.Change(org_id=2, topics=frozenset({"alerts"}))
    assert feed.Change.from_json(c.to_json()) == c
