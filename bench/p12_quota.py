"""P12 quota year: a free-plan SOLARMAN account (200,000 calls a year, 3 plants) run for a simulated year by the
planner (``services.quota``) on an advancing clock — not a year of wall time.

1. **Costs measured, not assumed**: the real SOLARMAN adapter runs each kind of work once against the emulator
   (in process, over httpx's ASGI transport) for the emulator's 3-plant account, metered per request
   (``vendors.metering``): the plant/device lists, the fleet-wide power, one plant-local day of frames per plant,
   an alert poll, the balance call and a login.
2. **The year**: 2026-01-01 → 2027-01-01 UTC. The scheduler's telemetry job ticks every minute and the alert job
   at the plan's interval (each plus APScheduler's jitter, 10 % ≤ 30 s); each tick does what ``quota.due_work``
   says is due; a run that
   would overspend (``quota.refusal``) is not started; the plan is recomputed hourly (the heartbeat) from the
   calls counted so far; a login every 60 days (the token's life) and a balance read daily. Each call is the
   measured count for that work (frames: per plant-local day touched since the last catch-up).
3. **Power age**: every minute in which a plant's sun is up (sunrise to sunset), the age of its power figure =
   now − the vendor's timestamp of the value last fetched (the logger uploads every 5 minutes, so the value
   polled at t is the one of floor(t / 5 min)). Goal: the year's calls < 200,000 and the age never > 15 min.

ratio = calls in the year ÷ 200,000 (goal < 1, and max power age ≤ 15 min in daylight).
"""
from __future__ import annotations

import asyncio
import math
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.common import Result

ALLOWANCE = 200_000
PLANTS = 3
TOKEN_LIFE = timedelta(days=60)
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2027, 1, 1, tzinfo=UTC)


async def measure_costs() -> dict:
    """Calls per kind of work, counted at the HTTP client while the real adapter talks to the emulator."""
    import httpx

    from woms_app.emulator.app import create_app
    from woms_app.emulator.demo import demo_vendor_accounts
    from woms_app.emulator.state import Config
    from woms_app.vendors import VendorManager
    from woms_app.vendors.metering import meter
    from woms_app.vendors.solarman.adapter import reset_caches

    reset_caches()
    app = create_app(Config(seed=42, plants_per_account=PLANTS))
    acc = next(a for a in demo_vendor_accounts("http://emulator") if a["vendor_type"] == "solarman")
    out: dict = {"frames": {}}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=60) as client:
        adapter = VendorManager.build("solarman", acc["base_url"], acc["credentials"], client=client)
        with meter() as m:
            await adapter.authenticate()
        out["login"] = m.calls
        with meter() as m:
            plants = await adapter.list_plants()
        out["lists"] = m.calls
        with meter() as m:
            await adapter.get_fleet_power(plants)
        out["power"] = m.calls
        now = datetime.now(UTC)
        for p in plants:
            tz = ZoneInfo(p.timezone)
            day_start = datetime.combine(now.astimezone(tz).date(), datetime.min.time(), tz).astimezone(UTC)
            with meter() as m:
                await adapter.get_telemetry(p, day_start + timedelta(minutes=1), now)
            out["frames"][p.external_id] = m.calls
        with meter() as m:
            await adapter.get_alerts(plants, now - timedelta(hours=48))
        out["alerts"] = m.calls
        with meter() as m:
            await adapter.get_allowance()
        out["balance"] = m.calls
    out["plants"] = [(p.external_id, p.latitude, p.longitude, p.timezone) for p in plants]
    return out


def _local_days(since: datetime | None, until: datetime, tz: ZoneInfo) -> int:
    if since is None:
        return 2  # the first catch-up back-fills 24 h: up to two local days
    d0, d1 = since.astimezone(tz).date(), until.astimezone(tz).date()
    return max(1, (d1 - d0).days + 1)


def simulate(costs: dict, *, allowance: int = ALLOWANCE, start: datetime = YEAR_START, end: datetime = YEAR_END,
             seed: int = 7) -> dict:
    from woms_app.services import quota

    rng = random.Random(seed)
    plants = costs["plants"]
    locs = [(lat, lon) for _, lat, lon, _ in plants]
    zones = [ZoneInfo(tz) for *_, tz in plants]
    frame_cost = [costs["frames"][ext] for ext, *_ in plants]
    model = quota.costs_for("solarman")
    period_start, period_end = start, end
    used = 0
    spent = {"login": 0, "lists": 0, "power": 0, "frames": 0, "alerts": 0, "balance": 0}
    markers = quota.Markers()
    token_until: datetime | None = None
    balance_at: datetime | None = None
    refused = 0
    plans: dict[tuple, int] = {}

    def replan(t: datetime) -> quota.Plan:
        a = quota.Allowance(calls=allowance, period="year", used=used, period_start=period_start,
                            period_end=period_end)
        p = quota.plan(a, len(plants), model, t, latitudes=[lat for lat, _ in locs])
        key = (p.power_interval_s, p.frames_interval_s, p.lists_interval_s, p.alerts_interval_s)
        plans[key] = plans.get(key, 0) + 1
        return p

    def spend(kind: str, n: int) -> None:
        nonlocal used
        spent[kind] += n
        used += n

    def run_overhead(t: datetime) -> None:
        nonlocal token_until, balance_at
        if token_until is None or t >= token_until:
            spend("login", costs["login"])
            token_until = t + TOKEN_LIFE
        if balance_at is None or t - balance_at >= timedelta(days=1):
            spend("balance", costs["balance"])
            balance_at = t

    plan = replan(start)
    tick = quota.TICK_S  # the scheduler's tick of a vendor with an allowance (scheduler.selection.tick_intervals)
    next_tick = start
    next_alert = start
    next_plan = start + timedelta(hours=1)
    last_power: datetime | None = None
    max_age = 0.0
    late_minutes = 0
    daylight_minutes = 0
    t = start
    step = timedelta(minutes=1)
    while t < end:
        # the scheduler's events within this minute, in order
        events = []
        if next_tick < t + step:
            events.append((next_tick, "tick"))
        if plan.alerts_interval_s and next_alert < t + step:
            events.append((next_alert, "alerts"))
        for at, what in sorted(events):
            if what == "tick":
                work = quota.due_work(plan, markers, at, locs)
                if work.any:
                    cost = quota.run_cost(model, len(plants), lists=work.lists, power=work.power,
                                          frames=work.frames, alerts=False)
                    if quota.refusal(quota.Allowance(allowance, "year", used, period_start, period_end), cost):
                        refused += 1
                    else:
                        run_overhead(at)
                        if work.lists:
                            spend("lists", costs["lists"])
                            markers = quota.Markers(markers.power_at, markers.frames_at, at)
                        if work.power:
                            spend("power", costs["power"])
                            last_power = at
                            markers = quota.Markers(at, markers.frames_at, markers.lists_at)
                        if work.frames:
                            spend("frames", sum(c * _local_days(markers.frames_at, at, z)
                                                for c, z in zip(frame_cost, zones)))
                            markers = quota.Markers(markers.power_at, at, markers.lists_at)
                next_tick = next_tick + timedelta(seconds=tick + rng.uniform(0, 6))  # jitter: 10 % of 60 s
            else:
                cost = quota.run_cost(model, len(plants), lists=False, power=False, frames=False, alerts=True)
                if quota.refusal(quota.Allowance(allowance, "year", used, period_start, period_end), cost):
                    refused += 1
                else:
                    run_overhead(at)
                    spend("alerts", costs["alerts"])
                next_alert = next_alert + timedelta(seconds=plan.alerts_interval_s + rng.uniform(0, 30))
        t += step
        # power age, for every plant whose sun is up at this minute
        for lat, lon in locs:
            if quota.sun_up(lat, lon, t):
                daylight_minutes += 1
                if last_power is None:
                    age = math.inf
                else:
                    data_ts = last_power.timestamp() // 300 * 300
                    age = t.timestamp() - data_ts
                max_age = max(max_age, age)
                if age > quota.POWER_AGE_GOAL_S:
                    late_minutes += 1
        if t >= next_plan:
            plan = replan(t)
            next_plan = t + timedelta(hours=1)
    return {"calls": used, "spent": spent, "max_age_s": max_age, "late_minutes": late_minutes,
            "daylight_minutes": daylight_minutes, "refused": refused, "plans": plans,
            "final_plan": (plan.power_interval_s, plan.frames_interval_s, plan.lists_interval_s,
                           plan.alerts_interval_s)}


def before_figure(costs: dict, days: float = 365.0) -> float:
    """Calls a year before the quota work: every 5 minutes a TELEMETRY sync (login cached per adapter run:
    1 login + lists + 1 day of frames per plant), every 2 minutes an alert poll (+1 login each run)."""
    per_poll = costs["login"] + costs["lists"] + sum(costs["frames"].values())
    per_alert = costs["login"] + costs["alerts"]
    return days * (288 * per_poll + 720 * per_alert)


def run() -> list[Result]:
    costs = asyncio.run(measure_costs())
    sim = simulate(costs)
    before = before_figure(costs)
    ok = sim["calls"] < ALLOWANCE and sim["max_age_s"] <= 900 and sim["late_minutes"] == 0
    s = sim["spent"]
    frames = "+".join(str(v) for v in costs["frames"].values())
    return [Result(
        key="P12 quota year",
        what=(f"free-plan SOLARMAN account ({ALLOWANCE:,} calls/year, {PLANTS} plants: Utrecht, Seville, Cape Town) "
              f"for a simulated 2026 (planner + advancing clock, costs measured at the emulator: lists "
              f"{costs['lists']}, power {costs['power']}, frames {frames} per local day, alerts {costs['alerts']})"),
        figure=(f"{sim['calls']:,} calls in the year (power {s['power']:,}, frames {s['frames']:,}, alerts "
                f"{s['alerts']:,}, lists {s['lists']:,}, logins {s['login']}, balance {s['balance']}); max power "
                f"age in daylight {sim['max_age_s'] / 60:.1f} min over {sim['daylight_minutes']:,} plant-minutes "
                f"(> 15 min: {sim['late_minutes']}); refused runs {sim['refused']}; before: ≈ {before:,.0f} "
                f"calls/year (locked within {ALLOWANCE / (before / 365):.0f} days)"),
        ratio=sim["calls"] / ALLOWANCE, goal="< 1.0, power ≤ 15 min in daylight", ok=ok,
        extra={**sim, "plans": {str(k): v for k, v in sim["plans"].items()}, "costs": costs, "before": before})]


__all__ = ["measure_costs", "simulate", "run"]
