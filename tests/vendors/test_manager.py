"""VendorManager: registry, from_config(config), types() for the UI, build() before a vendor is stored."""
from __future__ import annotations

import pytest

from woms_app.emulator.demo import demo_vendor_accounts
from woms_app.vendors import Budget, UnknownVendorType, VendorManager
from woms_app.vendors.config import VendorConfig
from woms_app.vendors.solarman.adapter import SolarmanAdapter
from woms_app.vendors.sungrow.adapter import SungrowAdapter


def test_types_lists_labels_and_credential_fields():
    types = {t.vendor_type: t for t in VendorManager.types()}
    assert set(types) == {"solarman", "sungrow"}
    assert types["solarman"].credential_fields == ("app_id", "app_secret", "account", "password")
    assert types["sungrow"].credential_fields == ("appkey", "access_key", "username", "password")
    assert all(t.label for t in types.values())
    assert types["solarman"].default_budget == Budget(270, 10.0, 8)


def test_from_config_builds_with_the_config_credentials_and_budget():
    acc = demo_vendor_accounts("http://127.0.0.1:8090")[1]
    config = VendorConfig(id=7, vendor_type="sungrow", base_url=acc["base_url"], credentials=acc["credentials"],
                          budget=Budget(12, 2.0, 3))
    a = VendorManager.from_config(config)
    assert isinstance(a, SungrowAdapter)
    assert a.base_url == "http://127.0.0.1:8090/sungrow"
    assert a.budget == Budget(12, 2.0, 3) and a.limiter.budget == Budget(12, 2.0, 3)
    assert acc["credentials"]["password"] not in repr(a)
    assert all(acc["credentials"][f] not in repr(config) for f in SungrowAdapter.secret_fields)  # secrets hidden


def test_unknown_type_is_a_clear_error():
    config = VendorConfig(id=None, vendor_type="huawei", base_url="http://x", credentials={}, budget=Budget(1, 1, 1))
    with pytest.raises(UnknownVendorType) as info:
        VendorManager.from_config(config)
    assert "huawei" in str(info.value) and "solarman" in str(info.value)


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
