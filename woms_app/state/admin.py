"""Administration screens (SUPERADMIN only): organizations, accounts, audit log.

The page guard sends other roles away; every handler goes through the services, which check
``require_superadmin`` themselves, so calling a handler by name from another role changes nothing.
Passwords typed by the admin travel in the form submission only; they are never kept in state.
"""
from __future__ import annotations

import reflex as rx

from woms_app import routes
from woms_app.core.db import main_session
from woms_app.core.errors import WomsError
from woms_app.core.ids import parse_id, require_id
from woms_app.models.enums import AccountType
from woms_app.services import accounts as account_service
from woms_app.services import admin as admin_service
from woms_app.services.viewer import Viewer, require_superadmin
from woms_app.state.base import AuthState
from woms_app.state.helpers import ALL, NONE, fmt_time

ACCOUNTS_PAGE = 20
AUDIT_PAGE = 50
PASSWORD_INPUT, PASSWORD_CONFIRM_INPUT = "acct-password", "acct-password2"  # ids of the create form's inputs


class AdminState(AuthState):
    allowed: bool = False
    loading: bool = False

    def _admin(self) -> Viewer:
        viewer = self._require_viewer()
        require_superadmin(viewer)
        return viewer

    def _refuse(self):
        self.allowed = False
        return [rx.redirect(routes.DASHBOARD),
                rx.toast.error("Only a super admin can open the administration pages.", id="admin-refused")]

    def _enter(self) -> Viewer | None:
        viewer = self._require_viewer()
        self.allowed = viewer.is_superadmin
        return viewer if viewer.is_superadmin else None


class AdminOrgsState(AdminState):
    rows: list[dict[str, str]] = []
    dialog_open: bool = False
    editing_id: int = 0
    form_name: str = ""
    form_tz: str = "UTC"
    form_auto_sync: bool = True
    errors: dict[str, str] = {}
    saving: bool = False

    def _reload(self, viewer: Viewer) -> None:
        with main_session() as session:
            orgs = admin_service.list_organizations(session, viewer)
        self.rows = [{"id": str(o.id), "name": o.name, "timezone": o.timezone,
                      "auto_sync": "on" if o.auto_sync_enabled else "off", "plants": str(o.plants),
                      "accounts": str(o.accounts), "created": fmt_time(o.created_at, NONE)} for o in orgs]

    @rx.event
    def load(self):
        viewer = self._enter()
        if viewer is None:
            return self._refuse()
        self.loading = True
        self._reload(viewer)
        self.loading = False

    @rx.event
    def open_create(self):
        self._admin()
        self.editing_id, self.form_name, self.form_tz, self.form_auto_sync = 0, "", "UTC", True
        self.errors, self.dialog_open = {}, True

    @rx.event
    def open_edit(self, org_id: str):
        self._admin()
        row = next((r for r in self.rows if r["id"] == str(org_id)), None)
        if row is None:
            return rx.toast.error("Organization not found")
        self.editing_id = require_id(row["id"], "Organization")
        self.form_name, self.form_tz = row["name"], row["timezone"]
        self.form_auto_sync, self.errors, self.dialog_open = row["auto_sync"] == "on", {}, True

    @rx.event
    def set_dialog_open(self, is_open: bool):
        self.dialog_open = bool(is_open)

    @rx.event
    def set_form_auto_sync(self, value: bool):
        self.form_auto_sync = bool(value)

    @rx.event
    def save(self, form_data: dict):
        viewer = self._admin()
        name = str(form_data.get("name", ""))[:200]
        tz = str(form_data.get("timezone", "")).strip()[:64] or "UTC"
        self.form_name, self.form_tz, self.errors = name, tz, {}
        try:
            with main_session() as session:
                if self.editing_id:
                    org = account_service.update_organization(session, viewer, self.editing_id, name=name,
                                                              timezone=tz, auto_sync_enabled=self.form_auto_sync)
                    verb = "updated"
                else:
                    org = account_service.create_organization(session, viewer, name, timezone=tz,
                                                              auto_sync_enabled=self.form_auto_sync)
                    verb = "created"
                saved_name = org.name
        except WomsError as exc:
            self.errors = {exc.field or "form": exc.message}
            return rx.toast.error(exc.message)
        self.dialog_open = False
        self._reload(viewer)
        return rx.toast.success(f"Organization {saved_name!r} {verb}")

    @rx.event
    def toggle_auto_sync(self, org_id: str, value: bool):
        viewer = self._admin()
        with main_session() as session:
            org = account_service.update_organization(session, viewer, require_id(org_id, "Organization"),
                                                      auto_sync_enabled=bool(value))
            name = org.name
        self._reload(viewer)
        return rx.toast.success(f"Auto-sync {'on' if value else 'off'} for {name}")


class AdminAccountsState(AdminState):
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    search: str = ""
    role_filter: str = ALL
    org_filter: str = ALL
    org_options: list[dict[str, str]] = []
    create_open: bool = False
    form_role: str = "ORG"
    form_org_role: str = "manager"  # an ORG account's role inside its organization
    form_org: str = ""
    errors: dict[str, str] = {}
    reset_id: int = 0
    reset_email: str = ""
    reset_open: bool = False
    reset_errors: dict[str, str] = {}
    confirm_id: int = 0
    confirm_email: str = ""
    confirm_open: bool = False

    def _reload(self, viewer: Viewer) -> None:
        with main_session() as session:
            page = admin_service.list_accounts(
                session, viewer, search=self.search, role="" if self.role_filter == ALL else self.role_filter,
                org_id=None if self.org_filter == ALL else parse_id(self.org_filter), page=self.page,
                page_size=ACCOUNTS_PAGE)
            self.org_options = [{"id": str(i), "name": n} for i, n in admin_service.organization_choices(session,
                                                                                                       viewer)]
        self.total = page.total
        self.rows = [{"id": str(a.id), "email": a.email, "name": a.full_name or "—",
                      "role": AccountType(a.account_type).value, "role_label": AccountType(a.account_type).label,
                      "org_role": a.org_role.value if a.org_role else "",
                      "org": org_name or "—", "active": "yes" if a.is_active else "no",
                      "last_login": fmt_time(a.last_login_at, NONE),
                      "self": "yes" if a.id == viewer.account_id else "no"}
                     for a, org_name in page.items]

    @rx.event
    def load(self):
        viewer = self._enter()
        if viewer is None:
            return self._refuse()
        self.loading = True
        self._reload(viewer)
        self.loading = False

    @rx.event
    def set_search(self, value: str):
        self.search, self.page = str(value)[:100], 1
        self._reload(self._admin())

    @rx.event
    def set_role_filter(self, value: str):
        self.role_filter, self.page = str(value), 1
        self._reload(self._admin())

    @rx.event
    def set_org_filter(self, value: str):
        self.org_filter, self.page = str(value), 1
        self._reload(self._admin())

    @rx.event
    def next_page(self):
        if self.page * ACCOUNTS_PAGE < self.total:
            self.page += 1
            self._reload(self._admin())

    @rx.event
    def prev_page(self):
        if self.page > 1:
            self.page -= 1
            self._reload(self._admin())

    # -- create ------------------------------------------------------------------------------
    @rx.event
    def open_create(self):
        self._admin()
        self.form_role = "ORG"
        self.form_org_role = "manager"
        self.form_org = self.org_options[0]["id"] if self.org_options else ""
        self.errors, self.create_open = {}, True

    @rx.event
    def set_create_open(self, is_open: bool):
        self.create_open = bool(is_open)

    @rx.event
    def set_form_role(self, value: str):
        self.form_role = str(value)

    @rx.event
    def set_form_org_role(self, value: str):
        self.form_org_role = str(value)[:20]

    @rx.event
    def set_form_org(self, value: str):
        self.form_org = str(value)

    @rx.event
    def create(self, form_data: dict):
        viewer = self._admin()
        self.errors = {}
        password = str(form_data.get("password", ""))
        confirm = str(form_data.pop("password_confirm", ""))
        form_data.pop("password", None)
        # whatever the outcome, the typed passwords leave the form now (they never enter state)
        yield [rx.set_value(PASSWORD_INPUT, ""), rx.set_value(PASSWORD_CONFIRM_INPUT, "")]
        if password != confirm:
            self.errors = {"password_confirm": "The two passwords differ"}
            return rx.toast.error("The two passwords differ")
        org_id = parse_id(self.form_org) if self.form_role == "ORG" else None
        try:
            with main_session() as session:
                account = account_service.create_account(
                    session, viewer, email=str(form_data.get("email", ""))[:300], password=password,
                    account_type=self.form_role, org_id=org_id, full_name=str(form_data.get("full_name", ""))[:200],
                    org_role=self.form_org_role if self.form_role == "ORG" else None)
                email = account.email
        except WomsError as exc:
            self.errors = {exc.field or "form": exc.message}
            return rx.toast.error(exc.message)
        self.create_open = False
        self._reload(viewer)
        return rx.toast.success(f"Account {email} created")

    # -- activate / deactivate ---------------------------------------------------------------
    @rx.event
    def ask_deactivate(self, account_id: str):
        self._admin()
        row = next((r for r in self.rows if r["id"] == str(account_id)), None)
        if row is not None:
            self.confirm_id = require_id(row["id"], "Account")
            self.confirm_email, self.confirm_open = row["email"], True

    @rx.event
    def set_confirm_open(self, is_open: bool):
        self.confirm_open = bool(is_open)

    @rx.event
    def confirm_deactivate(self):
        return AdminAccountsState.set_active(str(self.confirm_id), False)

    @rx.event
    def set_active(self, account_id: str, active: bool):
        viewer = self._admin()
        with main_session() as session:
            account = account_service.set_account_active(session, viewer, require_id(account_id, "Account"),
                                                         bool(active))
            email = account.email
        self.confirm_open = False
        self._reload(viewer)
        return rx.toast.success(f"{email} {'reactivated' if active else 'deactivated; its sessions were ended'}")

    # -- reset password ----------------------------------------------------------------------
    @rx.event
    def open_reset(self, account_id: str):
        self._admin()
        row = next((r for r in self.rows if r["id"] == str(account_id)), None)
        if row is not None:
            self.reset_id, self.reset_email, self.reset_errors, self.reset_open = (require_id(row["id"], "Account"),
                                                                                  row["email"], {}, True)

    @rx.event
    def set_reset_open(self, is_open: bool):
        self.reset_open = bool(is_open)

    @rx.event
    def reset_password(self, form_data: dict):
        viewer = self._admin()
        self.reset_errors = {}
        password = str(form_data.get("new_password", ""))
        if password != str(form_data.get("new_password_confirm", "")):
            self.reset_errors = {"password_confirm": "The two passwords differ"}
            return rx.toast.error("The two passwords differ")
        try:
            with main_session() as session:
                account = account_service.reset_password(session, viewer, self.reset_id, password)
                email = account.email
        except WomsError as exc:
            self.reset_errors = {exc.field or "form": exc.message}
            return rx.toast.error(exc.message)
        self.reset_open = False
        return rx.toast.success(f"Password of {email} reset; its sessions were ended")

    @rx.var
    def has_next(self) -> bool:
        return self.page * ACCOUNTS_PAGE < self.total

    @rx.var
    def page_label(self) -> str:
        if self.total == 0:
            return "No accounts"
        first = (self.page - 1) * ACCOUNTS_PAGE + 1
        return f"{first}–{min(self.total, self.page * ACCOUNTS_PAGE)} of {self.total}"


class AdminAuditState(AdminState):
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    who: str = ""
    action: str = ALL
    entity: str = ALL
    org: str = ALL
    day_from: str = ""
    day_to: str = ""
    actions: list[str] = []
    entities: list[str] = []
    org_options: list[dict[str, str]] = []
    error: str = ""

    def _reload(self, viewer: Viewer) -> None:
        self.error = ""
        try:
            flt = admin_service.audit_filter(who=self.who, action="" if self.action == ALL else self.action,
                                             entity="" if self.entity == ALL else self.entity,
                                             org_id=None if self.org == ALL else parse_id(self.org),
                                             day_from=self.day_from, day_to=self.day_to)
        except WomsError as exc:
            self.error = exc.message
            self.rows, self.total = [], 0
            return
        with main_session() as session:
            page = admin_service.list_audit(session, viewer, flt, page=self.page, page_size=AUDIT_PAGE)
            self.actions, self.entities = admin_service.audit_choices(session, viewer)
            self.org_options = [{"id": str(i), "name": n} for i, n in admin_service.organization_choices(session,
                                                                                                       viewer)]
        self.total = page.total
        self.rows = [{"id": str(e.id), "at": fmt_time(e.at, NONE), "who": e.account_email or "—", "role": e.role,
                      "action": e.action, "entity": e.entity, "entity_id": e.entity_id or "",
                      "org": org_name or ("—" if e.org_id is None else f"#{e.org_id}"), "detail": e.detail}
                     for e, org_name in page.items]

    @rx.event
    def load(self):
        viewer = self._enter()
        if viewer is None:
            return self._refuse()
        self.loading = True
        self._reload(viewer)
        self.loading = False

    def _set(self, **values) -> None:
        for k, v in values.items():
            setattr(self, k, str(v)[:254])
        self.page = 1
        self._reload(self._admin())

    @rx.event
    def set_who(self, value: str):
        self._set(who=value)

    @rx.event
    def set_action(self, value: str):
        self._set(action=value)

    @rx.event
    def set_entity(self, value: str):
        self._set(entity=value)

    @rx.event
    def set_org(self, value: str):
        self._set(org=value)

    @rx.event
    def set_day_from(self, value: str):
        self._set(day_from=value)

    @rx.event
    def set_day_to(self, value: str):
        self._set(day_to=value)

    @rx.event
    def clear_filters(self):
        self.who, self.action, self.entity, self.org, self.day_from, self.day_to = "", ALL, ALL, ALL, "", ""
        self.page = 1
        self._reload(self._admin())

    @rx.event
    def next_page(self):
        if self.page * AUDIT_PAGE < self.total:
            self.page += 1
            self._reload(self._admin())

    @rx.event
    def prev_page(self):
        if self.page > 1:
            self.page -= 1
            self._reload(self._admin())

    @rx.var
    def page_label(self) -> str:
        if self.total == 0:
            return "No entries"
        first = (self.page - 1) * AUDIT_PAGE + 1
        return f"{first}–{min(self.total, self.page * AUDIT_PAGE)} of {self.total}"
