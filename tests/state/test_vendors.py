"""state/vendors.py: a vendor's row, its quota card and the plants' data lag as the page shows them."""
from __future__ import annotations

from datetime import UTC, datetime

from woms_app.services.vendors import PlantLag, QuotaView, VendorView
from woms_app.state.vendors import _every, _lag, _lag_row, _quota_card, _row

AT = datetime(2026, 5, 1, 14, 5, tzinfo=UTC)


def _view(**kw) -> VendorView:
    base = dict(id=3, org_id=1, org_name="Helios", name="Roof", vendor_type="solarman", vendor_label="SOLARMAN",
                base_url="http://x", poll_interval_s=300, alert_interval_s=900, rate_limit_requests=10,
                rate_limit_window_s=10.0, max_concurrency=2, status="ACTIVE", has_credentials=True, plants=4)
    return VendorView(**{**base, **kw})


def test_row_of_an_idle_and_a_running_vendor():
    idle = _row(_view())
    assert idle["last_sync"] == "never" and idle["running"] == "" and idle["progress"] == "0"
    assert idle["progress_label"] == "" and idle["has_credentials"] == "yes" and idle["plants"] == "4"
    running = _row(_view(last_sync_at=AT, running=True, run_plants_done=1, run_plants_total=4, last_error="boom"))
    assert running["last_sync"] == "2026-05-01 14:05 UTC" and running["running"] == "yes"
    assert (running["progress"], running["progress_label"], running["last_error"]) == ("25", "1 / 4 plants", "boom")


def test_intervals_and_lags_in_words():
    assert [_every(s) for s in (None, 0, 300, 3600, 7200, 86400, 172800)] == [
        "off", "off", "every 5 min", "hourly", "every 2 h", "daily", "every 2 days"]
    assert [_lag(s) for s in (None, -5, 59, 600, 3 * 3600 + 120, 3 * 86400)] == [
        "no data yet", "0 min", "0 min", "10 min", "3 h 02 min", "3 days"]
    assert [_lag_row(3, PlantLag(1, "P", None, s))["level"] for s in (None, 900, 3600, 3601)] == [
        "none", "ok", "late", "stale"]


def _quota(**kw) -> QuotaView:
    base = dict(vendor_id=3, vendor_name="Roof", org_name="Helios", calls=100_000, period="year", source="vendor",
                used=25_000, left=75_000, period_end=datetime(2026, 12, 31, tzinfo=UTC), checked_at=AT,
                calls_per_day=150.0, exhausted_at=datetime(2027, 6, 1, tzinfo=UTC), lasts_the_period=True,
                power_interval_s=900, frames_interval_s=3600, lists_interval_s=3600, alerts_interval_s=86400,
                plan_reason="", refused=None)
    return QuotaView(**{**base, **kw})


def test_quota_card_known_and_unknown_allowance():
    card = _quota_card(_quota())
    assert card["allowance"] == "100,000 calls per year (reported by the vendor)"
    assert (card["used"], card["left"], card["used_pct"], card["ok"]) == ("25,000", "75,000", "25", "yes")
    assert card["projection"].startswith("At the current plan (≈ 150 calls a day) it would run out on 2027-06-01")
    assert card["plan"] == ("power every 15 min (daylight) · frames hourly · plant lists hourly · alerts daily")
    assert card["checked"] == "checked 2026-05-01 14:05 UTC"
    unknown = _quota_card(_quota(calls=None, left=None, exhausted_at=None, checked_at=None))
    assert unknown["allowance"].startswith("not known") and unknown["left"] == "—" and unknown["runs_out"] == ""
    assert unknown["used_pct"] == "0" and unknown["checked"] == ""
