"""The vendors page: list, add / edit (credentials write-only), delete, test connection, Sync now.

"Sync now" is a background event running the same sync service as the scheduler; its progress is
shown here as it happens, and in every other open browser through the live feed (the running
``sync_runs`` row is what disables the button everywhere).
"""
from __future__ import annotations

import asyncio

import reflex as rx

from woms_app.core.db import main_session
from woms_app.core.errors import WomsError
from woms_app.core.ids import require_id
from woms_app.models.enums import VendorStatus
from woms_app.services import sync as sync_service
from woms_app.services import vendors as svc
from woms_app.services.paging import MAX_PAGE_SIZE
from woms_app.state.base import AuthState
from woms_app.state.helpers import fmt_time
from woms_app.state.live import changed_topics
from woms_app.state.sync_now import run_manual_sync


def _row(v: svc.VendorView) -> dict[str, str]:
    pct = int(100 * v.run_plants_done / v.run_plants_total) if v.running and v.run_plants_total else 0
    return {
        "id": str(v.id),
        "name": v.name,
        "org": v.org_name,
        "type": v.vendor_label,
        "status": v.status,
        "plants": str(v.plants),
        "last_sync": fmt_time(v.last_sync_at, "never"),
        "last_run": v.last_run_status or "",
        "last_error": v.last_error or v.last_run_error or "",
        "running": "yes" if v.running else "",
        "progress": str(pct),
        "progress_label": f"{v.run_plants_done} / {v.run_plants_total} plants" if v.running else "",
        "has_credentials": "yes" if v.has_credentials else "",
    }


def _every(seconds: float | None) -> str:
    if not seconds:
        return "off"
    if seconds < 3600:
        return f"every {seconds / 60:g} min"
    if seconds < 86400:
        return "hourly" if seconds == 3600 else f"every {seconds / 3600:g} h"
    return "daily" if seconds == 86400 else f"every {seconds / 86400:g} days"


def _lag(seconds: float | None) -> str:
    if seconds is None:
        return "no data yet"
    m = max(0, int(seconds // 60))
    if m < 60:
        return f"{m} min"
    if m < 48 * 60:
        return f"{m // 60} h {m % 60:02d} min"
    return f"{m // 1440} days"


def _quota_card(q: svc.QuotaView) -> dict[str, str]:
    if q.calls is None:
        allowance = "not known — configure it on the vendor (Edit)"
        used_pct = "0"
        projection = "No allowance known: polling at the vendor's own intervals."
    else:
        allowance = f"{q.calls:,} calls per {q.period}" + (" (reported by the vendor)" if q.source == "vendor" else "")
        used_pct = str(min(100, int(100 * q.used / q.calls))) if q.calls else "100"
        if q.power_interval_s is None and q.frames_interval_s is None:  # paused: not even the slowest plan fits
            projection = q.plan_reason
        elif q.exhausted_at is None:
            projection = "The plan spends nothing more this period."
        elif q.lasts_the_period:
            projection = (f"At the current plan (≈ {q.calls_per_day:,.0f} calls a day) it would run out on "
                          f"{q.exhausted_at:%Y-%m-%d}, after the period ends ({q.period_end:%Y-%m-%d}).")
        else:
            projection = (f"At the current plan (≈ {q.calls_per_day:,.0f} calls a day) it runs out on "
                          f"{q.exhausted_at:%Y-%m-%d}, before the period ends ({q.period_end:%Y-%m-%d}).")
    return {
        "id": str(q.vendor_id), "name": q.vendor_name, "org": q.org_name,
        "used": f"{q.used:,}", "left": "—" if q.left is None else f"{q.left:,}", "allowance": allowance,
        "used_pct": used_pct, "projection": projection,
        "runs_out": "" if q.exhausted_at is None else f"{q.exhausted_at:%Y-%m-%d}",
        "ok": "yes" if q.lasts_the_period else "",
        "plan": (f"power {_every(q.power_interval_s)} (daylight) · frames {_every(q.frames_interval_s)} · "
                 f"plant lists {_every(q.lists_interval_s)} · alerts {_every(q.alerts_interval_s)}"),
        "reason": q.plan_reason, "refused": q.refused or "",
        "checked": f"checked {q.checked_at:%Y-%m-%d %H:%M} UTC" if q.checked_at else "",
    }


def _lag_row(vendor_id: int, lag: svc.PlantLag) -> dict[str, str]:
    s = lag.lag_s
    level = "none" if s is None else "ok" if s <= 900 else "late" if s <= 3600 else "stale"
    return {"vendor_id": str(vendor_id), "plant": lag.name, "lag": _lag(s), "level": level}


class VendorsState(AuthState):
    rows: list[dict[str, str]] = []
    quota_cards: list[dict[str, str]] = []
    lag_rows: list[dict[str, str]] = []
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
    form_quota: str = ""
    form_period: str = "year"
    form_creds: dict[str, str] = {}  # the credential fields that are not secret (shown in the form)
    # secret credential fields as typed: backend-only (never in a delta), cleared on every outcome of a save
    _form_secrets: dict[str, str] = {}
    secrets_epoch: int = 0  # bumped when the secrets are cleared: the (uncontrolled) secret inputs remount empty
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
    _sync_vendor_id: str = ""  # its row (progress)

    def _query(self) -> None:
        viewer = self._require_viewer()
        with main_session() as session:
            result = svc.list_vendors(session, viewer, page=1, page_size=MAX_PAGE_SIZE)
            quotas = svc.quota_views(session, viewer)
            if not self.type_options:
                types = svc.vendor_types()
                self.type_options = [{"value": t["vendor_type"], "label": t["label"]} for t in types]
                self.type_fields = {t["vendor_type"]: t["credential_fields"] for t in types}
                self.type_secrets = {t["vendor_type"]: t["secret_fields"] for t in types}
                self.type_urls = {t["vendor_type"]: t["default_base_url"] for t in types}
                self.org_choices = [{"value": str(i), "label": n} for i, n in svc.org_options(session, viewer)]
        self.rows = [_row(v) for v in result.items]
        self.quota_cards = [_quota_card(q) for q in quotas]
        self.lag_rows = [_lag_row(q.vendor_id, lag) for q in quotas for lag in q.plants]
        self.total = result.total
        self.loading = False

    @rx.event
    def load(self):
        self._query()

    @rx.event
    async def on_live(self):
        """Live feed: re-query when vendors, sync runs or plants of the viewer's scope changed."""
        if {"vendors", "sync", "plants"} & await changed_topics(self):
            await asyncio.to_thread(self._query)

    # ------------------------------------------------------------ add / edit
    @rx.event
    def open_add(self):
        viewer = self._require_viewer()
        if not viewer.can_write:
            return
        self.edit_id, self.form_name, self.form_error, self.form_busy = "", "", "", False
        self.form_type = self.type_options[0]["value"] if self.type_options else ""
        self.form_base_url = self.type_urls.get(self.form_type, "")
        self.form_org = (str(viewer.org_id) if viewer.org_id
                         else (self.org_choices[0]["value"] if self.org_choices else ""))
        self.form_poll = "300"
        self.form_quota, self.form_period = "", "year"
        self._clear_credentials()
        self.form_open = True

    @rx.event
    def open_edit(self, vendor_id: str):
        viewer = self._require_viewer()
        with main_session() as session:
            v = svc.get_vendor(session, viewer, require_id(vendor_id, "Vendor"))
        self.edit_id, self.form_name, self.form_type = str(v.id), v.name, v.vendor_type
        self.form_base_url, self.form_org, self.form_poll = v.base_url, str(v.org_id), str(v.poll_interval_s)
        self.form_quota = str(v.quota_calls) if v.quota_calls and v.quota_source == "configured" else ""
        self.form_period = v.quota_period
        self.form_error, self.form_busy = "", False
        self._clear_credentials()  # stored secrets never come back
        self.form_open = True

    def _clear_credentials(self) -> None:
        self.form_creds = {}
        self._clear_secrets()

    def _clear_secrets(self) -> None:
        self._form_secrets = {}
        self.secrets_epoch += 1

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)
        if not value:
            self._clear_credentials()

    @rx.event
    def set_form_name(self, value: str):
        self.form_name = value[:120]

    @rx.event
    def set_form_type(self, value: str):
        if value in self.type_fields:
            self.form_type = value
            self.form_base_url = self.type_urls.get(value, "")
            self._clear_credentials()

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
    def set_form_quota(self, value: str):
        self.form_quota = value[:12]

    @rx.event
    def set_form_period(self, value: str):
        self.form_period = value

    @rx.event
    def set_cred(self, name: str, value: str):
        if name not in self.type_fields.get(self.form_type, []):
            return
        if name in self.type_secrets.get(self.form_type, []):
            self._form_secrets = {**self._form_secrets, name: str(value)[:500]}
        else:
            self.form_creds = {**self.form_creds, name: str(value)[:500]}

    @rx.var
    def cred_fields(self) -> list[dict[str, str]]:
        secrets = set(self.type_secrets.get(self.form_type, []))
        return [{"name": f, "secret": "yes" if f in secrets else ""} for f in self.type_fields.get(self.form_type, [])]

    @rx.event
    async def save(self):
        viewer = await self._require_viewer_async()
        credentials = {**self.form_creds, **self._form_secrets}
        again = " The secret fields were cleared: type them again." if self._form_secrets else ""
        self._clear_secrets()  # whatever the outcome: typed secrets live only for this request
        self.form_busy, self.form_error = True, ""
        yield
        try:
            poll = int(self.form_poll) if self.form_poll.strip() else None
        except ValueError:
            self.form_error, self.form_busy = "Poll interval must be a whole number of seconds", False
            return
        try:
            calls = int(self.form_quota.replace(",", "").replace("_", "")) if self.form_quota.strip() else 0
        except ValueError:
            self.form_error, self.form_busy = "Call allowance must be a whole number of calls", False
            return
        try:
            data = svc.VendorInput(name=self.form_name, vendor_type=self.form_type, base_url=self.form_base_url,
                                   credentials=credentials, poll_interval_s=poll,
                                   quota_calls=calls, quota_period=self.form_period,
                                   org_id=require_id(self.form_org, "Organization") if self.form_org else None)
            if self.edit_id:
                view = await svc.update_vendor(viewer, require_id(self.edit_id, "Vendor"), data)
            else:
                view = await svc.create_vendor(viewer, data)
        except WomsError as exc:
            self.form_error, self.form_busy = exc.message + again, False
            return
        finally:
            credentials.clear()
        self.form_creds = {}
        self.form_open, self.form_busy = False, False
        await asyncio.to_thread(self._query)
        yield rx.toast.success(f"Saved {view.name}: connection verified")

    # ------------------------------------------------------------ delete
    @rx.event
    def ask_delete(self, vendor_id: str):
        viewer = self._require_viewer()
        with main_session() as session:
            v = svc.get_vendor(session, viewer, require_id(vendor_id, "Vendor"))
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
        viewer = self._require_viewer()
        with main_session() as session:
            svc.delete_vendor(session, viewer, require_id(self.delete_id, "Vendor"),
                              remove_plants=self.delete_with_plants)
        self.delete_open = False
        self._query()
        return rx.toast.success(f"Deleted {self.delete_name}")

    # ------------------------------------------------------------ test / sync
    @rx.event
    async def test_connection(self, vendor_id: str):
        viewer = await self._require_viewer_async()
        result = await svc.check_vendor(viewer, require_id(vendor_id, "Vendor"))
        if result.ok:
            return rx.toast.success(result.reason)
        return rx.toast.error(result.reason)

    def _set_progress(self, vendor_id: str, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 0
        self.rows = [{**r, "running": "yes", "progress": str(pct), "progress_label": f"{done} / {total} plants"}
                     if r["id"] == vendor_id else r for r in self.rows]

    @rx.event(background=True)
    async def sync_now(self, vendor_id: str):
        async with self:
            viewer = await self._require_viewer_async()
            binding = self._session_binding  # the tab's tree may be discarded (logout) while the sync runs
            row = next((r for r in self.rows if r["id"] == vendor_id), None)
            if row is None or row["running"]:
                return
            self.sync_vendor_name, self.sync_summary, self._sync_vendor_id = row["name"], "", vendor_id
            self.sync_status, self.sync_outcomes = "running", []
            self._set_progress(vendor_id, 0, 0)
            vendor_name = self.sync_vendor_name
        async for event in run_manual_sync(self, require_id(vendor_id, "Vendor"), vendor_name, viewer, binding):
            yield event

    # the hooks of run_manual_sync (under the state lock, in a worker thread)
    def _sync_progress(self, done: int, total: int) -> None:
        self._set_progress(self._sync_vendor_id, done, total)

    def _sync_stopped(self, refused: bool) -> None:
        self.sync_status = ""
        self._query()

    def _sync_finished(self, result: sync_service.SyncResult) -> str:
        self.sync_status = result.status.value
        self.sync_summary = result.error if result.refused else (
            f"{result.plants_done} of {result.plants_total} plants synced, "
            f"{result.readings_upserted} readings, {result.alerts.new} new alerts, "
            f"{result.vendor_calls} vendor calls in {result.duration_ms / 1000:.1f} s")
        self.sync_outcomes = [{"plant": o.name, "ok": "yes" if o.ok else "",
                               "detail": f"{o.readings} readings" if o.ok else o.error}
                              for o in sorted(result.outcomes, key=lambda o: o.name)]
        self._query()
        return ""

    @rx.var
    def status_choices(self) -> list[str]:
        return [s.value for s in VendorStatus]
