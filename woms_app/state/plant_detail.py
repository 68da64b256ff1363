"""/plants/[plant_id]: one plant's figures, PR trend, alerts and work-order history (scoped; unknown → not
found), kept current by the live feed, and a per-plant "Sync now" for writers."""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import reflex as rx

from woms_app import routes
from woms_app.core.db import main_session, telemetry_session
from woms_app.core.errors import NotFound, WomsError
from woms_app.core.ids import parse_id
from woms_app.models.org import Organization
from woms_app.services import alerts as alert_service
from woms_app.services import diagnosis as diagnosis_service
from woms_app.services import kpis as kpi_service
from woms_app.services import plants as plant_service
from woms_app.services import sync as sync_service
from woms_app.services import vendors as vendor_service
from woms_app.services import work_orders as wo_service
from woms_app.services.freshness import freshness_for
from woms_app.services.telemetry import energy_today_mwh
from woms_app.services.zones import zone_label
from woms_app.state.base import AuthState
from woms_app.state.helpers import fmt_local, fmt_number
from woms_app.state.live import changed_topics
from woms_app.state.sync_now import run_manual_sync
from woms_app.state.telemetry import SelectedPlantState

ALERTS_SHOWN = 10
WORK_ORDERS_SHOWN = 10
KPI_DAYS = 30

# the parts of the page, and the change-feed topics that affect each
INFO, KPIS, ALERTS, WORK_ORDERS, SYNC, DIAG, DEVICES = ("info", "kpis", "alerts", "work_orders", "sync", "diag",
                                                       "devices")
ALL_PARTS = {INFO, KPIS, ALERTS, WORK_ORDERS, SYNC, DIAG, DEVICES}
PARTS_BY_TOPIC = {
    "metrics": {INFO, KPIS, DIAG},
    "plants": {INFO, DEVICES},
    "alerts": {INFO, ALERTS},
    "work_orders": {INFO, WORK_ORDERS},
    "sync": {SYNC},
    "vendors": {SYNC},
}
SOURCE_LABELS = {"sensor": "plant sensor", "clearsky": "clear-sky model"}
DEVICE_KINDS = {"inverter": "Inverter", "logger": "Data logger", "weather": "Weather station", "meter": "Meter",
                "other": "Other"}


def _pct(ratio) -> float | None:
    return None if ratio is None else round(100.0 * float(ratio), 1)


def kpi_chart_rows(rows: list[dict]) -> list[dict[str, Any]]:
    """Daily KPI rows → chart points (PR and efficiency in %). Complete days feed the lines; an incomplete
    day's figures go to separate ``*_inc`` series (drawn as marked points) with its coverage, so a day with
    too little data is visibly marked, never a silent dip in the line."""
    points = []
    for r in rows:
        day = r["day"] if isinstance(r["day"], date) else date.fromisoformat(str(r["day"])[:10])
        inc = bool(r.get("incomplete"))
        pr, pr_tc, eff = _pct(r.get("pr")), _pct(r.get("pr_temp_corrected")), r.get("efficiency_pct")
        eff = None if eff is None else round(float(eff), 1)
        points.append({
            "label": day.strftime("%d %b"),
            "pr": None if inc else pr, "pr_tc": None if inc else pr_tc, "eff": None if inc else eff,
            "pr_inc": pr if inc else None, "eff_inc": eff if inc else None,
            "coverage_inc": round(float(r.get("coverage_pct") or 0.0), 1) if inc else None,
            "energy": None if r.get("energy_kwh") is None else round(float(r["energy_kwh"]), 1),
            "expected": None if r.get("expected_energy_kwh") is None else round(float(r["expected_energy_kwh"]), 1),
        })
    return points


def kpi_table_rows(rows: list[dict]) -> list[dict[str, str]]:
    out = []
    for r in reversed(rows):  # newest first
        day = r["day"] if isinstance(r["day"], date) else date.fromisoformat(str(r["day"])[:10])
        out.append({
            "day": day.strftime("%a %d %b %Y"),
            "state": "incomplete" if r.get("incomplete") else ("final" if r.get("final") else "provisional"),
            "final": "yes" if r.get("final") else "",
            "coverage": fmt_number(r.get("coverage_pct"), 0, " %"),
            "energy": fmt_number(r.get("energy_kwh"), 0, " kWh"),
            "expected": fmt_number(r.get("expected_energy_kwh"), 0, " kWh"),
            "irradiation": fmt_number(r.get("irradiation_kwh_m2"), 2, " kWh/m²"),
            "pr": fmt_number(_pct(r.get("pr")), 1, " %"),
            "pr_tc": fmt_number(_pct(r.get("pr_temp_corrected")), 1, " %"),
            "eff": fmt_number(r.get("efficiency_pct"), 1, " %"),
            "source": SOURCE_LABELS.get(str(r.get("irradiance_source") or ""), str(r.get("irradiance_source") or "—")),
            "method": str(r.get("method") or ""),
        })
    return out


class PlantDetailState(AuthState):
    found: bool = False
    loaded: bool = False
    plant_id: int = 0
    name: str = ""
    info: dict[str, str] = {}
    tz_error: str = ""  # the vendor's time zone of the plant was not understood (readings are not synced)
    freshness: str = ""
    alerts: list[dict[str, str]] = []
    alerts_total: int = 0
    work_orders: list[dict[str, str]] = []
    work_orders_total: int = 0
    # the PR / efficiency trend (daily KPIs, oldest first)
    kpi_points: list[dict[str, Any]] = []
    kpi_days: list[dict[str, str]] = []
    kpi_method: str = ""
    kpi_source: str = ""
    kpi_methods_vary: bool = False
    kpi_incomplete: int = 0
    # the diagnosis chart: power, expected power (the KPI model) and irradiance, last 24 h
    diag_points: list[dict[str, Any]] = []
    diag_source: str = ""
    diag_source_label: str = ""
    diag_note: str = ""
    diag_summary: str = ""
    # the plant's devices as its vendor lists them (stored by the sync)
    devices: list[dict[str, str]] = []
    # per-plant Sync now (writers; the plant's vendor)
    vendor_id: int = 0
    vendor_name: str = ""
    sync_running: bool = False
    sync_progress: str = ""

    def _requested_id(self) -> int | None:
        return parse_id(str(self.router.page.params.get("plant_id", "") or ""))

    @rx.event
    def load(self):
        self.loaded = False
        self.kpi_points, self.kpi_days, self.diag_points = [], [], []
        self.vendor_id, self.vendor_name, self.sync_running, self.sync_progress = 0, "", False, ""
        if self._query(ALL_PARTS):
            # this plant becomes the selected one (the selector and the chart follow)
            return SelectedPlantState.show_plant(self.plant_id)

    @rx.event
    async def on_live(self):
        """Live feed: re-query only the parts of the page the changed topics affect."""
        if not self.found or not self.loaded:
            return
        topics = await changed_topics(self)
        parts = set().union(*(PARTS_BY_TOPIC.get(t, set()) for t in topics)) if topics else set()
        if parts and await asyncio.to_thread(self._query, parts) and "metrics" in topics:
            return SelectedPlantState.load_chart

    def _query(self, parts: set[str]) -> bool:
        """Load the given parts of the page; False (and the not-found page) when the plant is not visible."""
        viewer = self._require_viewer()
        pid = self._requested_id()
        alerts = wos = vendor = diag = devices = None
        kpi_rows: list[dict] = []
        try:
            if pid is None:
                raise NotFound("Plant not found")
            with main_session() as session:
                plant = plant_service.get_plant(session, viewer, pid)
                org = session.get(Organization, plant.org_id)
                fresh = freshness_for(session, [plant])[plant.id]
                status = plant_service.plant_status(session, [plant.id])[plant.id]
                if ALERTS in parts:
                    alerts = alert_service.list_alerts(session, viewer, plant_id=plant.id, page_size=ALERTS_SHOWN)
                if WORK_ORDERS in parts:
                    wos = wo_service.list_work_orders(session, viewer, plant_id=plant.id,
                                                      page_size=WORK_ORDERS_SHOWN)
                if KPIS in parts:
                    kpi_rows = kpi_service.plant_kpis(session, viewer, plant.id, days=KPI_DAYS)
                if DEVICES in parts:
                    devices = plant_service.plant_devices(session, viewer, plant.id)
                if DIAG in parts:
                    with telemetry_session(viewer.db_context) as tel:
                        diag = diagnosis_service.power_diagnosis(session, tel, viewer, plant.id)
                if SYNC in parts and viewer.can_write and plant.vendor_id:
                    try:
                        vendor = vendor_service.get_vendor(session, viewer, plant.vendor_id)
                    except (NotFound, WomsError):
                        vendor = None
        except NotFound:
            self.found, self.loaded, self.plant_id, self.name, self.tz_error = False, True, 0, "", ""
            self.info, self.alerts, self.work_orders, self.kpi_points, self.kpi_days = {}, [], [], [], []
            self.diag_points, self.devices = [], []
            return False
        tz = plant.timezone
        self.found, self.plant_id, self.name, self.freshness = True, plant.id, plant.name, fresh.value
        self.tz_error = plant.timezone_error or ""
        self.info = {
            "org": org.name if org else "",
            "capacity": fmt_number(plant.capacity_kw, 1, " kWp"),
            "power": fmt_number(plant.current_power_kw, 1, " kW"),
            "energy": fmt_number(energy_today_mwh(plant), 0, " kWh", 1000.0),
            "last_reading": fmt_local(plant.last_reading_at, tz),
            "timezone": zone_label(tz),
            "location": "—" if plant.latitude is None or plant.longitude is None
            else f"{plant.latitude:.4f}, {plant.longitude:.4f}"
            + ("" if plant.altitude_m is None else f" · {plant.altitude_m:,.0f} m"),
            "orientation": "—" if plant.tilt_deg is None else f"tilt {plant.tilt_deg:.0f}° · azimuth "
            + ("—" if plant.azimuth_deg is None else f"{plant.azimuth_deg:.0f}°"),
            "active_alerts": str(status.active_alerts),
            "active_wo": f"#{status.work_order_id} {status.work_order_title}" if status.work_order_id else "None",
        }
        if alerts is not None:
            self._show_alerts(alerts, tz)
        if wos is not None:
            self._show_work_orders(wos, tz)
        if KPIS in parts:
            self._show_kpis(kpi_rows)
        if diag is not None:
            self._show_diagnosis(diag)
        if devices is not None:
            self.devices = [{"sn": d.sn, "kind": DEVICE_KINDS.get(d.kind, d.kind), "name": d.name,
                             "status": d.status, "last": fmt_local(d.last_data_at, tz),
                             "seen": fmt_local(d.seen_at, tz)}
                            for d in devices]
        if SYNC in parts:
            self.vendor_id = vendor.id if vendor else 0
            self.vendor_name = vendor.name if vendor else ""
            self.sync_running = bool(vendor and vendor.running)
            self.sync_progress = (f"{vendor.run_plants_done} / {vendor.run_plants_total} plants"
                                  if vendor and vendor.running and vendor.run_plants_total else "")
        self.loaded = True
        return True

    def _show_alerts(self, alerts, tz: str) -> None:
        self.alerts = [{"id": str(a.id), "title": a.title, "severity": a.severity.value,
                        "severity_label": a.severity.label, "status": a.status.value, "status_label": a.status.label,
                        "started": fmt_local(a.started_at, tz), "resolved": fmt_local(a.resolved_at, tz)}
                       for a in alerts.items]
        self.alerts_total = alerts.total

    def _show_work_orders(self, wos, tz: str) -> None:
        self.work_orders = [{"id": str(w.id), "title": w.title, "status": w.status.value,
                             "status_label": w.status.label, "priority": w.priority.label,
                             "created": fmt_local(w.created_at, tz), "closed": fmt_local(w.closed_at, tz)}
                            for w in wos.items]
        self.work_orders_total = wos.total

    def _show_diagnosis(self, diag) -> None:
        self.diag_points = diag.points
        self.diag_source, self.diag_source_label, self.diag_note = (diag.irradiance_source, diag.irradiance_label,
                                                                    diag.expected_note)
        if diag.energy_kwh is not None and diag.expected_energy_kwh:
            ratio = 100.0 * diag.energy_kwh / diag.expected_energy_kwh
            self.diag_summary = (f"Last 24 h: {diag.energy_kwh:,.0f} kWh made of {diag.expected_energy_kwh:,.0f} kWh "
                                 f"expected ({ratio:.0f} %)")
        else:
            self.diag_summary = ""

    def _show_kpis(self, rows: list[dict]) -> None:
        self.kpi_points = kpi_chart_rows(rows)
        self.kpi_days = kpi_table_rows(rows)
        self.kpi_incomplete = sum(1 for r in rows if r.get("incomplete"))
        methods = [str(r.get("method") or "") for r in rows if r.get("method")]
        sources = [str(r.get("irradiance_source") or "") for r in rows if r.get("irradiance_source")]
        self.kpi_method = methods[-1] if methods else ""
        self.kpi_methods_vary = len(set(methods)) > 1
        self.kpi_source = sources[-1] if sources else ""

    # ------------------------------------------------------------ Sync now (the plant's vendor)
    @rx.event(background=True)
    async def sync_now(self):
        async with self:
            viewer = await self._require_viewer_async()
            binding = self._session_binding  # the tab's tree may be discarded (logout) while the sync runs
            vendor_id, vendor_name = self.vendor_id, self.vendor_name
            if not viewer.can_write or not vendor_id or self.sync_running:
                return
            self.sync_running, self.sync_progress = True, "starting…"
        async for event in run_manual_sync(self, vendor_id, vendor_name, viewer, binding,
                                           then=[SelectedPlantState.load_chart]):
            yield event

    # the hooks of run_manual_sync (under the state lock, in a worker thread)
    def _sync_progress(self, done: int, total: int) -> None:
        self.sync_progress = f"{done} / {total} plants"

    def _sync_stopped(self, refused: bool) -> None:
        if refused:  # another run holds the vendor: the page shows that one
            self.sync_progress = ""
            self._query({SYNC})
        else:
            self.sync_running, self.sync_progress = False, ""

    def _sync_finished(self, result: sync_service.SyncResult) -> str:
        self.sync_running, self.sync_progress = False, ""
        self._query(ALL_PARTS - {SYNC})
        return f": {result.plants_done} of {result.plants_total} plants, {result.readings_upserted} readings"

    @rx.var
    def has_diagnosis(self) -> bool:
        return len(self.diag_points) > 0

    @rx.var
    def has_kpis(self) -> bool:
        return len(self.kpi_points) > 0

    @rx.var
    def kpi_source_label(self) -> str:
        return {"sensor": "Irradiance from the plant's own sensor (measured plane-of-array).",
                "clearsky": "No irradiance sensor: the reference is the clear-sky irradiance at the plant's "
                            "location, tilt and azimuth, so PR and efficiency read low on cloudy days."}.get(
            self.kpi_source, "")

    @rx.var
    def alerts_href(self) -> str:
        return routes.ALERTS

    @rx.var
    def work_orders_href(self) -> str:
        return routes.WORK_ORDERS

