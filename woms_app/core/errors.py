"""Application error tree. Services raise these; API and state translate them."""
from __future__ import annotations


class WomsError(Exception):
    """Base of every expected application error. ``message`` is safe to show a user."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(WomsError):
    status_code = 422


class NotAuthenticated(WomsError):
    status_code = 401


class Forbidden(WomsError):
    status_code = 403


class NotFound(WomsError):
    status_code = 404


class Conflict(WomsError):
    status_code = 409


class PayloadTooLarge(WomsError):
    """An upload over the configured size (refused while it is read)."""

    status_code = 413


class TooManyAttempts(WomsError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
