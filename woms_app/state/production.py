"""ProductionOverview: today's fleet power curve and energy per plant (top/bottom performers)."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import reflex as rx

from woms_app import routes
from woms_app.core.clock import utcnow
from woms_app.core.db import main_session, telemetry_session
from woms_app.services import fleet_production
from woms_app.state.base import AuthState


def _row(r: fleet_production.PlantEnergy, best: float) -> dict[str, str]:
    return {"id": str(r.plant_id), "name": r.name, "href": routes.plant(r.plant_id),
            "energy": "" if r.energy_kwh is None else f"{r.energy_kwh:,.0f} kWh", "yield": f"{r.specific_yield:.2f}",
            "pr": "" if r.pr is None else f"PR {r.pr * 100:.0f} %", "day": r.day,
            "pct": str(round(100 * r.specific_yield / best)) if best > 0 else "0"}


class ProductionState(AuthState):
    curve: list[dict[str, Any]] = []
    curve_zone: str = ""
    curve_day: str = ""  # "Thu 3 Dec 2026"
    curve_latest: str = ""  # ISO UTC of the newest bucket with data
    curve_has_data: bool = False
    top: list[dict[str, str]] = []
    bottom: list[dict[str, str]] = []
    without_data: int = 0
    loaded: bool = False

    @rx.event
    async def load(self):
        await asyncio.to_thread(self._load)  # off the event loop (a fleet of thousands of plants)

    def _load(self) -> None:
        viewer = self._require_viewer()
        with main_session() as session, telemetry_session(viewer.db_context) as tel:
            curve = fleet_production.fleet_power_today(session, tel, viewer)
            perf = fleet_production.performers(session, tel, viewer, n=5)
        self.curve = curve.points
        self.curve_zone = curve.zone_label
        self.curve_day = f"{date.fromisoformat(curve.day):%a %-d %b %Y}"
        with_data = [p["t"] for p in curve.points if p["value"] is not None]
        # the newest bucket holds readings up to its end (or now, for the running one)
        if with_data:
            end = datetime.fromisoformat(with_data[-1].replace("Z", "+00:00")) + timedelta(minutes=curve.bucket_minutes)
            self.curve_latest = min(end, utcnow()).isoformat()
        else:
            self.curve_latest = ""
        self.curve_has_data = bool(with_data)
        best = perf.top[0].specific_yield if perf.top else 0.0
        self.top = [_row(r, best) for r in perf.top]
        self.bottom = [_row(r, best) for r in perf.bottom]
        self.without_data = perf.without_data
        self.loaded = True
