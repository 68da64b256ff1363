"""VendorManager: the registry of adapters keyed by ``vendor_type`` and the factory the services use.

Adding a vendor = one package with a ``BaseVendorAdapter`` subclass + one ``VendorManager.register`` line.
The manager knows no table: the services turn a ``Vendor`` row into a plain ``VendorConfig``
(``services.adapters.vendor_config``) and call ``from_config``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from woms_app.vendors import metering
from woms_app.vendors.base import BaseVendorAdapter, VendorTypeInfo
from woms_app.vendors.config import VendorConfig
from woms_app.vendors.errors import UnknownVendorType
from woms_app.vendors.limiter import Budget
from woms_app.vendors.solarman.adapter import SolarmanAdapter
from woms_app.vendors.sungrow.adapter import SungrowAdapter


class VendorManager:
    _registry: dict[str, type[BaseVendorAdapter]] = {}

    @classmethod
    def register(cls, adapter_cls: type[BaseVendorAdapter]) -> type[BaseVendorAdapter]:
        if not adapter_cls.vendor_type:
            raise ValueError("adapter class needs a vendor_type")
        cls._registry[adapter_cls.vendor_type] = adapter_cls
        return adapter_cls

    @classmethod
    def adapter_class(cls, vendor_type: str) -> type[BaseVendorAdapter]:
        key = (vendor_type or "").strip().lower()
        try:
            return cls._registry[key]
        except KeyError:
            known = ", ".join(sorted(cls._registry)) or "none"
            raise UnknownVendorType(
                f"unknown vendor type {vendor_type!r}; supported types: {known}", vendor=str(vendor_type)
            ) from None

    @classmethod
    def types(cls) -> list[VendorTypeInfo]:
        """Registered vendor types with a human label and the credential fields each needs."""
        return [
            VendorTypeInfo(
                vendor_type=a.vendor_type,
                label=a.label,
                credential_fields=a.credential_fields,
                secret_fields=a.secret_fields,
                optional_credential_fields=a.optional_credential_fields,
                default_budget=a.default_budget,
                default_base_url=a.default_base_url,
            )
            for a in sorted(cls._registry.values(), key=lambda a: a.vendor_type)
        ]

    @classmethod
    def build(
        cls,
        vendor_type: str,
        base_url: str,
        credentials: Mapping[str, Any],
        budget: Budget | tuple[int, float, int] | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> BaseVendorAdapter:
        """An adapter from plain values (e.g. to validate credentials before a vendor is stored)."""
        adapter_cls = cls.adapter_class(vendor_type)
        if budget is not None and not isinstance(budget, Budget):
            budget = Budget(*budget)
        return cls._metered(adapter_cls(base_url, credentials, client=client, budget=budget, **options))

    @staticmethod
    def _metered(adapter: BaseVendorAdapter) -> BaseVendorAdapter:
        metering.install(adapter._client)  # every request counts against the account's allowance (metering.py)
        return adapter

    @classmethod
    def from_config(cls, config: VendorConfig, client: httpx.AsyncClient | None = None,
                    **options: Any) -> BaseVendorAdapter:
        """The adapter of a vendor account (decrypted credentials, base URL, budget: ``services.adapters``)."""
        adapter_cls = cls.adapter_class(config.vendor_type)
        return cls._metered(adapter_cls(config.base_url, config.credentials, client=client, budget=config.budget,
                                        **options))

VendorManager.register(SolarmanAdapter)
VendorManager.register(SungrowAdapter)
