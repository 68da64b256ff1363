"""/plants/[plant_id]: one plant's figures, PR trend, alerts and work-order history (scoped; unknown → not
found), kept current by the live feed, and a per-plant "Sync now" for writers."""
from __future__ import annotations

from datetime import date
from typing import Any

import reflex as rx

from woms_app.core.db import main_session
from woms_app.core.errors import Conflict, NotFound, WomsError
from woms_app.models.enums import SyncStatus, SyncTrigger
from woms_app.models.org import Organization
from woms_app.pages import routes
from woms_app.services import alerts as alert_service
from woms_app.services import kpis as kpi_service
from woms_app.services import plants as plant_service
from woms_app.services import sync as sync_service
from woms_app.services import vendors as vendor_service
from woms_app.services import telemetry_query
from woms_app.services.telemetry import energy_today_mwh
from woms_app.services import work_orders as wo_service
from woms_app.state.base import AuthState
from woms_app.state.live import changed_topics
from woms_app.state.telemetry import SelectedPlantState

ALERTS_SHOWN = 10
WORK_ORDERS_SHOWN = 10
KPI_DAYS = 30

# the parts of the page, and the change-feed topics that affect each
INFO, KPIS, ALERTS, WORK_ORDERS, SYNC = "info", "kpis", "alerts", "work_orders", "sync"
ALL_PARTS = {INFO, KPIS, ALERTS, WORK_ORDERS, SYNC}
PARTS_BY_TOPIC = {
    "metrics": {INFO, KPIS},
    "plants": {INFO},
    "alerts": {INFO, ALERTS},
    "work_orders": {INFO, WORK_ORDERS},
    "sync": {SYNC},
    "vendors": {SYNC},
}
SOURCE_LABELS = {"sensor": "plant sensor", "clearsky": "clear-sky model"}


def _fmt(value, unit: str, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f} {unit}"


def _local(instant, tz: str) -> str:
    if instant is None:
        return "—"
    return instant.astimezone(telemetry_query.zone(tz)).strftime("%d %b %Y %H:%M")


def _pct(ratio) -> float | None:
    return None if ratio is None else round(100.0 * float(ratio), 1)


def _num(value, digits: int = 1, unit: str = "") -> str:
    return "—" if value is None else f"{float(value):,.{digits}f}{unit}"


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
            "coverage": _num(r.get("coverage_pct"), 0, " %"),
            "energy": _num(r.get("energy_kwh"), 0, " kWh"),
            "expected": _num(r.get("expected_energy_kwh"), 0, " kWh"),
            "irradiation": _num(r.get("irradiation_kwh_m2"), 2, " kWh/m²"),
            "pr": _num(_pct(r.get("pr")), 1, " %"),
            "pr_tc": _num(_pct(r.get("pr_temp_corrected")), 1, " %"),
            "eff": _num(r.get("efficiency_pct"), 1, " %"),
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
    # per-plant Sync now (writers; the plant's vendor)
    vendor_id: int = 0
    vendor_name: str = ""
    sync_running: bool = False
    sync_progress: str = ""

    def _requested_id(self) -> int | None:
        raw = str(self.router.page.params.get("plant_id", "") or "")
        return int(raw) if raw.isdigit() and len(raw) < 12 else None

    @rx.event
    def load(self):
        self.loaded = False
        self.kpi_points, self.kpi_days = [], []
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
        if parts and self._query(parts) and "metrics" in topics:
            return SelectedPlantState.load_chart

    def _query(self, parts: set[str]) -> bool:
        """Load the given parts of the page; False (and the not-found page) when the plant is not visible."""
        viewer = self.require_viewer()
        pid = self._requested_id()
        alerts = wos = vendor = None
        kpi_rows: list[dict] = []
        try:
            if pid is None:
                raise NotFound("Plant not found")
            with main_session() as session:
                plant = plant_service.get_plant(session, viewer, pid)
                org = session.get(Organization, plant.org_id)
                fresh = telemetry_query.freshness_for(session, [plant])[plant.id]
                status = plant_service.plant_status(session, [plant.id])[plant.id]
                if ALERTS in parts:
                    alerts = alert_service.list_alerts(session, viewer, plant_id=plant.id, page_size=ALERTS_SHOWN)
                if WORK_ORDERS in parts:
                    wos = wo_service.list_work_orders(session, viewer, plant_id=plant.id,
                                                      page_size=WORK_ORDERS_SHOWN)
                if KPIS in parts:
                    kpi_rows = kpi_service.plant_kpis(session, viewer, plant.id, days=KPI_DAYS)
                if SYNC in parts and viewer.can_write and plant.vendor_id:
                    try:
                        vendor = vendor_service.get_vendor(session, viewer, plant.vendor_id)
                    except (NotFound, WomsError):
                        vendor = None
        except NotFound:
            self.found, self.loaded, self.plant_id, self.name = False, True, 0, ""
            self.info, self.alerts, self.work_orders, self.kpi_points, self.kpi_days = {}, [], [], [], []
            return False
        tz = plant.timezone
        self.found, self.plant_id, self.name, self.freshness = True, plant.id, plant.name, fresh.value
        self.info = {
            "org": org.name if org else "",
            "capacity": _fmt(plant.capacity_kw, "kWp"),
            "power": _fmt(plant.current_power_kw, "kW"),
            "energy": _fmt(None if (mwh := energy_today_mwh(plant)) is None else mwh * 1000, "kWh", 0),
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
        if alerts is not None:
            self._show_alerts(alerts, tz)
        if wos is not None:
            self._show_work_orders(wos, tz)
        if KPIS in parts:
            self._show_kpis(kpi_rows)
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
                        "started": _local(a.started_at, tz), "resolved": _local(a.resolved_at, tz)}
                       for a in alerts.items]
        self.alerts_total = alerts.total

    def _show_work_orders(self, wos, tz: str) -> None:
        self.work_orders = [{"id": str(w.id), "title": w.title, "status": w.status.value,
                             "status_label": w.status.label, "priority": w.priority.label,
                             "created": _local(w.created_at, tz), "closed": _local(w.closed_at, tz)}
                            for w in wos.items]
        self.work_orders_total = wos.total

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
            viewer = self.require_viewer()
            vendor_id, vendor_name = self.vendor_id, self.vendor_name
            if not viewer.can_write or not vendor_id or self.sync_running:
                return
            self.sync_running, self.sync_progress = True, "starting…"

        async def progress(p: sync_service.SyncProgress) -> None:
            async with self:
                self.sync_progress = f"{p.plants_done + p.plants_failed} / {p.plants_total} plants"

        try:
            result = await sync_service.sync_vendor(vendor_id, viewer=viewer, trigger=SyncTrigger.MANUAL,
                                                    progress=progress)
        except Conflict as exc:
            async with self:
                self.sync_progress = ""
                self._query({SYNC})
            yield rx.toast.warning(exc.message, position="top-center")
            return
        except WomsError as exc:
            async with self:
                self.sync_running, self.sync_progress = False, ""
            yield rx.toast.error(exc.message, position="top-center")
            return
        async with self:
            self.sync_running, self.sync_progress = False, ""
            self._query(ALL_PARTS - {SYNC})
        if result.status == SyncStatus.SUCCEEDED:
            yield rx.toast.success(f"Sync of {vendor_name} finished: {result.plants_done} of {result.plants_total} "
                                   f"plants, {result.readings_upserted} readings", position="top-center")
        else:
            yield rx.toast.error(f"Sync of {vendor_name} {result.status.value}: {result.error}", position="top-center")
        yield SelectedPlantState.load_chart

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

