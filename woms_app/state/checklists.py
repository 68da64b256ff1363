"""The checklists and attachments of the open work order (the detail view): record results, attach a template,
create the corrective work order of a failed item, upload and remove photos and PDFs.

Every handler resolves the viewer (``_require_viewer``) and hands ids to the services, which scope them: a client
calling a handler with a foreign id gets "not found". The work order shown is kept as its id only; the values a
client may set (readings, notes) are accepted only for items of that work order.
"""
from __future__ import annotations

import asyncio

import reflex as rx

from woms_app.core.db import main_session
from woms_app.core.errors import NotFound, PayloadTooLarge
from woms_app.core.ids import parse_id, require_id
from woms_app.models.enums import ACTIVE_WORK_ORDER_STATUSES, WorkOrderStatus
from woms_app.services import attachments, checklists, work_order_access
from woms_app.services import work_orders as wos
from woms_app.state.base import AuthState
from woms_app.state.helpers import USER_ERRORS, fmt_time
from woms_app.state.work_orders import WorkOrdersState

UPLOAD_ID = "wo-attachments"
MAX_FILES_PER_DROP = attachments.MAX_FILES_PER_UPLOAD
UPLOAD_MAX_BYTES = attachments.max_bytes()  # the control refuses larger files before sending them
UPLOAD_ACCEPT = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"],
                 "application/pdf": [".pdf"]}


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def checklist_rows(views: list[checklists.ChecklistView]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The checklists (one row each, with progress) and all their items (each naming its checklist), as strings."""
    lists, items = [], []
    for c in views:
        lists.append({"id": str(c.id), "name": c.name, "plant": c.plant_name, "type": c.wo_type.label,
                      "progress": f"{c.done}/{len(c.items)} checked", "failed": str(c.failed)})
        for it in c.items:
            items.append({
                "checklist_id": str(c.id), "id": str(it.id), "label": it.label, "unit": it.unit,
                "result": it.result.value if it.result else "",
                "reading": "" if it.reading is None else f"{it.reading:g}", "note": it.note,
                "recorded": (f"{it.recorded_by} · {fmt_time(it.recorded_at)}" if it.recorded_at else ""),
                "photos": str(it.attachments) if it.attachments else "",
            })
    return lists, items


def attachment_rows(views: list[attachments.AttachmentView]) -> list[dict[str, str]]:
    out = []
    for a in views:
        base = f"/api/work-orders/{a.work_order_id}/attachments/{a.id}"
        out.append({"id": str(a.id), "name": a.file_name, "url": base,
                    "thumb": f"{base}/thumbnail" if a.has_thumbnail else "", "image": "yes" if a.is_image else "",
                    "meta": f"{_size(a.size_bytes)} · {a.uploaded_by or 'system'} · {fmt_time(a.uploaded_at)}",
                    "item": str(a.checklist_item_id or "")})
    return out


class WorkOrderItemsState(AuthState):
    """The open work order's checklists and attachments."""

    wo_id: str = ""
    wo_active: bool = False
    checklists: list[dict[str, str]] = []
    items: list[dict[str, str]] = []
    readings: dict[str, str] = {}
    notes: dict[str, str] = {}
    template_choices: list[dict[str, str]] = []
    attach_template: str = ""
    attachments: list[dict[str, str]] = []
    busy: bool = False
    # items whose reading / note the user typed and has not recorded yet: a reload keeps what they typed
    _typed_readings: list[str] = []
    _typed_notes: list[str] = []

    # ------------------------------------------------------------ reading
    def _query(self, viewer, wo_id: int) -> None:
        with main_session() as session:
            wo = work_order_access.visible_work_order(session, viewer, wo_id)
            lists, items = checklist_rows(checklists.list_checklists(session, viewer, wo.id))
            files = attachment_rows(attachments.list_attachments(session, viewer, wo.id))
            templates = (checklists.list_templates(session, viewer, org_id=wo.org_id) if viewer.can_write else [])
            active = WorkOrderStatus(wo.status) in ACTIVE_WORK_ORDER_STATUSES
        if self.wo_id != str(wo_id):
            self._typed_readings, self._typed_notes = [], []
        self.wo_id, self.wo_active = str(wo_id), active
        self.checklists, self.items, self.attachments = lists, items, files
        self.readings = {i["id"]: self.readings.get(i["id"], "") if i["id"] in self._typed_readings else i["reading"]
                         for i in items}
        self.notes = {i["id"]: self.notes.get(i["id"], "") if i["id"] in self._typed_notes else i["note"]
                      for i in items}
        self.template_choices = [{"value": str(t.id), "label": f"{t.name} ({t.wo_type.label.lower()})"}
                                 for t in templates]
        if self.attach_template not in {c["value"] for c in self.template_choices}:
            self.attach_template = self.template_choices[0]["value"] if self.template_choices else ""

    def _clear(self) -> None:
        self.wo_id, self.wo_active = "", False
        self.checklists, self.items, self.attachments, self.template_choices = [], [], [], []
        self.readings, self.notes = {}, {}
        self._typed_readings, self._typed_notes = [], []
        self.attach_template = ""

    @rx.event
    def load_for(self, wo_id: int | str):
        """The detail view opened (or changed) work order ``wo_id``."""
        viewer = self._require_viewer()
        try:
            self._query(viewer, require_id(wo_id, "Work order"))
        except NotFound:
            self._clear()

    @rx.event
    def refresh(self):
        if not self.wo_id:
            return
        viewer = self._require_viewer()
        try:
            self._query(viewer, self._wo())
        except NotFound:
            self._clear()

    def _wo(self) -> int:
        if not self.wo_id:
            raise NotFound("Work order not found")
        return require_id(self.wo_id, "Work order")

    def _known_item(self, item_id) -> str:
        key = str(parse_id(item_id) or "")
        if key not in {i["id"] for i in self.items}:
            raise NotFound("Checklist item not found")
        return key

    # ------------------------------------------------------------ checklists
    @rx.event
    def set_attach_template(self, value: str):
        self.attach_template = value if value in {c["value"] for c in self.template_choices} else ""

    @rx.event
    def attach(self):
        viewer = self._require_viewer()
        wo_id = self._wo()
        try:
            with main_session() as session:
                c = checklists.attach_checklist(session, viewer, wo_id, self.attach_template)
            self._query(viewer, wo_id)
        except USER_ERRORS as exc:
            return rx.toast.error(exc.message)
        return [rx.toast.success(f"Checklist '{c.name}' added"), WorkOrdersState.refresh_detail]

    @rx.event
    def set_reading(self, item_id: str, value: str):
        key = self._known_item(item_id)
        self.readings = {**self.readings, key: str(value)[:40]}
        if key not in self._typed_readings:
            self._typed_readings = [*self._typed_readings, key]

    @rx.event
    def set_note(self, item_id: str, value: str):
        key = self._known_item(item_id)
        self.notes = {**self.notes, key: str(value)[:checklists.NOTE_MAX]}
        if key not in self._typed_notes:
            self._typed_notes = [*self._typed_notes, key]

    @rx.event
    def record(self, checklist_id: str, item_id: str, result: str):
        """Pass / flag / fail, with the reading and note typed for the item."""
        viewer = self._require_viewer()
        wo_id = self._wo()
        key = self._known_item(item_id)
        try:
            with main_session() as session:
                checklists.record_result(session, viewer, wo_id, checklist_id, key, result=result,
                                         reading=self.readings.get(key) or None, note=self.notes.get(key, ""))
            # recorded: from now on the item shows what is stored
            self._typed_readings = [k for k in self._typed_readings if k != key]
            self._typed_notes = [k for k in self._typed_notes if k != key]
            self._query(viewer, wo_id)
        except USER_ERRORS as exc:
            return rx.toast.error(exc.message)
        return WorkOrdersState.refresh_detail

    @rx.event
    def create_corrective(self, checklist_id: str, item_id: str):
        """The failed item's corrective work order, created from its draft (its plants must be free by then)."""
        viewer = self._require_viewer()
        wo_id = self._wo()
        try:
            with main_session() as session:
                d = checklists.corrective_draft(session, viewer, wo_id, checklist_id, item_id)
                new = wos.create_work_order(session, viewer, title=d.title, description=d.description,
                                            priority=d.priority, plant_ids=d.plant_ids)
                new_id = new.id
        except USER_ERRORS as exc:
            return rx.toast.error(exc.message)
        return [rx.toast.success(f"Corrective work order #{new_id} created"), WorkOrdersState.load]

    @rx.event
    def remove_checklist(self, checklist_id: str):
        viewer = self._require_viewer()
        wo_id = self._wo()
        try:
            with main_session() as session:
                checklists.remove_checklist(session, viewer, wo_id, checklist_id)
            self._query(viewer, wo_id)
        except USER_ERRORS as exc:
            return rx.toast.error(exc.message)
        return [rx.toast.success("Checklist removed"), WorkOrdersState.refresh_detail]

    # ------------------------------------------------------------ attachments
    def _store(self, viewer, wo_id: int, name: str, fh) -> None:
        data = attachments.read_limited(iter(lambda: fh.read(256 * 1024), b""))
        with main_session() as session:
            attachments.upload_attachment(session, viewer, wo_id, data=data, file_name=name)

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        """Photos and PDFs dropped on the upload control (each checked by content, within the size limit)."""
        viewer = await self._require_viewer_async()
        wo_id = self._wo()
        self.busy = True
        yield
        stored, problems = 0, []
        for f in list(files)[:MAX_FILES_PER_DROP]:
            name = f.filename or ""
            try:
                await asyncio.to_thread(self._store, viewer, wo_id, name, f.file)
                stored += 1
            except (*USER_ERRORS, PayloadTooLarge) as exc:
                problems.append(f"{name[:60] or 'File'}: {exc.message}")
        if len(files) > MAX_FILES_PER_DROP:
            problems.append(f"At most {MAX_FILES_PER_DROP} files at a time")
        try:
            await asyncio.to_thread(self._query, viewer, wo_id)
        except NotFound:
            self._clear()
        self.busy = False
        if stored:
            yield rx.toast.success(f"{stored} file(s) attached")
        for p in problems:
            yield rx.toast.error(p)
        yield rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    def upload_rejected(self, rejections: list[dict]):
        """Files the upload control refused before sending them (type or size): say which and why."""
        self._require_viewer()
        limit = f"{attachments.max_bytes() / 1024 / 1024:g} MB"
        names = [str((r.get("file") or {}).get("path") or (r.get("file") or {}).get("name") or "A file")[:60]
                 for r in (rejections if isinstance(rejections, list) else [])[:MAX_FILES_PER_DROP]
                 if isinstance(r, dict)]
        return rx.toast.error(f"Not attached: {', '.join(names) or 'the files'} (JPEG, PNG, WebP or PDF, up to "
                              f"{limit} each, {MAX_FILES_PER_DROP} at a time)")

    @rx.event
    def delete_attachment(self, attachment_id: str):
        viewer = self._require_viewer()
        wo_id = self._wo()
        try:
            with main_session() as session:
                attachments.delete_attachment(session, viewer, wo_id, attachment_id)
            self._query(viewer, wo_id)
        except USER_ERRORS as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success("Attachment removed")

    @rx.var
    def upload_limit_label(self) -> str:
        return f"JPEG, PNG, WebP or PDF · up to {attachments.max_bytes() / 1024 / 1024:g} MB each"
