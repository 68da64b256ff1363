"""Dashboard figures for the signed-in viewer."""
from __future__ import annotations

import asyncio

import reflex as rx

from woms_app.core.db import main_session
from woms_app.services import dashboard
from woms_app.state.base import AuthState
from woms_app.state.live import changed_topics

# what each part of the dashboard shows, by change-feed topic
SUMMARY_TOPICS = {"metrics", "plants", "alerts", "work_orders"}
PRODUCTION_TOPICS = {"metrics", "plants"}
CHART_TOPICS = {"metrics"}


class DashboardState(AuthState):
    plants: int = 0
    capacity_kw: float = 0.0
    current_power_kw: float = 0.0
    energy_today_mwh: float = 0.0
    active_alerts: int = 0
    alerts_by_severity: dict[str, int] = {}
    open_work_orders: int = 0
    work_orders_due: str = ""  # "2 overdue · 1 due within 24 h" (the SLA clocks and due times, services/sla.py)
    org_rows: list[dict[str, str]] = []
    freshness: dict[str, int] = {}
    fleet_pr: str = ""  # "" while no complete plant-day of yesterday exists in scope
    fleet_pr_plants: int = 0
    fleet_pr_of: int = 0
    fleet_pr_energy: str = ""  # Σ energy of yesterday's counted plant-days, "12.30 MWh"
    fleet_pr_reference: str = ""  # Σ their reference energy
    energy_day: str = ""  # which day "today" is (one zone's date and zone, or each plant's own day)
    computed_at: str = ""  # ISO UTC: when the figures were computed
    latest_reading_at: str = ""  # ISO UTC: the newest reading behind power / energy ("" without data)
    loaded: bool = False

    @rx.event
    async def load(self):
        # database work in a worker thread: the event loop keeps serving every other session meanwhile
        await asyncio.to_thread(self._query)

    @rx.event
    async def on_live(self):
        """Live feed: re-query only the parts of the dashboard the changed topics affect."""
        from woms_app.state.production import ProductionState
        from woms_app.state.telemetry import SelectedPlantState

        topics = await changed_topics(self)
        if topics & SUMMARY_TOPICS:
            await asyncio.to_thread(self._query)
        events = []
        if topics & PRODUCTION_TOPICS:
            events.append(ProductionState.load)
        if topics & CHART_TOPICS:
            events.append(SelectedPlantState.load_chart)
        return events

    def _query(self) -> None:
        viewer = self._require_viewer()
        with main_session() as session:
            s = dashboard.summary(session, viewer)
        self.plants = s.plants
        self.capacity_kw = s.capacity_kw
        self.current_power_kw = s.current_power_kw
        self.energy_today_mwh = s.energy_today_mwh
        self.active_alerts = s.active_alerts
        self.alerts_by_severity = s.alerts_by_severity
        self.open_work_orders = s.open_work_orders
        due = [f"{s.overdue_work_orders} overdue" if s.overdue_work_orders else "",
               f"{s.due_soon_work_orders} due within {dashboard.DUE_SOON_HOURS} h" if s.due_soon_work_orders else ""]
        self.work_orders_due = " · ".join(d for d in due if d) or ("none overdue" if s.open_work_orders else "")
        self.freshness = s.freshness
        self.fleet_pr = "" if s.fleet_pr is None else f"{s.fleet_pr * 100:.1f} %"
        self.fleet_pr_plants, self.fleet_pr_of = s.fleet_pr_plants, s.fleet_pr_of
        self.energy_day = s.energy_day
        self.fleet_pr_energy = (f"{s.fleet_pr_energy_kwh / 1000:,.2f} MWh" if s.fleet_pr_plants else "")
        self.fleet_pr_reference = (f"{s.fleet_pr_reference_kwh / 1000:,.2f} MWh" if s.fleet_pr_plants else "")
        self.computed_at = s.computed_at
        self.latest_reading_at = s.latest_reading_at or ""
        self.org_rows = [
            {
                "name": o.org_name,
                "plants": str(o.plants),
                "capacity": f"{o.capacity_kw / 1000:,.2f} MWp",
                "power": f"{o.current_power_kw:,.1f} kW",
                "alerts": str(o.active_alerts),
                "work_orders": str(o.open_work_orders),
            }
            for o in s.organizations
        ]
        self.loaded = True

    @rx.var
    def capacity_label(self) -> str:
        return f"{self.capacity_kw / 1000:,.2f} MWp" if self.capacity_kw >= 1000 else f"{self.capacity_kw:,.1f} kWp"

    @rx.var
    def fleet_pr_label(self) -> str:
        return self.fleet_pr or "—"

    @rx.var
    def fleet_pr_coverage(self) -> str:
        if not self.fleet_pr_of:
            return "no plants yet"
        return f"{self.fleet_pr_plants} of {self.fleet_pr_of} plants · yesterday, complete days"

    @rx.var
    def power_label(self) -> str:
        return f"{self.current_power_kw:,.1f} kW"

    @rx.var
    def energy_label(self) -> str:
        return f"{self.energy_today_mwh:,.2f} MWh"
