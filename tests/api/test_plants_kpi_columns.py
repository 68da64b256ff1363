"""GET /api/plants: yesterday's PR and specific yield per plant, sorted by value in SQL (pages included)."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.api.conftest import login
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.models import Plant, PlantDailyKpi
from woms_app.services import demo_history
from woms_app.services.plants import local_yesterday, refresh_latest_kpis


def _yesterday_rows():
    with main_session(SYSTEM_CONTEXT) as s:
        plants = {p.id: p.timezone for p in s.exec(select(Plant)).all()}
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        rows = tel.exec(select(PlantDailyKpi)).all()
    return {r.plant_id: r for r in rows if r.day == local_yesterday(plants[r.plant_id])}


def _all(client, sort, order, page_size=50):
    items, page = [], 1
    while True:
        body = client.get("/api/plants", params={"sort": sort, "order": order, "page": page,
                                                  "page_size": page_size}).json()
        items += body["items"]
        if page * page_size >= body["total"]:
            return items
        page += 1


def test_pr_and_specific_yield_of_yesterday_sort_by_value_across_pages(client):
    demo_history.seed_history()
    assert login(client, "govt@demo.woms").status_code == 200
    truth = _yesterday_rows()
    assert len(truth) == 10
    items = _all(client, "pr", "desc", page_size=3)  # four pages: the order is the database's, not a page's
    assert [i["id"] for i in items] == sorted(truth, key=lambda pid: (-truth[pid].pr, pid))
    assert all(i["pr_yesterday"] == truth[i["id"]].pr for i in items)
    assert all(i["specific_yield_yesterday_kwh_kwp"] == truth[i["id"]].yf_kwh_kwp for i in items)
    asc = _all(client, "yield", "asc", page_size=4)
    assert [i["id"] for i in asc] == sorted(truth, key=lambda pid: (truth[pid].yf_kwh_kwp, pid))

    # a plant whose yesterday is not final yet shows no figure and sorts last both ways (its older day is not
    # "yesterday")
    stale = asc[0]["id"]
    with telemetry_session(SYSTEM_CONTEXT) as tel:
        tel.delete(tel.get(PlantDailyKpi, (stale, truth[stale].day)))
    assert refresh_latest_kpis([stale]) == 1
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.get(Plant, stale).kpi_day == truth[stale].day - timedelta(days=1)
    for order in ("asc", "desc"):
        items = _all(client, "yield", order, page_size=4)
        assert items[-1]["id"] == stale and items[-1]["specific_yield_yesterday_kwh_kwp"] is None
        assert items[-1]["pr_yesterday"] is None
    # ORG accounts sort their own plants only
    client.post("/api/logout")
    assert login(client, "ops@helios.demo.woms").status_code == 200
    mine = _all(client, "pr", "asc")
    assert len(mine) == 5 and all(i["org_name"] == "Helios Power" for i in mine)
    prs = [i["pr_yesterday"] for i in mine if i["pr_yesterday"] is not None]
    assert prs == sorted(prs)
