"""Dashboard figures for the signed-in viewer."""
from __future__ import annotations

import reflex as rx

from woms_app.core.db import main_session
from woms_app.services import dashboard
from woms_app.state.base import AuthState




class DashboardState(AuthState):
    plants: int = 0
    capacity_kw: float = 0.0
    current_power_kw: float = 0.0
    energy_today_mwh: float = 0.0
    active_alerts: int = 0
    alerts_by_severity: dict[str, int] = {}
    open_work_orders: int = 0
    org_rows: list[dict[str, str]] = []
    freshness: dict[str, int] = {}
    fleet_pr: str = ""  # shown once analytics persist daily KPIs; the card stays hidden while empty
    loaded: bool = False

    @rx.event
    def load(self):
        viewer = self.require_viewer()
        with main_session() as session:
            s = dashboard.summary(session, viewer)
        self.plants = s.plants
        self.capacity_kw = s.capacity_kw
        self.current_power_kw = s.current_power_kw
        self.energy_today_mwh = s.energy_today_mwh
        self.active_alerts = s.active_alerts
        self.alerts_by_severity = s.alerts_by_severity
        self.open_work_orders = s.open_work_orders
        self.freshness = s.freshness
        self.fleet_pr = "" if s.fleet_pr is None else f"{s.fleet_pr * 100:.1f} %"
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
    def power_label(self) -> str:
        return f"{self.current_power_kw:,.1f} kW"

    @rx.var
    def energy_label(self) -> str:
        return f"{self.energy_today_mwh:,.2f} MWh"
