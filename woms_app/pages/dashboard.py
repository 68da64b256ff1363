"""/ — the dashboard of the viewer's scope."""
import reflex as rx

from woms_app import routes
from woms_app.components.metrics import age, metric_card
from woms_app.components.page import Frame, page
from woms_app.components.plant_selector import plant_selector
from woms_app.components.production_overview import production_overview
from woms_app.components.telemetry_chart import telemetry_chart
from woms_app.models.enums import AlertSeverity, Freshness
from woms_app.state.base import AuthState
from woms_app.state.dashboard import DashboardState
from woms_app.state.production import ProductionState
from woms_app.state.telemetry import SelectedPlantState


def _breakdown_card(title: str, icon: str, enum_cls, values, testid: str, color: str, age_of=None) -> rx.Component:
    """A card of counts per enum member (alerts by severity, data freshness), coloured by the enum."""
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(title, size="2", color_scheme="gray"), rx.spacer(),
                      rx.icon(icon, size=28, color=rx.color(color, 9)), width="100%", align="start"),
            rx.hstack(*[
                rx.vstack(rx.text(values[m.value], size="6", weight="bold", as_="p", color=rx.color(m.color, 11),
                                  data_testid=f"{testid}-{m.value}"),
                          rx.text(m.label, size="1", color_scheme="gray"), spacing="0", align="start")
                for m in enum_cls
            ], spacing="5", width="100%"),
            age(age_of, testid=f"{testid}-age") if age_of is not None else rx.fragment(),
            spacing="2", width="100%",
        ),
        size="2", width="100%", data_testid=testid,
    )


def _fleet_pr_card() -> rx.Component:
    """Fleet PR of yesterday: Σ energy ÷ Σ reference energy of the complete plant-days, with its coverage."""
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.text("Fleet PR (yesterday)", size="2", color_scheme="gray"),
                    rx.hover_card.root(
                        rx.hover_card.trigger(rx.icon("info", size=14, color=rx.color("gray", 9), cursor="help",
                                                      data_testid="fleet-pr-info")),
                        rx.hover_card.content(
                            rx.vstack(
                                rx.text("How fleet PR is computed", weight="bold", size="2"),
                                rx.text("Σ AC energy ÷ Σ reference energy (capacity × reference yield) over every "
                                        "plant whose yesterday — in the plant's own time zone — is final and "
                                        "complete (coverage ≥ 90 %). Energy-weighted, never an average of ratios.",
                                        size="1"),
                                rx.text("Plants without a complete day are left out and counted below.", size="1",
                                        color_scheme="gray"),
                                spacing="1",
                            ),
                            max_width="22rem",
                        ),
                    ),
                    spacing="1", align="center",
                ),
                rx.text(DashboardState.fleet_pr_label, size="7", weight="bold", as_="p", data_testid="metric-pr"),
                rx.text(DashboardState.fleet_pr_coverage, size="1", color_scheme="gray",
                        data_testid="metric-pr-coverage"),
                spacing="1",
            ),
            rx.spacer(),
            # the card spans two columns: its other half shows what the ratio is made of
            rx.cond(DashboardState.fleet_pr_energy != "",
                    rx.hstack(
                        rx.vstack(rx.text("AC energy", size="1", color_scheme="gray"),
                                  rx.text(DashboardState.fleet_pr_energy, size="4", weight="bold", white_space="nowrap",
                                          data_testid="metric-pr-energy"), spacing="0"),
                        rx.text("÷", size="5", color_scheme="gray"),
                        rx.vstack(rx.text("Reference energy", size="1", color_scheme="gray", white_space="nowrap"),
                                  rx.text(DashboardState.fleet_pr_reference, size="4", weight="bold", white_space="nowrap",
                                          data_testid="metric-pr-reference"), spacing="0"),
                        spacing="3", align="center", display=rx.breakpoints(initial="none", sm="flex"),
                    )),
            rx.spacer(),
            rx.icon("activity", size=28, color=rx.color("green", 9)),
            align="start", width="100%",
        ),
        size="2", width="100%", grid_column=rx.breakpoints(initial="span 1", lg="span 2"),
    )


def _org_table() -> rx.Component:
    return rx.cond(
        AuthState.is_superadmin | AuthState.is_govt,
        rx.card(
            rx.heading("By organization", size="4", margin_bottom="0.75rem", as_="h2"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ["Organization", "Plants", "Capacity", "Power now", "Active alerts", "Open work orders"]])),
                rx.table.body(rx.foreach(DashboardState.org_rows, lambda r: rx.table.row(
                    rx.table.row_header_cell(r["name"]), rx.table.cell(r["plants"]), rx.table.cell(r["capacity"]),
                    rx.table.cell(r["power"]), rx.table.cell(r["alerts"]), rx.table.cell(r["work_orders"])))),
                variant="surface", width="100%", data_testid="org-breakdown",
            ),
            width="100%",
        ),
    )


# live: metrics, production overview and chart follow the change feed
@page(routes.DASHBOARD, "Dashboard",
      load=[DashboardState.load, ProductionState.load, SelectedPlantState.ensure_selection],
      live=DashboardState.on_live)
def dashboard_page() -> Frame:
    return Frame(
        rx.grid(
            metric_card("Plants", DashboardState.plants, "sun", testid="metric-plants"),
            metric_card("Installed capacity", DashboardState.capacity_label, "gauge", testid="metric-capacity"),
            metric_card("Power now", DashboardState.power_label, "zap", testid="metric-power", color="amber",
                        age_of=DashboardState.latest_reading_at),
            metric_card("Energy today", DashboardState.energy_label, "battery-charging", testid="metric-energy",
                        color="green", hint=DashboardState.energy_day, age_of=DashboardState.latest_reading_at),
            metric_card("Active alerts", DashboardState.active_alerts, "bell", testid="metric-alerts", color="red",
                        age_of=DashboardState.computed_at),
            metric_card("Open work orders", DashboardState.open_work_orders, "clipboard-list", testid="metric-work-orders",
                        color="blue", hint=DashboardState.work_orders_due, age_of=DashboardState.computed_at),
            _fleet_pr_card(),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"), spacing="4", width="100%",
        ),
        rx.grid(
            _breakdown_card("Active alerts by severity", "siren", AlertSeverity, DashboardState.alerts_by_severity,
                            "alerts-by-severity", "red"),
            _breakdown_card("Data freshness", "radio-tower", Freshness, DashboardState.freshness, "freshness", "green",
                            age_of=DashboardState.computed_at),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
        ),
        production_overview(),
        rx.vstack(
            rx.hstack(rx.heading("Plant telemetry", size="4", as_="h2"), plant_selector(), rx.spacer(),
                      rx.cond(SelectedPlantState.selected_id != 0,
                              rx.link(rx.hstack(rx.text("Open plant page"), rx.icon("arrow-right", size=14),
                                                spacing="1", align="center", wrap="nowrap"),
                                      href=SelectedPlantState.plant_href, size="2", white_space="nowrap",
                                      flex_shrink="0", data_testid="open-plant-page")),
                      width="100%", align="center", spacing="3", wrap="wrap"),
            telemetry_chart(title=False),
            width="100%", spacing="3",
        ),
        _org_table(),
    )
