"""/plants"""
import reflex as rx

from woms_app.components.layout import app_frame
from woms_app.components.status_badge import freshness_badge
from woms_app.models.enums import AlertSeverity
from woms_app.pages import routes
from woms_app.state.base import AuthState
from woms_app.state.live import LiveState, live_refresh
from woms_app.state.plants import PlantsState


def _sortable(label: str, key: str) -> rx.Component:
    return rx.table.column_header_cell(
        rx.hstack(rx.text(label), rx.cond(PlantsState.sort == key,
                                           rx.icon(rx.cond(PlantsState.descending, "chevron-down", "chevron-up"), size=14)),
                  spacing="1", align="center", cursor="pointer", on_click=PlantsState.sort_by(key)),
    )


@rx.page(route=routes.PLANTS, title="Plants · WOMS", on_load=[AuthState.guard, LiveState.link, PlantsState.load])
def plants_page() -> rx.Component:
    return app_frame(
        "Plants",
        live_refresh(PlantsState.on_live),  # rows follow the change feed
        rx.hstack(
            rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Search plants…", value=PlantsState.search,
                     on_change=PlantsState.set_search.debounce(300), width="20rem", data_testid="plant-search"),
            rx.spacer(),
            rx.text(PlantsState.page_label, size="2", color_scheme="gray"),
            rx.button(rx.icon("chevron-left", size=16), variant="soft", on_click=PlantsState.prev_page,
                      disabled=PlantsState.page <= 1),
            rx.button(rx.icon("chevron-right", size=16), variant="soft", on_click=PlantsState.next_page,
                      disabled=PlantsState.page * 20 >= PlantsState.total),
            width="100%", align="center",
        ),
        rx.cond(
            ~PlantsState.loaded,
            rx.center(rx.spinner(size="3"), padding="3rem", width="100%", data_testid="plants-loading"),
            rx.cond(
            PlantsState.total > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    _sortable("Plant", "name"), rx.table.column_header_cell("Organization"),
                    _sortable("Capacity", "capacity"), _sortable("Power now", "power"),
                    _sortable("Energy today", "energy"), _sortable("Data", "last_reading"),
                    rx.table.column_header_cell("Active alerts"), rx.table.column_header_cell("Active WO"),
                    rx.table.column_header_cell("Time zone"))),
                rx.table.body(rx.foreach(PlantsState.rows, lambda r: rx.table.row(
                    rx.table.row_header_cell(rx.link(r["name"], href=r["href"], weight="medium",
                                                     data_testid="plant-link")),
                    rx.table.cell(r["org"]), rx.table.cell(r["capacity"]),
                    rx.table.cell(r["power"]), rx.table.cell(r["energy"]), rx.table.cell(freshness_badge(r["freshness"])),
                    rx.table.cell(rx.cond(r["alerts"] != "0",
                                          rx.badge(r["alerts"], color_scheme=rx.match(
                                              r["severity"], *[(m.value, m.color) for m in AlertSeverity], "gray"),
                                              variant="solid", data_testid="plant-alerts"),
                                          rx.text("0", color_scheme="gray"))),
                    rx.table.cell(rx.cond(r["wo"] != "", rx.tooltip(rx.badge(r["wo"], color_scheme="blue"),
                                                                    content=r["wo_title"]),
                                          rx.text("—", color_scheme="gray"))),
                    rx.table.cell(r["timezone"]),
                    data_testid="plant-row", align="center"))),
                variant="surface", width="100%",
            ), overflow_x="auto", width="100%"),
            rx.callout(rx.cond(PlantsState.search != "", "No plants match this search.",
                               "No plants yet. Plants appear here once a vendor is connected and synced."),
                       icon="info", width="100%"),
            ),
        ),
    )
