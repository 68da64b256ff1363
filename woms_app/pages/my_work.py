"""/my-work — the technician's list, made for a phone: cards, not a table; each opens the work order's page."""
import reflex as rx

from woms_app import routes
from woms_app.components.page import Frame, page
from woms_app.components.status_badge import priority_badge, work_order_status_badge
from woms_app.state.my_work import MyWorkState as M


def _card(w) -> rx.Component:
    return rx.link(rx.card(rx.vstack(
        rx.hstack(rx.text("#" + w["id"], color_scheme="gray", size="2"),
                  rx.text(w["title"], weight="medium", size="3"), spacing="2", align="baseline", wrap="wrap"),
        rx.hstack(work_order_status_badge(w["status"]), priority_badge(w["priority"]),
                  rx.badge(w["type"], variant="outline", color_scheme="gray"),
                  rx.cond(w["paused"] == "yes", rx.badge(rx.icon("pause", size=12), "SLA paused",
                                                         color_scheme="orange")),
                  spacing="2", wrap="wrap"),
        rx.text(w["plants"], size="2", color_scheme="gray"),
        rx.hstack(rx.icon("clock", size=14), rx.text(w["due"], size="2", weight="medium", data_testid="mw-due"),
                  rx.text(w["due_at"], size="1", color_scheme="gray"), spacing="2", align="center", wrap="wrap",
                  color=rx.color(w["due_color"], 11)),
        spacing="2", width="100%",
    ), width="100%"), href="/work-orders/" + w["id"], underline="none", width="100%", data_testid="mw-card")


def _section(title: str, rows, empty: str, testid: str) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="4", as_="h2"),
        rx.cond(rows.length() > 0, rx.vstack(rx.foreach(rows, _card), spacing="2", width="100%"),
                rx.text(empty, size="2", color_scheme="gray")),
        spacing="3", width="100%", data_testid=testid,
    )


# live: assignments and transitions by anyone re-read the lists
@page(routes.MY_WORK, "My work", load=[M.load], live=M.on_live)
def my_work_page() -> Frame:
    return Frame(
        rx.cond(~M.loaded, rx.center(rx.spinner(size="3"), width="100%", padding_y="3rem"),
                rx.cond(M.refused != "",
                        rx.callout(M.refused, icon="info", width="100%", data_testid="mw-refused"),
                        rx.vstack(
                            _section("Assigned to me", M.mine, "Nothing assigned to you right now.", "mw-mine"),
                            _section("Unassigned — anyone may take these", M.unassigned,
                                     "No unassigned work orders.", "mw-unassigned"),
                            spacing="5", width="100%", max_width="44rem"))),
    )
