"""/alerts — the live alert feed. No acknowledge: alerts resolve when the vendor clears them."""
import reflex as rx

from woms_app.components.alerts_feed import alerts_feed
from woms_app.components.layout import app_frame
from woms_app.components.work_order_form import work_order_form_dialog
from woms_app.pages import routes
from woms_app.state.alerts import AlertsFeedState
from woms_app.state.base import AuthState
from woms_app.state.live import LiveState, live_refresh


@rx.page(route=routes.ALERTS, title="Alerts · WOMS", on_load=[AuthState.guard, LiveState.link, AlertsFeedState.load])
def alerts_page() -> rx.Component:
    return app_frame(
        "Alerts",
        live_refresh(AlertsFeedState.on_live),  # re-query when the viewer's channel announces an alert change
        alerts_feed(),
        work_order_form_dialog(),
        actions=rx.button(rx.icon("download", size=16), "Export CSV", variant="soft", on_click=AlertsFeedState.export_csv,
                          data_testid="alerts-export"),
    )
