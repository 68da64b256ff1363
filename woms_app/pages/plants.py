"""/plants"""
import reflex as rx

from woms_app import routes
from woms_app.components.page import Frame, page
from woms_app.components.status_badge import freshness_badge
from woms_app.models.enums import AlertSeverity
from woms_app.state.plants import PlantsState


def _sortable_label(label: str, key: str) -> rx.Component:
    return rx.hstack(rx.text(label), rx.cond(PlantsState.sort == key,
                                              rx.icon(rx.cond(PlantsState.descending, "chevron-down", "chevron-up"),
                                                      size=14)),
                     spacing="1", align="center", cursor="pointer", on_click=PlantsState.sort_by(key))


def _sortable(label: str, key: str) -> rx.Component:
    return rx.table.column_header_cell(_sortable_label(label, key))


# live: rows follow the change feed
@page(routes.PLANTS, "Plants", load=[PlantsState.load], live=PlantsState.on_live)
def plants_page() -> Frame:
    return Frame(
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
                    _sortable("Energy today", "energy"),
                    rx.table.column_header_cell(rx.tooltip(rx.box(_sortable_label("PR yesterday", "pr")),
                                                           content="Performance ratio of the plant's last complete "
                                                                   "local day"), data_testid="sort-pr"),
                    rx.table.column_header_cell(rx.tooltip(rx.box(_sortable_label("Yield yesterday", "yield")),
                                                           content="Specific yield: kWh per kWp installed, on the "
                                                                   "plant's last complete local day"),
                                                data_testid="sort-yield"),
                    _sortable("Data", "last_reading"),
                    rx.table.column_header_cell("Active alerts"), rx.table.column_header_cell("Active WO"),
                    rx.table.column_header_cell("Time zone"))),
                rx.table.body(rx.foreach(PlantsState.rows, lambda r: rx.table.row(
                    rx.table.row_header_cell(rx.link(r["name"], href=r["href"], weight="medium",
                                                     data_testid="plant-link")),
                    rx.table.cell(r["org"]), rx.table.cell(r["capacity"]),
                    rx.table.cell(r["power"]), rx.table.cell(r["energy"]),
                    rx.table.cell(r["pr"], data_testid="plant-pr"),
                    rx.table.cell(rx.cond(r["yield"] != "—", rx.text(r["yield"], " kWh/kWp", as_="span"), "—"),
                                  data_testid="plant-yield"),
                    rx.table.cell(freshness_badge(r["freshness"])),
                    rx.table.cell(rx.cond(r["alerts"] != "0",
                                          rx.badge(r["alerts"], color_scheme=rx.match(
                                              r["severity"], *[(m.value, m.color) for m in AlertSeverity], "gray"),
                                              variant="solid", data_testid="plant-alerts"),
                                          rx.text("0", color_scheme="gray"))),
                    rx.table.cell(rx.cond(r["wo"] != "", rx.tooltip(rx.badge(r["wo"], color_scheme="blue"),
                                                                    content=r["wo_title"]),
                                          rx.text("—", color_scheme="gray"))),
                    rx.table.cell(rx.cond(r["tz_error"] != "",
                                          rx.tooltip(rx.badge("Zone not understood", color_scheme="red",
                                                              data_testid="plant-tz-error"), content=r["tz_error"]),
                                          rx.text(r["timezone"]))),
                    data_testid="plant-row", align="center"))),
                variant="surface", width="100%",
            ), overflow_x="auto", width="100%"),
            rx.callout(rx.cond(PlantsState.search != "", "No plants match this search.",
                               "No plants yet. Plants appear here once a vendor is connected and synced."),
                       icon="info", width="100%"),
            ),
        ),
    )
