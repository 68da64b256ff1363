"""Credentials never appear in logs, exceptions or reprs (captured and grepped)."""
from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime, timedelta

import pytest

from woms_app.vendors import VendorError, VendorManager
from woms_app.vendors.solarman.adapter import hash_password
from woms_app.vendors.solarman.envelope import check_solarman
from woms_app.vendors.sungrow.envelope import check_sungrow

pytestmark = pytest.mark.asyncio
VENDORS = ["solarman", "sungrow"]


def secrets_of(vendor: str, creds: dict) -> list[str]:
    if vendor == "solarman":
        return [creds["app_secret"], creds["password"], hash_password(creds["password"])]
    return [creds["appkey"], creds["access_key"], creds["password"]]


def assert_clean(text: str, secrets: list[str]) -> None:
    for s in secrets:
        assert s not in text, "a credential leaked"


@pytest.mark.parametrize("vendor", VENDORS)
async def test_no_credentials_in_logs_errors_reprs(live, vendor, caplog):
    caplog.set_level(logging.DEBUG)  # includes httpx/httpcore debug lines
    acc = live.accounts()[vendor]
    creds = acc["credentials"]
    secrets = secrets_of(vendor, creds)
    texts: list[str] = []

    a = VendorManager.build(vendor, acc["base_url"], creds, timeout_s=1)
    texts += [repr(a), str(a), repr(a.limiter.snapshot())]
    plants = await a.list_plants()
    await a.authenticate()
    token = a._token  # noqa: SLF001
    secrets.append(token)
    # errors of every kind, re-auth and retries: each fault must have happened (raised its error, or been recovered
    # from by a new login), else the texts below would hold nothing a secret could leak into
    def logins() -> int:
        return sum(st["logins"] for st in live.stats()["accounts"].values())

    outcomes = {}
    # http_500 outlasts every retry whatever the number of calls in flight (a count of 5 was used up by the first
    # attempts of 5 concurrent frame calls when the window spans two local days, and the retries then succeeded)
    for kind, opts in [("token_expiry", {}), ("malformed_json", {"count": 1}), ("http_500", {"count": 100}),
                       ("timeout", {"count": 1, "delay_s": 2})]:
        live.fault(kind, vendor, **opts)
        before = logins()
        try:
            await a.get_telemetry(plants[0], datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC))
            outcomes[kind] = "recovered"
        except VendorError as exc:
            outcomes[kind] = type(exc).__name__
            texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        if kind == "token_expiry":
            assert logins() == before + 1, "the expired token was not replaced by a new login"
        live.admin("DELETE", "/faults")
    assert outcomes == {"token_expiry": "recovered", "malformed_json": "VendorBadResponse",
                        "http_500": "VendorUnavailable", "timeout": "VendorTimeout"}
    await a.aclose()

    bad = VendorManager.build(vendor, acc["base_url"], {**creds, "password": "wrong-" + creds["password"]}, timeout_s=2)
    secrets.append("wrong-" + creds["password"])
    res = await bad.test_connection()
    texts += [repr(res), res.reason]
    try:
        await bad.authenticate()
    except VendorError as exc:
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    await bad.aclose()

    texts += [r.getMessage() for r in caplog.records]
    texts += [caplog.text]
    assert_clean("\n".join(texts), secrets)


async def test_vendor_messages_echoing_a_secret_are_scrubbed():
    with pytest.raises(VendorError) as info:
        check_solarman({"success": False, "code": "2101025", "msg": "bad secret s3cr3t-value"}, secrets=["s3cr3t-value"])
    assert "s3cr3t-value" not in str(info.value) and "***" in str(info.value)
    with pytest.raises(VendorError) as info:
        check_sungrow({"result_code": "E00003", "result_msg": "token 505120_abcdef invalid"}, secrets=["505120_abcdef"])
    assert "505120_abcdef" not in repr(info.value)


async def test_missing_credential_field_names_the_field_not_values():
    from woms_app.vendors import VendorAuthError

    with pytest.raises(VendorAuthError) as info:
        VendorManager.build("sungrow", "http://x", {"appkey": "K-SECRET-1", "username": "u"})
    assert "access_key" in str(info.value) and "password" in str(info.value) and "K-SECRET-1" not in str(info.value)
