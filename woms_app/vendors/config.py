"""VendorConfig: what an adapter is built from — a plain record, so vendors/ never sees a table row.

The services build it from a ``Vendor`` row (``services.adapters.vendor_config``: decrypted credentials, base URL,
request budget); ``VendorManager.from_config`` turns it into an adapter. The credentials are kept out of
``repr``: a config in a log line or a traceback shows the account's type and address, never its secrets.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from woms_app.vendors.limiter import Budget


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorConfig:
    id: int | None  # the vendor row's id (for messages; the adapter does not need it)
    vendor_type: str  # key in the VendorManager registry
    base_url: str
    credentials: Mapping[str, Any] = field(repr=False)  # decrypted: never in repr, logs or exceptions
    budget: Budget  # at most ``requests`` per ``window_s``, ``max_concurrency`` in flight
