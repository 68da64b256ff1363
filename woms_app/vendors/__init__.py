"""Vendor integrations: adapters returning normalized records (vendor JSON never leaves this package)."""
from woms_app.vendors.base import (
    BaseVendorAdapter,
    ConnectionResult,
    NormalizedAlert,
    NormalizedDevice,
    NormalizedPlant,
    Reading,
    VendorTypeInfo,
)
from woms_app.vendors.errors import (
    UnknownVendorType,
    VendorAuthError,
    VendorBadResponse,
    VendorError,
    VendorNotSupported,
    VendorRateLimited,
    VendorTimeout,
    VendorTokenExpired,
    VendorUnavailable,
)
from woms_app.vendors.limiter import Budget
from woms_app.vendors.manager import VendorManager

__all__ = [
    "BaseVendorAdapter", "Budget", "ConnectionResult", "NormalizedAlert", "NormalizedDevice", "NormalizedPlant",
    "Reading",
    "UnknownVendorType", "VendorAuthError", "VendorBadResponse", "VendorError", "VendorManager",
    "VendorNotSupported", "VendorRateLimited", "VendorTimeout", "VendorTokenExpired", "VendorTypeInfo",
    "VendorUnavailable",
]
