"""services/adapters.py: a Vendor row becomes a VendorConfig (decrypted credentials, budget), then an adapter."""
from __future__ import annotations

import pytest

from woms_app.core.security import encrypt_json
from woms_app.emulator.demo import demo_vendor_accounts
from woms_app.models.vendor import Vendor
from woms_app.services.adapters import adapter_for, vendor_config
from woms_app.vendors import Budget, UnknownVendorType, VendorAuthError
from woms_app.vendors.sungrow.adapter import SungrowAdapter


def test_adapter_for_builds_from_row_with_decrypted_credentials_and_budget():
    acc = demo_vendor_accounts("http://127.0.0.1:8090")[1]
    row = Vendor(id=3, org_id=1, name=acc["name"], vendor_type="sungrow", base_url=acc["base_url"],
                 credentials_encrypted=encrypt_json(acc["credentials"]), rate_limit_requests=12,
                 rate_limit_window_s=2.0, max_concurrency=3)
    config = vendor_config(row)
    assert config.id == 3 and config.credentials == acc["credentials"] and config.budget == Budget(12, 2.0, 3)
    assert acc["credentials"]["password"] not in repr(config) and "credentials" not in repr(config)
    a = adapter_for(row)
    assert isinstance(a, SungrowAdapter)
    assert a.base_url == "http://127.0.0.1:8090/sungrow"
    assert a.budget == Budget(12, 2.0, 3) and a.limiter.budget == Budget(12, 2.0, 3)
    assert acc["credentials"]["password"] not in repr(a)


def test_unknown_type_is_a_clear_error_before_decrypting():
    row = Vendor(org_id=1, name="x", vendor_type="huawei", base_url="http://x", credentials_encrypted="zz")
    with pytest.raises(UnknownVendorType) as info:
        adapter_for(row)
    assert "huawei" in str(info.value) and "solarman" in str(info.value)


def test_row_without_or_with_undecryptable_credentials():
    with pytest.raises(VendorAuthError):
        vendor_config(Vendor(org_id=1, name="x", vendor_type="solarman", base_url="http://x"))
    with pytest.raises(VendorAuthError):
        vendor_config(Vendor(org_id=1, name="x", vendor_type="solarman", base_url="http://x",
                             credentials_encrypted="not-a-fernet-token"))
