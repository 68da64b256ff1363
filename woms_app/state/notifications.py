"""The Notifications settings page: the viewer's own preferences, and for the organization's managers (its ORG
accounts, super admins) its webhooks with "send test" and the delivery log.

Every handler re-checks the viewer and goes through ``services.notifications``, which scope every id: a webhook
id of another organization answers "not found" and changes nothing. A new webhook's secret is in the state only
until its dialog is closed (it is shown this once; the services never return it again).
"""
from __future__ import annotations

import asyncio

import reflex as rx

from woms_app.core.db import main_session
from woms_app.core.errors import WomsError
from woms_app.core.ids import require_id
from woms_app.models.enums import AlertSeverity
from woms_app.services import vendors as vendor_service
from woms_app.services.notifications import prefs as prefs_service
from woms_app.services.notifications import webhooks as hook_service
from woms_app.services.viewer import Viewer
from woms_app.state.base import AuthState
from woms_app.state.helpers import NONE, fmt_time
from woms_app.state.live import changed_topics

SEVERITIES = AlertSeverity.values()
PREF_FIELDS = ("in_app", "email")


class NotificationsState(AuthState):
    prefs: list[dict[str, str]] = []
    prefs_editable: bool = False  # accounts of an organization (the others are never notified)
    manages_hooks: bool = False  # ORG accounts and super admins
    hooks: list[dict[str, str]] = []
    org_choices: list[dict[str, str]] = []  # super admins: the organization a new webhook is for
    form_open: bool = False
    form_url: str = ""
    form_description: str = ""
    form_severity: str = AlertSeverity.MAJOR.value
    form_org: str = ""
    form_error: str = ""
    new_secret: str = ""  # shown once, cleared when its dialog closes
    log_hook_id: int = 0
    log_url: str = ""
    deliveries: list[dict[str, str]] = []

    # ---------------------------------------------------------------- loading
    def _reload(self, viewer: Viewer) -> None:
        with main_session() as session:
            self.prefs = [{"kind": p.event_kind, "label": p.label, "in_app": "on" if p.in_app else "off",
                           "email": "on" if p.email else "off", "min_severity": p.min_severity or ""}
                          for p in prefs_service.get_prefs(session, viewer)]
            self.prefs_editable = viewer.is_org and viewer.org_id is not None
            self.manages_hooks = not viewer.is_govt
            if self.manages_hooks:
                self.hooks = [{"id": str(h.id), "org_id": str(h.org_id), "url": h.url,
                               "description": h.description or NONE, "min_severity": h.min_severity,
                               "created": fmt_time(h.created_at)} for h in hook_service.list_webhooks(session, viewer)]
                self.org_choices = [{"id": str(i), "name": n} for i, n in vendor_service.org_options(session, viewer)] \
                    if viewer.is_superadmin else []
            else:
                self.hooks, self.org_choices = [], []
            if self.log_hook_id:
                self._load_log(session, viewer, self.log_hook_id)

    def _load_log(self, session, viewer: Viewer, hook_id: int) -> None:
        rows = hook_service.deliveries(session, viewer, hook_id)
        self.deliveries = [{"id": str(d.id), "event": d.event_kind, "key": d.event_key, "status": d.status,
                            "attempts": str(d.attempts), "error": d.last_error or NONE,
                            "created": fmt_time(d.created_at), "sent": fmt_time(d.sent_at, NONE),
                            "next": fmt_time(d.next_attempt_at) if d.status in ("pending", "failed") else NONE}
                           for d in rows]

    @rx.event
    async def on_live(self):
        """Live feed: the webhooks or a delivery log of the viewer's scope changed (another tab, the job)."""
        if "notifications" in await changed_topics(self):
            viewer = await self._require_viewer_async()
            await asyncio.to_thread(self._reload, viewer)

    @rx.event
    def load(self):
        viewer = self._require_viewer()
        self.log_hook_id, self.deliveries, self.log_url, self.new_secret = 0, [], "", ""
        self._reload(viewer)

    # ---------------------------------------------------------------- preferences
    def _save_pref(self, kind: str, in_app: bool, email: bool, min_severity: str | None):
        viewer = self._require_viewer()
        try:
            with main_session() as session:
                prefs_service.set_prefs(session, viewer, [prefs_service.PrefInput(kind, in_app, email,
                                                                                  min_severity)])
        except WomsError as exc:
            self._reload(viewer)
            return rx.toast.error(exc.message)
        self._reload(viewer)
        return rx.toast.success("Notification preferences saved", id="prefs-saved")

    @rx.event
    def toggle_pref(self, kind: str, field: str, value: bool):
        self._require_viewer()
        row = next((p for p in self.prefs if p["kind"] == str(kind)), None)
        if row is None or field not in PREF_FIELDS:
            return rx.toast.error("Unknown notification")
        values = {f: row[f] == "on" for f in PREF_FIELDS} | {field: bool(value)}
        return self._save_pref(row["kind"], values["in_app"], values["email"], None)

    @rx.event
    def set_min_severity(self, value: str):
        self._require_viewer()
        row = next((p for p in self.prefs if p["kind"] == "alert.new"), None)
        if row is None:
            return rx.toast.error("Unknown notification")
        return self._save_pref("alert.new", row["in_app"] == "on", row["email"] == "on", str(value)[:20])

    # ---------------------------------------------------------------- webhooks
    @rx.event
    def open_create(self):
        self._require_viewer()
        self.form_url, self.form_description, self.form_severity, self.form_error = "", "", "major", ""
        self.form_org = self.org_choices[0]["id"] if self.org_choices else ""
        self.new_secret, self.form_open = "", True

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)
        if not value:
            self.new_secret = ""  # the secret is gone from the state once its dialog closes

    @rx.event
    def set_form_severity(self, value: str):
        self.form_severity = str(value)[:20]

    @rx.event
    def set_form_org(self, value: str):
        self.form_org = str(value)[:20]

    @rx.event
    def create_webhook(self, form_data: dict):
        viewer = self._require_viewer()
        self.form_url = str(form_data.get("url", ""))[:400]
        self.form_description = str(form_data.get("description", ""))[:200]
        self.form_error = ""
        try:
            org_id = require_id(self.form_org, "Organization") if viewer.is_superadmin else None
            with main_session() as session:
                view, secret = hook_service.create_webhook(session, viewer, self.form_url,
                                                           description=self.form_description,
                                                           min_severity=self.form_severity, org_id=org_id)
        except WomsError as exc:
            self.form_error = exc.message
            return rx.toast.error(exc.message)
        self.new_secret = secret
        self._reload(viewer)
        return rx.toast.success(f"Webhook #{view.id} created")

    @rx.event
    def send_test(self, hook_id: str):
        viewer = self._require_viewer()
        try:
            with main_session() as session:
                hook_service.send_test(session, viewer, require_id(hook_id, "Webhook"))
        except WomsError as exc:
            return rx.toast.error(exc.message)
        self._reload(viewer)
        return rx.toast.success("Test event queued: it is sent within seconds")

    @rx.event
    def delete_webhook(self, hook_id: str):
        viewer = self._require_viewer()
        try:
            hid = require_id(hook_id, "Webhook")
            with main_session() as session:
                hook_service.delete_webhook(session, viewer, hid)
        except WomsError as exc:
            return rx.toast.error(exc.message)
        if self.log_hook_id == hid:
            self.log_hook_id, self.deliveries, self.log_url = 0, [], ""
        self._reload(viewer)
        return rx.toast.success("Webhook removed")

    @rx.event
    def show_log(self, hook_id: str):
        viewer = self._require_viewer()
        try:
            hid = require_id(hook_id, "Webhook")
            with main_session() as session:
                self._load_log(session, viewer, hid)
        except WomsError as exc:
            return rx.toast.error(exc.message)
        self.log_hook_id = hid
        self.log_url = next((h["url"] for h in self.hooks if h["id"] == str(hid)), "")

    @rx.event
    def refresh_log(self):
        viewer = self._require_viewer()
        self._reload(viewer)
