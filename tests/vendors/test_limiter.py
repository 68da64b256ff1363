"""The request budget: a burst never exceeds it, measured at the emulator."""
from __future__ import annotations

import asyncio
import time

import pytest

from woms_app.emulator.state import max_in_window
from woms_app.vendors import Budget, VendorManager
from woms_app.vendors.limiter import RequestLimiter, shared_limiter

VENDORS = ["solarman", "sungrow"]
ACCOUNT = {"solarman": "solarman:sunrise", "sungrow": "sungrow:helios"}


@pytest.mark.asyncio
async def test_limiter_unit_never_exceeds_window_or_concurrency():
    lim = RequestLimiter(Budget(6, 0.3, 2))
    starts: list[float] = []
    in_flight = 0
    peak = 0

    async def job():
        nonlocal in_flight, peak
        async with lim.slot():
            starts.append(time.monotonic())
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1

    await asyncio.gather(*(job() for _ in range(24)))
    assert peak <= 2
    assert max_in_window(starts, 0.3) <= 6
    assert lim.snapshot()["in_flight"] == 0


def test_shared_limiter_is_per_account_and_follows_budget_changes(live):
    acc = live.accounts()["solarman"]
    a = VendorManager.build("solarman", acc["base_url"], acc["credentials"], (5, 1.0, 2))
    b = VendorManager.build("solarman", acc["base_url"], acc["credentials"], (7, 1.0, 2))
    other = VendorManager.build("solarman", acc["base_url"], {**acc["credentials"], "account": "someone@else"}, (5, 1.0, 2))
    assert a.limiter is b.limiter and a.limiter is not other.limiter
    assert a.limiter.budget == Budget(7, 1.0, 2)  # the latest budget of the row applies
    assert shared_limiter(("solarman", a.base_url, a.account_identity()), Budget(7, 1.0, 2)) is a.limiter


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor", VENDORS)
async def test_burst_stays_within_budget_at_the_emulator(live, vendor):
    budget = Budget(8, 0.5, 3)
    acc = live.accounts()[vendor]
    live.admin("POST", "/config", json={"latency_s": 0.02})
    adapters = [VendorManager.build(vendor, acc["base_url"], acc["credentials"], budget, timeout_s=5) for _ in range(2)]
    for a in adapters:
        await a.authenticate()
    live.admin("POST", "/reset")  # measure only the burst (tokens survive: re-login is counted too)
    for a in adapters:
        a._token = None  # noqa: SLF001 - the reset dropped them; the burst logs in again within budget
    t0 = time.monotonic()
    await asyncio.gather(*(adapters[i % 2].count_plants() for i in range(30)))
    elapsed = time.monotonic() - t0
    st = live.stats(window_s=budget.window_s)["accounts"][ACCOUNT[vendor]]
    assert st["count"] >= 30
    assert st["max_in_window"] <= budget.requests
    assert max_in_window(st["timestamps"], budget.window_s) <= budget.requests
    assert st["max_in_flight"] <= budget.max_concurrency
    assert st["rate_limited"] == 0
    assert elapsed >= (30 // budget.requests - 1) * budget.window_s  # bounded by the budget
    for a in adapters:
        await a.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor, limit_key", [("solarman", "solarman_limit"), ("sungrow", "sungrow_burst")])
async def test_vendor_rate_limit_codes_back_off_and_recover(live, vendor, limit_key):
    """Without our budget in the way, the emulator's own limit answers 2101002 / E901; the adapter backs off."""
    acc = live.accounts()[vendor]
    live.admin("POST", "/config", json={limit_key: [6, 0.5]})
    a = VendorManager.build(vendor, acc["base_url"], acc["credentials"], (1000, 1.0, 20), timeout_s=5,
                            max_rate_limit_wait_s=2.0, rate_limit_retries=8,
                            rate_limit_windows={"2101002": 0.5, "E901": 0.5})  # the emulator's window
    # Sungrow's count is its whole discovery (4 calls: the connection test runs the sync's path), so fewer
    n = 14 if vendor == "solarman" else 4
    results = await asyncio.gather(*(a.count_plants() for _ in range(n)))
    assert results == [5] * n
    assert live.stats()["accounts"][ACCOUNT[vendor]]["rate_limited"] > 0
    await a.aclose()
