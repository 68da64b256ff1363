"""AlertsFeed: the live alert list, newest first, severity badges, filters (severity, status, acknowledged,
plant), "Create work order" from an alert for writers (the alert is then linked to it), and acknowledgement
(who and when, with an optional note; writers may acknowledge and take it back)."""
from __future__ import annotations

import reflex as rx

from woms_app import routes
from woms_app.components.filter_select import filter_select
from woms_app.components.status_badge import alert_status_badge, severity_badge
from woms_app.state.alerts import ACK_CHOICES, ALERT_STATUS_CHOICES, SEVERITY_CHOICES
from woms_app.state.alerts import AlertsFeedState as A
from woms_app.state.base import AuthState
from woms_app.state.work_order_form import WorkOrderFormState


def alerts_filters() -> rx.Component:
    return rx.hstack(
        filter_select(A.severity_filter, SEVERITY_CHOICES, A.set_severity_filter, testid="alert-filter-severity"),
        filter_select(A.status_filter, ALERT_STATUS_CHOICES, A.set_status_filter, testid="alert-filter-status"),
        filter_select(A.ack_filter, ACK_CHOICES, A.set_ack_filter, testid="alert-filter-ack", width="12.5rem"),
        filter_select(A.plant_filter, A.plant_choices, A.set_plant_filter, testid="alert-filter-plant",
                      value_key="id", label_key="name", width="14rem"),
        rx.spacer(),
        rx.text(A.page_label, size="2", color_scheme="gray", data_testid="alert-page-label"),
        rx.button(rx.icon("chevron-left", size=16), variant="soft", on_click=A.prev_page, disabled=A.page <= 1,
                  aria_label="Previous page"),
        rx.button(rx.icon("chevron-right", size=16), variant="soft", on_click=A.next_page,
                  disabled=A.page * 25 >= A.total, aria_label="Next page"),
        width="100%", align="center", wrap="wrap",
    )


def _ack_cell(r) -> rx.Component:
    return rx.cond(
        r["acked"] == "yes",
        rx.hstack(
            rx.vstack(
                rx.hstack(rx.icon("check-check", size=14, color=rx.color("green", 10)),
                          rx.text(r["acked_by"], size="1", data_testid="alert-acked-by"), spacing="1", align="center"),
                rx.text(r["acked_at"], size="1", color_scheme="gray", white_space="nowrap"),
                rx.cond(r["ack_note"] != "", rx.text(r["ack_note"], size="1", color_scheme="gray", max_width="14rem",
                                                     data_testid="alert-ack-note")),
                spacing="0",
            ),
            rx.cond(AuthState.can_write,
                    rx.tooltip(rx.icon_button(rx.icon("undo-2", size=14), size="1", variant="ghost", color_scheme="gray",
                                              on_click=A.unacknowledge(r["id"]), aria_label="Take the acknowledgement back",
                                              data_testid="alert-unack"),
                               content="Take the acknowledgement back")),
            spacing="2", align="start",
        ),
        rx.cond(
            AuthState.can_write & (r["status"] == "ACTIVE"),
            rx.button(rx.icon("eye", size=14), "Acknowledge", size="1", variant="soft", color_scheme="gray",
                      on_click=A.start_ack(r["id"]), data_testid="alert-ack", white_space="nowrap"),
            rx.text("—", color_scheme="gray"),
        ),
    )


def ack_dialog() -> rx.Component:
    """Acknowledge one alert, with an optional note (what you will do about it)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Acknowledge alert"),
            rx.dialog.description(A.ack_alert_title, size="2", color_scheme="gray", margin_bottom="0.75rem"),
            rx.text("Note (optional)", as_="label", html_for="alert-ack-note", size="2", weight="medium"),
            rx.text_area(id="alert-ack-note", value=A.ack_note, on_change=A.set_ack_note, max_length=500,
                         placeholder="e.g. technician on site at 14:00", width="100%", data_testid="alert-ack-note-input"),
            rx.cond(A.ack_error != "", rx.text(A.ack_error, color_scheme="red", size="2", data_testid="alert-ack-error")),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=A.cancel_ack)),
                rx.button("Acknowledge", on_click=A.confirm_ack, data_testid="alert-ack-confirm"),
                justify="end", spacing="3", margin_top="1rem",
            ),
            max_width="28rem",
        ),
        open=A.ack_alert_id != "", on_open_change=A.set_ack_open,
    )


def _row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(severity_badge(r["severity"], data_testid="alert-severity")),
        rx.table.cell(rx.vstack(rx.text(r["title"], weight="medium", size="2"),
                                rx.cond(r["message"] != "", rx.text(r["message"], size="1", color_scheme="gray")),
                                spacing="0")),
        rx.table.cell(rx.vstack(rx.text(r["plant"], size="2"),
                                rx.cond(AuthState.is_superadmin | AuthState.is_govt,
                                        rx.text(r["org"], size="1", color_scheme="gray")), spacing="0")),
        rx.table.cell(rx.text(r["started"], size="2", white_space="nowrap")),
        rx.table.cell(alert_status_badge(r["status"])),
        rx.table.cell(
            rx.cond(
                r["wo_id"] != "",
                rx.link(r["wo_label"], href=routes.WORK_ORDERS + "?wo=" + r["wo_id"], size="2", data_testid="alert-wo-link"),
                rx.cond(
                    AuthState.can_write & (r["can_create"] == "yes"),
                    rx.button(rx.icon("clipboard-plus", size=14), "Create work order", size="1", variant="soft",
                              on_click=WorkOrderFormState.start_from_alert(r["id"]), data_testid="alert-create-wo",
                              white_space="nowrap"),
                    rx.text("—", color_scheme="gray"),
                ),
            ),
        ),
        rx.table.cell(_ack_cell(r)),
        data_testid="alert-row",
    )


def alerts_feed() -> rx.Component:
    return rx.vstack(
        alerts_filters(),
        ack_dialog(),
        rx.cond(
            A.loading,
            rx.center(rx.spinner(size="3"), padding="3rem", width="100%", data_testid="alerts-loading"),
            rx.cond(
                A.total > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Severity", "Alert", "Plant", "Started", "Status", "Work order",
                                                    "Acknowledged")])),
                    rx.table.body(rx.foreach(A.rows, _row)),
                    variant="surface", width="100%",
                ),
                rx.callout("No alerts match these filters. New alerts appear here as the vendors report them.",
                           icon="bell-off", width="100%", data_testid="alerts-empty"),
            ),
        ),
        spacing="4", width="100%",
    )
