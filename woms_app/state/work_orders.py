"""Work orders: the list with filters and the detail dialog (the create form is state/work_order_form.py).

Every handler resolves the viewer from the session (``_require_viewer``) and passes ids to the
services, which scope them: a client calling a handler with a foreign id gets "not found".
"""
from __future__ import annotations

import reflex as rx

from woms_app import routes
from woms_app.core.db import main_session
from woms_app.core.errors import NotFound
from woms_app.core.ids import parse_id, require_id
from woms_app.models.enums import Priority, WorkOrderStatus
from woms_app.services import kpis
from woms_app.services import work_orders as svc
from woms_app.state.base import AuthState
from woms_app.state.helpers import ALL, USER_ERRORS, fmt_number, fmt_time, plant_choice
from woms_app.state.live import changed_topics

PAGE_SIZE = 20

STATUS_CHOICES = ([{"value": ALL, "label": "All statuses"}]
                  + [{"value": s.value, "label": s.label} for s in WorkOrderStatus])
PRIORITY_CHOICES = ([{"value": ALL, "label": "All priorities"}]
                    + [{"value": p.value, "label": p.label} for p in Priority])
TRANSITION_LABELS = {WorkOrderStatus.IN_PROGRESS: "Start work", WorkOrderStatus.DONE: "Mark done",
                     WorkOrderStatus.CANCELLED: "Cancel work order", WorkOrderStatus.ON_HOLD: "Put on hold",
                     WorkOrderStatus.OPEN: "Reopen"}


PERIODS = ("before", "during", "after")
VERDICT_COLORS = {"helped": "green", "no_change": "gray", "worse": "red", "uncertain": "amber",
                  "not_enough_data": "gray"}
VERDICT_LABELS = {"helped": "Helped", "no_change": "No clear change", "worse": "Worse", "uncertain": "Uncertain",
                  "not_enough_data": "Not enough data yet"}
LIVE_TOPICS = {"work_orders", "plants", "alerts"}
#: moves the dialog cannot make without inputs (closure codes and resolution, a reason): its page makes them
NEEDS_INPUT = {WorkOrderStatus.DONE.value, WorkOrderStatus.CANCELLED.value}


def efficiency_rows(plants: list[svc.PlantLink], snapshots) -> list[dict[str, str]]:
    """One row per plant of the work order: before / during / after figures, coverage, method and the
    plain "did the maintenance help?" reading (services.kpis.maintenance_effect)."""
    by_plant: dict[int, list] = {}
    for snap in snapshots:
        by_plant.setdefault(snap.plant_id, []).append(snap)
    rows = []
    names = {}
    for p in plants:
        names.setdefault(p.plant_id, p.plant_name)
    for pid, name in names.items():
        snaps = by_plant.get(pid, [])
        effect = kpis.maintenance_effect(snaps)
        row = {"plant": name, "verdict": effect.verdict, "verdict_label": VERDICT_LABELS[effect.verdict],
               "verdict_color": VERDICT_COLORS[effect.verdict], "verdict_text": effect.text,
               "method": next((sn.method for sn in snaps if sn.method), ""),
               "computed": fmt_time(max((sn.computed_at for sn in snaps), default=None)),
               "has_data": "yes" if snaps else ""}
        period_of = {(sn.period.value if hasattr(sn.period, "value") else str(sn.period)): sn for sn in snaps}
        for period in PERIODS:
            sn = period_of.get(period)
            row[f"{period}_eff"] = fmt_number(sn.efficiency_pct if sn else None, 1, " %")
            row[f"{period}_pr"] = fmt_number(sn.pr if sn else None, 1, " %", 100.0)
            row[f"{period}_prtc"] = fmt_number(sn.pr_temp_corrected if sn else None, 1, " %", 100.0)
            row[f"{period}_cov"] = fmt_number(sn.coverage_pct if sn else None, 0, " %")
            row[f"{period}_low"] = ("yes" if sn is not None and (sn.coverage_pct is None or sn.coverage_pct < 90.0)
                                    else "")
            row[f"{period}_window"] = (f"{sn.window_start:%d %b} – {sn.window_end:%d %b} · {sn.days} d"
                                       if sn else "no window yet")
        rows.append(row)
    return rows


class WorkOrdersState(AuthState):
    """/work-orders: the list and the detail dialog."""

    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    status_filter: str = ALL
    priority_filter: str = ALL
    plant_filter: str = ALL
    search: str = ""
    loading: bool = True
    plant_choices: list[dict[str, str]] = []

    detail_open: bool = False
    detail: dict[str, str] = {}
    detail_plants: list[dict[str, str]] = []
    detail_history: list[dict[str, str]] = []
    detail_alerts: list[dict[str, str]] = []
    detail_next: list[dict[str, str]] = []
    detail_eff: list[dict[str, str]] = []
    detail_busy: bool = False
    add_plant_search: str = ""
    add_plant_options: list[dict[str, str]] = []
    add_plant_error: str = ""

    # ------------------------------------------------------------ list
    @rx.event
    def load_page(self):
        """``on_load``: the plant choices are re-read once per visit, then the list."""
        self.plant_choices = []
        return WorkOrdersState.load

    @rx.event
    def load(self):
        viewer = self._require_viewer()
        self.loading = True
        yield
        with main_session() as session:
            result = svc.list_work_orders(
                session, viewer, status=None if self.status_filter == ALL else self.status_filter,
                priority=None if self.priority_filter == ALL else self.priority_filter,
                plant_id=parse_id(self.plant_filter), search=self.search, page=self.page, page_size=PAGE_SIZE)
            options = None if self.plant_choices else svc.plant_options(session, viewer, limit=200)
        self.total = result.total
        self.rows = [
            {
                "id": str(w.id),
                "title": w.title,
                "org": w.org_name,
                "plants": ", ".join(w.plant_names) or "—",
                "created": fmt_time(w.created_at),
                "created_by": w.created_by,
                "status": w.status.value,
                "priority": w.priority.value,
            }
            for w in result.items
        ]
        if options is not None:
            self.plant_choices = [{"id": ALL, "name": "All plants"}] + [plant_choice(o, viewer.fleet_wide)
                                                                        for o in options]
        self.loading = False

    @rx.event
    async def on_live(self):
        """Live feed: re-query the list, and the open detail, when work orders (or their plants/alerts) changed."""
        if not LIVE_TOPICS & await changed_topics(self):
            return
        events = [WorkOrdersState.load]
        if self.detail_open and self.detail.get("id"):
            events.append(WorkOrdersState.refresh_detail)
        return events

    @rx.event
    def refresh_detail(self):
        """Re-read the open work order in place (add-plant search and options are kept)."""
        if not self.detail_open or not self.detail.get("id"):
            return
        viewer = self._require_viewer()
        try:
            with main_session() as session:
                d = svc.get_work_order(session, viewer, self._detail_id())
                self._show(d)
                self._show_efficiency(session, viewer, d)
        except NotFound:
            self.detail_open = False
            return rx.toast.info("This work order is no longer available")

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter = value if value in {c["value"] for c in STATUS_CHOICES} else ALL
        self.page = 1
        return WorkOrdersState.load

    @rx.event
    def set_priority_filter(self, value: str):
        self.priority_filter = value if value in {c["value"] for c in PRIORITY_CHOICES} else ALL
        self.page = 1
        return WorkOrdersState.load

    @rx.event
    def set_plant_filter(self, value: str):
        plant_id = None if value == ALL else parse_id(value)
        self.plant_filter = ALL if plant_id is None else str(plant_id)
        self.page = 1
        if value != ALL and plant_id is None:  # not an id: the list stays usable, unfiltered
            return [WorkOrdersState.load, rx.toast.error("Plant not found", id="woms-error", position="top-center")]
        return WorkOrdersState.load

    @rx.event
    def set_search(self, value: str):
        self.search = str(value)[:100]
        self.page = 1
        return WorkOrdersState.load

    @rx.event
    def next_page(self):
        if self.page * PAGE_SIZE < self.total:
            self.page += 1
            return WorkOrdersState.load

    @rx.event
    def prev_page(self):
        if self.page > 1:
            self.page -= 1
            return WorkOrdersState.load

    @rx.event
    def export_csv(self):
        self._require_viewer()
        from urllib.parse import urlencode

        params = {"format": "csv"}
        if self.status_filter != ALL:
            params["status"] = self.status_filter
        if self.priority_filter != ALL:
            params["priority"] = self.priority_filter
        if parse_id(self.plant_filter):
            params["plant_id"] = self.plant_filter
        if self.search:
            params["q"] = self.search
        return [rx.download(url=f"/api/work-orders?{urlencode(params)}", filename="work-orders.csv"),
                rx.toast.info(f"Exporting {self.total} work order(s) as CSV")]

    @rx.var
    def page_label(self) -> str:
        if self.total == 0:
            return "No work orders"
        first = (self.page - 1) * PAGE_SIZE + 1
        return f"{first}–{min(self.total, self.page * PAGE_SIZE)} of {self.total}"

    @rx.var
    def has_filters(self) -> bool:
        return bool(self.search) or any(f != ALL for f in (self.status_filter, self.priority_filter, self.plant_filter))

    # ------------------------------------------------------------ detail
    def _show(self, d: svc.WorkOrderDetail) -> None:
        s = d.summary
        self.detail = {
            "id": str(s.id), "title": s.title, "org": s.org_name, "description": d.description,
            "created": fmt_time(s.created_at), "created_by": s.created_by, "closed": fmt_time(s.closed_at),
            "active": "yes" if s.status.is_active else "",
            "status": s.status.value, "priority": s.priority.value,
        }
        self.detail_plants = [
            {"plant_id": str(p.plant_id), "name": p.plant_name, "active": "yes" if p.is_active else "",
             "assigned": f"{fmt_time(p.assigned_at)} by {p.assigned_by or 'system'}",
             "ended": f"{fmt_time(p.deactivated_at)} by {p.deactivated_by or 'system'}" if p.deactivated_at else ""}
            for p in d.plants
        ]
        self.detail_history = [
            {"at": fmt_time(h.at), "who": h.who, "what": _history_text(h), "note": h.note} for h in d.history
        ]
        self.detail_alerts = [
            {"id": str(a.id), "title": a.title, "severity": a.severity, "started": fmt_time(a.started_at)}
            for a in d.alerts
        ]
        self.detail_next = [
            {"value": t.value, "label": TRANSITION_LABELS.get(t, t.label), "color": t.color} for t in d.next_statuses
        ]

    def _show_efficiency(self, session, viewer, d: svc.WorkOrderDetail) -> None:
        snapshots = kpis.work_order_snapshots(session, viewer, d.summary.id)
        self.detail_eff = efficiency_rows(d.plants, snapshots)

    @rx.event
    def open_detail(self, wo_id: int | str):
        viewer = self._require_viewer()
        with main_session() as session:
            d = svc.get_work_order(session, viewer, require_id(wo_id, "Work order"))
            self._show_efficiency(session, viewer, d)
        self._show(d)
        self.add_plant_search = ""
        self.add_plant_options = []
        self.add_plant_error = ""
        self.detail_open = True

    @rx.event
    def open_from_url(self):
        """``on_load``: /work-orders?wo=<id> opens that work order's detail (links from alerts)."""
        wo = parse_id(str(self.router.url.query_parameters.get("wo", "")))
        if wo is not None:
            return WorkOrdersState.open_detail(str(wo))

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = bool(value)
        if not value:
            self.detail = {}
            self.detail_plants = self.detail_history = self.detail_alerts = self.detail_next = []
            self.detail_eff = []
            self.add_plant_options = []

    def _detail_id(self) -> int:
        if not self.detail.get("id"):
            raise NotFound("Work order not found")
        return require_id(self.detail["id"], "Work order")

    @rx.event
    def change_status(self, to_status: str):
        viewer = self._require_viewer()
        wo_id = self._detail_id()
        if to_status in NEEDS_INPUT:  # a closure's codes and resolution, or a reason: the work order's own page
            self.detail_open = False
            yield rx.redirect(routes.work_order(wo_id))
            return
        self.detail_busy = True
        yield
        try:
            with main_session() as session:
                wo = svc.change_status(session, viewer, wo_id, to_status)
                d = svc.detail_after_write(session, wo)
        except USER_ERRORS as exc:
            self.detail_busy = False
            yield rx.toast.error(exc.message)
            return
        self._show(d)
        self.detail_busy = False
        yield rx.toast.success(f"Work order #{wo_id} is now {d.summary.status.label.lower()}")
        yield WorkOrdersState.load

    @rx.event
    def deactivate_plant(self, plant_id: int | str):
        viewer = self._require_viewer()
        wo_id = self._detail_id()
        try:
            with main_session() as session:
                wo = svc.deactivate_plant(session, viewer, wo_id, require_id(plant_id, "Plant"))
                d = svc.detail_after_write(session, wo)
        except USER_ERRORS as exc:
            return rx.toast.error(exc.message)
        self._show(d)
        name = next((p["name"] for p in self.detail_plants if p["plant_id"] == str(plant_id)), "Plant")
        return [rx.toast.success(f"{name} removed from work order #{wo_id}; it is free again"), WorkOrdersState.load]

    @rx.event
    def search_add_plant(self, value: str):
        viewer = self._require_viewer()
        self.add_plant_search = str(value)[:100]
        self.add_plant_error = ""
        if not self.add_plant_search.strip():
            self.add_plant_options = []
            return
        with main_session() as session:
            wo = svc.get_work_order(session, viewer, self._detail_id())
            options = svc.plant_options(session, viewer, search=self.add_plant_search, org_id=wo.summary.org_id,
                                        limit=10)
        on_this = {p["plant_id"] for p in self.detail_plants if p["active"]}
        self.add_plant_options = [
            {"id": str(o.id), "name": o.name,
             "busy": "" if o.busy_work_order_id is None or str(o.id) in on_this
             else f"On #{o.busy_work_order_id} '{o.busy_work_order_title}'"}
            for o in options if str(o.id) not in on_this
        ]

    @rx.event
    def assign_plant(self, plant_id: int | str):
        viewer = self._require_viewer()
        wo_id = self._detail_id()
        try:
            with main_session() as session:
                wo = svc.assign_plant(session, viewer, wo_id, require_id(plant_id, "Plant"))
                d = svc.detail_after_write(session, wo)
        except USER_ERRORS as exc:
            self.add_plant_error = exc.message
            return rx.toast.error(exc.message)
        self._show(d)
        self.add_plant_search = ""
        self.add_plant_options = []
        self.add_plant_error = ""
        return [rx.toast.success(f"Plant added to work order #{wo_id}"), WorkOrdersState.load]


def _history_text(h: svc.HistoryEntry) -> str:
    if h.kind == "status" and h.from_status and h.to_status:
        return f"Status {h.from_status.label} → {h.to_status.label}"
    return {"created": "Created", "plant_added": "Plant added", "plant_removed": "Plant removed",
            "alert_linked": "Alert linked"}.get(h.kind, h.kind.replace("_", " ").capitalize())
