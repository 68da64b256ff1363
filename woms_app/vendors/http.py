"""The one place where HTTP and vendor envelopes become the vendor error tree.

* ``request_json`` — one HTTP call: budget slot, explicit timeout, httpx exceptions and HTTP statuses
  translated, body decoded as JSON (non-JSON → ``VendorBadResponse``).
* ``check_solarman`` / ``check_sungrow`` — envelope checks: vendor error codes → error classes.
* ``call_with_policy`` — the retry policy around one logical call: an expired token re-authenticates
  once and retries once; a rate limit backs off ``retry_after`` (bounded) and retries; a transient
  outage retries once after a short pause. Everything else is raised as is.
* ``scrub`` — removes secrets from any text before it reaches a log line or an exception.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable, Iterable, Mapping, TypeVar

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
) -> tuple[Any, float | None]:
    """One HTTP exchange within the budget. Returns (decoded JSON, Retry-After seconds or None)."""
    path = httpx.URL(url).path
    async with limiter.slot():
        try:
            resp = await client.request(
                method, url, json=json_body, params=params, headers=headers, timeout=timeout_s
            )
        except httpx.TimeoutException as exc:
            raise VendorTimeout(f"no answer from {path} within {timeout_s:g} s", vendor=vendor) from exc
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


# ---------------------------------------------------------------- SOLARMAN envelope
SOLARMAN_TOKEN_CODES = {"2101019", "2101017"}
SOLARMAN_AUTH_CODES = {"2101018", "2101020", "2101021", "2101025", "2101003"}
SOLARMAN_NOT_SUPPORTED = {"2101022", "2101023"}
SOLARMAN_RATE_CODES = {"2101002": 10.0, "2101009": 86400.0, "2101010": 86400.0}
SOLARMAN_UNAVAILABLE = {"3201001", "3501004", "2104001", "2104002", "2104003"}


def _wrap(exc_cls: type[VendorError], message: str, vendor: str, code: str | None, secrets: Iterable[str]) -> VendorError:
    return exc_cls(scrub(message, secrets), vendor=vendor, code=code)


def check_solarman(body: Mapping[str, Any], retry_after: float | None = None, secrets: Iterable[str] = ()) -> Mapping[str, Any]:
    """Raise the matching error for a ``success:false`` SOLARMAN envelope (HTTP 200); return the body."""
    vendor = "solarman"
    success = body.get("success")
    code = body.get("code")
    code_s = str(code).strip() if code is not None else None
    if success is True or (success is None and code_s in (None, "", "1000000") and "msg" in body):
        return body
    if success is None:
        raise VendorBadResponse("SOLARMAN envelope without a success flag", vendor=vendor)
    msg = str(body.get("msg") or "request failed")
    if code_s in SOLARMAN_TOKEN_CODES:
        raise _wrap(VendorTokenExpired, msg, vendor, code_s, secrets)
    if code_s in SOLARMAN_AUTH_CODES:
        raise _wrap(VendorAuthError, msg, vendor, code_s, secrets)
    if code_s in SOLARMAN_NOT_SUPPORTED:
        raise _wrap(VendorNotSupported, msg, vendor, code_s, secrets)
    if code_s in SOLARMAN_RATE_CODES:
        ra = retry_after if retry_after is not None else SOLARMAN_RATE_CODES[code_s]
        raise VendorRateLimited(scrub(msg, secrets), retry_after=ra, vendor=vendor, code=code_s)
    if code_s in SOLARMAN_UNAVAILABLE:
        raise _wrap(VendorUnavailable, msg, vendor, code_s, secrets)
    raise _wrap(VendorBadResponse, msg, vendor, code_s, secrets)


# ---------------------------------------------------------------- Sungrow envelope
SUNGROW_TOKEN_CODES = {"E00003", "002"}
SUNGROW_AUTH_CODES = {"E00000", "001", "E00001", "E918", "E919", "003"}
SUNGROW_NOT_SUPPORTED = {"E900", "E902", "E996"}
SUNGROW_UNAVAILABLE = {"-1", "000", "011", "E994", "E997"}


def _seconds_to_next_hour(now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    nxt = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return (nxt - now).total_seconds()


def _seconds_to_next_month(now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return (datetime(year, month, 1, tzinfo=timezone.utc) - now).total_seconds()


def check_sungrow(body: Mapping[str, Any], retry_after: float | None = None, secrets: Iterable[str] = ()) -> Any:
    """Raise the matching error for a Sungrow envelope whose ``result_code`` is not ``"1"``;
    return ``result_data``."""
    vendor = "sungrow"
    if "result_code" not in body:
        raise VendorBadResponse("Sungrow envelope without result_code", vendor=vendor)
    code = str(body.get("result_code")).strip()
    if code == "1":
        return body.get("result_data")
    msg = str(body.get("result_msg") or "request failed")
    if code in SUNGROW_TOKEN_CODES:
        raise _wrap(VendorTokenExpired, msg, vendor, code, secrets)
    if code in SUNGROW_AUTH_CODES:
        raise _wrap(VendorAuthError, msg, vendor, code, secrets)
    if code in SUNGROW_NOT_SUPPORTED:
        raise _wrap(VendorNotSupported, msg, vendor, code, secrets)
    if code in ("E901", "E916", "E999", "E998"):
        default = {"E901": 1.0, "E916": 60.0}.get(code)
        if default is None:
            default = _seconds_to_next_hour() if code == "E999" else _seconds_to_next_month()
        ra = retry_after if retry_after is not None else default
        raise VendorRateLimited(scrub(msg, secrets), retry_after=ra, vendor=vendor, code=code)
    if code in SUNGROW_UNAVAILABLE:
        raise _wrap(VendorUnavailable, msg, vendor, code, secrets)
    raise _wrap(VendorBadResponse, msg, vendor, code, secrets)


# ---------------------------------------------------------------- retry policy
async def call_with_policy(
    op: Callable[[], Awaitable[T]],
    *,
    reauthenticate: Callable[[], Awaitable[None]],
    vendor: str,
    what: str,
    max_rate_limit_wait_s: float = 30.0,
    rate_limit_retries: int = 2,
    transient_retries: int = 1,
    transient_backoff_s: float = 0.5,
) -> T:
    """Run ``op`` with the house retry policy (see module doc). Errors stay chained."""
    reauthed = False
    rate_tries = 0
    transient_tries = 0
    while True:
        try:
            return await op()
        except VendorTokenExpired:
            if reauthed:
                raise
            reauthed = True
            log.info("%s: token rejected on %s; re-authenticating once", vendor, what)
            await reauthenticate()
        except VendorRateLimited as exc:
            if rate_tries >= rate_limit_retries or exc.retry_after > max_rate_limit_wait_s:
                log.warning("%s: rate limited on %s (retry after %.1f s); giving up", vendor, what, exc.retry_after)
                raise
            rate_tries += 1
            wait = max(exc.retry_after, 0.05) * (1 + 0.5 * (rate_tries - 1)) + random.uniform(0, 0.05)
            wait = min(wait, max_rate_limit_wait_s)
            log.info("%s: rate limited on %s; backing off %.2f s", vendor, what, wait)
            await asyncio.sleep(wait)
        except VendorTimeout:
            raise  # a retry would double the time spent hanging; the service retries later
        except VendorUnavailable:
            if transient_tries >= transient_retries:
                raise
            transient_tries += 1
            await asyncio.sleep(transient_backoff_s)
