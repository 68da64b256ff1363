"""The create-work-order dialog (on /work-orders, and on /alerts prefilled from an alert).

After a create the live feed announces the new work order (work orders, plants, and alerts when it came from
one): the alerts feed re-queries itself from it; the list of /work-orders is re-read at once as well.
"""
from __future__ import annotations

import reflex as rx

from woms_app import routes
from woms_app.core.db import main_session
from woms_app.core.errors import Forbidden
from woms_app.core.ids import require_id
from woms_app.models.enums import Priority
from woms_app.services import work_orders as svc
from woms_app.state.base import AuthState
from woms_app.state.helpers import USER_ERRORS
from woms_app.state.work_orders import WorkOrdersState

OPTIONS_LIMIT = 30
PRIORITY_FORM_CHOICES = [{"value": p.value, "label": p.label} for p in Priority]


class WorkOrderFormState(AuthState):
    """The create dialog (blank, or prefilled from an alert)."""

    form_open: bool = False
    title: str = ""
    description: str = ""
    priority: str = Priority.MEDIUM.value
    alert_id: int = 0
    alert_label: str = ""
    plant_search: str = ""
    options: list[dict[str, str]] = []
    selected: list[dict[str, str]] = []  # id, name, busy
    errors: dict[str, str] = {}
    saving: bool = False

    def _reset_form(self) -> None:
        self.title = self.description = self.plant_search = self.alert_label = ""
        self.priority = Priority.MEDIUM.value
        self.alert_id = 0
        self.selected = []
        self.options = []
        self.errors = {}
        self.saving = False

    def _load_options(self, viewer) -> None:
        org_id = None
        if self.selected:  # one organization per work order: once a plant is picked, offer its org only
            org_id = int(self.selected[0]["org_id"])
        with main_session() as session:
            opts = svc.plant_options(session, viewer, search=self.plant_search, org_id=org_id, limit=OPTIONS_LIMIT)
        chosen = {s["id"] for s in self.selected}
        self.options = [
            {"id": str(o.id), "name": o.name, "org": o.org_name if viewer.fleet_wide else "", "org_id": str(o.org_id),
             "busy": ("" if o.busy_work_order_id is None
                      else f"On active #{o.busy_work_order_id} '{o.busy_work_order_title}'"),
             "checked": "yes" if str(o.id) in chosen else ""}
            for o in opts
        ]

    @rx.event
    def start(self):
        viewer = self._require_viewer()
        if not viewer.can_write:
            raise Forbidden("Read-only account: government observers cannot change data")
        self._reset_form()
        self._load_options(viewer)
        self.form_open = True

    @rx.event
    def start_from_alert(self, alert_id: int | str):
        viewer = self._require_viewer()
        if not viewer.can_write:
            raise Forbidden("Read-only account: government observers cannot change data")
        self._reset_form()
        with main_session() as session:
            draft = svc.draft_from_alert(session, viewer, require_id(alert_id, "Alert"))
            opts = {o.id: o for o in svc.plant_options(session, viewer, org_id=draft.org_id, limit=200)}
        self.title, self.description, self.priority = draft.title, draft.description, draft.priority.value
        self.alert_id = draft.alert_id
        self.alert_label = f"Alert #{draft.alert_id}"
        self.selected = [
            {"id": str(pid), "name": opts[pid].name if pid in opts else f"Plant {pid}", "org_id": str(draft.org_id),
             "busy": opts[pid].busy_message if pid in opts else ""}
            for pid in draft.plant_ids
        ]
        self._load_options(viewer)
        self.form_open = True

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)
        if not value:
            self._reset_form()

    @rx.event
    def set_title(self, value: str):
        self.title = str(value)[: svc.TITLE_MAX + 50]
        self.errors = {k: v for k, v in self.errors.items() if k != "title"}

    @rx.event
    def set_description(self, value: str):
        self.description = str(value)[: svc.DESCRIPTION_MAX + 100]
        self.errors = {k: v for k, v in self.errors.items() if k != "description"}

    @rx.event
    def set_priority(self, value: str):
        self.priority = value if value in Priority.values() else Priority.MEDIUM.value

    @rx.event
    def set_plant_search(self, value: str):
        viewer = self._require_viewer()
        self.plant_search = str(value)[:100]
        self._load_options(viewer)

    @rx.event
    def toggle_plant(self, plant_id: str, checked: bool):
        viewer = self._require_viewer()
        plant_id = str(plant_id)
        if checked:
            opt = next((o for o in self.options if o["id"] == plant_id), None)
            if opt is None or any(s["id"] == plant_id for s in self.selected):
                return
            self.selected = self.selected + [{"id": opt["id"], "name": opt["name"], "org_id": opt["org_id"],
                                              "busy": opt["busy"]}]
        else:
            self.selected = [s for s in self.selected if s["id"] != plant_id]
        self.errors = {k: v for k, v in self.errors.items() if k != "plant_ids"}
        self._load_options(viewer)

    def _validate(self) -> dict[str, str]:
        errors = {}
        title = " ".join(self.title.split())
        if not svc.TITLE_MIN <= len(title) <= svc.TITLE_MAX:
            errors["title"] = f"Title must be {svc.TITLE_MIN}–{svc.TITLE_MAX} characters"
        if len(self.description.strip()) > svc.DESCRIPTION_MAX:
            errors["description"] = f"Description must be at most {svc.DESCRIPTION_MAX} characters"
        if not self.selected:
            errors["plant_ids"] = "Pick at least one plant"
        return errors

    @rx.event
    def submit(self):
        viewer = self._require_viewer()
        self.errors = self._validate()
        if self.errors:
            return rx.toast.error("Please correct the highlighted fields")
        self.saving = True
        yield
        try:
            with main_session() as session:
                wo = svc.create_work_order(session, viewer, title=self.title, description=self.description,
                                           priority=self.priority, plant_ids=[int(s["id"]) for s in self.selected],
                                           alert_id=self.alert_id or None)
                wo_id, wo_title = wo.id, wo.title
        except USER_ERRORS as exc:
            self.saving = False
            self.errors = {exc.field or "form": exc.message}
            yield rx.toast.error(exc.message)
            return
        self.form_open = False
        self._reset_form()
        yield rx.toast.success(f"Work order #{wo_id} '{wo_title}' created")
        # /alerts re-queries from the live feed's announcement of the create
        if str(self.router.url.path).rstrip("/") != routes.ALERTS:
            yield WorkOrdersState.load

    @rx.var
    def busy_selected(self) -> str:
        """A warning for picked plants already held by another active work order."""
        return "; ".join(f"{s['name']}: {s['busy']}" for s in self.selected if s.get("busy"))
