"""Time zones as people read them: one formatter for every zone."""
from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from woms_app.services.zones import zone_label


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.integers(min_value=-15 * 60, max_value=15 * 60).filter(lambda m: m % 15 == 0),
       at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)))
def test_zone_label_shows_the_offset_people_read(minutes, at):
    """Etc/GMT-10 is UTC+10:00 (POSIX signs are inverted); every zone is shown by one formatter."""
    at = at.replace(tzinfo=UTC)
    h, m = divmod(abs(minutes), 60)
    want = "UTC" if minutes == 0 else f"UTC{'+' if minutes > 0 else '-'}{h:02d}:{m:02d}"
    if m == 0 and -12 <= minutes // 60 <= 14:  # the Etc/GMT±h zones exist for whole hours only
        etc = "Etc/GMT" if minutes == 0 else f"Etc/GMT{'-' if minutes > 0 else '+'}{h}"
        assert zone_label(etc, at) == want
        assert "Etc/" not in zone_label(etc, at) and "GMT" not in zone_label(etc, at)
    label = zone_label("Asia/Kolkata", at)
    assert label == "Asia/Kolkata (UTC+05:30)"
    berlin = zone_label("Europe/Berlin", at)
    assert berlin in ("Europe/Berlin (UTC+01:00)", "Europe/Berlin (UTC+02:00)")
