"""ProductionOverview: today's fleet power curve and energy per plant (top/bottom performers)."""
from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from woms_app.core.db import main_session, telemetry_session
from woms_app.pages import routes
from woms_app.services import telemetry_query
from woms_app.state.base import AuthState


def _row(r: telemetry_query.PlantEnergy, best: float) -> dict[str, str]:
    return {"id": str(r.plant_id), "name": r.name, "href": routes.plant(r.plant_id),
            "energy": f"{r.energy_kwh:,.0f} kWh", "yield": f"{r.specific_yield:.2f}",
            "pct": str(round(100 * r.specific_yield / best)) if best > 0 else "0"}


class ProductionState(AuthState):
    curve: list[dict[str, Any]] = []
    curve_zone: str = ""
    curve_has_data: bool = False
    top: list[dict[str, str]] = []
    bottom: list[dict[str, str]] = []
    without_data: int = 0
    loaded: bool = False

    @rx.event
    async def load(self):
        await asyncio.to_thread(self._load)  # off the event loop (a fleet of thousands of plants)

    def _load(self) -> None:
        viewer = self.require_viewer()
        with main_session() as session, telemetry_session(viewer.db_context) as tel:
            curve = telemetry_query.fleet_power_today(session, tel, viewer)
            perf = telemetry_query.performers(session, tel, viewer, n=5)
        self.curve = curve.points
        self.curve_zone = curve.zone_label
        self.curve_has_data = any(p["value"] is not None for p in curve.points)
        best = perf.top[0].specific_yield if perf.top else 0.0
        self.top = [_row(r, best) for r in perf.top]
        self.bottom = [_row(r, best) for r in perf.bottom]
        self.without_data = perf.without_data
        self.loaded = True
