"""The adapter of a ``Vendor`` row: the row becomes vendors/' plain ``VendorConfig`` here, so vendors/ knows no table.

Decrypting the credentials is a services matter (core.security holds the key); the config keeps them out of its
``repr``.
"""
from __future__ import annotations

from typing import Any

import httpx

from woms_app.core.security import decrypt_json
from woms_app.models.vendor import Vendor
from woms_app.vendors import BaseVendorAdapter, Budget, VendorAuthError, VendorManager
from woms_app.vendors.config import VendorConfig


def vendor_config(vendor: Vendor) -> VendorConfig:
    """The config of a vendor row: decrypted credentials, base URL, request budget. An unknown vendor type fails
    (``UnknownVendorType``) before anything is decrypted; missing or undecryptable credentials are a
    ``VendorAuthError``."""
    VendorManager.adapter_class(vendor.vendor_type)
    if not vendor.credentials_encrypted:
        raise VendorAuthError("the vendor has no credentials stored", vendor=vendor.vendor_type)
    try:
        credentials = decrypt_json(vendor.credentials_encrypted)
    except ValueError as exc:
        raise VendorAuthError("stored credentials cannot be decrypted", vendor=vendor.vendor_type) from exc
    return VendorConfig(
        id=vendor.id, vendor_type=vendor.vendor_type, base_url=vendor.base_url, credentials=credentials,
        budget=Budget(int(vendor.rate_limit_requests), float(vendor.rate_limit_window_s), int(vendor.max_concurrency)),
    )


def adapter_for(vendor: Vendor, client: httpx.AsyncClient | None = None, **options: Any) -> BaseVendorAdapter:
    """The adapter of a vendor row (``VendorManager.from_config`` of its ``vendor_config``)."""
    return VendorManager.from_config(vendor_config(vendor), client=client, **options)
