"""The Sungrow envelope: HTTP 200 with ``result_code != "1"`` for errors; the code names the error class."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from woms_app.vendors.errors import (
    VendorAuthError,
    VendorBadResponse,
    VendorNotSupported,
    VendorRateLimited,
    VendorTokenExpired,
    VendorUnavailable,
)
from woms_app.vendors.http import scrub, wrap_error

SUNGROW_TOKEN_CODES = {"E00003", "002"}
# E900 "unauthorised access": a wrong access key (x-access-key) or an app not granted the API family, which
# only new credentials fix; E00002 and E904–E914: the app's key / encryption headers are refused.
SUNGROW_AUTH_CODES = {"E00000", "001", "E00001", "E00002", "E900", "E918", "E919", "003",
                      *(f"E9{n:02d}" for n in range(4, 15))}
SUNGROW_NOT_SUPPORTED = {"E902", "E996"}
SUNGROW_UNAVAILABLE = {"-1", "000", "011", "E994", "E997"}
SUNGROW_RATE_CODES = {"E901": 1.0, "E903": 60.0, "E916": 60.0, "E999": None, "E998": None}  # None: to the period end


def _seconds_to_next_hour(now: datetime | None = None) -> float:
    now = now or datetime.now(UTC)
    nxt = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return (nxt - now).total_seconds()


def _seconds_to_next_month(now: datetime | None = None) -> float:
    now = now or datetime.now(UTC)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return (datetime(year, month, 1, tzinfo=UTC) - now).total_seconds()


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
        raise wrap_error(VendorTokenExpired, msg, vendor, code, secrets)
    if code in SUNGROW_AUTH_CODES:
        raise wrap_error(VendorAuthError, msg, vendor, code, secrets)
    if code in SUNGROW_NOT_SUPPORTED:
        raise wrap_error(VendorNotSupported, msg, vendor, code, secrets)
    if code in SUNGROW_RATE_CODES:
        default = SUNGROW_RATE_CODES[code]
        if default is None:
            default = _seconds_to_next_hour() if code == "E999" else _seconds_to_next_month()
        ra = retry_after if retry_after is not None else default
        raise VendorRateLimited(scrub(msg, secrets), retry_after=ra, vendor=vendor, code=code)
    if code in SUNGROW_UNAVAILABLE:
        raise wrap_error(VendorUnavailable, msg, vendor, code, secrets)
    raise wrap_error(VendorBadResponse, msg, vendor, code, secrets)
