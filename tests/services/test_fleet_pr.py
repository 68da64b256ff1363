"""Fleet PR (Σ energy ÷ Σ reference energy over yesterday's complete plant-days, scoped) and the plain
"did the maintenance help?" reading of work-order snapshots."""
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.core.upsert import upsert
from woms_app.models import AccountType, EffPeriod, PlantDailyKpi
from woms_app.services import kpis
from woms_app.services.dashboard import summary
from woms_app.services.viewer import Viewer

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 08:30 in Kolkata, 22:00 (9 March) in Chicago


@pytest.fixture
def fleet(db):
    """Org A: Kolkata plants a1 (complete), a2 (incomplete), a3 (not final); org B: Chicago plant b1 (complete)."""
    ids = {}
    with main_session(SYSTEM_CONTEXT) as s:
        for org_name, plants in (("A", [("a1", "Asia/Kolkata", 100.0), ("a2", "Asia/Kolkata", 50.0),
                                        ("a3", "Asia/Kolkata", 10.0)]),
                                 ("B", [("b1", "America/Chicago", 1000.0)])):
            org = factories.organization(s, org_name)
            ids[org_name] = org.id
            for ext, tz, cap in plants:
                p = factories.plant(s, org.id, external_id=ext, name=ext, capacity_kw=cap, timezone=tz)
                ids[ext] = (p.id, tz)

    def row(ext, day, energy, ref, *, final=True, incomplete=False):
        pid, tz = ids[ext]
        return {"plant_id": pid, "day": day, "org_id": ids[ext[0].upper()], "timezone": tz, "final": final,
                "incomplete": incomplete, "energy_kwh": energy, "reference_energy_kwh": ref, "pr": energy / ref,
                "coverage_pct": 50.0 if incomplete else 99.0}

    kol_yesterday = NOW.astimezone(ZoneInfo("Asia/Kolkata")).date() - timedelta(days=1)  # 9 March
    chi_yesterday = NOW.astimezone(ZoneInfo("America/Chicago")).date() - timedelta(days=1)  # 8 March
    rows = [
        row("a1", kol_yesterday, 400.0, 500.0),  # PR 0.80
        row("a1", kol_yesterday - timedelta(days=1), 100.0, 100.0),  # the day before: not counted
        row("a2", kol_yesterday, 10.0, 100.0, incomplete=True),  # incomplete: left out
        row("a3", kol_yesterday, 9.0, 10.0, final=False),  # not final: left out
        row("b1", chi_yesterday, 900.0, 1000.0),  # PR 0.90, Chicago's own yesterday
        row("b1", chi_yesterday + timedelta(days=1), 1.0, 1000.0, final=False),  # Chicago's today so far
    ]
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        upsert(tel, PlantDailyKpi, rows, keys=["plant_id", "day"])
    return ids


def viewer(role, org_id=None):
    return Viewer(account_id=1, email="x@y.z", role=role, org_id=org_id)


def test_fleet_pr_is_energy_weighted_over_complete_plant_days(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        pr = kpis.fleet_pr(s, viewer(AccountType.SUPERADMIN), now=NOW)
    # (400 + 900) / (500 + 1000) — not the mean of 0.80 and 0.90
    assert pr.pr == pytest.approx(1300 / 1500, abs=1e-4)
    assert pr.pr != pytest.approx(0.85, abs=1e-3)
    assert (pr.plants_counted, pr.plants_total) == (2, 4)


def test_fleet_pr_is_scoped_to_the_viewers_organization(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        a = kpis.fleet_pr(s, viewer(AccountType.ORG, fleet["A"]), now=NOW)
        b = kpis.fleet_pr(s, viewer(AccountType.ORG, fleet["B"]), now=NOW)
    assert a.pr == pytest.approx(0.8) and (a.plants_counted, a.plants_total) == (1, 3)
    assert b.pr == pytest.approx(0.9) and (b.plants_counted, b.plants_total) == (1, 1)


def test_fleet_pr_without_complete_days_is_none_and_reaches_the_dashboard(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        none = kpis.fleet_pr(s, viewer(AccountType.ORG, fleet["A"]), now=NOW + timedelta(days=5))
        dash = summary(s, viewer(AccountType.ORG, fleet["B"]))
    assert none.pr is None and (none.plants_counted, none.plants_total) == (0, 3)
    assert dash.fleet_pr_of == 1 and "fleet_pr_plants" in dash.to_dict()


def snap(period, eff, cov=99.0, days=7):
    return SimpleNamespace(period=EffPeriod(period), efficiency_pct=eff, coverage_pct=cov, days=days)


@pytest.mark.parametrize("rows, verdict, change, baseline", [
    ([snap("before", 80.0), snap("during", 70.0), snap("after", 92.0)], "helped", 12.0, "before"),
    ([snap("during", 70.0), snap("after", 92.0)], "helped", 22.0, "during"),  # no before figure
    ([snap("before", 90.0), snap("during", 70.0), snap("after", 90.5)], "no_change", 0.5, "before"),
    ([snap("before", 90.0), snap("after", 80.0)], "worse", -10.0, "before"),
    ([snap("before", 80.0), snap("after", 92.0, cov=40.0)], "uncertain", 12.0, "before"),
    ([snap("before", 80.0), snap("during", 70.0)], "not_enough_data", None, ""),  # still open
    ([snap("before", 80.0), snap("after", None)], "not_enough_data", None, ""),
    ([snap("after", 90.0)], "not_enough_data", None, ""),
    ([], "not_enough_data", None, ""),
])
def test_maintenance_effect(rows, verdict, change, baseline):
    effect = kpis.maintenance_effect(rows)
    assert effect.verdict == verdict
    assert effect.change_pct_points == (None if change is None else pytest.approx(change))
    assert effect.baseline == baseline
    assert effect.text
