"""AlertsFeed: the live alert list, newest first, severity badges, filters (severity, status, plant),
"Create work order" from an alert for writers (the alert is then linked to it)."""
from __future__ import annotations

import reflex as rx

from woms_app import routes
from woms_app.components.filter_select import filter_select
from woms_app.components.status_badge import alert_status_badge, severity_badge
from woms_app.state.alerts import ALERT_STATUS_CHOICES, SEVERITY_CHOICES
from woms_app.state.alerts import AlertsFeedState as A
from woms_app.state.base import AuthState
from woms_app.state.work_order_form import WorkOrderFormState


def alerts_filters() -> rx.Component:
    return rx.hstack(
        filter_select(A.severity_filter, SEVERITY_CHOICES, A.set_severity_filter, testid="alert-filter-severity"),
        filter_select(A.status_filter, ALERT_STATUS_CHOICES, A.set_status_filter, testid="alert-filter-status"),
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
        data_testid="alert-row",
    )


def alerts_feed() -> rx.Component:
    return rx.vstack(
        alerts_filters(),
        rx.cond(
            A.loading,
            rx.center(rx.spinner(size="3"), padding="3rem", width="100%", data_testid="alerts-loading"),
            rx.cond(
                A.total > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Severity", "Alert", "Plant", "Started", "Status", "Work order")])),
                    rx.table.body(rx.foreach(A.rows, _row)),
                    variant="surface", width="100%",
                ),
                rx.callout("No alerts match these filters. New alerts appear here as the vendors report them.",
                           icon="bell-off", width="100%", data_testid="alerts-empty"),
            ),
        ),
        spacing="4", width="100%",
    )
