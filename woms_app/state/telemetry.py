"""The selected plant (kept across pages in this tab) and its telemetry chart."""
from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from woms_app import routes
from woms_app.core.db import main_session, telemetry_session
from woms_app.core.errors import NotFound
from woms_app.core.ids import require_id
from woms_app.services import plant_series
from woms_app.services import plants as plant_service
from woms_app.services.zones import zone_label
from woms_app.state.base import AuthState

OPTIONS_SHOWN = 12


class SelectedPlantState(AuthState):
    """PlantSelector + TelemetryChart. Holds the chosen plant's id/name and at most 500 chart points."""

    selected_id: int = 0
    selected_name: str = ""
    selected_tz: str = ""
    query: str = ""
    options: list[dict[str, str]] = []
    options_total: int = 0
    picker_open: bool = False
    metric: str = "power"
    points: list[dict[str, Any]] = []
    unit: str = "kW"
    metric_label: str = "Power"
    zone_label: str = ""
    readings: int = 0
    chart_loading: bool = False
    chart_loaded: bool = False

    # -- the selector ------------------------------------------------------------------------
    def _search(self) -> None:
        viewer = self._require_viewer()
        with main_session() as session:
            page = plant_service.list_plants(session, viewer, search=self.query, page_size=OPTIONS_SHOWN)
        self.options = [{"id": str(p.id), "name": p.name, "org": org, "tz": zone_label(p.timezone)}
                        for p, org in page.items]
        self.options_total = page.total

    @rx.event
    def set_picker_open(self, is_open: bool):
        self.picker_open = bool(is_open)
        if self.picker_open:
            self._search()

    @rx.event
    def search(self, value: str):
        self.query = str(value)[:100]
        self._search()

    @rx.event
    def choose(self, plant_id: str):
        """Select a plant (dashboard): the chart follows."""
        self.picker_open = False
        self._select(require_id(plant_id, "Plant"))
        return SelectedPlantState.load_chart

    @rx.event
    def open_plant(self, plant_id: str):
        """Select a plant and open its page."""
        self.picker_open = False
        return rx.redirect(routes.plant(require_id(plant_id, "Plant")))

    def _select(self, plant_id: int) -> None:
        viewer = self._require_viewer()
        with main_session() as session:
            plant = plant_service.get_plant(session, viewer, plant_id)  # NotFound outside the scope
        self.selected_id, self.selected_name, self.selected_tz = plant.id, plant.name, plant.timezone

    @rx.event
    def show_plant(self, plant_id: int):
        """The plant page selects its plant (checked again in the viewer's scope) and loads its chart."""
        plant_id = require_id(plant_id, "Plant")
        if plant_id != self.selected_id:
            self.points, self.chart_loaded = [], False
        self._select(plant_id)
        return SelectedPlantState.load_chart

    @rx.event
    def ensure_selection(self):
        """Dashboard on_load: keep the remembered plant if still visible, else the first plant in scope."""
        viewer = self._require_viewer()
        if self.selected_id:
            try:
                self._select(self.selected_id)
                return SelectedPlantState.load_chart
            except NotFound:
                self.selected_id, self.selected_name = 0, ""
        with main_session() as session:
            page = plant_service.list_plants(session, viewer, page_size=1)
        if page.items:
            p, _ = page.items[0]
            self.selected_id, self.selected_name, self.selected_tz = p.id, p.name, p.timezone
            return SelectedPlantState.load_chart
        self.points, self.chart_loaded = [], True

    # -- the chart ---------------------------------------------------------------------------
    @rx.event
    def set_metric(self, metric: str | list[str]):
        metric = metric[0] if isinstance(metric, list) and metric else metric
        if metric not in plant_series.METRICS:
            return
        self.metric = metric
        return SelectedPlantState.load_chart

    @rx.event
    async def load_chart(self):
        await asyncio.to_thread(self._load_chart)  # off the event loop

    def _load_chart(self) -> None:
        viewer = self._require_viewer()
        if not self.selected_id:
            self.points, self.chart_loaded = [], True
            return
        self.chart_loading = True
        try:
            with main_session() as session, telemetry_session() as tel:
                series = plant_series.plant_series(session, tel, viewer, self.selected_id, self.metric)
        except NotFound:
            self.selected_id, self.selected_name, self.points = 0, "", []
            raise
        finally:
            self.chart_loading = False
        self.points = series.points
        self.unit, self.metric_label, self.zone_label = series.unit, series.label, series.zone_label
        self.readings = series.readings
        self.chart_loaded = True

    @rx.var
    def has_points(self) -> bool:
        return len(self.points) > 0

    @rx.var
    def csv_href(self) -> str:
        return f"/api/telemetry?plant_id={self.selected_id}&metric={self.metric}&format=csv"

    @rx.var
    def plant_href(self) -> str:
        return routes.plant(self.selected_id) if self.selected_id else routes.PLANTS
