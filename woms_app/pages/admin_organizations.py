"""/admin/organizations (SUPERADMIN): list, create, edit name / time zone / auto-sync."""
from zoneinfo import available_timezones

import reflex as rx

from woms_app import routes
from woms_app.components.form_field import form_field
from woms_app.components.page import Frame, page
from woms_app.state.admin import AdminOrgsState as S

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))) + ["UTC"]


def tz_datalist() -> rx.Component:
    return rx.el.datalist(*[rx.el.option(value=z) for z in ZONES], id="tz-options")


def _dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editing_id == 0, "New organization", "Edit organization")),
            rx.form(
                rx.vstack(
                    form_field("Name", rx.input(name="name", default_value=S.form_name, placeholder="Acme Solar",
                                                required=True, max_length=120, id="org-name", width="100%"),
                               S.errors.get("name", "")),
                    form_field("Time zone", rx.input(name="timezone", default_value=S.form_tz, list="tz-options",
                                                     placeholder="Asia/Kolkata", id="org-timezone", width="100%"),
                               S.errors.get("timezone", ""), hint="IANA name, e.g. Europe/Berlin"),
                    rx.hstack(rx.switch(checked=S.form_auto_sync, on_change=S.set_form_auto_sync,
                                        data_testid="org-auto-sync"),
                              rx.text("Auto-sync vendors on schedule", size="2"), align="center"),
                    rx.cond(S.errors.get("form", "") != "",
                            rx.callout(S.errors.get("form", ""), icon="triangle-alert", color_scheme="red",
                                       width="100%")),
                    rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                              rx.button(rx.cond(S.editing_id == 0, "Create", "Save"), type="submit",
                                        data_testid="org-save"),
                              justify="end", width="100%"),
                    spacing="3", width="100%",
                ),
                on_submit=S.save, reset_on_submit=False,
            ),
            tz_datalist(),
            max_width="28rem",
        ),
        open=S.dialog_open, on_open_change=S.set_dialog_open,
    )


def _table() -> rx.Component:
    return rx.cond(
        S.rows.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Organization", "Time zone", "Auto-sync", "Plants", "Accounts", "Created",
                                            "")])),
            rx.table.body(rx.foreach(S.rows, lambda r: rx.table.row(
                rx.table.row_header_cell(rx.text(r["name"], weight="medium")),
                rx.table.cell(r["timezone"]),
                rx.table.cell(rx.switch(checked=r["auto_sync"] == "on",
                                        on_change=lambda v: S.toggle_auto_sync(r["id"], v))),
                rx.table.cell(r["plants"]), rx.table.cell(r["accounts"]), rx.table.cell(r["created"]),
                rx.table.cell(rx.button(rx.icon("pencil", size=14), "Edit", size="1", variant="soft",
                                        on_click=S.open_edit(r["id"]), data_testid="org-edit")),
                align="center", data_testid="org-row"))),
            variant="surface", width="100%",
        ),
        rx.cond(S.loading, rx.center(rx.spinner(), width="100%", padding="2rem"),
                rx.callout("No organizations yet. Create the first one.", icon="info")),
    )


@page(routes.ADMIN_ORGS, "Organizations", load=[S.load])
def admin_organizations_page() -> Frame:
    return Frame(
        rx.cond(S.allowed, rx.fragment(_table(), _dialog()), rx.center(rx.spinner(), width="100%")),
        actions=rx.cond(S.allowed, rx.button(rx.icon("plus", size=16), "New organization", on_click=S.open_create,
                                             data_testid="org-new")),
    )
