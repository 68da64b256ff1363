"""Quota-aware polling: plan a vendor account's polling so it fits the account's call allowance.

Pure functions (no database, no HTTP): given the allowance, its period, the calls already used, the plants
and what each kind of call costs, ``plan`` returns the polling intervals; ``due_work`` says what one
scheduler tick must do; ``run_cost`` estimates a run so one that would overspend is not started.

What a vendor account spends (calls, counted per kind of work; ``Costs``):

* **power** — a fleet-wide realtime call: SOLARMAN's station list carries ``generationPower`` for a whole
  page of plants (up to 200), so power every cycle costs ceil(plants / 200) calls, not one per plant;
* **frames** — the 5-minute history of the day (station history + one call per inverter per plant-local
  day): caught up every ``frames_interval_s`` in daylight and once after dark, each call returning every
  frame since the last catch-up (fewer, larger calls);
* **lists** — plant details and device lists, refreshed every ``lists_interval_s`` (hourly when the
  allowance permits), not every poll;
* **alerts** — every ``alerts_interval_s``.

Power and frames are only polled in daylight (civil twilight included: sun above −6° at any of the vendor's
plants, so the figure is fresh by sunrise);
an account's night costs nothing but alerts. ``plan`` starts from the cheapest plan and spends what the
allowance leaves, step by step in priority order (power fresh enough to be ≤ 15 minutes old in daylight
first, then daily lists, hourly frames, alerts every 15 minutes, then faster), never planning more than
``allowance − used`` for the rest of the period (with a safety margin).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DAY_S = 86400.0
MARGIN = 0.05  # plan at most 95 % of what is left …
RESERVE = 0.02  # … after keeping 2 % of the whole allowance back (retries, manual syncs, the estimate's error)
VENDOR_DATA_AGE_S = 300.0  # a logger uploads every 5 minutes: the vendor's newest value is ≤ 5 min old
POWER_AGE_GOAL_S = 900.0  # power never older than 15 minutes in daylight
TICK_S = 60.0  # with an allowance, the scheduler asks due_work every minute (a cheap database read, no call)
SCHEDULER_JITTER_S = 30.0  # a job may start this much late (scheduler/runner.py JobSpec.jitter_s ≤ 30 s)
# the 15-minute step: a poll is due at most a tick + the jitter late, and the vendor's value is ≤ 5 min old
POWER_FRESH_S = POWER_AGE_GOAL_S - VENDOR_DATA_AGE_S - TICK_S - SCHEDULER_JITTER_S  # 510 s
PERIODS = ("year", "month", "day")


@dataclass(frozen=True, slots=True)
class Costs:
    """Calls per unit of work of one vendor type (measured against the emulator, see bench/p7_quota.py)."""

    realtime_page: int  # plants per fleet-wide realtime call; 0 = no such call (power comes with frames)
    frames_per_plant: float  # calls per plant per frame catch-up (one plant-local day)
    lists_per_plant: float  # calls per plant per plant/device list refresh
    list_page: int  # plants per plant-list call
    alerts_per_plant: float  # calls per plant per alert poll
    alerts_page: int = 0  # >0: alerts batched this many plants per call (then alerts_per_plant is ignored)
    login: float = 1.0  # calls per day for logins (tokens live 24 h – 60 days)


# frames: 1 station history + 1 per inverter (+1 weather station) per plant-local day; 4 is conservative for the
# fleets we measured (bench P1: 3.47, the demo: 3.6)
SOLARMAN_COSTS = Costs(realtime_page=200, frames_per_plant=4.0, lists_per_plant=2.0, list_page=200,
                       alerts_per_plant=1.0)
SUNGROW_COSTS = Costs(realtime_page=0, frames_per_plant=1.0, lists_per_plant=1.0, list_page=100,
                      alerts_per_plant=1.0)
COSTS = {"solarman": SOLARMAN_COSTS, "sungrow": SUNGROW_COSTS}


def costs_for(vendor_type: str) -> Costs:
    return COSTS.get((vendor_type or "").lower(), SOLARMAN_COSTS)


@dataclass(frozen=True, slots=True)
class Allowance:
    calls: int | None  # per period; None = unknown (no plan limit)
    period: str  # year | month | day
    used: int  # calls used in the current period
    period_start: datetime
    period_end: datetime

    @property
    def remaining(self) -> int | None:
        return None if self.calls is None else max(0, self.calls - self.used)


@dataclass(frozen=True, slots=True)
class Plan:
    power_interval_s: float | None  # None = power is not polled (allowance spent)
    frames_interval_s: float | None
    lists_interval_s: float | None
    alerts_interval_s: float | None
    calls_per_day: float  # at this plan (daylight-weighted, conservative)
    planned_calls: float  # for the rest of the period
    fits: bool  # used + planned ≤ allowance
    reason: str
    exhausted_at: datetime | None  # when the allowance would run out at this plan (None = unlimited)

    @property
    def paused(self) -> bool:
        return self.power_interval_s is None and self.frames_interval_s is None

    @property
    def power_age_bound_s(self) -> float | None:
        """Worst age of the power figure in daylight at this plan: poll interval + one tick + the scheduler's
        jitter (a due poll waits for the next tick, which may start late) + the vendor's data age (the logger's
        last 5-minute upload)."""
        step = self.power_interval_s
        return None if step is None else step + TICK_S + SCHEDULER_JITTER_S + VENDOR_DATA_AGE_S


# ---------------------------------------------------------------- periods
def period_bounds(period: str, now: datetime, anchor: datetime | None = None) -> tuple[datetime, datetime]:
    """The current allowance period containing ``now`` (UTC calendar; a year may start on ``anchor``'s date)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    now = now.astimezone(UTC)
    if period == "day":
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start + timedelta(days=1)
    if period == "month":
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
        return start, end
    a = (anchor or datetime(now.year, 1, 1, tzinfo=UTC)).astimezone(UTC)

    def at(year: int) -> datetime:
        day = min(a.day, 28) if a.month == 2 else a.day
        return datetime(year, a.month, day, tzinfo=UTC)

    start = at(now.year) if at(now.year) <= now else at(now.year - 1)
    return start, at(start.year + 1)


# ---------------------------------------------------------------- the sun
def solar_elevation_deg(lat: float, lon: float, at: datetime) -> float:
    """Apparent solar elevation (NOAA approximation, ±0.5°; enough to tell day from night)."""
    at = at.astimezone(UTC)
    doy = at.timetuple().tm_yday
    hour = at.hour + at.minute / 60 + at.second / 3600
    g = 2 * math.pi / 365 * (doy - 1 + (hour - 12) / 24)
    decl = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
            + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))
    eqt = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g) - 0.014615 * math.cos(2 * g)
                    - 0.040849 * math.sin(2 * g))
    tst = hour * 60 + eqt + 4 * lon  # true solar time, minutes
    ha = math.radians(tst / 4 - 180)
    la = math.radians(lat)
    cos_z = math.sin(la) * math.sin(decl) + math.cos(la) * math.cos(decl) * math.cos(ha)
    return 90 - math.degrees(math.acos(max(-1.0, min(1.0, cos_z))))


SUNRISE_DEG = -0.833  # the sun's upper limb on the horizon (refraction + radius)
POLL_HORIZON_DEG = -6.0  # polling starts at civil dawn, so the power is fresh by sunrise, and ends at civil dusk


def is_daylight(lat: float | None, lon: float | None, at: datetime, horizon: float = POLL_HORIZON_DEG) -> bool:
    """Sun above ``horizon`` (default: the polling window, civil twilight). Unknown location: always day."""
    if lat is None or lon is None:
        return True
    return solar_elevation_deg(lat, lon, at) > horizon


def sun_up(lat: float | None, lon: float | None, at: datetime) -> bool:
    """Between sunrise and sunset (the hours in which power must be ≤ 15 minutes old)."""
    return is_daylight(lat, lon, at, SUNRISE_DEG)


def max_daylight_hours(latitudes: Iterable[float | None], horizon: float = POLL_HORIZON_DEG) -> float:
    """Longest polling day of the year at any of the latitudes (sun above ``horizon``), plus half an hour of
    margin (unknown location → 24 h)."""
    worst = 0.0
    any_plant = False
    for lat in latitudes:
        any_plant = True
        if lat is None:
            return 24.0
        phi = math.radians(max(-89.9, min(89.9, lat)))
        decl = math.radians(23.44 if lat >= 0 else -23.44)
        x = (math.sin(math.radians(horizon)) - math.sin(phi) * math.sin(decl)) / (math.cos(phi) * math.cos(decl))
        hours = 24.0 if x <= -1 else 0.0 if x >= 1 else 2 * math.degrees(math.acos(x)) / 15
        worst = max(worst, hours)
    return min(24.0, worst + 0.5) if any_plant else 0.0


# ---------------------------------------------------------------- the plan
POWER_STEPS = (3600.0, 1800.0, 900.0, POWER_FRESH_S, 300.0)
FRAME_STEPS = (DAY_S, 21600.0, 10800.0, 7200.0, 3600.0, 1800.0, 900.0)
LIST_STEPS = (7 * DAY_S, DAY_S, 21600.0, 3600.0)
ALERT_STEPS = (DAY_S, 21600.0, 7200.0, 3600.0, 1800.0, 900.0, 600.0, 300.0, 120.0)

# priority: each step tightens one interval if the allowance still fits
UPGRADES: tuple[tuple[str, float], ...] = (
    ("power_interval_s", 1800.0), ("power_interval_s", POWER_FRESH_S),  # power ≤ 15 min old in daylight
    ("lists_interval_s", DAY_S), ("alerts_interval_s", 3600.0), ("frames_interval_s", 3600.0),
    ("alerts_interval_s", 900.0), ("power_interval_s", 300.0), ("lists_interval_s", 3600.0),
    ("alerts_interval_s", 600.0), ("frames_interval_s", 1800.0), ("alerts_interval_s", 300.0),
    ("frames_interval_s", 900.0), ("alerts_interval_s", 120.0),
)


def _pages(n: int, size: int) -> int:
    return 0 if n <= 0 else math.ceil(n / max(1, size))


def calls_per_day(costs: Costs, plants: int, daylight_h: float, *, power_s: float | None, frames_s: float | None,
                  lists_s: float | None, alerts_s: float | None) -> float:
    """Calls a day at these intervals (power and frames in daylight only, plus one catch-up after dark)."""
    if plants <= 0 or not any((power_s, frames_s, lists_s, alerts_s)):
        return 0.0
    day_s = daylight_h * 3600.0
    total = costs.login
    if costs.realtime_page > 0 and power_s:
        total += _pages(plants, costs.realtime_page) * day_s / power_s
    frame_step = frames_s
    if costs.realtime_page <= 0 and power_s:  # power comes with the frames: frames every power cycle
        frame_step = min(power_s, frames_s) if frames_s else power_s
    if frame_step:
        total += plants * costs.frames_per_plant * (day_s / frame_step + 1)
    if lists_s:
        total += (plants * costs.lists_per_plant + _pages(plants, costs.list_page)) * DAY_S / lists_s
    if alerts_s:
        per_poll = _pages(plants, costs.alerts_page) if costs.alerts_page else plants * costs.alerts_per_plant
        total += per_poll * DAY_S / alerts_s
    return total


def plan(allowance: Allowance, plants: int, costs: Costs, now: datetime, *,
         latitudes: Sequence[float | None] | None = None, defaults: tuple[float, float] | None = None) -> Plan:
    """The polling plan that fits ``allowance`` for the rest of its period.

    ``latitudes`` (one per plant) bound the daylight hours (unknown: 24 h). ``defaults`` = (poll, alert)
    intervals used when the allowance is unknown (``calls is None``): then nothing is limited.
    """
    lats = list(latitudes) if latitudes is not None else [None] * plants
    daylight = max_daylight_hours(lats) if plants else 0.0
    left_s = max(0.0, (allowance.period_end - now).total_seconds())
    days_left = left_s / DAY_S

    def build(p: dict[str, float | None], fits: bool, reason: str) -> Plan:
        per_day = calls_per_day(costs, plants, daylight, power_s=p["power_interval_s"],
                                frames_s=p["frames_interval_s"], lists_s=p["lists_interval_s"],
                                alerts_s=p["alerts_interval_s"])
        planned = per_day * days_left
        remaining = allowance.remaining
        if remaining is None:
            exhausted = None
        elif per_day <= 0:
            exhausted = None if remaining > 0 else now
        else:
            exhausted = now + timedelta(days=remaining / per_day)
        return Plan(power_interval_s=p["power_interval_s"], frames_interval_s=p["frames_interval_s"],
                    lists_interval_s=p["lists_interval_s"], alerts_interval_s=p["alerts_interval_s"],
                    calls_per_day=per_day, planned_calls=planned, fits=fits, reason=reason, exhausted_at=exhausted)

    if allowance.calls is None:
        poll, alert = defaults or (300.0, 120.0)
        return build({"power_interval_s": float(poll), "frames_interval_s": float(poll),
                      "lists_interval_s": 3600.0, "alerts_interval_s": float(alert)}, True,
                      "no allowance known: default intervals")
    budget = max(0.0, (allowance.remaining or 0) - RESERVE * allowance.calls) * (1 - MARGIN)
    cheapest = {"power_interval_s": POWER_STEPS[0], "frames_interval_s": FRAME_STEPS[0],
                "lists_interval_s": LIST_STEPS[0], "alerts_interval_s": ALERT_STEPS[0]}

    def cost(p: dict[str, float | None]) -> float:
        return calls_per_day(costs, plants, daylight, power_s=p["power_interval_s"], frames_s=p["frames_interval_s"],
                             lists_s=p["lists_interval_s"], alerts_s=p["alerts_interval_s"]) * days_left

    if plants and cost(cheapest) > budget:
        off = {k: None for k in cheapest}
        left = allowance.remaining or 0
        return build(off, False, f"Allowance too small: {left:,} calls left for {days_left:.1f} days; "
                                 f"even the slowest plan needs {cost(cheapest):,.0f}. Polling paused.")
    current = dict(cheapest)
    for key, value in UPGRADES:
        if current[key] is not None and current[key] <= value:
            continue
        trial = {**current, key: value}
        if cost(trial) <= budget:
            current = trial
    return build(current, True, "fits the allowance")


def power_age_ok(p: Plan) -> bool:
    bound = p.power_age_bound_s
    return bound is not None and bound <= POWER_AGE_GOAL_S


# ---------------------------------------------------------------- what a tick does
@dataclass(frozen=True, slots=True)
class Markers:
    """When each kind of work last ran for the vendor (None = never)."""

    power_at: datetime | None = None
    frames_at: datetime | None = None
    lists_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Work:
    power: bool
    frames: bool
    lists: bool

    @property
    def any(self) -> bool:
        return self.power or self.frames or self.lists


def _due(last: datetime | None, step: float | None, now: datetime, slack_s: float) -> bool:
    if step is None:
        return False
    return last is None or (now - last).total_seconds() >= step - slack_s


def due_work(p: Plan, markers: Markers, now: datetime, locations: Sequence[tuple[float | None, float | None]], *,
             slack_s: float = 30.0) -> Work:
    """What a scheduler tick at ``now`` must do. ``slack_s`` absorbs the scheduler's jitter."""
    day_now = any(is_daylight(lat, lon, now) for lat, lon in locations) if locations else False
    lists = _due(markers.lists_at, p.lists_interval_s, now, slack_s)
    power = day_now and _due(markers.power_at, p.power_interval_s, now, slack_s)
    frames = day_now and _due(markers.frames_at, p.frames_interval_s, now, slack_s)
    if not day_now and p.frames_interval_s is not None and markers.frames_at is not None and locations:
        # once after dark: the rest of the day's frames (the last catch-up was in daylight)
        frames = any(is_daylight(lat, lon, markers.frames_at) for lat, lon in locations)
    if not locations:
        frames = frames or (p.frames_interval_s is not None
                            and _due(markers.frames_at, p.frames_interval_s, now, slack_s))
    return Work(power=power, frames=frames, lists=lists)


def run_cost(costs: Costs, plants: int, *, lists: bool, power: bool, frames: bool, alerts: bool,
             days: int = 1) -> int:
    """Calls one run of this shape needs (an upper estimate: ``days`` plant-local days of frames)."""
    if plants <= 0:  # nothing known yet: at least a login and the first plant-list page
        return 2 if lists else 0
    n = 1.0  # a login, at most
    if lists:
        n += _pages(plants, costs.list_page) + plants * costs.lists_per_plant
    if power and costs.realtime_page > 0:
        n += _pages(plants, costs.realtime_page)
    if frames:
        n += plants * costs.frames_per_plant * max(1, days)
    if alerts:
        n += _pages(plants, costs.alerts_page) if costs.alerts_page else plants * costs.alerts_per_plant
    return math.ceil(n)


def refusal(allowance: Allowance, cost: int) -> str | None:
    """Why a run costing ``cost`` calls may not start (None = it may)."""
    left = allowance.remaining
    if left is None or cost <= left:
        return None
    per = {"year": "yearly", "month": "monthly", "day": "daily"}.get(allowance.period, allowance.period)
    return (f"Not started: this run needs about {cost:,} calls but the {per} allowance has "
            f"{left:,} of {allowance.calls:,} left (until {allowance.period_end:%Y-%m-%d %H:%M} UTC)")


__all__ = ["Allowance", "Costs", "Markers", "Plan", "Work", "COSTS", "SOLARMAN_COSTS", "SUNGROW_COSTS", "costs_for",
           "calls_per_day", "due_work", "is_daylight", "max_daylight_hours", "period_bounds", "plan", "power_age_ok",
           "refusal", "run_cost", "solar_elevation_deg", "sun_up"]
