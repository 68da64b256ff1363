"""Counting the calls an account spends, and what the vendor says is left of its allowance.

``meter()`` opens a counter for the current task (and every task it starts: a ``ContextVar``); each
HTTP request an adapter's client sends while it is open adds one. ``install(client)`` hooks a client once
(``VendorManager`` does it for every adapter it builds), so the count is the real number of requests sent,
retries and logins included — the figure the vendor bills against the allowance.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

import httpx


@dataclass
class CallMeter:
    calls: int = 0
    paths: dict[str, int] = field(default_factory=dict)

    def add(self, path: str) -> None:
        self.calls += 1
        self.paths[path] = self.paths.get(path, 0) + 1


_CURRENT: ContextVar[CallMeter | None] = ContextVar("woms_call_meter", default=None)
_HOOKED = "_woms_metered"


async def _on_request(request: httpx.Request) -> None:
    meter = _CURRENT.get()
    if meter is not None:
        meter.add(request.url.path)


def install(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Count the requests of ``client`` into the current meter (idempotent)."""
    if not getattr(client, _HOOKED, False):
        hooks = client.event_hooks
        hooks.setdefault("request", []).append(_on_request)
        client.event_hooks = hooks
        setattr(client, _HOOKED, True)
    return client


@contextmanager
def meter() -> Iterator[CallMeter]:
    """A fresh counter for the requests sent in this context (nested meters each count their own)."""
    m = CallMeter()
    token = _CURRENT.set(m)
    try:
        yield m
    finally:
        _CURRENT.reset(token)


@dataclass(frozen=True, slots=True)
class VendorAllowance:
    """What the vendor reports about the account's allowance (None where it does not say)."""

    remaining: int | None  # calls left in the period
    limit: int | None = None  # calls per period
    used: int | None = None  # calls used in the period
    period: str | None = None  # year | month | day
    checked_at: datetime | None = None
