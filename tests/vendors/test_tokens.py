"""Tokens and rate limits under concurrency (issue 13), against the live emulator over real HTTP.

* properties (hypothesis): however many calls are in flight and whenever the token dies — after N
  calls, or killed at the k-th response — every call returns the clean answer and the logins are what
  single flight predicts;
* a table: each rate-limit answer (SOLARMAN 2101002, Sungrow E901 / E999, HTTP 429) is followed by a
  retry no earlier than one full window of the limit, measured at the emulator, and then succeeds;
  answers whose window outlasts the call's back-off time (E999 at its real hour, E998) give up at once.
"""
from __future__ import annotations

import asyncio
import math
import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from woms_app.vendors import VendorManager, VendorRateLimited
from woms_app.vendors.errors import VendorTokenExpired
from woms_app.vendors.http import call_with_policy
from woms_app.vendors.limiter import reset_limiters
from woms_app.vendors.solarman.adapter import reset_caches
from woms_app.vendors.solarman.envelope import check_solarman
from woms_app.vendors.sungrow.envelope import check_sungrow

ACCOUNT = {"solarman": "solarman:sunrise", "sungrow": "sungrow:helios"}
VENDORS = ["solarman", "sungrow"]
BASE_CONFIG = {"latency_s": 0.0, "solarman_limit": [300, 10.0], "sungrow_limit": [14400, 3600.0],
               "sungrow_burst": None, "solarman_token_max_calls": None, "sungrow_token_max_calls": None,
               "solarman_login_kills_older": False, "sungrow_login_kills_older": False}
PROPERTY = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def fresh(emulator, **config):
    emulator.admin("POST", "/reset")
    emulator.admin("POST", "/config", json={**BASE_CONFIG, **config})
    reset_limiters()
    reset_caches()  # SOLARMAN keeps tokens across runs: each case starts with none


def stats(emulator, vendor):
    accounts = emulator.stats()["accounts"]
    out = dict(accounts[ACCOUNT[vendor]])
    out["token_rejected"] = sum(v["token_rejected"] for k, v in accounts.items() if k.startswith(vendor + ":"))
    return out


async def one_call(a) -> int:
    """One authenticated request: the plant count. SOLARMAN's count_plants is one station-list call; Sungrow's is
    its whole discovery (the connection test runs the sync's path), so its first plant-list page is asked here."""
    if a.vendor_type == "sungrow":
        total, _ = await a._plant_items(size=1, first_page_only=True)
        return total
    return await a.count_plants()


def adapter(emulator, vendor, in_flight, client=None, **opts):
    acc = emulator.accounts()[vendor]
    return VendorManager.build(vendor, acc["base_url"], acc["credentials"], (100_000, 1.0, in_flight),
                               timeout_s=5, client=client, **opts)


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor", VENDORS)
@PROPERTY
@given(n=st.integers(1, 12), in_flight=st.integers(1, 8), extra=st.integers(0, 16), latency=st.sampled_from([0.0, 0.01]))
async def test_property_token_dying_after_n_calls(emulator, vendor, n, in_flight, extra, latency):
    fresh(emulator, latency_s=latency, **{f"{vendor}_token_max_calls": n})
    calls = in_flight + extra
    a = adapter(emulator, vendor, in_flight)
    try:
        got = await asyncio.wait_for(asyncio.gather(*(one_call(a) for _ in range(calls))), 30)
    finally:
        await a.aclose()
    s = stats(emulator, vendor)
    assert got == [5] * calls
    assert s["token_ok"] == calls
    assert s["logins"] == math.ceil(calls / n)  # each token serves exactly n calls: one login per n
    assert a.tokens.logins == s["logins"]


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor", VENDORS)
@PROPERTY
@given(in_flight=st.integers(1, 8), extra=st.integers(0, 16), kill_at=st.integers(1, 24), gap=st.integers(1, 4),
       kills_older=st.booleans())
async def test_property_token_killed_twice_at_any_moment(emulator, vendor, in_flight, extra, kill_at, gap,
                                                        kills_older):
    """Every token is revoked when the k-th and the (k+gap)-th responses arrive (anywhere in the run, or
    after it): a call may meet both deaths and still returns the clean answer."""
    fresh(emulator, latency_s=0.005, **{f"{vendor}_login_kills_older": kills_older})
    calls = in_flight + extra
    seen = {"n": 0}

    async def on_response(_resp: httpx.Response) -> None:
        seen["n"] += 1
        if seen["n"] in (kill_at, kill_at + gap):
            emulator.state.expire_tokens(vendor)

    client = httpx.AsyncClient(event_hooks={"response": [on_response]})
    a = adapter(emulator, vendor, in_flight, client=client)
    try:
        got = await asyncio.wait_for(asyncio.gather(*(one_call(a) for _ in range(calls))), 30)
    finally:
        await client.aclose()
    s = stats(emulator, vendor)
    assert got == [5] * calls
    assert s["token_ok"] == calls
    assert s["logins"] == a.tokens.logins
    # at most one shared re-login per death, none if no call met a dead token
    assert 1 + (1 if s["token_rejected"] else 0) <= s["logins"] <= 3


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor", VENDORS)
async def test_token_dying_of_age_between_bursts_costs_one_login_per_burst(emulator, vendor):
    """Tokens live 1 s (SOLARMAN: fixed; Sungrow: sliding, from the last call); each burst of 8 calls
    starts after the token died of age, and re-logs in once for all 8."""
    fresh(emulator, **{f"{vendor}_token_ttl_s": 1.0})
    a = adapter(emulator, vendor, 8)
    rounds = 4
    try:
        for i in range(rounds):
            if i:
                await asyncio.sleep(1.1)
            assert await asyncio.gather(*(one_call(a) for _ in range(8))) == [5] * 8
            assert await one_call(a) == 5  # the young token is used, not replaced early
    finally:
        await a.aclose()
    s = stats(emulator, vendor)
    assert s["token_ok"] == 9 * rounds
    assert s["logins"] == rounds  # the first login, then one shared re-login per burst


# ---------------------------------------------------------------- rate limits
W = 0.6  # the limit window configured at the emulator and told to the adapter


def arrivals(emulator, vendor):
    return sorted(emulator.stats()["accounts"][ACCOUNT[vendor]]["timestamps"])


RATE_TABLE = [
    # vendor, how the emulator limits, the code's window override
    ("solarman", {"fault": ("rate_limit", {"count": 1})}, {"2101002": W}),
    ("solarman", {"config": {"solarman_limit": [2, W]}}, {"2101002": W}),
    ("solarman", {"fault": ("http_429", {"count": 1})}, {"429": W}),
    ("sungrow", {"fault": ("rate_limit", {"count": 1})}, {"E901": W}),
    ("sungrow", {"config": {"sungrow_burst": [2, W]}}, {"E901": W}),
    ("sungrow", {"config": {"sungrow_limit": [2, W]}}, {"E999": W}),
    ("sungrow", {"fault": ("http_429", {"count": 1})}, {"429": W}),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor, how, windows", RATE_TABLE,
                         ids=[f"{v}-{next(iter(w))}-{next(iter(h))}" for v, h, w in RATE_TABLE])
async def test_rate_limit_backs_off_at_least_one_window_then_succeeds(emulator, vendor, how, windows):
    fresh(emulator)
    a = adapter(emulator, vendor, 8, rate_limit_windows=windows, max_rate_limit_wait_s=10)
    try:
        assert await one_call(a) == 5  # logged in
        time.sleep(W)  # the login and the first call leave the emulator's window
        if "config" in how:
            emulator.admin("POST", "/config", json=how["config"])
        before = len(arrivals(emulator, vendor))
        if "fault" in how:
            kind, opts = how["fault"]
            emulator.fault(kind, vendor, **opts)
        t0 = time.monotonic()
        got = await asyncio.gather(*(one_call(a) for _ in range(3)))
        elapsed = time.monotonic() - t0
    finally:
        await a.aclose()
    assert got == [5, 5, 5]
    ts = arrivals(emulator, vendor)[before:]
    gaps = [b - x for x, b in zip(ts, ts[1:])]
    longest = max(gaps)
    assert longest >= W - 0.02  # the retry came a full window after the refused call (emulator clock)
    assert elapsed >= W
    print(f"\n{vendor} {how}: longest gap between arrivals {longest:.3f} s (window {W} s), run {elapsed:.2f} s")


@pytest.mark.asyncio
async def test_hourly_limit_at_its_real_window_gives_up_at_once(emulator):
    """E999 at the documented hour: waiting is longer than the call's back-off time, so it fails fast."""
    fresh(emulator)
    a = adapter(emulator, "sungrow", 8, max_rate_limit_wait_s=30)
    try:
        assert await one_call(a) == 5
        emulator.admin("POST", "/config", json={"sungrow_limit": [1, 3600.0]})
        t0 = time.monotonic()
        with pytest.raises(VendorRateLimited) as info:
            await one_call(a)
        assert time.monotonic() - t0 < 1.0
        assert info.value.code == "E999"
    finally:
        await a.aclose()


# the documented windows, without sleeping them: each answer's first back-off is at least its window
@pytest.mark.asyncio
@pytest.mark.parametrize("vendor, body, window", [
    ("solarman", {"success": False, "code": "2101002", "msg": "request too frequently"}, 10.0),
    ("sungrow", {"result_code": "E901", "result_msg": "er_call_too_frequent", "result_data": None}, 10.0),
    ("sungrow", {"result_code": "E999", "result_msg": "er_hour_limit", "result_data": None}, 3600.0),
])
async def test_documented_windows_set_the_first_back_off(monkeypatch, vendor, body, window):
    a = VendorManager.build(vendor, "http://127.0.0.1:9", {
        "solarman": {"app_id": "1", "app_secret": "s" * 8, "account": "a@b.c", "password": "pw"},
        "sungrow": {"appkey": "k" * 8, "access_key": "x" * 8, "username": "u", "password": "pw"}}[vendor],
        max_rate_limit_wait_s=4000)
    waits: list[float] = []

    async def fake_sleep(s: float) -> None:
        waits.append(s)

    answers = iter([body, {"success": True} if vendor == "solarman" else {"result_code": "1", "result_data": 7}])
    check = check_solarman if vendor == "solarman" else check_sungrow

    async def op():
        return check(next(answers), None)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    try:
        await call_with_policy(op, reauthenticate=lambda: None, vendor=vendor, what="x",
                               max_rate_limit_wait_s=4000, rate_window_s=a.rate_window_s,
                               on_rate_limited=a.limiter.hold)
    finally:
        monkeypatch.undo()
        await a.aclose()
    assert len(waits) == 1 and waits[0] >= window


@pytest.mark.asyncio
async def test_monthly_limit_gives_up_without_waiting():
    waits = []
    calls = {"n": 0}

    async def op():
        calls["n"] += 1
        return check_sungrow({"result_code": "E998", "result_msg": "er_month_limit", "result_data": None}, None)

    with pytest.raises(VendorRateLimited) as info:
        await call_with_policy(op, reauthenticate=lambda: None, vendor="sungrow", what="x",
                               on_rate_limited=waits.append)
    assert calls["n"] == 1 and waits == [] and info.value.code == "E998"


@pytest.mark.asyncio
async def test_expired_token_never_escapes_as_a_credentials_error():
    from woms_app.vendors import VendorAuthError, VendorUnavailable

    async def op():
        raise VendorTokenExpired("auth invalid token", vendor="solarman", code="2101019")

    async def reauth():
        return None

    with pytest.raises(VendorUnavailable) as info:
        await call_with_policy(op, reauthenticate=reauth, vendor="solarman", what="x", max_token_retries=3)
    assert not isinstance(info.value, VendorAuthError)
