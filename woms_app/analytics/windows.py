"""Work-order windows (before / during / after, in whole plant-local days) and their KPIs, aggregated from the
daily rows by summing numerators and denominators, never by averaging daily ratios."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from woms_app.analytics.daily import DAILY_COLUMNS
from woms_app.analytics.days import expected_intervals, local_day_bounds
from woms_app.analytics.model import COVERAGE_LIMIT_PCT, METHOD_MAX_LEN, WINDOW_DAYS, ratio, round_sig
from woms_app.core.timezones import local_day


# --------------------------------------------------------------------------------------------------
# Windows (work-order snapshots)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KpiWindow:
    """A run of whole plant-local days ``first_day … last_day`` (inclusive).

    ``window_start``/``window_end`` are the UTC instants ``[start, end)`` of those days.
    ``is_final`` is False while the nominal window has not fully elapsed yet (the snapshot will change).
    """

    period: str
    first_day: date
    last_day: date
    timezone: str
    is_final: bool = True
    window_start: datetime = field(init=False)
    window_end: datetime = field(init=False)

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError(f"empty window: {self.first_day} … {self.last_day}")
        start, _ = local_day_bounds(self.first_day, self.timezone)
        _, end = local_day_bounds(self.last_day, self.timezone)
        object.__setattr__(self, "window_start", start.to_pydatetime())
        object.__setattr__(self, "window_end", end.to_pydatetime())

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def day_list(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(self.days)]


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError(f"naive datetime {instant!r}: pass timezone-aware instants")
    return instant


def work_order_windows(
    activated_at: datetime,
    closed_at: datetime | None,
    now: datetime,
    timezone: str,
    *,
    window_days: int = WINDOW_DAYS,
) -> list[KpiWindow]:
    """Before / during / after windows of one plant of a work order, in whole plant-local days.

    With A = local day of ``activated_at``, C = local day of ``closed_at``, Y = the last local day
    that has fully elapsed at ``now`` (yesterday):

    - ``before``: A−7 … A−1 (always final);
    - ``during``: A … C (closed) or A … Y (open); the activation and closing days count as "during";
    - ``after`` (closed work orders only): C+1 … C+7.

    Only fully elapsed days are included: every window is cut at Y, and ``is_final`` tells whether
    the nominal window has completely elapsed (``during`` of an open work order is never final; a
    partial ``after`` window is returned as soon as one day after closing has elapsed, with
    ``is_final=False``, so the caller can refresh the snapshot until it is final). Windows with no
    elapsed day yet are omitted. All datetimes must be timezone-aware.
    """
    act = local_day(_aware(activated_at), timezone)
    today = local_day(_aware(now), timezone)
    last_elapsed = today - timedelta(days=1)
    if activated_at > now:
        raise ValueError("activated_at is in the future")
    closed = None
    if closed_at is not None:
        if closed_at < activated_at:
            raise ValueError("closed_at is before activated_at")
        closed = local_day(_aware(closed_at), timezone)

    nominal: list[tuple[str, date, date]] = [("before", act - timedelta(days=window_days), act - timedelta(days=1))]
    if closed is None:
        nominal.append(("during", act, today))  # open: the nominal end keeps moving, never final
    else:
        nominal.append(("during", act, closed))
        nominal.append(("after", closed + timedelta(days=1), closed + timedelta(days=window_days)))

    windows: list[KpiWindow] = []
    for period, first, last in nominal:
        cut = min(last, last_elapsed)
        if cut < first:
            continue
        final = closed is not None or period == "before"
        windows.append(KpiWindow(period, first, cut, timezone, is_final=final and cut == last))
    return windows


@dataclass(frozen=True)
class WindowKpis:
    """Aggregated KPIs of one window; ratios are sums of numerators over sums of denominators.

    Units: energies kWh, irradiation kWh/m², percentages %, PRs dimensionless. ``None`` when undefined.
    """

    period: str
    window_start: datetime
    window_end: datetime
    first_day: date
    last_day: date
    days: int
    days_with_data: int
    days_incomplete: int
    is_final: bool
    energy_kwh: float
    expected_energy_kwh: float
    irradiation_kwh_m2: float
    reference_energy_kwh: float
    pr: float | None
    pr_g50: float | None
    pr_temp_corrected: float | None
    efficiency_pct: float | None
    availability_pct: float | None
    cf_dc_pct: float | None
    intervals_valid: int
    intervals_expected: int
    coverage_pct: float | None
    incomplete: bool
    method: str

    def as_snapshot(self) -> dict[str, Any]:
        """The columns of ``work_order_plant_eff`` (besides ids and computed_at)."""
        return {
            "period": self.period,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "efficiency_pct": self.efficiency_pct,
            "pr": self.pr,
            "pr_temp_corrected": self.pr_temp_corrected,
            "coverage_pct": self.coverage_pct,
            "energy_kwh": self.energy_kwh,
            "expected_energy_kwh": self.expected_energy_kwh,
            "days": self.days,
            "method": self.method,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _day_key(values: pd.Series) -> pd.Series:
    """Normalise a ``day`` column (date, datetime, Timestamp or ISO string) to ``datetime.date``."""
    def to_date(v: Any) -> date:
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        day: date = pd.Timestamp(v).date()
        return day

    return values.map(to_date)


def compute_window_kpis(
    daily: pd.DataFrame,
    window: KpiWindow,
    *,
    coverage_limit_pct: float = COVERAGE_LIMIT_PCT,
) -> WindowKpis:
    """Aggregate the daily rows of one plant (output of :func:`compute_daily_kpis`, or the same
    columns read back from storage) over the days of ``window``.

    Sums E_AC, the reference energies P0·Yr (plain, G ≥ 50, temperature-corrected), expected energy,
    availability sample counts and valid intervals over the window's days, then divides — daily ratios
    are never averaged, so the result is energy/irradiation-weighted. Coverage counts the expected
    intervals of *every* day of the window (a day without any row counts as 0 % covered, DST days
    count 275/299 intervals). Days below the coverage limit still contribute their valid intervals.
    Ratios are rounded to 4 significant digits.
    """
    days = window.day_list()
    n_expected = sum(expected_intervals(d, window.timezone) for d in days)
    hours = sum(
        (lambda b: (b[1] - b[0]).total_seconds() / 3600.0)(local_day_bounds(d, window.timezone)) for d in days
    )
    if daily is not None and len(daily):
        if "timezone" in daily.columns:
            zones = set(daily["timezone"].dropna().astype(str))
            if zones - {window.timezone}:
                raise ValueError(f"daily rows are in {sorted(zones)}, window is in {window.timezone}")
        keys = _day_key(daily["day"])
        rows = daily.loc[(keys >= window.first_day) & (keys <= window.last_day)]
    else:
        rows = pd.DataFrame(columns=list(DAILY_COLUMNS))

    def total(col: str) -> float:
        return float(pd.to_numeric(rows[col], errors="coerce").fillna(0.0).sum()) if len(rows) else 0.0

    energy = total("energy_kwh")
    ref = total("reference_energy_kwh")
    ref_g50 = total("reference_energy_g50_kwh")
    ref_tc = total("reference_energy_tc_kwh")
    e_exp = total("expected_energy_kwh")
    lit = int(total("availability_samples_lit"))
    up = int(total("availability_samples_up"))
    n_valid = int(total("intervals_valid"))
    coverage = 100.0 * n_valid / n_expected if n_expected > 0 else math.nan
    p0 = float(pd.to_numeric(rows["capacity_kw"]).max()) if len(rows) else math.nan
    methods = [m for m in dict.fromkeys(rows["method"].astype(str)) if m] if len(rows) else []
    method = methods[0] if len(methods) == 1 else ("mixed: " + " | ".join(methods) if methods else "")

    with_data = rows.loc[pd.to_numeric(rows["samples"], errors="coerce").fillna(0) > 0] if len(rows) else rows
    return WindowKpis(
        period=window.period,
        window_start=window.window_start,
        window_end=window.window_end,
        first_day=window.first_day,
        last_day=window.last_day,
        days=window.days,
        days_with_data=int(len(with_data)),
        days_incomplete=int(window.days - len(with_data) + int(with_data["incomplete"].astype(bool).sum()))
        if len(with_data)
        else window.days,
        is_final=window.is_final,
        energy_kwh=energy,
        expected_energy_kwh=e_exp,
        irradiation_kwh_m2=total("irradiation_kwh_m2"),
        reference_energy_kwh=ref,
        pr=round_sig(ratio(energy, ref)),
        pr_g50=round_sig(ratio(total("energy_g50_kwh"), ref_g50)),
        pr_temp_corrected=round_sig(ratio(energy, ref_tc)),
        efficiency_pct=round_sig(100.0 * ratio(energy, e_exp)),
        availability_pct=round_sig(100.0 * up / lit) if lit > 0 else None,
        cf_dc_pct=round_sig(100.0 * energy / (p0 * hours)) if len(rows) and p0 > 0 else None,
        intervals_valid=n_valid,
        intervals_expected=n_expected,
        coverage_pct=round_sig(coverage),
        incomplete=bool(not coverage >= coverage_limit_pct),
        method=method[:METHOD_MAX_LEN],
    )


def compute_work_order_snapshots(
    daily: pd.DataFrame,
    activated_at: datetime,
    closed_at: datetime | None,
    now: datetime,
    timezone: str,
    *,
    window_days: int = WINDOW_DAYS,
) -> list[WindowKpis]:
    """Convenience: :func:`work_order_windows` then :func:`compute_window_kpis` for each window."""
    return [
        compute_window_kpis(daily, w)
        for w in work_order_windows(activated_at, closed_at, now, timezone, window_days=window_days)
    ]
