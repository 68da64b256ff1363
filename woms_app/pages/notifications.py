"""/settings/notifications: my notification preferences; for managers (ORG accounts, super admins) the
organization's webhooks, "send test" and the delivery log."""
import reflex as rx

from woms_app import routes
from woms_app.components.form_field import form_field
from woms_app.components.page import Frame, page
from woms_app.state.notifications import SEVERITIES
from woms_app.state.notifications import NotificationsState as S

STATUS_COLORS = {"sent": "green", "pending": "gray", "failed": "amber", "dead": "red"}


def _status(value) -> rx.Component:
    return rx.badge(value, color_scheme=rx.match(value, *STATUS_COLORS.items(), "gray"), data_testid="delivery-status")


def _prefs() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("My notifications", size="4", as_="h2"),
        rx.cond(S.prefs_editable, rx.text("Which events reach you, and how. Webhooks get every event of the "
                                          "organization.", size="2", color_scheme="gray"),
                rx.callout("Notifications go to the accounts of an organization; this account has none.",
                           icon="info")),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Event", "In the app", "E-mail", "From severity")])),
            rx.table.body(rx.foreach(S.prefs, lambda p: rx.table.row(
                rx.table.row_header_cell(p["label"]),
                rx.table.cell(rx.switch(checked=p["in_app"] == "on", disabled=~S.prefs_editable,
                                        on_change=lambda v: S.toggle_pref(p["kind"], "in_app", v),
                                        aria_label=p["label"] + ": in the app", data_testid="pref-in-app")),
                rx.table.cell(rx.switch(checked=p["email"] == "on", disabled=~S.prefs_editable,
                                        on_change=lambda v: S.toggle_pref(p["kind"], "email", v),
                                        aria_label=p["label"] + ": e-mail", data_testid="pref-email")),
                rx.table.cell(rx.cond(p["kind"] == "alert.new",
                                      rx.select(SEVERITIES, value=p["min_severity"], on_change=S.set_min_severity,
                                                disabled=~S.prefs_editable, size="1", aria_label="From severity",
                                                data_testid="pref-min-severity"),
                                      rx.text("—", color_scheme="gray"))),
                align="center", data_testid="pref-row"))),
            variant="surface", width="100%",
        ),
        spacing="3", width="100%",
    ), width="100%")


def _create_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(rx.cond(S.new_secret != "", "Webhook created", "New webhook")),
        rx.cond(
            S.new_secret != "",
            rx.vstack(
                rx.callout("Copy the signing secret now: it is shown this once and never again.", icon="key-round",
                           color_scheme="amber", width="100%"),
                rx.code(S.new_secret, data_testid="webhook-secret", style={"word_break": "break-all"}),
                rx.text("docs/WEBHOOKS.md shows how the receiver verifies the X-WOMS-Signature header.", size="1",
                        color_scheme="gray"),
                rx.hstack(rx.dialog.close(rx.button("Done", data_testid="webhook-secret-done")), justify="end",
                          width="100%"),
                spacing="3", width="100%"),
            rx.form(rx.vstack(
                form_field("URL", rx.input(name="url", default_value=S.form_url, placeholder="https://…",
                                           required=True, max_length=300, width="100%", data_testid="webhook-url")),
                form_field("Description", rx.input(name="description", default_value=S.form_description,
                                                   max_length=120, width="100%")),
                form_field("New alerts from severity", rx.select(SEVERITIES, value=S.form_severity,
                                                                 on_change=S.set_form_severity)),
                rx.cond(S.org_choices.length() > 0, form_field("Organization", rx.select.root(
                    rx.select.trigger(), rx.select.content(rx.foreach(
                        S.org_choices, lambda o: rx.select.item(o["name"], value=o["id"]))),
                    value=S.form_org, on_change=S.set_form_org))),
                rx.cond(S.form_error != "", rx.callout(S.form_error, icon="triangle-alert", color_scheme="red",
                                                       width="100%", role="alert")),
                rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                          rx.button("Create", type="submit", data_testid="webhook-save"), justify="end",
                          width="100%"),
                spacing="3", width="100%"), on_submit=S.create_webhook, reset_on_submit=False),
        ),
        max_width="32rem",
    ), open=S.form_open, on_open_change=S.set_form_open)


def _hooks() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading("Webhooks of the organization", size="4", as_="h2"), rx.spacer(),
                  rx.button(rx.icon("plus", size=14), "New webhook", size="2", on_click=S.open_create,
                            data_testid="webhook-new"), width="100%", align="center"),
        rx.cond(S.hooks.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("URL", "Description", "Alerts from", "Created", "")])),
            rx.table.body(rx.foreach(S.hooks, lambda h: rx.table.row(
                # a URL breaks at any character, but keeps a readable width (the table scrolls inside its box)
                rx.table.row_header_cell(rx.text(h["url"], style={"word_break": "break-all"}), min_width="14rem"),
                rx.table.cell(h["description"]), rx.table.cell(h["min_severity"]), rx.table.cell(h["created"]),
                rx.table.cell(rx.hstack(
                    rx.button(rx.icon("send", size=14), "Send test", size="1", on_click=S.send_test(h["id"]),
                              data_testid="webhook-test"),
                    rx.button(rx.icon("list", size=14), "Deliveries", size="1", variant="soft",
                              on_click=S.show_log(h["id"]), data_testid="webhook-log"),
                    rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="soft", color_scheme="red",
                                   on_click=S.delete_webhook(h["id"]), aria_label="Remove webhook",
                                   data_testid="webhook-delete"),
                    spacing="2")),
                align="center", data_testid="webhook-row"))),
            variant="surface", width="100%"),
            rx.text("No webhooks yet.", size="2", color_scheme="gray")),
        rx.cond(S.log_hook_id != 0, _log()),
        spacing="3", width="100%",
    ), width="100%")


def _log() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading("Delivery log", size="3", as_="h3"), rx.text(S.log_url, size="1", color_scheme="gray"),
                  rx.spacer(), rx.button(rx.icon("refresh-cw", size=14), "Refresh", size="1", variant="soft",
                                         on_click=S.refresh_log), width="100%", align="center", wrap="wrap"),
        rx.cond(S.deliveries.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Event", "Status", "Attempts", "Last error", "Created", "Sent",
                                            "Next try")])),
            rx.table.body(rx.foreach(S.deliveries, lambda d: rx.table.row(
                rx.table.row_header_cell(rx.vstack(rx.text(d["event"]), rx.text(d["key"], size="1",
                                                                                 color_scheme="gray"), spacing="0")),
                rx.table.cell(_status(d["status"])), rx.table.cell(d["attempts"]), rx.table.cell(d["error"]),
                rx.table.cell(d["created"]), rx.table.cell(d["sent"]), rx.table.cell(d["next"]),
                data_testid="delivery-row"))),
            variant="surface", width="100%"),
            rx.text("Nothing delivered yet.", size="2", color_scheme="gray")),
        spacing="2", width="100%", data_testid="delivery-log",
    )


@page(routes.NOTIFICATIONS, "Notifications", load=[S.load], live=S.on_live)
def notifications_page() -> Frame:
    return Frame(rx.vstack(_prefs(), rx.cond(S.manages_hooks, rx.fragment(_hooks(), _create_dialog())),
                           spacing="4", width="100%"))
