"""state/plant_detail.py: daily KPI rows → chart points and table rows (incomplete days marked, never a dip)."""
from __future__ import annotations

from datetime import date

from woms_app.state.plant_detail import kpi_chart_rows, kpi_table_rows

ROWS = [
    {"day": date(2026, 5, 1), "pr": 0.81, "pr_temp_corrected": 0.84, "efficiency_pct": 17.04, "final": True,
     "coverage_pct": 99.0, "energy_kwh": 1234.4, "expected_energy_kwh": 1500.0, "irradiation_kwh_m2": 6.123,
     "irradiance_source": "sensor", "method": "sapm"},
    {"day": "2026-05-02T00:00:00", "pr": 0.5, "pr_temp_corrected": None, "efficiency_pct": 9.0, "incomplete": True,
     "coverage_pct": 40.04, "energy_kwh": None, "expected_energy_kwh": None, "irradiance_source": "clearsky"},
]


def test_chart_points_put_incomplete_days_on_their_own_series():
    complete, incomplete = kpi_chart_rows(ROWS)
    assert complete == {"label": "01 May", "pr": 81.0, "pr_tc": 84.0, "eff": 17.0, "pr_inc": None, "eff_inc": None,
                        "coverage_inc": None, "energy": 1234.4, "expected": 1500.0}
    assert incomplete["pr"] is None and incomplete["eff"] is None and incomplete["pr_tc"] is None
    assert (incomplete["pr_inc"], incomplete["eff_inc"], incomplete["coverage_inc"]) == (50.0, 9.0, 40.0)


def test_table_rows_newest_first_with_units():
    newest, oldest = kpi_table_rows(ROWS)
    assert newest["day"] == "Sat 02 May 2026" and newest["state"] == "incomplete" and newest["energy"] == "—"
    assert newest["source"] == "clear-sky model" and newest["pr_tc"] == "—"
    assert oldest == {"day": "Fri 01 May 2026", "state": "final", "final": "yes", "coverage": "99 %",
                      "energy": "1,234 kWh", "expected": "1,500 kWh", "irradiation": "6.12 kWh/m²", "pr": "81.0 %",
                      "pr_tc": "84.0 %", "eff": "17.0 %", "source": "plant sensor", "method": "sapm"}
