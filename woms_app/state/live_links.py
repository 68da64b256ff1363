"""Which browser tabs listen to which live channel: the registry of ``state/live.py`` (link, push) and
``state/base.py`` (a discarded tab listens to nothing). Below both, so neither imports the other for it.

One process: a dict in memory. Several workers (Redis configured): a Redis hash per channel, so the worker that
claims a change reaches clients whose sockets live on any worker.
"""
from __future__ import annotations

import asyncio
import time

from woms_app.core import feed

LINK_TTL_S = 7 * 24 * 3600  # a token not re-linked for this long is forgotten (Redis registry)


class _MemoryLinks:
    """One process: the tokens of each channel."""

    def __init__(self) -> None:
        self._by_channel: dict[str, set[str]] = {}

    async def add(self, channel: str, token: str) -> None:
        for other, tokens in self._by_channel.items():
            if other != channel:
                tokens.discard(token)  # an account change in this tab: one channel only
        self._by_channel.setdefault(channel, set()).add(token)

    async def tokens(self, channel: str) -> list[str]:
        return list(self._by_channel.get(channel, ()))

    async def remove(self, channel: str, tokens: list[str]) -> None:
        self._by_channel.get(channel, set()).difference_update(tokens)

    async def forget(self, token: str) -> None:
        """The tab's state was discarded (state/base.py): it listens to no channel until it links again."""
        for tokens in self._by_channel.values():
            tokens.discard(token)


class _RedisLinks:
    """Several workers: a Redis hash per channel (token → last link time) and each token's channel, so the
    worker that claims a change reaches clients whose sockets live on any worker."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as aredis

        self.redis = aredis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
        self.prefix = f"{feed.bus_channel(url)}:links"

    def _key(self, channel: str) -> str:
        return f"{self.prefix}:{channel}"

    async def add(self, channel: str, token: str) -> None:
        tkey = f"{self.prefix}:token:{token}"
        old = await self.redis.get(tkey)
        async with self.redis.pipeline(transaction=False) as pipe:
            if old is not None and old.decode() != channel:
                pipe.hdel(self._key(old.decode()), token)
            pipe.set(tkey, channel, ex=LINK_TTL_S)
            pipe.hset(self._key(channel), token, int(time.time()))
            await pipe.execute()

    async def tokens(self, channel: str) -> list[str]:
        now = int(time.time())
        out, stale = [], []
        for token, at in (await self.redis.hgetall(self._key(channel))).items():
            (stale if now - int(at) > LINK_TTL_S else out).append(token.decode())
        if stale:
            await self.redis.hdel(self._key(channel), *stale)
        return out

    async def remove(self, channel: str, tokens: list[str]) -> None:
        if tokens:
            await self.redis.hdel(self._key(channel), *tokens)

    async def forget(self, token: str) -> None:
        tkey = f"{self.prefix}:token:{token}"
        old = await self.redis.getdel(tkey)
        if old is not None:
            await self.redis.hdel(self._key(old.decode()), token)


_links: dict[tuple[int, str], _MemoryLinks | _RedisLinks] = {}


def links() -> _MemoryLinks | _RedisLinks:
    """The registry of this process (per event loop: a Redis client belongs to one loop)."""
    url = feed.bus_url()
    key = (id(asyncio.get_running_loop()) if url else 0, url or "")
    if key not in _links:
        _links[key] = _RedisLinks(url) if url else _MemoryLinks()
    return _links[key]
