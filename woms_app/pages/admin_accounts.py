"""/admin/accounts (SUPERADMIN): list, create (role + organization), deactivate/reactivate, reset password.
A new password is typed by the admin in a form and never shown again."""
import reflex as rx

from woms_app import routes
from woms_app.components.form_field import form_field
from woms_app.components.page import Frame, page
from woms_app.components.status_badge import enum_badge
from woms_app.models.enums import AccountType, OrgRole
from woms_app.state.admin import AdminAccountsState as S
from woms_app.state.helpers import ALL

ROLE_ITEMS = [(m.value, m.label) for m in AccountType]


def _org_select(value, on_change, *, with_all: bool, **props) -> rx.Component:
    items = [rx.select.item("All organizations", value=ALL)] if with_all else []
    return rx.select.root(
        rx.select.trigger(placeholder="Organization", **props),
        rx.select.content(*items, rx.foreach(S.org_options, lambda o: rx.select.item(o["name"], value=o["id"]))),
        value=value, on_change=on_change,
    )


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New account"),
            rx.form(
                rx.vstack(
                    form_field("Email", rx.input(name="email", type="email", required=True, id="acct-email",
                                                 width="100%", auto_complete="off"), S.errors.get("email", "")),
                    form_field("Full name", rx.input(name="full_name", id="acct-name", width="100%")),
                    form_field("Role", rx.select.root(
                        rx.select.trigger(width="100%", id="acct-role"),
                        rx.select.content(*[rx.select.item(label, value=v) for v, label in ROLE_ITEMS]),
                        value=S.form_role, on_change=S.set_form_role), S.errors.get("account_type", "")),
                    rx.cond(S.form_role == "ORG",
                            form_field("Organization", _org_select(S.form_org, S.set_form_org, with_all=False,
                                                                   width="100%", id="acct-org"),
                                       S.errors.get("org_id", ""))),
                    rx.cond(S.form_role == "ORG",
                            form_field("Role in the organization", rx.select.root(
                                rx.select.trigger(width="100%", id="acct-org-role"),
                                rx.select.content(*[rx.select.item(r.label, value=r.value) for r in OrgRole]),
                                value=S.form_org_role, on_change=S.set_form_org_role),
                                S.errors.get("org_role", ""),
                                hint="Technicians work the work orders assigned to them or unassigned; managers "
                                     "also manage vendors and settings")),
                    form_field("Password", rx.input(name="password", type="password", required=True,
                                                    id="acct-password", width="100%", auto_complete="new-password"),
                               S.errors.get("password", ""), hint="At least 10 characters; give it to the user "
                                                                  "through a safe channel"),
                    form_field("Repeat password", rx.input(name="password_confirm", type="password", required=True,
                                                           id="acct-password2", width="100%",
                                                           auto_complete="new-password"),
                               S.errors.get("password_confirm", "")),
                    rx.cond(S.errors.get("form", "") != "",
                            rx.callout(S.errors.get("form", ""), icon="triangle-alert", color_scheme="red",
                                       width="100%")),
                    rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                              rx.button("Create account", type="submit", data_testid="acct-save"),
                              justify="end", width="100%"),
                    spacing="3", width="100%",
                ),
                on_submit=S.create, reset_on_submit=False,
            ),
            max_width="28rem",
        ),
        open=S.create_open, on_open_change=S.set_create_open,
    )


def _reset_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Reset password"),
            rx.dialog.description(rx.text("New password for ", rx.text.strong(S.reset_email),
                                          ". Their open sessions end at once.", size="2")),
            rx.form(
                rx.vstack(
                    form_field("New password", rx.input(name="new_password", type="password", required=True,
                                                        id="reset-password", width="100%",
                                                        auto_complete="new-password"),
                               S.reset_errors.get("password", "")),
                    form_field("Repeat new password", rx.input(name="new_password_confirm", type="password",
                                                               required=True, id="reset-password2", width="100%",
                                                               auto_complete="new-password"),
                               S.reset_errors.get("password_confirm", "")),
                    rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                              rx.button("Reset password", type="submit", color_scheme="orange",
                                        data_testid="reset-save"),
                              justify="end", width="100%"),
                    spacing="3", width="100%", margin_top="0.75rem",
                ),
                on_submit=S.reset_password, reset_on_submit=True,
            ),
            max_width="26rem",
        ),
        open=S.reset_open, on_open_change=S.set_reset_open,
    )


def _confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Deactivate account?"),
            rx.alert_dialog.description(rx.text(rx.text.strong(S.confirm_email),
                                                " can no longer sign in and is signed out everywhere. "
                                                "You can reactivate it later.", size="2")),
            rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                      rx.alert_dialog.action(rx.button("Deactivate", color_scheme="red", on_click=S.confirm_deactivate,
                                                       data_testid="confirm-deactivate")),
                      justify="end", spacing="3", margin_top="1rem"),
            max_width="26rem",
        ),
        open=S.confirm_open, on_open_change=S.set_confirm_open,
    )


def _row(r) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(rx.text(r["email"], weight="medium"), rx.text(r["name"], size="1",
                                                                                         color_scheme="gray"),
                                           spacing="0")),
        rx.table.cell(rx.hstack(enum_badge(AccountType, r["role"]),
                                rx.cond(r["org_role"] != "", enum_badge(OrgRole, r["org_role"])), spacing="1")),
        rx.table.cell(r["org"]),
        rx.table.cell(rx.cond(r["active"] == "yes", rx.badge("Active", color_scheme="green", variant="soft"),
                              rx.badge("Deactivated", color_scheme="gray", variant="soft"))),
        rx.table.cell(r["last_login"]),
        rx.table.cell(rx.hstack(
            rx.button(rx.icon("key-round", size=14), "Reset password", size="1", variant="soft",
                      on_click=S.open_reset(r["id"]), data_testid="acct-reset"),
            rx.cond(r["active"] == "yes",
                    rx.button("Deactivate", size="1", variant="soft", color_scheme="red",
                              on_click=S.ask_deactivate(r["id"]), disabled=r["self"] == "yes",
                              data_testid="acct-deactivate"),
                    rx.button("Reactivate", size="1", variant="soft", color_scheme="green",
                              on_click=S.set_active(r["id"], True), data_testid="acct-reactivate")),
            spacing="2")),
        align="center", data_testid="acct-row",
    )


def _filters() -> rx.Component:
    return rx.hstack(
        rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Search email or name…", value=S.search,
                 on_change=S.set_search.debounce(300), width="18rem", data_testid="acct-search"),
        rx.select.root(rx.select.trigger(placeholder="Role"),
                       rx.select.content(rx.select.item("All roles", value=ALL),
                                         *[rx.select.item(label, value=v) for v, label in ROLE_ITEMS]),
                       value=S.role_filter, on_change=S.set_role_filter),
        _org_select(S.org_filter, S.set_org_filter, with_all=True),
        rx.spacer(),
        rx.text(S.page_label, size="2", color_scheme="gray"),
        rx.button(rx.icon("chevron-left", size=16), variant="soft", on_click=S.prev_page, disabled=S.page <= 1,
                  aria_label="Previous page", data_testid="accounts-prev"),
        rx.button(rx.icon("chevron-right", size=16), variant="soft", on_click=S.next_page, disabled=~S.has_next,
                  aria_label="Next page", data_testid="accounts-next"),
        width="100%", align="center", wrap="wrap",
    )


@page(routes.ADMIN_ACCOUNTS, "Accounts", load=[S.load])
def admin_accounts_page() -> Frame:
    return Frame(
        rx.cond(
            S.allowed,
            rx.fragment(
                _filters(),
                rx.cond(S.rows.length() > 0,
                        rx.table.root(
                            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                           ("Account", "Role", "Organization", "Status", "Last sign-in",
                                                            "")])),
                            rx.table.body(rx.foreach(S.rows, _row)), variant="surface", width="100%"),
                        rx.cond(S.loading, rx.center(rx.spinner(), width="100%", padding="2rem"),
                                rx.callout("No accounts match these filters.", icon="info"))),
                _create_dialog(), _reset_dialog(), _confirm_dialog(),
            ),
            rx.center(rx.spinner(), width="100%"),
        ),
        actions=rx.cond(S.allowed, rx.button(rx.icon("user-plus", size=16), "New account", on_click=S.open_create,
                                             data_testid="acct-new")),
    )
