"""Vendor base URLs may not point the server at private or local networks (outside demo mode)."""
import pytest

from tests.api.conftest import client  # noqa: F401  (fixture)
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


# ---------------------------------------------------------------- the URL's form (any mode)
@pytest.mark.parametrize("url, words", [
    ("https://gateway.isolarcloud.eu\r\nX-Injected: 1", "control characters"),
    ("https://gateway.isolarcloud.eu/\nx", "control characters"), ("https://gate\tway.example", "control characters"),
    ("https://gateway.isolarcloud.eu/a b", "control characters"), ("https://gw.example/\x00", "control characters"),
    ("https://user:pass@gateway.isolarcloud.eu", "user name or password"),
    ("https://evil.example@127.0.0.1/", "user name or password"),
    ("https://gateway.isolarcloud.eu/?appkey=1", "query"), ("https://gateway.isolarcloud.eu/#x", "fragment"),
    ("https://gateway.isolarcloud.eu:99999/", "http(s) address"), ("ftp://gateway.isolarcloud.eu", "http(s) address"),
])
def test_malformed_base_urls_are_a_field_error(url, words):
    with pytest.raises(ValidationFailed) as exc:
        _clean_url(url, "")
    assert words in exc.value.message and exc.value.field == "base_url"


def test_crlf_base_url_is_422_not_500(client):
    from tests.api.conftest import login  # noqa: F811

    assert login(client, "ops@helios.demo.woms").status_code == 200
    r = client.post("/api/vendors", json={"name": "X", "vendor_type": "sungrow",
                                          "base_url": "https://gateway.isolarcloud.eu\r\nHost: evil",
                                          "credentials": {"appkey": "a", "access_key": "b", "username": "c",
                                                          "password": "d"}})
    assert r.status_code == 422 and r.json()["field"] == "base_url"


# ---------------------------------------------------------------- connect time (DNS rebinding)
import asyncio  # noqa: E402

from tests.vendors.conftest import emulator, live  # noqa: E402,F401  (fixtures)
from woms_app.vendors import VendorManager, VendorNotSupported  # noqa: E402
from woms_app.vendors.netguard import vendor_client  # noqa: E402


def _resolver(table):
    calls = []

    async def resolve(host, port):
        calls.append(host)
        return table[host]

    resolve.calls = calls
    return resolve


def _adapter(live, host, client):  # noqa: F811
    acc = live.accounts()["sungrow"]
    port = live.url.rsplit(":", 1)[1]
    return VendorManager.build("sungrow", f"http://{host}:{port}/sungrow", acc["credentials"], client=client,
                               timeout_s=3.0)


@pytest.mark.asyncio
@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "::1"])
async def test_a_name_that_now_resolves_to_a_private_address_is_refused_at_connect_time(production, live, address):  # noqa: F811
    """Saved when public, rebound later: the check runs on every connection, not only on save."""
    resolve = _resolver({"vendor.rebind.test": [address]})
    client = vendor_client(3.0, resolver=resolve)
    a = _adapter(live, "vendor.rebind.test", client)
    try:
        with pytest.raises(VendorNotSupported, match="private or local network"):
            await a.authenticate()
    finally:
        await client.aclose()
    assert resolve.calls == ["vendor.rebind.test"]
    assert live.stats()["accounts"] == {}  # nothing reached the (local) emulator


@pytest.mark.asyncio
async def test_any_private_address_among_the_answers_is_refused(production, live):  # noqa: F811
    client = vendor_client(3.0, resolver=_resolver({"mixed.test": ["93.184.216.34", "127.0.0.1"]}))
    a = _adapter(live, "mixed.test", client)
    try:
        with pytest.raises(VendorNotSupported):
            await a.authenticate()
    finally:
        await client.aclose()


@pytest.mark.asyncio
async def test_the_connection_goes_to_the_checked_address_and_keeps_the_host_name(live):  # noqa: F811
    """Where private targets are allowed (demo), the guarded client still connects to what it resolved."""
    resolve = _resolver({"emulator.internal.test": ["127.0.0.1"]})
    client = vendor_client(3.0, resolver=resolve, allow_private=True)
    a = _adapter(live, "emulator.internal.test", client)
    try:
        assert len(await a.list_plants()) == 5
    finally:
        await client.aclose()
    assert resolve.calls and set(resolve.calls) == {"emulator.internal.test"}


@pytest.mark.asyncio
async def test_adapters_get_the_guarded_client_by_default(production, live):  # noqa: F811
    """No client passed (as the sync does): the emulator on 127.0.0.1 is refused outside demo mode."""
    acc = live.accounts()["sungrow"]
    a = VendorManager.build("sungrow", acc["base_url"], acc["credentials"], timeout_s=3.0)
    try:
        with pytest.raises(VendorNotSupported, match="private or local network"):
            await asyncio.wait_for(a.authenticate(), 5)
    finally:
        await a.aclose()
