"""The alerts feed (/alerts): newest first, filters, pagination.

``AlertsFeedState.refresh`` re-queries the current page with the current filters; the live-push
layer (vendor sync change notifications) triggers it when alerts of the viewer's scope change.
"""
from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import reflex as rx

from woms_app.core.db import main_session
from woms_app.core.ids import parse_id
from woms_app.models.enums import AlertSeverity, AlertStatus
from woms_app.services import alerts as svc
from woms_app.services import work_orders as wo_svc
from woms_app.state.base import AuthState
from woms_app.state.helpers import ALL, fmt_time, plant_choice
from woms_app.state.live import changed_topics

PAGE_SIZE = 25
SEVERITY_CHOICES = ([{"value": ALL, "label": "All severities"}]
                    + [{"value": s.value, "label": s.label} for s in AlertSeverity])
ALERT_STATUS_CHOICES = ([{"value": ALL, "label": "All statuses"}]
                        + [{"value": s.value, "label": s.label} for s in AlertStatus])


class AlertsFeedState(AuthState):
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    severity_filter: str = ALL
    status_filter: str = ALL
    plant_filter: str = ALL
    loading: bool = True
    plant_choices: list[dict[str, str]] = []

    def _query(self) -> None:
        viewer = self._require_viewer()
        with main_session() as session:
            result = svc.list_alerts(session, viewer,
                                     severity=None if self.severity_filter == ALL else self.severity_filter,
                                     status=None if self.status_filter == ALL else self.status_filter,
                                     plant_id=parse_id(self.plant_filter), page=self.page, page_size=PAGE_SIZE)
            if not self.plant_choices:
                options = wo_svc.plant_options(session, viewer, limit=200)
                self.plant_choices = [{"id": ALL, "name": "All plants"}] + [
                    plant_choice(o, viewer.fleet_wide) for o in options]
        self.total = result.total
        self.rows = [
            {
                "id": str(a.id),
                "title": a.title,
                "message": a.message,
                "plant": a.plant_name,
                "org": a.org_name,
                "code": a.vendor_code,
                "started": fmt_time(a.started_at),
                "resolved": fmt_time(a.resolved_at),
                "wo_id": str(a.work_order_id or ""),
                "wo_label": f"#{a.work_order_id} {a.work_order_title}" if a.work_order_id else "",
                "can_create": "" if a.has_active_work_order else "yes",
                "severity": a.severity.value,
                "status": a.status.value,
            }
            for a in result.items
        ]

    @rx.event
    async def load(self):
        """``on_load``: the plant choices are re-read once per visit."""
        await self._require_viewer_async()
        self.loading = True
        self.plant_choices = []
        yield
        await asyncio.to_thread(self._query)
        self.loading = False

    @rx.event
    async def refresh(self):
        """Re-query what the page shows (current filters and page)."""
        await asyncio.to_thread(self._query)

    @rx.event
    async def on_live(self):
        """Live feed: re-query only when alerts (or the work orders they link to) changed — a sync announces
        several topics, and most of them do not touch this list."""
        if {"alerts", "work_orders"} & await changed_topics(self):
            await asyncio.to_thread(self._query)

    def _set_filter(self, name: str, value: str, allowed) -> None:
        setattr(self, name, value if value in allowed else ALL)
        self.page = 1

    @rx.event
    def set_severity_filter(self, value: str):
        self._set_filter("severity_filter", value, {c["value"] for c in SEVERITY_CHOICES})
        self._query()

    @rx.event
    def set_status_filter(self, value: str):
        self._set_filter("status_filter", value, {c["value"] for c in ALERT_STATUS_CHOICES})
        self._query()

    @rx.event
    def set_plant_filter(self, value: str):
        plant_id = None if value == ALL else parse_id(value)
        self.plant_filter = ALL if plant_id is None else str(plant_id)
        self.page = 1
        self._query()
        if value != ALL and plant_id is None:  # not an id: the feed stays usable, unfiltered
            return rx.toast.error("Plant not found", id="woms-error", position="top-center")

    @rx.event
    def next_page(self):
        if self.page * PAGE_SIZE < self.total:
            self.page += 1
            self._query()

    @rx.event
    def prev_page(self):
        if self.page > 1:
            self.page -= 1
            self._query()

    @rx.event
    def export_csv(self):
        self._require_viewer()
        params = {"format": "csv"}
        if self.severity_filter != ALL:
            params["severity"] = self.severity_filter
        if self.status_filter != ALL:
            params["status"] = self.status_filter
        if parse_id(self.plant_filter):
            params["plant_id"] = self.plant_filter
        return [rx.download(url=f"/api/alerts?{urlencode(params)}", filename="alerts.csv"),
                rx.toast.info(f"Exporting {self.total} alert(s) as CSV")]

    @rx.var
    def page_label(self) -> str:
        if self.total == 0:
            return "No alerts"
        first = (self.page - 1) * PAGE_SIZE + 1
        return f"{first}–{min(self.total, self.page * PAGE_SIZE)} of {self.total}"
