"""Request budget: at most N requests per window and at most C in flight, per vendor account.

One limiter is shared by every adapter instance of the same account in the process, keyed by
``(vendor_type, base_url, account identity)``, so a fleet sync (many plants, many coroutines, even
several event loops / threads) is bounded by the budget, not by the vendor's rate-limit errors.

Guarantee (also as seen by the vendor): a request occupies one of the N slots from the moment it is
acquired until ``window_s`` seconds after it *completes*. Every request arrives at the server between
its acquisition and its completion, so any window of ``window_s`` seconds at the server contains at
most N arrivals, whatever the network latency. (Counting only send times cannot promise that.)

A rate-limit answer from the vendor (someone else spends the same account, or the budget is set above
the real limit) ``hold``s the limiter: no new request starts before the back-off ends.

The implementation is thread-safe and loop-agnostic: state is guarded by a ``threading.Lock`` and
waiting is done with ``asyncio.sleep`` until the computed moment a slot frees up.
"""
from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Budget:
    requests: int  # per window
    window_s: float
    max_concurrency: int

    def __post_init__(self) -> None:
        if self.requests < 1 or self.window_s <= 0 or self.max_concurrency < 1:
            raise ValueError("budget needs requests >= 1, window_s > 0, max_concurrency >= 1")


class RequestLimiter:
    _POLL_S = 0.005  # how often a waiter re-checks when only concurrency is the bottleneck

    def __init__(self, budget: Budget) -> None:
        self._budget = budget
        self._lock = threading.Lock()
        self._in_flight = 0
        self._completed: deque[float] = deque()  # completion instants (monotonic) within the window
        self.total_acquired = 0
        self.max_in_flight = 0
        self.total_waited_s = 0.0
        self._hold_until = 0.0  # monotonic instant before which no request starts (vendor said slow down)
        # per event loop: at most max_concurrency coroutines poll for a slot; the rest queue (FIFO, no polling).
        # Without it a fleet-wide gather (thousands of requests) re-checked every few ms and starved the loop.
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[int, asyncio.Semaphore]] = (
            weakref.WeakKeyDictionary())

    @property
    def budget(self) -> Budget:
        return self._budget

    def update(self, budget: Budget) -> None:
        """Apply a changed budget (the vendor row was edited)."""
        with self._lock:
            self._budget = budget

    def _try_acquire(self, now: float) -> float:
        """0.0 when a slot was taken; otherwise seconds to wait before trying again."""
        with self._lock:
            if now < self._hold_until:
                return self._hold_until - now
            b = self._budget
            horizon = now - b.window_s
            while self._completed and self._completed[0] <= horizon:
                self._completed.popleft()
            used = self._in_flight + len(self._completed)
            if self._in_flight < b.max_concurrency and used < b.requests:
                self._in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self._in_flight)
                self.total_acquired += 1
                return 0.0
            if self._in_flight >= b.max_concurrency or not self._completed:
                return self._POLL_S
            return max(self._completed[0] + b.window_s - now, 0.0005)

    def hold(self, seconds: float) -> None:
        """Start no request for ``seconds`` from now (a rate-limit back-off of the whole account)."""
        with self._lock:
            self._hold_until = max(self._hold_until, time.monotonic() + max(0.0, seconds))

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._completed.append(time.monotonic())

    async def acquire(self) -> None:
        started = time.monotonic()
        while True:
            wait = self._try_acquire(time.monotonic())
            if wait == 0.0:
                self.total_waited_s += time.monotonic() - started
                return
            await asyncio.sleep(min(wait, 0.25))

    def release(self) -> None:
        self._release()

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        size = self._budget.max_concurrency
        with self._lock:
            entry = self._gates.get(loop)
            if entry is None or entry[0] != size:  # new loop, or the budget changed
                entry = self._gates[loop] = (size, asyncio.Semaphore(size))
            return entry[1]

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._gate():
            await self.acquire()
            try:
                yield
            finally:
                self._release()

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return {
                "in_flight": self._in_flight,
                "recent": len(self._completed),
                "total_acquired": self.total_acquired,
                "max_in_flight": self.max_in_flight,
                "total_waited_s": round(self.total_waited_s, 3),
            }


_registry: dict[Hashable, RequestLimiter] = {}
_registry_lock = threading.Lock()


def shared_limiter(key: Hashable, budget: Budget) -> RequestLimiter:
    """The process-wide limiter of one vendor account; a changed budget is applied to it."""
    with _registry_lock:
        lim = _registry.get(key)
        if lim is None:
            lim = _registry[key] = RequestLimiter(budget)
        elif lim.budget != budget:
            lim.update(budget)
        return lim


def reset_limiters() -> None:
    """Forget every shared limiter (tests)."""
    with _registry_lock:
        _registry.clear()
