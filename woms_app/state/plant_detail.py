"""/plants/[plant_id]: one plant's figures, alerts and work-order history (scoped; unknown → not found)."""
from __future__ import annotations

import reflex as rx

from woms_app.core.db import main_session
from woms_app.core.errors import NotFound
from woms_app.models.org import Organization
from woms_app.pages import routes
from woms_app.services import alerts as alert_service
from woms_app.services import plants as plant_service
from woms_app.services import telemetry_query
from woms_app.services import work_orders as wo_service
from woms_app.state.base import AuthState
from woms_app.state.telemetry import SelectedPlantState

ALERTS_SHOWN = 10
WORK_ORDERS_SHOWN = 10


def _fmt(value, unit: str, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f} {unit}"


def _local(instant, tz: str) -> str:
    if instant is None:
        return "—"
    return instant.astimezone(telemetry_query.zone(tz)).strftime("%d %b %Y %H:%M")


class PlantDetailState(AuthState):
    found: bool = False
    loaded: bool = False
    plant_id: int = 0
    name: str = ""
    info: dict[str, str] = {}
    freshness: str = ""
    alerts: list[dict[str, str]] = []
    alerts_total: int = 0
    work_orders: list[dict[str, str]] = []
    work_orders_total: int = 0

    def _requested_id(self) -> int | None:
        raw = str(self.router.page.params.get("plant_id", "") or "")
        return int(raw) if raw.isdigit() and len(raw) < 12 else None

    @rx.event
    def load(self):
        viewer = self.require_viewer()
        self.loaded = False
        pid = self._requested_id()
        try:
            if pid is None:
                raise NotFound("Plant not found")
            with main_session() as session:
                plant = plant_service.get_plant(session, viewer, pid)
                org = session.get(Organization, plant.org_id)
                fresh = telemetry_query.freshness_for(session, [plant])[plant.id]
                status = plant_service.plant_status(session, [plant.id])[plant.id]
                alerts = alert_service.list_alerts(session, viewer, plant_id=plant.id, page_size=ALERTS_SHOWN)
                wos = wo_service.list_work_orders(session, viewer, plant_id=plant.id, page_size=WORK_ORDERS_SHOWN)
        except NotFound:
            self.found, self.loaded, self.plant_id, self.name = False, True, 0, ""
            self.info, self.alerts, self.work_orders = {}, [], []
            return
        tz = plant.timezone
        self.found, self.plant_id, self.name, self.freshness = True, plant.id, plant.name, fresh.value
        self.info = {
            "org": org.name if org else "",
            "capacity": _fmt(plant.capacity_kw, "kWp"),
            "power": _fmt(plant.current_power_kw, "kW"),
            "energy": "—" if plant.daily_energy_mwh is None else f"{plant.daily_energy_mwh * 1000:,.0f} kWh",
            "last_reading": _local(plant.last_reading_at, tz),
            "timezone": f"{tz} ({telemetry_query.utc_offset_label(tz, telemetry_query.utcnow())})",
            "location": "—" if plant.latitude is None or plant.longitude is None
            else f"{plant.latitude:.4f}, {plant.longitude:.4f}"
            + ("" if plant.altitude_m is None else f" · {plant.altitude_m:,.0f} m"),
            "orientation": "—" if plant.tilt_deg is None else f"tilt {plant.tilt_deg:.0f}° · azimuth "
            + ("—" if plant.azimuth_deg is None else f"{plant.azimuth_deg:.0f}°"),
            "active_alerts": str(status.active_alerts),
            "active_wo": f"#{status.work_order_id} {status.work_order_title}" if status.work_order_id else "None",
        }
        self.alerts = [{"id": str(a.id), "title": a.title, "severity": a.severity.value,
                        "severity_label": a.severity.label, "status": a.status.value, "status_label": a.status.label,
                        "started": _local(a.started_at, tz), "resolved": _local(a.resolved_at, tz)}
                       for a in alerts.items]
        self.alerts_total = alerts.total
        self.work_orders = [{"id": str(w.id), "title": w.title, "status": w.status.value,
                             "status_label": w.status.label, "priority": w.priority.label,
                             "created": _local(w.created_at, tz), "closed": _local(w.closed_at, tz)}
                            for w in wos.items]
        self.work_orders_total = wos.total
        self.loaded = True
        # this plant becomes the selected one (the selector and the chart follow)
        return SelectedPlantState.show_plant(plant.id)

    @rx.var
    def alerts_href(self) -> str:
        return routes.ALERTS

    @rx.var
    def work_orders_href(self) -> str:
        return routes.WORK_ORDERS

