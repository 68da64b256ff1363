"""state/helpers.py: the formatters every state writes figures and instants with (they replaced seven copies)."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from woms_app.services.work_orders import PlantOption
from woms_app.state.helpers import ALL, NONE, fmt_local, fmt_number, fmt_time, plant_choice

AT = datetime(2026, 5, 1, 14, 5, 59, tzinfo=UTC)


def test_fmt_time_is_utc_to_the_minute_with_the_missing_text_of_each_page():
    assert fmt_time(AT) == "2026-05-01 14:05 UTC"
    assert fmt_time(None) == ""  # work orders, alerts
    assert fmt_time(None, "never") == "never"  # a vendor's last sync
    assert fmt_time(None, NONE) == "—"  # administration


def test_fmt_local_is_the_plants_wall_clock_with_its_offset_on_that_date():
    assert fmt_local(AT, "Asia/Kolkata") == "01 May 2026 19:35 UTC+05:30"
    assert fmt_local(datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "Europe/Berlin") == "15 Jan 2026 13:00 UTC+01:00"
    assert fmt_local(datetime(2026, 7, 15, 12, 0, tzinfo=UTC), "Europe/Berlin") == "15 Jul 2026 14:00 UTC+02:00"
    assert fmt_local(None, "UTC") == "—"


def test_fmt_number_digits_unit_scale_and_thousands():
    assert fmt_number(None) == "—"
    assert fmt_number(1234.56) == "1,234.6"
    assert fmt_number(1234.56, 0, " kWh") == "1,235 kWh"
    assert fmt_number(0.8123, 1, " %", 100.0) == "81.2 %"  # a ratio shown as a percentage
    assert fmt_number(1.2345, 0, " kWh", 1000.0) == "1,234 kWh"  # MWh shown as kWh
    assert fmt_number(7, 2, " kWh/m²") == "7.00 kWh/m²"
    assert fmt_number(Decimal("2.5"), 1, " kW") == "2.5 kW"
    assert fmt_number(0) == "0.0"  # zero is a figure, not a missing one


def test_plant_choice_names_the_organization_for_fleet_wide_viewers():
    o = PlantOption(id=7, name="Sunrise 1", org_id=3, org_name="Helios")
    assert plant_choice(o, fleet_wide=False) == {"id": "7", "name": "Sunrise 1"}
    assert plant_choice(o, fleet_wide=True) == {"id": "7", "name": "Sunrise 1 · Helios"}
    assert ALL == "all"
