"""/alerts — the live alert feed. No acknowledge: alerts resolve when the vendor clears them."""
import reflex as rx

from woms_app import routes
from woms_app.components.alerts_feed import alerts_feed
from woms_app.components.page import Frame, page
from woms_app.components.work_order_form import work_order_form_dialog
from woms_app.state.alerts import AlertsFeedState


# live: re-query when the viewer's channel announces an alert change
@page(routes.ALERTS, "Alerts", load=[AlertsFeedState.load], live=AlertsFeedState.on_live)
def alerts_page() -> Frame:
    return Frame(
        alerts_feed(),
        work_order_form_dialog(),
        actions=rx.button(rx.icon("download", size=16), "Export CSV", variant="soft", on_click=AlertsFeedState.export_csv,
                          data_testid="alerts-export"),
    )
