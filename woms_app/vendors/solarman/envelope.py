"""The SOLARMAN envelope: errors arrive with HTTP 200 and ``success:false``; its ``code`` names the error class."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
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

SOLARMAN_TOKEN_CODES = {"2101019", "2101017"}
SOLARMAN_AUTH_CODES = {"2101018", "2101020", "2101021", "2101025", "2101003"}
SOLARMAN_NOT_SUPPORTED = {"2101022", "2101023"}
SOLARMAN_RATE_CODES = {"2101002": 10.0, "2101009": 86400.0, "2101010": 86400.0}
SOLARMAN_UNAVAILABLE = {"3201001", "3501004", "2104001", "2104002", "2104003"}




def check_solarman(body: Mapping[str, Any], retry_after: float | None = None,
                   secrets: Iterable[str] = ()) -> Mapping[str, Any]:
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
        raise wrap_error(VendorTokenExpired, msg, vendor, code_s, secrets)
    if code_s in SOLARMAN_AUTH_CODES:
        raise wrap_error(VendorAuthError, msg, vendor, code_s, secrets)
    if code_s in SOLARMAN_NOT_SUPPORTED:
        raise wrap_error(VendorNotSupported, msg, vendor, code_s, secrets)
    if code_s in SOLARMAN_RATE_CODES:
        ra = retry_after if retry_after is not None else SOLARMAN_RATE_CODES[code_s]
        raise VendorRateLimited(scrub(msg, secrets), retry_after=ra, vendor=vendor, code=code_s)
    if code_s in SOLARMAN_UNAVAILABLE:
        raise wrap_error(VendorUnavailable, msg, vendor, code_s, secrets)
    raise wrap_error(VendorBadResponse, msg, vendor, code_s, secrets)
