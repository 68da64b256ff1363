"""Tokens that die during a sync run (issue 13): after N calls, or because another client logged in.

Each case compares a faulted run with a clean run of the same frozen window on its own databases:
every reading of the clean run arrives, no plant is lost, the vendor stays ACTIVE, and the logins are
what single flight predicts. 8 calls are in flight (the vendor's budget concurrency, checked at the
emulator).
"""
from __future__ import annotations

import math
from datetime import timedelta

import pytest

from tests.conftest import migrate, use_databases
from tests.sync.conftest import point_vendors_at, snapshot
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import SyncStatus, Vendor, VendorStatus
from woms_app.services.adapters import adapter_for
from woms_app.services.seed import seed_demo
from woms_app.services.sync import sync_vendor
from woms_app.vendors import VendorManager
from woms_app.vendors.limiter import reset_limiters

ACCOUNT = {"solarman": "solarman:sunrise", "sungrow": "sungrow:helios"}
IN_FLIGHT = 8


def freeze_recent():
    now = clock.utcnow()
    at = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0) - timedelta(minutes=5)
    clock.freeze(at)
    return at


def eight_in_flight(vendor_id: int) -> None:
    with main_session(SYSTEM_CONTEXT) as s:
        v = s.get(Vendor, vendor_id)
        v.max_concurrency, v.rate_limit_requests, v.rate_limit_window_s = IN_FLIGHT, 100_000, 1.0
        s.add(v)


def vendor_status(vendor_id: int) -> VendorStatus:
    with main_session(SYSTEM_CONTEXT) as s:
        return s.get(Vendor, vendor_id).status


def fresh_databases(tmp_path, live, name: str) -> dict[str, int]:
    main_url, tel_url = f"sqlite:///{tmp_path / (name + '.db')}", f"sqlite:///{tmp_path / (name + '_tel.db')}"
    migrate(main_url, tel_url)
    use_databases(main_url, tel_url)
    with main_session(SYSTEM_CONTEXT) as s:
        seed_demo(s)
    return point_vendors_at(live.url)


def account_stats(live, vendor: str) -> dict:
    """The account's stats; ``token_rejected`` summed over every key of the vendor (the emulator files a
    SOLARMAN call with a dead token under "invalid-token", not under the account)."""
    accounts = live.stats()["accounts"]
    out = dict(accounts[ACCOUNT[vendor]])
    out["token_rejected"] = sum(v["token_rejected"] for k, v in accounts.items() if k.startswith(vendor + ":"))
    return out


async def clean_then_faulted(vendors, live, tmp_path, vendor, config, progress=None):
    """(clean snapshot, clean result, faulted snapshot, faulted result, faulted vendor id, emulator stats)."""
    at = freeze_recent()
    live.admin("POST", "/config", json={"latency_s": 0.03})  # calls overlap for real
    eight_in_flight(vendors[vendor])
    clean = await sync_vendor(vendors[vendor])
    assert clean.status == SyncStatus.SUCCEEDED, clean.error
    expected = snapshot()
    clean_stats = account_stats(live, vendor)
    assert clean_stats["logins"] == 1

    ids = fresh_databases(tmp_path, live, "faulted")
    eight_in_flight(ids[vendor])
    clock.freeze(at)
    live.admin("POST", "/reset")
    reset_limiters()
    live.admin("POST", "/config", json=config)
    result = await sync_vendor(ids[vendor], progress=progress)
    st = account_stats(live, vendor)
    with main_session(SYSTEM_CONTEXT) as s:
        a = adapter_for(s.get(Vendor, ids[vendor]))  # the account's shared limiter, no request
    st["client_max_in_flight"] = a.limiter.max_in_flight
    await a.aclose()
    return expected, clean, snapshot(), result, ids[vendor], st


def assert_nothing_lost(expected, clean, got, result, vendor_id, st):
    assert result.status == SyncStatus.SUCCEEDED, result.error
    assert st["client_max_in_flight"] == IN_FLIGHT  # 8 requests sent and not yet answered at once
    assert "Credentials" not in (result.error or "")
    assert vendor_status(vendor_id) == VendorStatus.ACTIVE
    assert result.plants_total == result.plants_done == clean.plants_done == 5 and result.plants_failed == 0
    assert result.readings_upserted == clean.readings_upserted > 500
    assert got["readings"] == expected["readings"]  # every reading of the clean run, same values
    assert got["plants"] == expected["plants"]
    assert got["alerts"] == expected["alerts"]


@pytest.mark.parametrize("vendor", ["solarman", "sungrow"])
@pytest.mark.parametrize("n", [1, 3, 10])
async def test_token_dying_after_n_calls_costs_one_shared_login_per_token(vendors, live, tmp_path, vendor, n):
    expected, clean, got, result, vid, st = await clean_then_faulted(
        vendors, live, tmp_path, vendor, {"latency_s": 0.03, f"{vendor}_token_max_calls": n})
    assert_nothing_lost(expected, clean, got, result, vid, st)
    # single flight: a token is replaced only after it died, i.e. after its n accepted calls, so each
    # login serves exactly n calls (the last one up to n): logins = ceil(accepted calls / n)
    assert st["logins"] == math.ceil(st["token_ok"] / n)
    assert st["token_rejected"] >= st["logins"] - 1
    print(f"\n{vendor} N={n}: logins {st['logins']} for {st['token_ok']} accepted calls "
          f"({st['token_rejected']} rejected), readings {result.readings_upserted}/{clean.readings_upserted}, "
          f"in flight {st['client_max_in_flight']} sent / {st['max_in_flight']} at the emulator")


@pytest.mark.parametrize("vendor", ["solarman", "sungrow"])
async def test_login_elsewhere_kills_our_token_and_costs_one_login_each_time(vendors, live, tmp_path, vendor):
    acc = live.accounts()[vendor]
    other = VendorManager.build(vendor, acc["base_url"], acc["credentials"], timeout_s=5)  # another client
    kicked: list[int] = []

    async def progress(p):
        # a foreign login after the first plant, and another once we have logged in again (so that the
        # two are separate events for us); each kills every older token of the account
        if p.stage != "telemetry" or p.plants_done < 1 or len(kicked) >= 2:
            return
        if not kicked or account_stats(live, vendor)["logins"] == 1 + 2 * len(kicked):
            kicked.append(p.plants_done)
            await other.authenticate()

    try:
        expected, clean, got, result, vid, st = await clean_then_faulted(
            vendors, live, tmp_path, vendor, {"latency_s": 0.03, f"{vendor}_login_kills_older": True},
            progress=progress)
    finally:
        await other.aclose()
    assert len(kicked) >= 1
    assert_nothing_lost(expected, clean, got, result, vid, st)
    # ours: the first login + one shared re-login per foreign login; theirs: one each
    assert st["logins"] == 1 + 2 * len(kicked)
    assert st["token_rejected"] >= len(kicked)
    print(f"\n{vendor} login-kills-older: logins {st['logins']} for {len(kicked)} foreign logins, "
          f"{st['token_rejected']} calls rejected, readings {result.readings_upserted}/{clean.readings_upserted}")


@pytest.mark.parametrize("vendor", ["solarman", "sungrow"])
async def test_a_refused_login_after_expiry_is_a_credentials_failure(vendors, live, vendor):
    """The one case that is: the token died and the fresh login is refused (password changed)."""
    freeze_recent()
    eight_in_flight(vendors[vendor])
    live.admin("POST", "/config", json={f"{vendor}_token_max_calls": 3})
    acct = live.state.fleet.account(vendor, ACCOUNT[vendor].split(":")[1])
    old = dict(acct.credentials)
    calls = {"n": 0}

    async def progress(p):  # the password changes at the vendor once the run is under way
        calls["n"] += 1
        if calls["n"] == 2:
            acct.credentials["password"] = "changed-elsewhere"
            live.fault("token_expiry", vendor)

    try:
        result = await sync_vendor(vendors[vendor], progress=progress)
    finally:
        acct.credentials.clear()
        acct.credentials.update(old)
    assert result.status == SyncStatus.FAILED
    assert result.error.startswith("Credentials rejected: ") and "login failed" in result.error
    assert vendor_status(vendors[vendor]) == VendorStatus.NEEDS_CREDENTIALS
