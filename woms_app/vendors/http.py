"""The one place where HTTP becomes the vendor error tree (vendor-neutral; each vendor's envelope and its
error codes live in its package: ``solarman.envelope``, ``sungrow.envelope``).

* ``request_json`` — one HTTP call: budget slot, explicit timeout, httpx exceptions and HTTP statuses
  translated, body decoded as JSON (non-JSON → ``VendorBadResponse``).
* ``call_with_policy`` — the retry policy around one logical call: an expired token re-authenticates
  (single flight, see ``tokens.TokenKeeper``) and retries with the current token — never a credentials
  failure by itself; a rate limit backs off at least one full window of the vendor's limit (or the
  server's Retry-After, if longer) and retries while the call's back-off time lasts; a transient outage
  retries once after a short pause. Everything else is raised as is.
* ``scrub`` / ``wrap_error`` — remove secrets from any text before it reaches a log line or an exception.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

import httpx

from woms_app.vendors.errors import (
    VendorAuthError,
    VendorBadResponse,
    VendorError,
    VendorNotSupported,
    VendorRateLimited,
    VendorTimeout,
    VendorTokenExpired,
    VendorUnavailable,
)
from woms_app.vendors.limiter import RequestLimiter
from woms_app.vendors.netguard import REFUSED

log = logging.getLogger("woms.vendors.http")

T = TypeVar("T")


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret (len >= 4) occurring in ``text`` with ``***``."""
    out = str(text)
    for s in sorted({str(s) for s in secrets if s and len(str(s)) >= 4}, key=len, reverse=True):
        out = out.replace(s, "***")
    return out


def _retry_after_header(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


async def request_json(
    client: httpx.AsyncClient,
    limiter: RequestLimiter,
    vendor: str,
    method: str,
    url: str,
    *,
    timeout_s: float,
    json_body: Any = None,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
    prepare: Callable[[], tuple[Any, Mapping[str, str] | None]] | None = None,
) -> tuple[Any, float | None]:
    """One HTTP exchange within the budget. Returns (decoded JSON, Retry-After seconds or None).

    ``prepare()`` (optional) is called once the budget slot is held and returns ``(json_body, headers)``:
    the request then carries the session token current at send time, not one read before it queued."""
    try:
        path = httpx.URL(url).path
    except httpx.InvalidURL as exc:
        raise VendorNotSupported("the vendor base URL is not a valid address", vendor=vendor) from exc
    async with limiter.slot():
        if prepare is not None:
            json_body, headers = prepare()
        try:
            resp = await client.request(
                method, url, json=json_body, params=params, headers=headers, timeout=timeout_s
            )
        except httpx.TimeoutException as exc:
            raise VendorTimeout(f"no answer from {path} within {timeout_s:g} s", vendor=vendor) from exc
        except httpx.ConnectError as exc:
            if REFUSED in str(exc):  # netguard: the host resolved to a private / local address
                raise VendorNotSupported(f"{REFUSED} ({path})", vendor=vendor) from exc
            raise VendorUnavailable(f"cannot reach the vendor (ConnectError) on {path}", vendor=vendor) from exc
        except httpx.TransportError as exc:  # connect errors, resets, protocol errors
            raise VendorUnavailable(
                f"cannot reach the vendor ({type(exc).__name__}) on {path}", vendor=vendor
            ) from exc
        except httpx.HTTPError as exc:
            raise VendorUnavailable(f"HTTP failure on {path}: {type(exc).__name__}", vendor=vendor) from exc
    retry_after = _retry_after_header(resp)
    status = resp.status_code
    if status >= 400:
        try:
            resp.raise_for_status()
        except httpx.HTTPStatusError as exc:
            if status == 401:
                raise VendorTokenExpired(f"HTTP 401 on {path}", vendor=vendor, code="401") from exc
            if status == 403:
                raise VendorAuthError(f"HTTP 403 on {path}", vendor=vendor, code="403") from exc
            if status == 429:
                raise VendorRateLimited(
                    f"HTTP 429 on {path}", retry_after=retry_after if retry_after is not None else 10.0,
                    vendor=vendor, code="429",
                ) from exc
            if status >= 500:
                raise VendorUnavailable(f"HTTP {status} on {path}", vendor=vendor, code=str(status)) from exc
            if status == 404:
                raise VendorNotSupported(f"HTTP 404 on {path}", vendor=vendor, code="404") from exc
            raise VendorBadResponse(f"HTTP {status} on {path}", vendor=vendor, code=str(status)) from exc
    try:
        body = json.loads(resp.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VendorBadResponse(f"response of {path} is not JSON", vendor=vendor) from exc
    if not isinstance(body, dict):
        raise VendorBadResponse(f"response of {path} is not a JSON object", vendor=vendor)
    return body, retry_after


def wrap_error(exc_cls: type[VendorError], message: str, vendor: str, code: str | None,
               secrets: Iterable[str]) -> VendorError:
    """An error of an envelope's class with the vendor's message scrubbed of ``secrets``."""
    return exc_cls(scrub(message, secrets), vendor=vendor, code=code)


# ---------------------------------------------------------------- retry policy
# per logical call, a safety net only: with tokens that serve one call each and 8 calls in flight a call
# can lose many rounds; a vendor that rejects every fresh token is stopped by TokenKeeper's dead streak
MAX_TOKEN_RETRIES = 1000


async def call_with_policy(
    op: Callable[[], Awaitable[T]],
    *,
    reauthenticate: Callable[[], Awaitable[Any]],
    vendor: str,
    what: str,
    max_rate_limit_wait_s: float = 120.0,
    rate_limit_retries: int | None = None,
    rate_window_s: Callable[[VendorRateLimited], float] | None = None,
    on_rate_limited: Callable[[float], None] | None = None,
    transient_retries: int = 1,
    transient_backoff_s: float = 0.5,
    max_token_retries: int = MAX_TOKEN_RETRIES,
) -> T:
    """Run ``op`` with the house retry policy (see module doc). Errors stay chained.

    Tokens: on ``VendorTokenExpired`` ``reauthenticate()`` is awaited (it logs in only if the rejected
    token is still the current one) and the call is retried; the expiry itself never escapes as an
    auth error — after ``max_token_retries`` it becomes ``VendorUnavailable``. A refused login raises
    ``VendorAuthError`` from ``reauthenticate`` and that is the credentials failure.
    Rate limits: the wait is ``max(retry_after, rate_window_s(exc))`` (×1.5 per further answer), and
    the call retries while the sum of its waits stays within ``max_rate_limit_wait_s``;
    ``on_rate_limited(wait)`` lets the account's limiter hold every other request for as long.
    """
    token_tries = 0
    rate_tries = 0
    waited = 0.0
    transient_tries = 0
    while True:
        try:
            return await op()
        except VendorTokenExpired as exc:
            token_tries += 1
            if token_tries > max_token_retries:
                raise VendorUnavailable(
                    f"the vendor rejected the session token {token_tries} times in a row on {what}",
                    vendor=vendor, code=exc.code) from exc
            log.info("%s: token rejected on %s; retrying with the current token", vendor, what)
            await reauthenticate()
        except VendorRateLimited as exc:
            window = rate_window_s(exc) if rate_window_s is not None else 0.0
            wait = max(exc.retry_after, window, 0.05) * (1.5 ** rate_tries)
            if (rate_limit_retries is not None and rate_tries >= rate_limit_retries) \
                    or waited + wait > max_rate_limit_wait_s:
                log.warning("%s: rate limited on %s (code %s, wait %.1f s, %.1f s already waited); giving up",
                            vendor, what, exc.code, wait, waited)
                raise
            rate_tries += 1
            wait += random.uniform(0, 0.05)
            if on_rate_limited is not None:
                on_rate_limited(wait)
            log.info("%s: rate limited on %s (code %s); backing off %.2f s", vendor, what, exc.code, wait)
            waited += wait
            await asyncio.sleep(wait)
        except VendorTimeout:
            raise  # a retry would double the time spent hanging; the service retries later
        except VendorUnavailable:
            if transient_tries >= transient_retries:
                raise
            transient_tries += 1
            await asyncio.sleep(transient_backoff_s)
