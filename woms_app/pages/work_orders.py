"""/work-orders — list with filters, create dialog, detail dialog (plants, status, history), CSV export."""
import reflex as rx

from woms_app import routes
from woms_app.components.filter_select import filter_select
from woms_app.components.page import Frame, page
from woms_app.components.status_badge import priority_badge, work_order_status_badge
from woms_app.components.work_order_form import work_order_form_dialog
from woms_app.components.work_order_items import work_order_items
from woms_app.state.base import AuthState
from woms_app.state.work_order_form import WorkOrderFormState
from woms_app.state.work_orders import PAGE_SIZE, PRIORITY_CHOICES, STATUS_CHOICES
from woms_app.state.work_orders import WorkOrdersState as W


def _filters() -> rx.Component:
    return rx.hstack(
        rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder="Search title or #id…", value=W.search,
                 on_change=W.set_search.debounce(300), width="14rem", data_testid="wo-search"),
        filter_select(W.status_filter, STATUS_CHOICES, W.set_status_filter, testid="wo-filter-status"),
        filter_select(W.priority_filter, PRIORITY_CHOICES, W.set_priority_filter, testid="wo-filter-priority"),
        filter_select(W.plant_filter, W.plant_choices, W.set_plant_filter, testid="wo-filter-plant",
                      value_key="id", label_key="name", width="14rem"),
        rx.spacer(),
        rx.hstack(  # the pager stays together on the right
            rx.text(W.page_label, size="2", color_scheme="gray", data_testid="wo-page-label", white_space="nowrap"),
            rx.button(rx.icon("chevron-left", size=16), variant="soft", on_click=W.prev_page, disabled=W.page <= 1,
                      aria_label="Previous page"),
            rx.button(rx.icon("chevron-right", size=16), variant="soft", on_click=W.next_page,
                      disabled=W.page * PAGE_SIZE >= W.total, aria_label="Next page"),
            spacing="2", align="center", margin_left="auto",
        ),
        width="100%", align="center", wrap="wrap",
    )


def _row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text("#" + r["id"], color_scheme="gray", size="2")),
        rx.table.row_header_cell(rx.hstack(
            rx.button(r["title"], on_click=W.open_detail(r["id"]), variant="ghost", size="2",
                      data_testid="wo-open", style={"text_align": "left", "height": "auto"}),
            rx.link(rx.icon("external-link", size=14), href="/work-orders/" + r["id"], aria_label="Open its page",
                    data_testid="wo-open-page"),
            spacing="2", align="center")),
        rx.cond(AuthState.is_superadmin | AuthState.is_govt, rx.table.cell(rx.text(r["org"], size="2"))),
        rx.table.cell(rx.text(r["plants"], size="2")),
        rx.table.cell(priority_badge(r["priority"])),
        rx.table.cell(work_order_status_badge(r["status"], data_testid="wo-status")),
        rx.table.cell(rx.vstack(rx.text(r["created"], size="2", white_space="nowrap"), rx.text(r["created_by"], size="1", color_scheme="gray"),
                                spacing="0")),
        data_testid="wo-row",
    )


def _table() -> rx.Component:
    fleet = AuthState.is_superadmin | AuthState.is_govt
    return rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell("#"), rx.table.column_header_cell("Title"),
            rx.cond(fleet, rx.table.column_header_cell("Organization")),
            rx.table.column_header_cell("Plants"),
            rx.table.column_header_cell("Priority"), rx.table.column_header_cell("Status"),
            rx.table.column_header_cell("Created"))),
        rx.table.body(rx.foreach(W.rows, _row)),
        variant="surface", width="100%",
    )


def _list() -> rx.Component:
    return rx.cond(
        W.loading & (W.rows.length() == 0),
        rx.center(rx.spinner(size="3"), padding="3rem", width="100%", data_testid="wo-loading"),
        rx.cond(
            W.total > 0,
            _table(),
            rx.callout(rx.cond(W.has_filters, "No work orders match these filters.",
                               "No work orders yet. Create one here or from an alert."),
                       icon="clipboard-list", width="100%", data_testid="wo-empty"),
        ),
    )


# ---------------------------------------------------------------- detail dialog

def _detail_plant(p) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(p["name"], weight="medium", size="2")),
        rx.table.cell(rx.cond(p["active"] == "yes", rx.badge("Active", color_scheme="green", variant="soft"),
                              rx.badge("Released", color_scheme="gray", variant="soft"))),
        rx.table.cell(rx.vstack(rx.text(p["assigned"], size="1"),
                                rx.cond(p["ended"] != "", rx.text("ended " + p["ended"], size="1", color_scheme="gray")),
                                spacing="0")),
        rx.table.cell(rx.cond(
            AuthState.can_write & (p["active"] == "yes"),
            rx.button(rx.icon("unlink", size=14), "Remove", size="1", variant="soft", color_scheme="red",
                      on_click=W.deactivate_plant(p["plant_id"]), data_testid="wo-deactivate-plant"),
        )),
        data_testid="wo-detail-plant",
    )


def _add_plant() -> rx.Component:
    return rx.cond(
        AuthState.can_write & (W.detail["active"] == "yes"),
        rx.vstack(
            rx.input(rx.input.slot(rx.icon("plus", size=14)), placeholder="Add a plant: type to search…",
                     value=W.add_plant_search, on_change=W.search_add_plant.debounce(250), width="100%",
                     data_testid="wo-add-plant-search"),
            rx.foreach(W.add_plant_options, lambda o: rx.hstack(
                rx.text(o["name"], size="2"),
                rx.cond(o["busy"] != "", rx.badge(o["busy"], color_scheme="orange", variant="soft")),
                rx.spacer(),
                rx.button("Add", size="1", variant="soft", on_click=W.assign_plant(o["id"]),
                          data_testid="wo-add-plant-option"),
                width="100%", align="center", data_testid="wo-add-plant-row", data_plant=o["name"])),
            rx.cond(W.add_plant_error != "",
                    rx.callout(W.add_plant_error, icon="circle-alert", color_scheme="red", size="1",
                               data_testid="wo-add-plant-error")),
            spacing="2", width="100%",
        ),
    )


def _history_row(h) -> rx.Component:
    return rx.hstack(
        rx.icon("history", size=14, color=rx.color("gray", 9)),
        rx.vstack(
            rx.text(h["what"], size="2", weight="medium"),
            rx.text(h["at"] + " · " + h["who"], size="1", color_scheme="gray"),
            rx.cond(h["note"] != "", rx.text(h["note"], size="1")),
            spacing="0",
        ),
        align="start", spacing="2", data_testid="wo-history-row",
    )


def _eff_plant(e) -> rx.Component:
    """One plant: the plain reading first, then before / during / after with coverage, method on hover."""
    def cell(period: str, key: str) -> rx.Component:
        return rx.table.cell(e[f"{period}_{key}"], text_align="right", white_space="nowrap")

    def cov_cell(period: str) -> rx.Component:
        return rx.table.cell(
            rx.cond(e[f"{period}_low"] == "yes",
                    rx.tooltip(rx.badge(e[f"{period}_cov"], color_scheme="orange", variant="soft"),
                               content="Coverage below 90 %: this window's figures cover part of it only"),
                    rx.text(e[f"{period}_cov"])),
            text_align="right", white_space="nowrap")

    def head(label: str, period: str) -> rx.Component:
        return rx.table.column_header_cell(
            rx.vstack(rx.text(label), rx.text(e[f"{period}_window"], size="1", color_scheme="gray", weight="regular"),
                      spacing="0", align="end"),
            text_align="right")

    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.text(e["plant"], weight="bold", size="2"),
                rx.badge(e["verdict_label"], color_scheme=e["verdict_color"], variant="soft",
                         data_testid="wo-eff-verdict"),
                rx.spacer(),
                rx.cond(e["method"] != "", rx.hover_card.root(
                    rx.hover_card.trigger(rx.badge(rx.icon("info", size=12), "Method", variant="soft",
                                                   color_scheme="gray", cursor="help")),
                    rx.hover_card.content(rx.vstack(
                        rx.text("Each window sums energy and reference energy over its days, then divides "
                                "(never an average of daily ratios). Efficiency = actual ÷ expected energy.",
                                size="1"),
                        rx.code(e["method"], size="1", variant="ghost",
                                style={"white_space": "normal", "word_break": "break-word"}),
                        rx.text("Computed " + e["computed"], size="1", color_scheme="gray"),
                        spacing="2"), max_width="26rem"),
                )),
                width="100%", align="center", spacing="2",
            ),
            rx.text(e["verdict_text"], size="2", data_testid="wo-eff-text"),
            rx.cond(
                e["has_data"] == "yes",
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(""), head("Before", "before"), head("During", "during"),
                        head("After", "after"))),
                    rx.table.body(
                        rx.table.row(rx.table.row_header_cell("Efficiency"), cell("before", "eff"),
                                     cell("during", "eff"), cell("after", "eff")),
                        rx.table.row(rx.table.row_header_cell("PR"), cell("before", "pr"), cell("during", "pr"),
                                     cell("after", "pr")),
                        rx.table.row(rx.table.row_header_cell("PR (temp.-corrected)"), cell("before", "prtc"),
                                     cell("during", "prtc"), cell("after", "prtc")),
                        rx.table.row(rx.table.row_header_cell("Data coverage"), cov_cell("before"),
                                     cov_cell("during"), cov_cell("after")),
                    ),
                    size="1", variant="ghost", width="100%",
                ),
            ),
            spacing="2", width="100%",
        ),
        padding="0.75rem", border=f"1px solid {rx.color('gray', 5)}", border_radius="var(--radius-3)", width="100%",
        data_testid="wo-eff-plant",
    )


def _efficiency() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading("Did the maintenance help?", size="3", as_="h2"),
                  rx.text("efficiency 7 days before, while active, 7 days after", size="1", color_scheme="gray"),
                  spacing="2", align="baseline", wrap="wrap"),
        rx.cond(W.detail_eff.length() > 0,
                rx.vstack(rx.foreach(W.detail_eff, _eff_plant), spacing="2", width="100%"),
                rx.text("Not enough data yet.", size="2", color_scheme="gray")),
        spacing="2", width="100%", margin_top="1rem", data_testid="wo-efficiency",
    )


def _detail_dialog() -> rx.Component:
    d = W.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title("#" + d["id"] + " " + d["title"], margin="0", data_testid="wo-detail-title"),
                rx.spacer(),
                rx.link(rx.button(rx.icon("external-link", size=14), "Open page", size="1", variant="soft"),
                        href="/work-orders/" + d["id"], data_testid="wo-detail-page-link"),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost", color_scheme="gray",
                                               aria_label="Close")),
                width="100%", align="center",
            ),
            rx.hstack(
                work_order_status_badge(d["status"], data_testid="wo-detail-status"),
                priority_badge(d["priority"]),
                rx.text(d["org"], size="2", color_scheme="gray"),
                rx.text("created " + d["created"] + " by " + d["created_by"], size="2", color_scheme="gray"),
                rx.cond(d["closed"] != "", rx.text("closed " + d["closed"], size="2", color_scheme="gray")),
                spacing="3", align="center", wrap="wrap", margin_y="0.75rem",
            ),
            rx.cond(d["description"] != "", rx.text(d["description"], size="2", white_space="pre-wrap",
                                                    margin_bottom="0.75rem")),
            rx.cond(
                AuthState.can_write & (W.detail_next.length() > 0),
                rx.hstack(
                    rx.foreach(W.detail_next, lambda t: rx.button(
                        t["label"], size="2", color_scheme=t["color"], variant="soft", disabled=W.detail_busy,
                        on_click=W.change_status(t["value"]), data_testid="wo-transition-" + t["value"])),
                    spacing="2", margin_bottom="0.75rem",
                ),
            ),
            rx.heading("Plants", size="3", margin_bottom="0.5rem", as_="h2"),
            rx.cond(W.detail_plants.length() > 0,
                    rx.table.root(rx.table.body(rx.foreach(W.detail_plants, _detail_plant)), size="1", width="100%",
                                  variant="surface"),
                    rx.text("No plants.", size="2", color_scheme="gray")),
            rx.box(_add_plant(), margin_top="0.5rem", width="100%"),
            _efficiency(),
            work_order_items(d["id"]),
            rx.cond(W.detail_alerts.length() > 0, rx.vstack(
                rx.heading("Linked alerts", size="3", as_="h2"),
                rx.foreach(W.detail_alerts, lambda a: rx.text(
                    "#" + a["id"] + " " + a["title"] + " (" + a["severity"] + ", " + a["started"] + ")", size="2")),
                spacing="1", margin_top="1rem")),
            rx.heading("History", size="3", margin_top="1rem", margin_bottom="0.5rem", as_="h2"),
            rx.vstack(rx.foreach(W.detail_history, _history_row), spacing="2", data_testid="wo-history"),
            max_width="46rem", data_testid="wo-detail",
        ),
        open=W.detail_open,
        on_open_change=W.set_detail_open,
    )


# live: the list and the open detail follow the change feed
@page(routes.WORK_ORDERS, "Work orders", load=[W.load_page, W.open_from_url], live=W.on_live)
def work_orders_page() -> Frame:
    return Frame(
        _filters(),
        _list(),
        _detail_dialog(),
        work_order_form_dialog(),
        actions=rx.hstack(
            rx.button(rx.icon("download", size=16), "Export CSV", variant="soft", on_click=W.export_csv,
                      data_testid="wo-export"),
            rx.cond(AuthState.can_write,
                    rx.button(rx.icon("plus", size=16), "New work order", on_click=WorkOrderFormState.start,
                              data_testid="wo-new")),
            spacing="2",
        ),
    )
