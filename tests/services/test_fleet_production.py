"""Fleet production: the fleet curve within scope, performers on each plant's complete yesterday, energy today."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from tests.telemetry_fleet import NOW, add_readings, viewer
from woms_app.core import clock
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.models import Plant
from woms_app.services import fleet_production


def test_fleet_curve_sums_reporting_plants_only_within_scope(fleet):
    day0 = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)  # local midnight in Kolkata (2 March)
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        # plant 1 reports 08:00–08:30 local, plant 2 only 08:00–08:15; Helios is someone else's
        add_readings(tel, fleet.plants["sunrise"], fleet.orgs["sunrise"],
                     [day0 + timedelta(hours=8, minutes=5 * i) for i in range(6)], power=lambda i: 100.0)
        add_readings(tel, fleet.plants["sunrise-2"], fleet.orgs["sunrise"],
                     [day0 + timedelta(hours=8, minutes=5 * i) for i in range(3)], power=lambda i: 40.0)
        add_readings(tel, fleet.plants["helios"], fleet.orgs["helios"],
                     [day0 + timedelta(hours=8, minutes=5 * i) for i in range(6)], power=lambda i: 999.0)
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        curve = fleet_production.fleet_power_today(s, tel, viewer(s, "sunrise"))
        fleet_curve = fleet_production.fleet_power_today(s, tel, viewer(s, "admin"))
    assert curve.timezone == "Asia/Kolkata" and curve.day == "2026-03-02" and curve.plants == 2
    assert len(curve.points) == 96
    by_label = {p["label"]: p for p in curve.points}
    assert by_label["08:00"]["value"] == 140.0 and by_label["08:00"]["plants"] == 2
    assert by_label["08:15"]["value"] == 100.0 and by_label["08:15"]["plants"] == 1
    assert by_label["07:45"]["value"] is None and by_label["12:00"]["value"] is None
    assert fleet_curve.timezone == "UTC" and fleet_curve.plants == 3  # mixed zones → UTC, labelled


def _plant_day(tel, plant, day, tz, peak_fraction):
    """Every 5 minutes of one plant-local day, a sine between 06:00 and 18:00 local, as the sync stores it."""
    from zoneinfo import ZoneInfo

    start = datetime.combine(day, datetime.min.time(), ZoneInfo(tz)).astimezone(UTC)
    instants = [start + timedelta(minutes=5 * i) for i in range(288)]

    def power(i):
        h = (instants[i].astimezone(ZoneInfo(tz)) - instants[i].astimezone(ZoneInfo(tz)).replace(
            hour=0, minute=0)).total_seconds() / 3600
        return round(plant.capacity_kw * peak_fraction * max(0.0, math.sin(math.pi * (h - 6) / 12)), 3)

    add_readings(tel, plant.id, plant.org_id, instants, power=power)


def test_performers_rank_on_each_plants_complete_yesterday_not_on_today(fleet):
    """Brisbane at 02:10 beside Phoenix at 09:10 (same instant): today Brisbane has produced nothing yet and
    Phoenix a morning's worth, so "today" ranked Brisbane last. Both have a complete yesterday of their own, and
    there Brisbane did better: it ranks first. Yesterday's KPIs come from readings through the hourly KPI job."""
    from zoneinfo import ZoneInfo

    from woms_app.services import kpis

    now = datetime(2026, 3, 2, 16, 10, tzinfo=UTC)
    clock.freeze(now)
    plants = {}
    with main_session(SYSTEM_CONTEXT) as s:
        sunrise = s.get(Plant, fleet.plants["sunrise"])
        for key, tz, lat, lon, today_mwh in (("bne", "Australia/Brisbane", -27.47, 153.03, 0.0),
                                             ("phx", "America/Phoenix", 33.45, -112.07, 0.25)):
            p = Plant(org_id=sunrise.org_id, vendor_id=sunrise.vendor_id, external_id=f"perf-{key}", name=key,
                      capacity_kw=100.0, latitude=lat, longitude=lon, timezone=tz, daily_energy_mwh=today_mwh,
                      last_reading_at=now - timedelta(minutes=5))
            s.add(p)
            s.flush()
            s.refresh(p)
            s.expunge(p)
            plants[key] = p
    bne_yesterday = now.astimezone(ZoneInfo("Australia/Brisbane")).date() - timedelta(days=1)  # 2 March
    phx_yesterday = now.astimezone(ZoneInfo("America/Phoenix")).date() - timedelta(days=1)  # 1 March
    assert (bne_yesterday.isoformat(), phx_yesterday.isoformat()) == ("2026-03-02", "2026-03-01")
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        _plant_day(tel, plants["bne"], bne_yesterday, "Australia/Brisbane", 0.8)
        _plant_day(tel, plants["phx"], phx_yesterday, "America/Phoenix", 0.5)
    kpis.refresh_recent(now=now, plant_ids=[p.id for p in plants.values()])
    with main_session(SYSTEM_CONTEXT) as s, telemetry_session(SYSTEM_CONTEXT) as tel:
        me = viewer(s, "sunrise")
        perf = fleet_production.performers(s, tel, me, n=1)
        today = {r.plant_id: r for r in fleet_production.energy_today(s, tel, me)}
    # today's ranking is the one that misled: Phoenix 2.5 kWh/kWp, Brisbane 0
    assert today[plants["phx"].id].specific_yield > today[plants["bne"].id].specific_yield == 0.0
    assert [r.plant_id for r in perf.top] == [plants["bne"].id]
    assert [r.plant_id for r in perf.bottom] == [plants["phx"].id]
    assert perf.top[0].day == "2026-03-02" and perf.bottom[0].day == "2026-03-01"
    assert perf.top[0].source == "kpi" and perf.basis == "yesterday"
    # 0.8 vs 0.5 of the same sine: the yields keep that ratio (energy over each plant's own whole day)
    assert perf.top[0].specific_yield / perf.bottom[0].specific_yield == pytest.approx(0.8 / 0.5, rel=0.02)
    # the sunrise plants from the fixture have no complete yesterday: counted as without data
    assert perf.with_data == 2 and perf.without_data == 2


def test_energy_today_is_not_yesterdays_total_after_a_plants_local_midnight(fleet):
    """A plant's daily figure is computed at each sync for that sync's local day: a plant silent since before its
    local midnight produced nothing WOMS knows of today — the dashboard, the plant list and the API say 0, not
    yesterday's total."""
    from woms_app.services import dashboard
    from woms_app.services.telemetry import energy_today_mwh

    # NOW = 12:00 UTC: 17:30 in Kolkata, 13:00 in Berlin
    with main_session(SYSTEM_CONTEXT) as s:
        for key, mwh, last in (("sunrise", 1.25, NOW - timedelta(minutes=5)),            # today, Kolkata
                               ("sunrise-2", 0.75, datetime(2026, 3, 1, 18, 25, tzinfo=UTC)),  # 23:55 yesterday
                               ("helios", 2.0, datetime(2026, 3, 1, 22, 50, tzinfo=UTC))):     # 23:50 yesterday
            p = s.get(Plant, fleet.plants[key])
            p.daily_energy_mwh, p.last_reading_at = mwh, last
            s.add(p)
    with main_session(SYSTEM_CONTEXT) as s:
        plants = {k: s.get(Plant, fleet.plants[k]) for k in ("sunrise", "sunrise-2", "helios")}
        assert [energy_today_mwh(plants[k], NOW) for k in ("sunrise", "sunrise-2", "helios")] == [1.25, 0.0, 0.0]
        summary = dashboard.summary(s, viewer(s, "admin"))
    assert summary.energy_today_mwh == 1.25
    # one minute before Berlin's midnight the Helios figure is still today's
    berlin_2359 = datetime(2026, 3, 1, 22, 59, tzinfo=UTC)
    assert energy_today_mwh(plants["helios"], berlin_2359) == 2.0
