"""The alerts feed (/alerts): newest first, filters, pagination, acknowledgement; and the attention badge.

``AlertsFeedState.refresh`` re-queries the current page with the current filters; the live-push
layer (vendor sync change notifications) triggers it when alerts of the viewer's scope change.

``AttentionState`` is on every signed-in page (the sidebar's count of active unacknowledged alerts, and a toast
for each new critical or major alert): it re-counts on every live push of the tab's channel. It does not ask
``changed_topics`` (that would take the topics from the page's own handler); a count is cheap enough.
"""
from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import reflex as rx

from woms_app.core.db import main_session
from woms_app.core.ids import parse_id, require_id
from woms_app.models.enums import AlertSeverity, AlertStatus
from woms_app.services import alerts as svc
from woms_app.services import work_orders as wo_svc
from woms_app.state.base import AuthState
from woms_app.state.helpers import ALL, USER_ERRORS, fmt_time, plant_choice
from woms_app.state.live import changed_topics

PAGE_SIZE = 25
SEVERITY_CHOICES = ([{"value": ALL, "label": "All severities"}]
                    + [{"value": s.value, "label": s.label} for s in AlertSeverity])
ALERT_STATUS_CHOICES = ([{"value": ALL, "label": "All statuses"}]
                        + [{"value": s.value, "label": s.label} for s in AlertStatus])
ACK_CHOICES = [{"value": ALL, "label": "Acknowledged: any"}, {"value": "no", "label": "Not acknowledged"},
               {"value": "yes", "label": "Acknowledged"}]


class AlertsFeedState(AuthState):
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    severity_filter: str = ALL
    status_filter: str = ALL
    plant_filter: str = ALL
    ack_filter: str = ALL
    loading: bool = True
    # the acknowledge dialog: which alert, its title, the note typed so far
    ack_alert_id: str = ""
    ack_alert_title: str = ""
    ack_note: str = ""
    ack_error: str = ""
    plant_choices: list[dict[str, str]] = []

    def _query(self) -> None:
        viewer = self._require_viewer()
        with main_session() as session:
            result = svc.list_alerts(session, viewer,
                                     severity=None if self.severity_filter == ALL else self.severity_filter,
                                     status=None if self.status_filter == ALL else self.status_filter,
                                     plant_id=parse_id(self.plant_filter),
                                     acknowledged=None if self.ack_filter == ALL else self.ack_filter,
                                     page=self.page, page_size=PAGE_SIZE)
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
                "acked": "yes" if a.is_acknowledged else "",
                "acked_by": a.acknowledged_by or ("someone" if a.is_acknowledged else ""),
                "acked_at": fmt_time(a.acknowledged_at),
                "ack_note": a.ack_note,
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
    def set_ack_filter(self, value: str):
        self._set_filter("ack_filter", value, {c["value"] for c in ACK_CHOICES})
        self._query()

    # ------------------------------------------------------------ acknowledgement
    @rx.event
    def start_ack(self, alert_id: str):
        """Open the acknowledge dialog for one alert of the list (the note is optional)."""
        self._require_viewer()
        row = next((r for r in self.rows if r["id"] == str(alert_id)), None)
        if row is None:
            return rx.toast.error("Alert not found")
        self.ack_alert_id, self.ack_alert_title, self.ack_note, self.ack_error = row["id"], row["title"], "", ""

    @rx.event
    def set_ack_note(self, value: str):
        self.ack_note = str(value)[: svc.ACK_NOTE_MAX + 1]

    @rx.event
    def cancel_ack(self):
        self.ack_alert_id = self.ack_alert_title = self.ack_note = self.ack_error = ""

    @rx.event
    def set_ack_open(self, value: bool):
        if not value:
            self.ack_alert_id = self.ack_alert_title = self.ack_note = self.ack_error = ""

    @rx.event
    def confirm_ack(self):
        viewer = self._require_viewer()
        try:
            with main_session() as session:
                a = svc.acknowledge(session, viewer, require_id(self.ack_alert_id, "Alert"), self.ack_note)
        except USER_ERRORS as exc:
            self.ack_error = exc.message
            return rx.toast.error(exc.message)
        self.ack_alert_id = self.ack_alert_title = self.ack_note = self.ack_error = ""
        self._query()
        return rx.toast.success(f"Acknowledged: {a.title}")

    @rx.event
    def unacknowledge(self, alert_id: str):
        viewer = self._require_viewer()
        try:
            with main_session() as session:
                a = svc.unacknowledge(session, viewer, require_id(alert_id, "Alert"))
        except USER_ERRORS as exc:
            return rx.toast.error(exc.message)
        self._query()
        return rx.toast.info(f"No longer acknowledged: {a.title}")

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
        if self.ack_filter != ALL:
            params["acknowledged"] = "true" if self.ack_filter == "yes" else "false"
        return [rx.download(url=f"/api/alerts?{urlencode(params)}", filename="alerts.csv"),
                rx.toast.info(f"Exporting {self.total} alert(s) as CSV")]

    @rx.var
    def page_label(self) -> str:
        if self.total == 0:
            return "No alerts"
        first = (self.page - 1) * PAGE_SIZE + 1
        return f"{first}–{min(self.total, self.page * PAGE_SIZE)} of {self.total}"


class AttentionState(AuthState):
    """The sidebar's count of active unacknowledged alerts, and a toast for each new critical or major alert."""

    unacknowledged: int = 0
    _newest_id: int | None = None  # the newest alert id this tab has seen (None: not counted yet)

    def _count(self) -> list[svc.AlertView]:
        viewer = self._current_viewer()
        if viewer is None:
            return []
        with main_session() as session:
            seen = svc.attention(session, viewer, after_id=self._newest_id)
        first = self._newest_id is None
        self.unacknowledged = seen.unacknowledged
        self._newest_id = max(seen.newest_id, self._newest_id or 0)
        return [] if first else seen.to_announce  # a page load counts; only later arrivals toast

    @rx.event
    async def refresh(self):
        fresh = await asyncio.to_thread(self._count)
        for a in fresh:
            where = f"{a.plant_name} · {a.org_name}" if a.org_name else a.plant_name
            yield rx.toast.warning(f"{a.severity.label} alert: {a.title}", description=where, duration=10_000,
                                   id=f"alert-{a.id}")

    @rx.var
    def badge(self) -> str:
        return "" if self.unacknowledged <= 0 else ("99+" if self.unacknowledged > 99 else str(self.unacknowledged))
