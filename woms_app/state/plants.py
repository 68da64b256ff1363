"""The plants table."""
from __future__ import annotations

import reflex as rx

from woms_app import routes
from woms_app.core.db import main_session
from woms_app.services import plants as plant_service
from woms_app.services.freshness import freshness_for
from woms_app.services.telemetry import energy_today_mwh
from woms_app.services.zones import zone_label
from woms_app.state.base import AuthState
from woms_app.state.live import changed_topics

PAGE_SIZE = 20
LIVE_TOPICS = {"plants", "metrics", "alerts", "work_orders"}  # every column of a row follows one of these


def _kwh(mwh: float | None) -> str:
    return "—" if mwh is None else f"{mwh * 1000:,.0f} kWh"


class PlantsState(AuthState):
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    search: str = ""
    sort: str = "name"
    descending: bool = False
    loading: bool = False
    loaded: bool = False

    @rx.event
    def load(self):
        viewer = self._require_viewer()
        with main_session() as session:
            result = plant_service.list_plants(session, viewer, search=self.search, sort=self.sort,
                                               descending=self.descending, page=self.page, page_size=PAGE_SIZE)
            plants = [p for p, _ in result.items]
            fresh = freshness_for(session, plants)
            status = plant_service.plant_status(session, [p.id for p in plants])
        self.total = result.total
        self.rows = [
            {
                "id": str(p.id),
                "name": p.name,
                "org": org_name,
                "capacity": f"{p.capacity_kw:,.1f} kWp",
                "power": "—" if p.current_power_kw is None else f"{p.current_power_kw:,.1f} kW",
                "energy": _kwh(energy_today_mwh(p)),
                "timezone": zone_label(p.timezone),
                "pr": "—" if (y := plant_service.yesterday_kpis(p))[0] is None else f"{100 * y[0]:.1f} %",
                "yield": "—" if y[1] is None else f"{y[1]:.2f}",
                "tz_error": p.timezone_error or "",
                "href": routes.plant(p.id),
                "freshness": fresh[p.id].value,
                "alerts": str(status[p.id].active_alerts),
                "severity": status[p.id].worst_severity,
                "wo": f"#{status[p.id].work_order_id}" if status[p.id].work_order_id else "",
                "wo_title": status[p.id].work_order_title,
            }
            for p, org_name in result.items
        ]
        self.loaded = True

    @rx.event
    async def on_live(self):
        """Live feed: re-query the rows shown (same page, search and sort) when plant figures changed."""
        if LIVE_TOPICS & await changed_topics(self):
            return PlantsState.load

    @rx.event
    def set_search(self, value: str):
        self.search = value[:100]
        self.page = 1
        return PlantsState.load

    @rx.event
    def sort_by(self, column: str):
        if column not in plant_service.SORTS:
            return
        self.descending = (not self.descending) if self.sort == column else False
        self.sort = column
        return PlantsState.load

    @rx.event
    def next_page(self):
        if self.page * PAGE_SIZE < self.total:
            self.page += 1
            return PlantsState.load

    @rx.event
    def prev_page(self):
        if self.page > 1:
            self.page -= 1
            return PlantsState.load

    @rx.var
    def page_label(self) -> str:
        if self.total == 0:
            return "No plants"
        first = (self.page - 1) * PAGE_SIZE + 1
        return f"{first}–{min(self.total, self.page * PAGE_SIZE)} of {self.total}"
