"""/ — the dashboard of the viewer's scope."""
import reflex as rx

from woms_app.components.layout import app_frame
from woms_app.components.metrics import metric_card
from woms_app.pages import routes
from woms_app.state.base import AuthState
from woms_app.state.dashboard import DashboardState


def _org_table() -> rx.Component:
    return rx.cond(
        AuthState.is_superadmin | AuthState.is_govt,
        rx.card(
            rx.heading("By organization", size="4", margin_bottom="0.75rem"),
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


@rx.page(route=routes.DASHBOARD, title="Dashboard · WOMS", on_load=[AuthState.guard, DashboardState.load])
def dashboard_page() -> rx.Component:
    return app_frame(
        "Dashboard",
        rx.grid(
            metric_card("Plants", DashboardState.plants, "sun", testid="metric-plants"),
            metric_card("Installed capacity", DashboardState.capacity_label, "gauge", testid="metric-capacity"),
            metric_card("Power now", DashboardState.power_label, "zap", testid="metric-power", color="amber"),
            metric_card("Energy today", DashboardState.energy_label, "battery-charging", testid="metric-energy", color="green"),
            metric_card("Active alerts", DashboardState.active_alerts, "bell", testid="metric-alerts", color="red"),
            metric_card("Open work orders", DashboardState.open_work_orders, "clipboard-list", testid="metric-work-orders",
                        color="blue"),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4", width="100%",
        ),
        _org_table(),
    )
