"""VendorManager: registry, for_vendor(row), types() for the UI, build() before a row exists."""
from __future__ import annotations

import pytest

from woms_app.core.security import encrypt_json
from woms_app.emulator.demo import demo_vendor_accounts
from woms_app.models.vendor import Vendor
from woms_app.vendors import Budget, UnknownVendorType, VendorAuthError, VendorManager
from woms_app.vendors.solarman.adapter import SolarmanAdapter
from woms_app.vendors.sungrow.adapter import SungrowAdapter


def test_types_lists_labels_and_credential_fields():
    types = {t.vendor_type: t for t in VendorManager.types()}
    assert set(types) == {"solarman", "sungrow"}
    assert types["solarman"].credential_fields == ("app_id", "app_secret", "account", "password")
    assert types["sungrow"].credential_fields == ("appkey", "access_key", "username", "password")
    assert all(t.label for t in types.values())
    assert types["solarman"].default_budget == Budget(270, 10.0, 8)


def test_for_vendor_builds_from_row_with_decrypted_credentials_and_budget():
    acc = demo_vendor_accounts("http://127.0.0.1:8090")[1]
    row = Vendor(org_id=1, name=acc["name"], vendor_type="sungrow", base_url=acc["base_url"],
                 credentials_encrypted=encrypt_json(acc["credentials"]), rate_limit_requests=12,
                 rate_limit_window_s=2.0, max_concurrency=3)
    a = VendorManager.for_vendor(row)
    assert isinstance(a, SungrowAdapter)
    assert a.base_url == "http://127.0.0.1:8090/sungrow"
    assert a.budget == Budget(12, 2.0, 3) and a.limiter.budget == Budget(12, 2.0, 3)
    assert acc["credentials"]["password"] not in repr(a)


def test_unknown_type_is_a_clear_error():
    row = Vendor(org_id=1, name="x", vendor_type="huawei", base_url="http://x", credentials_encrypted="zz")
    with pytest.raises(UnknownVendorType) as info:
        VendorManager.for_vendor(row)
    assert "huawei" in str(info.value) and "solarman" in str(info.value)


def test_row_without_or_with_undecryptable_credentials():
    with pytest.raises(VendorAuthError):
        VendorManager.for_vendor(Vendor(org_id=1, name="x", vendor_type="solarman", base_url="http://x"))
    with pytest.raises(VendorAuthError):
        VendorManager.for_vendor(Vendor(org_id=1, name="x", vendor_type="solarman", base_url="http://x",
                                        credentials_encrypted="not-a-fernet-token"))


def test_build_from_plain_values_and_demo_contract():
    accounts = demo_vendor_accounts("http://127.0.0.1:8090/")
    assert [a["org_name"] for a in accounts] == ["Sunrise Energy", "Helios Power"]
    fields = {t.vendor_type: set(t.credential_fields) for t in VendorManager.types()}
    for acc in accounts:
        assert set(acc) == {"org_name", "name", "vendor_type", "base_url", "credentials"}
        assert set(acc["credentials"]) == fields[acc["vendor_type"]]
        a = VendorManager.build(acc["vendor_type"], acc["base_url"], acc["credentials"], (5, 1.0, 2))
        assert isinstance(a, SolarmanAdapter if acc["vendor_type"] == "solarman" else SungrowAdapter)
    assert accounts[0]["base_url"] == "http://127.0.0.1:8090/solarman"
