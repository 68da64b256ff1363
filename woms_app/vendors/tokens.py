"""Vendor session tokens: the single-flight keeper of one adapter and the cache that carries a token across runs.

``BaseVendorAdapter`` does all the token plumbing with these (log in, reuse, refresh early, re-login on
rejection); an adapter supplies only its login call (``_login``: the token and its lifetime) and its expiry
rule (``refresh_margin``).
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from woms_app.core.clock import utcnow
from woms_app.vendors.errors import VendorUnavailable


@dataclass(frozen=True, slots=True)
class CachedToken:
    token: str
    expires_at: datetime | None
    lifetime_s: float | None


# (vendor type, base url, account) → the account's last token: for vendors whose tokens live long (SOLARMAN ~60
# days) each run need not log in again (a login is a call against the allowance too); a rejected token is
# replaced by the next login
_TOKEN_CACHE: dict[tuple[str, str, str], CachedToken] = {}


def cached_token(key: tuple[str, str, str]) -> CachedToken | None:
    return _TOKEN_CACHE.get(key)


def cache_token(key: tuple[str, str, str], token: CachedToken) -> None:
    _TOKEN_CACHE[key] = token


def clear_token_cache() -> None:
    """Forget every cached token (tests, benchmarks: a fresh emulator)."""
    _TOKEN_CACHE.clear()


class TokenKeeper:
    """The session token of one adapter, with a generation number per token and one login at a time.

    Every request reads ``current()`` inside its budget slot and remembers the generation it sent.
    When the vendor rejects it, ``refresh(sent_generation)`` logs in only if that generation is still
    the current one; a call whose token was already replaced (by another call's login) just retries.
    So a token that dies under N calls in flight costs one login, shared by all of them (single flight).

    A login whose token is rejected before any call succeeded with it is "dead on arrival"; after
    ``MAX_DEAD_LOGINS`` such logins in a row the keeper stops logging in and raises
    ``VendorUnavailable`` (the vendor revokes every fresh token — another client on the account?),
    never an auth error: the credentials were accepted each time.
    """

    MAX_DEAD_LOGINS = 3

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.token: str | None = None
        self.expires_at: datetime | None = None  # aware UTC; None when the vendor gives no lifetime
        self.lifetime_s: float | None = None
        self.generation = 0
        self.logins = 0  # logins performed through refresh() and set()
        self._ok_in_generation = 0
        self._dead_streak = 0
        self._dead_generation = -1  # the vendor rejected this generation: new calls wait for its successor
        self._lock: asyncio.Lock | None = None
        self._lock_loop: object | None = None

    def current(self) -> tuple[str | None, int]:
        return self.token, self.generation

    def set(self, token: str, lifetime_s: float | None = None, *, expires_at: datetime | None = None) -> None:
        """A login succeeded (or a cached token was taken up): the new token is current. ``lifetime_s`` is what
        the vendor said it lives; ``expires_at`` defaults to now + that lifetime."""
        self.token = token
        self.lifetime_s = lifetime_s
        if expires_at is None and lifetime_s is not None:
            expires_at = utcnow() + timedelta(seconds=lifetime_s)
        self.expires_at = expires_at
        self.generation += 1
        self.logins += 1
        self._ok_in_generation = 0

    def cached(self) -> CachedToken | None:
        """The current token as the cache keeps it."""
        return CachedToken(self.token, self.expires_at, self.lifetime_s) if self.token is not None else None

    def expiring(self, margin: Callable[[float], timedelta | None]) -> bool:
        """The current token has at most ``margin(lifetime_s)`` left (the adapter's expiry rule; None: no early
        refresh). False without a token or without a known expiry."""
        if not self.token or self.expires_at is None:
            return False
        left = margin(self.lifetime_s or 0.0)
        return left is not None and self.expires_at - utcnow() <= left

    def rejected(self, generation: int) -> None:
        """The vendor refused a call sent with ``generation``."""
        if generation == self.generation:
            self._dead_generation = generation

    @property
    def current_is_dead(self) -> bool:
        return self.token is None or self._dead_generation == self.generation

    def succeeded(self, generation: int) -> None:
        if generation == self.generation:
            self._ok_in_generation += 1
            self._dead_streak = 0

    def _get_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def refresh(self, seen_generation: int, login: Callable[[], Awaitable[None]]) -> bool:
        """Log in unless the token of ``seen_generation`` was already replaced. True when this call logged in."""
        async with self._get_lock():
            if self.token is not None and self.generation != seen_generation:
                return False  # another call already logged in: retry with the current token
            if self.token is not None and self._ok_in_generation == 0:
                self._dead_streak += 1
                if self._dead_streak >= self.MAX_DEAD_LOGINS:
                    raise VendorUnavailable(
                        f"the vendor rejected {self._dead_streak} fresh session tokens in a row before any "
                        "call succeeded (is another client logging in to this account?)", vendor=self.vendor)
            await login()
            return True
