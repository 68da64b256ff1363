"""Fault table: each fault injected at the emulator → the expected adapter error or a recovery.
Nothing hangs: every call has a timeout, and each case is bounded in wall time."""
from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime, timedelta

import pytest

from woms_app.vendors import (
    VendorBadResponse,
    VendorManager,
    VendorRateLimited,
    VendorTimeout,
    VendorUnavailable,
)

pytestmark = pytest.mark.asyncio
VENDORS = ["solarman", "sungrow"]


def make(live, vendor, **opts):
    acc = live.accounts()[vendor]
    opts.setdefault("timeout_s", 1.0)
    return VendorManager.build(vendor, acc["base_url"], acc["credentials"], **opts)


async def ready(live, vendor, **opts):
    a = make(live, vendor, **opts)
    plants = await a.list_plants()
    return a, plants


# kind, fault options, expected: "recover" or an exception class
FAULT_TABLE = [
    ("token_expiry", {}, "recover"),
    ("rate_limit", {"count": 1}, "recover"),
    ("rate_limit", {"count": 50}, VendorRateLimited),
    ("http_500", {"count": 1}, "recover"),
    ("http_500", {"count": 50}, VendorUnavailable),
    ("down", {"duration_s": 3}, VendorUnavailable),
    ("timeout", {"count": 1, "delay_s": 3}, VendorTimeout),
    ("malformed_json", {"count": 1}, VendorBadResponse),
]


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("kind, opts, expected", FAULT_TABLE, ids=[f"{k}-{e if isinstance(e, str) else e.__name__}" for k, _, e in FAULT_TABLE])
async def test_fault_table(live, vendor, kind, opts, expected):
    # a 0.5 s limit window (instead of the documented 10 s) keeps the table fast; test_tokens.py measures
    # that a back-off lasts at least one window
    a, plants = await ready(live, vendor, max_rate_limit_wait_s=2.0,
                            rate_limit_windows={"2101002": 0.5, "E901": 0.5})
    logins_before = live.stats()["accounts"][f"{vendor}:{'sunrise' if vendor == 'solarman' else 'helios'}"]["logins"]
    live.fault(kind, vendor, **opts)
    end = datetime.now(UTC)
    t0 = time.monotonic()
    try:
        if expected == "recover":
            readings = await asyncio.wait_for(a.get_telemetry(plants[0], end - timedelta(hours=2), end), 10)
            assert len(readings) >= 20 and all(r.generation_power_kw is not None for r in readings)
            if kind == "token_expiry":
                st = live.stats()["accounts"][f"{vendor}:{'sunrise' if vendor == 'solarman' else 'helios'}"]
                assert st["logins"] == logins_before + 1  # re-authenticated exactly once
        else:
            with pytest.raises(expected) as info:
                await asyncio.wait_for(a.count_plants(), 10)
            assert info.value.__cause__ is not None or expected in (VendorRateLimited, VendorBadResponse, VendorUnavailable)
            assert info.value.vendor == vendor
            live.admin("DELETE", "/faults")
            await asyncio.sleep(3.1 if kind == "down" else 0)
            assert await a.count_plants() == 5  # and once the fault is gone, data arrives again
    finally:
        await a.aclose()
    assert time.monotonic() - t0 < 8


@pytest.mark.parametrize("vendor", VENDORS)
async def test_tokens_that_die_at_birth_end_as_unavailable_not_credentials_and_not_a_loop(live, vendor):
    from woms_app.vendors import VendorAuthError

    a, plants = await ready(live, vendor)
    key = f"{vendor}:{'sunrise' if vendor == 'solarman' else 'helios'}"
    before = live.stats()["accounts"][key]["logins"]
    # every token issued from now on is born expired: the logins succeed, so this is no credentials
    # failure; the keeper stops after MAX_DEAD_LOGINS fresh tokens died unused
    live.admin("POST", "/config", json={f"{vendor}_token_ttl_s": -1})
    live.fault("token_expiry", vendor)
    try:
        with pytest.raises(VendorUnavailable) as info:
            await asyncio.wait_for(a.count_plants(), 10)
        assert not isinstance(info.value, VendorAuthError)
        assert isinstance(info.value.__cause__, VendorAuthError) or "fresh session tokens" in info.value.message
    finally:
        await a.aclose()
    assert live.stats()["accounts"][key]["logins"] - before == 3  # MAX_DEAD_LOGINS fresh tokens, each died unused


@pytest.mark.parametrize("vendor", VENDORS)
async def test_vendor_down_then_back(live, vendor):
    a, plants = await ready(live, vendor)
    live.fault("down", vendor, duration_s=0.6)
    with pytest.raises(VendorUnavailable):
        await a.count_plants()  # one transient retry after 0.5 s still inside the outage window
    await asyncio.sleep(0.7)
    assert await a.count_plants() == 5
    await a.aclose()


@pytest.mark.parametrize("vendor", VENDORS)
async def test_nan_and_negative_values_are_dropped_or_clamped(live, vendor):
    a, plants = await ready(live, vendor)
    end = datetime.now(UTC) - timedelta(days=1)
    start = end - timedelta(hours=6)
    live.fault("nan_values", vendor, duration_s=30)
    readings = await a.get_telemetry(plants[0], start, end)
    live.admin("DELETE", "/faults")
    assert len(readings) >= 24  # of 72 frames in 6 h, the NaN-poisoned half is dropped, the rest arrived
    assert any(r.generation_power_kw is not None for r in readings)
    for r in readings:
        for v in (r.generation_power_kw, r.voltage_v, r.current_a, r.irradiance_w_m2, r.temperature_c):
            assert v is None or math.isfinite(v)
        assert r.generation_power_kw is None or r.generation_power_kw >= 0
        assert r.voltage_v is None or r.voltage_v >= 0
        assert r.irradiance_w_m2 is None or r.irradiance_w_m2 >= 0
    await a.aclose()


@pytest.mark.parametrize("vendor", VENDORS)
async def test_duplicate_and_out_of_order_points(live, vendor):
    a, plants = await ready(live, vendor)
    end = datetime.now(UTC) - timedelta(days=1)
    start = end - timedelta(hours=6)
    clean = await a.get_telemetry(plants[0], start, end)
    live.fault("duplicates", vendor, duration_s=30)
    messy = await a.get_telemetry(plants[0], start, end)
    assert len(clean) >= 50 and len({r.ts for r in clean}) == len(clean)
    assert messy == clean  # deduplicated, sorted, identical values
    await a.aclose()


async def test_solarman_alertv2_refused_falls_back_to_alert(live):
    a, plants = await ready(live, "solarman")
    live.fault("alertv2_unsupported", "solarman", duration_s=30)
    alerts = await a.get_alerts(plants, datetime.now(UTC) - timedelta(days=10))
    assert alerts and all(x.external_id.startswith("v1:") for x in alerts)
    await a.aclose()


async def test_solarman_device_history_v2_time_type_fallback(live):
    live.admin("POST", "/config", json={"solarman_frame_type": "v2"})
    a, plants = await ready(live, "solarman")
    end = datetime.now(UTC) - timedelta(days=1)
    readings = await a.get_telemetry(plants[0], end - timedelta(hours=6), end)
    assert any(r.voltage_v for r in readings)  # came from timeType 5 frames
    assert a._frame_time_type == 5
    await a.aclose()


@pytest.mark.parametrize("vendor", VENDORS)
async def test_slow_vendor_with_latency_still_completes(live, vendor):
    live.admin("POST", "/config", json={"latency_s": 0.05})
    a, plants = await ready(live, vendor)
    assert len(plants) == 5
    await a.aclose()
