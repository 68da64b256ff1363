"""Vendor base URLs may not point the server at private or local networks (outside demo mode)."""
import pytest

from woms_app.core.config import reset_settings
from woms_app.core.errors import ValidationFailed
from woms_app.services.vendors import _clean_url


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("WOMS_ALLOW_PRIVATE_VENDOR_URLS", "false")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8090/solarman", "http://localhost/x", "https://10.1.2.3",
                                 "http://192.168.1.10", "http://169.254.169.254/latest/meta-data",
                                 "http://[::1]:80/", "http://0.0.0.0/", "http://172.16.0.1/"])
def test_private_and_local_addresses_are_refused(production, url):
    with pytest.raises(ValidationFailed, match="private or local network") as exc:
        _clean_url(url, "")
    assert exc.value.field == "base_url"


def test_public_address_is_accepted(production):
    assert _clean_url("https://93.184.216.34/openapi/", "") == "https://93.184.216.34/openapi"


def test_unresolvable_host_is_a_clear_error(production):
    with pytest.raises(ValidationFailed, match="cannot be resolved"):
        _clean_url("https://no-such-host.invalid/", "")


def test_demo_mode_allows_the_local_emulator():
    assert _clean_url("http://127.0.0.1:8090/solarman/", "") == "http://127.0.0.1:8090/solarman"
