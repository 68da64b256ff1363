"""/plants/[plant_id] — one plant: telemetry chart, figures, alerts, work-order history.
An unknown id, or a plant of another organization, shows "Plant not found" (never a crash, never data)."""
import reflex as rx

from woms_app import routes
from woms_app.components.metrics import metric_card
from woms_app.components.page import Frame, page
from woms_app.components.plant_selector import plant_selector
from woms_app.components.power_diagnosis import power_diagnosis
from woms_app.components.pr_trend import pr_trend
from woms_app.components.status_badge import (
    alert_status_badge,
    freshness_badge,
    severity_badge,
    work_order_status_badge,
)
from woms_app.components.telemetry_chart import telemetry_chart
from woms_app.state.base import AuthState
from woms_app.state.plant_detail import PlantDetailState as D


def _not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("search-x", size=48, color=rx.color("gray", 9)),
            rx.heading("Plant not found", size="6", data_testid="plant-not-found", as_="h2"),
            rx.text("This plant does not exist or is not part of your organization.", color_scheme="gray"),
            rx.link(rx.button(rx.icon("arrow-left", size=16), "Back to plants", variant="soft"), href=routes.PLANTS),
            align="center", spacing="3",
        ),
        width="100%", padding_y="4rem",
    )


def _facts() -> rx.Component:
    def row(label: str, key: str) -> rx.Component:
        return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(D.info[key]))

    return rx.card(
        rx.vstack(
            rx.heading("Plant", size="4", as_="h2"),
            rx.cond(D.tz_error != "", rx.callout(
                rx.text("Time zone not understood: ", D.tz_error,
                        ". Readings and alerts of this plant are not synced until the vendor sends a zone WOMS can read."),
                icon="triangle_alert", color_scheme="red", size="1", width="100%", data_testid="plant-tz-error")),
            rx.data_list.root(
                row("Organization", "org"), row("Capacity (DC)", "capacity"), row("Time zone", "timezone"),
                row("Location", "location"), row("Orientation", "orientation"), row("Last reading", "last_reading"),
                row("Active work order", "active_wo"),
                size="2",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _sync_now() -> rx.Component:
    """Writers: sync this plant's vendor now (a background run, like /vendors); disabled while one runs."""
    return rx.cond(
        AuthState.can_write & (D.vendor_id != 0),
        rx.hstack(
            rx.cond(D.sync_running & (D.sync_progress != ""),
                    rx.text(D.sync_progress, size="1", color_scheme="gray", white_space="nowrap",
                            data_testid="plant-sync-progress")),
            rx.tooltip(
                rx.button(rx.cond(D.sync_running, rx.spinner(size="1"), rx.icon("refresh-cw", size=14)),
                          rx.cond(D.sync_running, "Syncing…", "Sync now"), variant="soft", size="2",
                          disabled=D.sync_running, on_click=D.sync_now, data_testid="plant-sync-now"),
                content="Fetch plants, readings and alerts from " + D.vendor_name + " now",
            ),
            spacing="2", align="center",
        ),
    )


def _alerts() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Alerts", size="4", as_="h2"), rx.badge(D.alerts_total, variant="soft"), rx.spacer(),
                      rx.link("All alerts", href=D.alerts_href, size="2"), width="100%", align="center"),
            rx.cond(
                D.alerts.length() > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Alert", "Severity", "Status", "Started", "Resolved")])),
                    rx.table.body(rx.foreach(D.alerts, lambda a: rx.table.row(
                        rx.table.cell(a["title"]), rx.table.cell(severity_badge(a["severity"])),
                        rx.table.cell(alert_status_badge(a["status"])), rx.table.cell(a["started"]),
                        rx.table.cell(a["resolved"]), data_testid="plant-alert-row"))),
                    variant="ghost", size="1", width="100%",
                ),
                rx.text("No alerts for this plant.", size="2", color_scheme="gray"),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


DEVICE_STATUS_COLORS = [("online", "green"), ("alarm", "orange"), ("fault", "red"), ("offline", "gray")]


def _devices() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Devices", size="4", as_="h2"), rx.badge(D.devices.length(), variant="soft"),
                      rx.spacer(), rx.text("as the vendor lists them, at the last sync", size="1", color_scheme="gray"),
                      width="100%", align="center", wrap="wrap"),
            rx.cond(
                D.devices.length() > 0,
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h, white_space="nowrap") for h in
                                                   ("Device", "Serial", "Name", "Status", "Last data", "Listed")])),
                    rx.table.body(rx.foreach(D.devices, lambda d: rx.table.row(
                        rx.table.cell(d["kind"]), rx.table.cell(rx.code(d["sn"], variant="ghost")),
                        rx.table.cell(d["name"]),
                        rx.table.cell(rx.badge(d["status"], color_scheme=rx.match(d["status"], *DEVICE_STATUS_COLORS,
                                                                                  "gray"),
                                               variant="soft", data_testid="device-status")),
                        rx.table.cell(d["last"], white_space="nowrap"), rx.table.cell(d["seen"], white_space="nowrap"),
                        data_testid="device-row"))),
                    variant="ghost", size="1", width="100%",
                ), overflow_x="auto", width="100%"),
                rx.text("No devices listed yet: they arrive with the next sync of this plant's vendor.", size="2",
                        color_scheme="gray"),
            ),
            spacing="3", width="100%",
        ),
        width="100%", data_testid="plant-devices",
    )


def _work_orders() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Work-order history", size="4", as_="h2"), rx.badge(D.work_orders_total, variant="soft"),
                      rx.spacer(), rx.link("All work orders", href=D.work_orders_href, size="2"), width="100%",
                      align="center"),
            rx.cond(
                D.work_orders.length() > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("#", "Title", "Priority", "Status", "Created", "Closed")])),
                    rx.table.body(rx.foreach(D.work_orders, lambda w: rx.table.row(
                        rx.table.cell(w["id"]), rx.table.cell(w["title"]), rx.table.cell(w["priority"]),
                        rx.table.cell(work_order_status_badge(w["status"])), rx.table.cell(w["created"]),
                        rx.table.cell(w["closed"]), data_testid="plant-wo-row"))),
                    variant="ghost", size="1", width="100%",
                ),
                rx.text("No work orders for this plant yet.", size="2", color_scheme="gray"),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _detail() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading(D.name, size="6", data_testid="plant-name", as_="h2"), freshness_badge(D.freshness, size="2"),
                  rx.spacer(), _sync_now(), rx.text("Switch plant", size="2", color_scheme="gray", white_space="nowrap"),
                  plant_selector(navigate=True), width="100%", align="center", spacing="3", wrap="wrap"),
        rx.grid(
            metric_card("Power now", D.info["power"], "zap", testid="plant-power", color="amber"),
            metric_card("Energy today", D.info["energy"], "battery-charging", testid="plant-energy", color="green"),
            metric_card("Capacity", D.info["capacity"], "gauge", testid="plant-capacity"),
            metric_card("Active alerts", D.info["active_alerts"], "bell", testid="plant-active-alerts", color="red"),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"), spacing="4", width="100%",
        ),
        power_diagnosis(),
        pr_trend(),
        telemetry_chart(title=False),
        rx.grid(_facts(), rx.box(_alerts(), grid_column=rx.breakpoints(initial="span 1", lg="span 2"), min_width="0"),
                columns=rx.breakpoints(initial="1", lg="3"), spacing="4", width="100%"),
        _devices(),
        _work_orders(),
        spacing="5", width="100%",
    )


# live: metrics, PR trend, alerts, work orders and sync state follow the change feed
@page(routes.PLANT, "Plant", load=[D.load], live=D.on_live)
def plant_detail_page() -> Frame:
    return Frame(
        rx.cond(~D.loaded, rx.center(rx.spinner(size="3"), width="100%", padding_y="4rem"),
                rx.cond(D.found, _detail(), _not_found())),
        actions=rx.link(rx.button(rx.icon("arrow-left", size=16), "Plants", variant="soft", color_scheme="gray"),
                        href=routes.PLANTS),
    )
