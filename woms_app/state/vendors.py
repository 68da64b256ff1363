"""The vendors page: list, add / edit (credentials write-only), delete, test connection, Sync now.

"Sync now" is a background event running the same sync service as the scheduler; its progress is
shown here as it happens, and in every other open browser through the live feed (the running
``sync_runs`` row is what disables the button everywhere).
"""
from __future__ import annotations

import reflex as rx

from woms_app.core.db import main_session
from woms_app.core.errors import Conflict, WomsError
from woms_app.models.enums import SyncStatus, SyncTrigger, VendorStatus
from woms_app.services import sync as sync_service
from woms_app.services import vendors as svc
from woms_app.state.base import AuthState
from woms_app.state.live import changed_topics
from woms_app.state.work_orders import as_id


def _ago(dt) -> str:
    if dt is None:
        return "never"
    return dt.strftime("%Y-%m-%d %H:%M UTC")


def _row(v: svc.VendorView) -> dict[str, str]:
    pct = int(100 * v.run_plants_done / v.run_plants_total) if v.running and v.run_plants_total else 0
    return {
        "id": str(v.id),
        "name": v.name,
        "org": v.org_name,
        "type": v.vendor_label,
        "status": v.status,
        "plants": str(v.plants),
        "last_sync": _ago(v.last_sync_at),
        "last_run": v.last_run_status or "",
        "last_error": v.last_error or v.last_run_error or "",
        "running": "yes" if v.running else "",
        "progress": str(pct),
        "progress_label": f"{v.run_plants_done} / {v.run_plants_total} plants" if v.running else "",
        "has_credentials": "yes" if v.has_credentials else "",
    }


class VendorsState(AuthState):
    rows: list[dict[str, str]] = []
    total: int = 0
    loading: bool = True
    # add / edit dialog
    form_open: bool = False
    edit_id: str = ""
    form_name: str = ""
    form_type: str = ""
    form_base_url: str = ""
    form_org: str = ""
    form_poll: str = "300"
    form_creds: dict[str, str] = {}
    form_error: str = ""
    form_busy: bool = False
    type_options: list[dict[str, str]] = []
    type_fields: dict[str, list[str]] = {}
    type_secrets: dict[str, list[str]] = {}
    type_urls: dict[str, str] = {}
    org_choices: list[dict[str, str]] = []
    # delete confirmation
    delete_open: bool = False
    delete_id: str = ""
    delete_name: str = ""
    delete_plants: int = 0
    delete_with_plants: bool = False
    # the last manual sync started from this browser
    sync_vendor_name: str = ""
    sync_summary: str = ""
    sync_status: str = ""
    sync_outcomes: list[dict[str, str]] = []

    def _query(self) -> None:
        viewer = self.require_viewer()
        with main_session() as session:
            result = svc.list_vendors(session, viewer, page=1, page_size=svc.MAX_PAGE_SIZE)
            if not self.type_options:
                types = svc.vendor_types()
                self.type_options = [{"value": t["vendor_type"], "label": t["label"]} for t in types]
                self.type_fields = {t["vendor_type"]: t["credential_fields"] for t in types}
                self.type_secrets = {t["vendor_type"]: t["secret_fields"] for t in types}
                self.type_urls = {t["vendor_type"]: t["default_base_url"] for t in types}
                self.org_choices = [{"value": str(i), "label": n} for i, n in svc.org_options(session, viewer)]
        self.rows = [_row(v) for v in result.items]
        self.total = result.total
        self.loading = False

    @rx.event
    def load(self):
        self._query()

    @rx.event
    async def on_live(self):
        """Live feed: re-query when vendors, sync runs or plants of the viewer's scope changed."""
        if {"vendors", "sync", "plants"} & await changed_topics(self):
            self._query()

    # ------------------------------------------------------------ add / edit
    @rx.event
    def open_add(self):
        viewer = self.require_viewer()
        if not viewer.can_write:
            return
        self.edit_id, self.form_name, self.form_error, self.form_busy = "", "", "", False
        self.form_type = self.type_options[0]["value"] if self.type_options else ""
        self.form_base_url = self.type_urls.get(self.form_type, "")
        self.form_org = str(viewer.org_id) if viewer.org_id else (self.org_choices[0]["value"] if self.org_choices else "")
        self.form_poll = "300"
        self.form_creds = {}
        self.form_open = True

    @rx.event
    def open_edit(self, vendor_id: str):
        viewer = self.require_viewer()
        with main_session() as session:
            v = svc.get_vendor(session, viewer, as_id(vendor_id, "Vendor"))
        self.edit_id, self.form_name, self.form_type = str(v.id), v.name, v.vendor_type
        self.form_base_url, self.form_org, self.form_poll = v.base_url, str(v.org_id), str(v.poll_interval_s)
        self.form_creds, self.form_error, self.form_busy = {}, "", False  # stored secrets never come back
        self.form_open = True

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = value

    @rx.event
    def set_form_name(self, value: str):
        self.form_name = value[:120]

    @rx.event
    def set_form_type(self, value: str):
        if value in self.type_fields:
            self.form_type = value
            self.form_base_url = self.type_urls.get(value, "")
            self.form_creds = {}

    @rx.event
    def set_form_base_url(self, value: str):
        self.form_base_url = value[:300]

    @rx.event
    def set_form_org(self, value: str):
        self.form_org = value

    @rx.event
    def set_form_poll(self, value: str):
        self.form_poll = value[:6]

    @rx.event
    def set_cred(self, name: str, value: str):
        if name in self.type_fields.get(self.form_type, []):
            self.form_creds = {**self.form_creds, name: value[:500]}

    @rx.var
    def cred_fields(self) -> list[dict[str, str]]:
        secrets = set(self.type_secrets.get(self.form_type, []))
        return [{"name": f, "secret": "yes" if f in secrets else ""} for f in self.type_fields.get(self.form_type, [])]

    @rx.event
    async def save(self):
        viewer = self.require_viewer()
        self.form_busy, self.form_error = True, ""
        yield
        try:
            poll = int(self.form_poll) if self.form_poll.strip() else None
        except ValueError:
            self.form_error, self.form_busy = "Poll interval must be a whole number of seconds", False
            return
        try:
            data = svc.VendorInput(name=self.form_name, vendor_type=self.form_type, base_url=self.form_base_url,
                                   credentials=dict(self.form_creds), poll_interval_s=poll,
                                   org_id=as_id(self.form_org, "Organization") if self.form_org else None)
            if self.edit_id:
                view = await svc.update_vendor(viewer, int(self.edit_id), data)
            else:
                view = await svc.create_vendor(viewer, data)
        except WomsError as exc:
            self.form_error, self.form_busy = exc.message, False
            return
        self.form_creds = {}  # never keep secrets in state longer than the request
        self.form_open, self.form_busy = False, False
        self._query()
        yield rx.toast.success(f"Saved {view.name}: connection verified", position="top-center")

    # ------------------------------------------------------------ delete
    @rx.event
    def ask_delete(self, vendor_id: str):
        viewer = self.require_viewer()
        with main_session() as session:
            v = svc.get_vendor(session, viewer, as_id(vendor_id, "Vendor"))
        self.delete_id, self.delete_name, self.delete_plants = str(v.id), v.name, v.plants
        self.delete_with_plants = False
        self.delete_open = True

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = value

    @rx.event
    def set_delete_with_plants(self, value: bool):
        self.delete_with_plants = bool(value)

    @rx.event
    def confirm_delete(self):
        viewer = self.require_viewer()
        with main_session() as session:
            svc.delete_vendor(session, viewer, as_id(self.delete_id, "Vendor"), remove_plants=self.delete_with_plants)
        self.delete_open = False
        self._query()
        return rx.toast.success(f"Deleted {self.delete_name}", position="top-center")

    # ------------------------------------------------------------ test / sync
    @rx.event
    async def test_connection(self, vendor_id: str):
        viewer = self.require_viewer()
        result = await svc.check_vendor(viewer, as_id(vendor_id, "Vendor"))
        if result.ok:
            return rx.toast.success(result.reason, position="top-center")
        return rx.toast.error(result.reason, position="top-center")

    def _set_progress(self, vendor_id: str, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 0
        self.rows = [{**r, "running": "yes", "progress": str(pct), "progress_label": f"{done} / {total} plants"}
                     if r["id"] == vendor_id else r for r in self.rows]

    @rx.event(background=True)
    async def sync_now(self, vendor_id: str):
        async with self:
            viewer = self.require_viewer()
            row = next((r for r in self.rows if r["id"] == vendor_id), None)
            if row is None or row["running"]:
                return
            self.sync_vendor_name, self.sync_summary, self.sync_status, self.sync_outcomes = row["name"], "", "running", []
            self._set_progress(vendor_id, 0, 0)

        async def progress(p: sync_service.SyncProgress) -> None:
            async with self:
                self._set_progress(vendor_id, p.plants_done + p.plants_failed, p.plants_total)

        try:
            result = await sync_service.sync_vendor(int(vendor_id), viewer=viewer, trigger=SyncTrigger.MANUAL,
                                                    progress=progress)
        except Conflict as exc:
            async with self:
                self.sync_status = ""
                self._query()
            yield rx.toast.warning(exc.message, position="top-center")
            return
        except WomsError as exc:
            async with self:
                self.sync_status = ""
                self._query()
            yield rx.toast.error(exc.message, position="top-center")
            return
        async with self:
            self.sync_status = result.status.value
            self.sync_summary = (f"{result.plants_done} of {result.plants_total} plants synced, "
                                 f"{result.readings_upserted} readings, {result.alerts.new} new alerts "
                                 f"in {result.duration_ms / 1000:.1f} s")
            self.sync_outcomes = [{"plant": o.name, "ok": "yes" if o.ok else "",
                                   "detail": f"{o.readings} readings" if o.ok else o.error}
                                  for o in sorted(result.outcomes, key=lambda o: o.name)]
            self._query()
        if result.status == SyncStatus.SUCCEEDED:
            yield rx.toast.success(f"Sync of {self.sync_vendor_name} finished", position="top-center")
        else:
            yield rx.toast.error(f"Sync of {self.sync_vendor_name} {result.status.value}: {result.error}",
                                 position="top-center")

    @rx.var
    def status_choices(self) -> list[str]:
        return [s.value for s in VendorStatus]
