"""Performance analytics: PR, temperature-corrected PR and efficiency per plant-day and per window.

This package implements the reference method of ``pr-methodology.md`` §7 (the shared methodology
reference next to the repository, ``../shared/pr-methodology.md``; §8 is its hand-checkable case, which
``tests/analytics/test_daily.py`` reproduces). In short, for one plant and one *plant-local* day:

1. Readings (``ts`` UTC instants, AC power, temperature, irradiance) are sorted and de-duplicated;
   negative power and negative measured irradiance are clamped to 0; missing values stay missing.
2. The plane-of-array irradiance G is the plant's own sensor (``has_irradiance_sensor``) or else the
   pvlib clear-sky POA (Ineichen with pvlib's Linke turbidity table, isotropic transposition,
   albedo 0.25) computed at each reading's timestamp.
3. The cell temperature comes from what the plant-day has (``temperature_source``): a module temperature
   → ``sapm_cell_from_module(T_mod, G, ΔT=3)`` (never through SAPM again); else an ambient temperature →
   ``sapm_cell(G, T_amb, wind=1 m/s, a=-3.56, b=-0.075, ΔT=3)`` (SAPM open rack glass/polymer); else neither →
   the same SAPM from the plant's assumed typical ambient ``fallback_ambient_c`` (stated in the method string).
4. An interval between two consecutive samples of the same local day is *valid* only when it lasts
   exactly 300 s and P, G and T are finite at both ends. Gaps are never bridged: an invalid interval
   leaves every numerator *and* every denominator. Quantities are integrated with the trapezoid rule
   over valid intervals only (a complete 5-minute day has 288 samples and 287 intervals).
5. KPIs: E_AC, Yf = E_AC/P0, H_POA, Yr, PR = Yf/Yr, PR_G50 (valid intervals whose mean G ≥ 50 W/m²),
   PR_tc (reference yield scaled by 1 + γ(T_cell − 25 °C)), expected energy from
   ``pvwatts_dc(G, T_cell, P0, γ) · (1 − 0.14)`` and efficiency % = 100 · E_AC / E_exp (the energy
   performance index), availability, DC capacity factor, coverage % and an ``incomplete`` flag.

All physics (solar position, clear sky, transposition, cell temperature, PVWatts) comes from pvlib.
Windows of several days (work-order snapshots "before / during / after") are aggregated by summing
numerators and denominators of the daily rows, never by averaging daily ratios.

Clear-sky-referenced figures (plants without a sensor) are biased low by the clear-sky index and
must be labelled as such in the UI (§5); the ``method`` string of every row says which reference
was used and with which inputs.

:func:`compute_daily_kpis_many` does the same for many plants at once (one array pass over every plant's
samples: the hourly job's path); :func:`compute_daily_kpis` is that function for one plant, so both give
identical figures.

This package is pure: pandas/numpy/pvlib only, no database, no web framework, no HTTP (import-linter forbids it
models, SQLModel and SQLAlchemy). Its modules, by concept:

- :mod:`.model` — the method's constants, :class:`PlantSpec`, rounding and ratios;
- :mod:`.days` — plant-local days as UTC instants;
- :mod:`.clearsky` — the clear-sky POA (Linke turbidity, Ineichen, transposition);
- :mod:`.samples` — the per-sample model (steps 1–3 above, and the expected power);
- :mod:`.daily` — the daily KPIs (steps 4–5) as masks, integration and the day row;
- :mod:`.power` — the expected power curve of one plant;
- :mod:`.windows` — work-order windows and their aggregated KPIs.

The names below are the package's interface (services call ``analytics.compute_daily_kpis`` and so on).
"""
from woms_app.analytics.daily import DAILY_COLUMNS, compute_daily_kpis, compute_daily_kpis_many
from woms_app.analytics.days import expected_intervals, local_day_bounds
from woms_app.analytics.model import (
    COVERAGE_LIMIT_PCT,
    INTERVAL_H,
    INTERVAL_S,
    WINDOW_DAYS,
    PlantSpec,
    round_sig,
)
from woms_app.analytics.power import expected_power, interval_energy, lost_energy
from woms_app.analytics.windows import (
    KpiWindow,
    WindowKpis,
    compute_window_kpis,
    compute_work_order_snapshots,
    work_order_windows,
)

__all__ = [
    "COVERAGE_LIMIT_PCT",
    "DAILY_COLUMNS",
    "INTERVAL_H",
    "INTERVAL_S",
    "WINDOW_DAYS",
    "KpiWindow",
    "PlantSpec",
    "WindowKpis",
    "compute_daily_kpis",
    "compute_daily_kpis_many",
    "compute_window_kpis",
    "compute_work_order_snapshots",
    "expected_intervals",
    "expected_power",
    "interval_energy",
    "local_day_bounds",
    "lost_energy",
    "round_sig",
    "work_order_windows",
]
