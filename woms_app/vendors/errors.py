"""The vendor error tree. Adapters raise only these (always chained with ``raise ... from``).

::

    VendorError                      base; ``message`` is safe to show a user and never holds a secret
    ├── VendorAuthError              credentials rejected / login failed / token invalid
    │   └── VendorTokenExpired       token expired or missing: re-authenticate once and retry once
    ├── VendorRateLimited            the vendor (or our own budget) says slow down; ``retry_after`` seconds
    ├── VendorUnavailable            network error, timeout, 5xx, vendor-side service error
    │   └── VendorTimeout            no answer within the per-call timeout
    ├── VendorBadResponse            non-JSON, malformed or unexpected payload; rejected request parameters
    └── VendorNotSupported           the account / API family / vendor type cannot do this
        └── UnknownVendorType        VendorManager has no adapter registered for a vendor_type

Services decide: auth → mark the vendor as needing credentials; rate-limited → retry after
``retry_after``; unavailable → retry later; bad response → record and skip.
"""
from __future__ import annotations


class VendorError(Exception):
    """Base of every adapter error.

    ``vendor`` is the vendor type ("solarman", "sungrow"), ``code`` the vendor's own error code
    when there is one. ``message`` never contains a credential or token.
    """

    retryable = False

    def __init__(self, message: str, *, vendor: str = "", code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.vendor = vendor
        self.code = code

    def __str__(self) -> str:
        prefix = f"{self.vendor}: " if self.vendor else ""
        suffix = f" (code {self.code})" if self.code else ""
        return f"{prefix}{self.message}{suffix}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class VendorAuthError(VendorError):
    """The vendor rejected the credentials (wrong password, unknown app, locked account...)."""


class VendorTokenExpired(VendorAuthError):
    """The session token is expired, revoked or missing; one re-login should fix it."""

    retryable = True


class VendorRateLimited(VendorError):
    """Too many requests. ``retry_after`` is the number of seconds to wait before trying again."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float, vendor: str = "", code: str | None = None) -> None:
        super().__init__(message, vendor=vendor, code=code)
        self.retry_after = max(0.0, float(retry_after))


class VendorUnavailable(VendorError):
    """The vendor cannot be reached or answered with a server-side failure."""

    retryable = True


class VendorTimeout(VendorUnavailable):
    """The vendor did not answer within the per-call timeout."""


class VendorBadResponse(VendorError):
    """The vendor answered with something we cannot use (not JSON, wrong shape, rejected parameters)."""


class VendorNotSupported(VendorError):
    """The operation is not available for this vendor / account / API family."""


class UnknownVendorType(VendorNotSupported):
    """No adapter is registered for the requested vendor_type."""
