"""The webhook signature: ``X-WOMS-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``.

The timestamp (``X-WOMS-Timestamp``, unix seconds) is inside the signed text, so a receiver that refuses old
timestamps refuses replays; ``v1=`` names the scheme so a second one can be added beside it later.
docs/WEBHOOKS.md shows the receiver's side (its example is run by the tests).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

SCHEME = "v1"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def headers(secret: str, timestamp: int, body: bytes, event: str, idempotency_key: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "User-Agent": "WOMS-Webhooks/1",
            "X-WOMS-Timestamp": str(timestamp), "X-WOMS-Signature": signature(secret, timestamp, body),
            "X-WOMS-Event": event, "Idempotency-Key": idempotency_key}
