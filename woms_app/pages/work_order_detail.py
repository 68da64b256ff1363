"""/work-orders/[wo_id] — one work order at its own address: status, type, assignee, due time, the two SLA clocks,
plants, closure, checklists and attachments, history, the comment thread with its form, and the transitions with
the inputs they need.
An unknown id, or one of another organization, shows "Work order not found"."""
import reflex as rx

from woms_app import routes
from woms_app.components.page import Frame, page
from woms_app.components.status_badge import priority_badge, work_order_status_badge
from woms_app.components.work_order_items import work_order_items_on_page
from woms_app.state.work_order_page import WorkOrderPageState as P


def _not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("search-x", size=48, color=rx.color("gray", 9)),
            rx.heading("Work order not found", size="6", data_testid="wop-not-found", as_="h2"),
            rx.text("This work order does not exist or is not part of your organization.", color_scheme="gray"),
            rx.link(rx.button(rx.icon("arrow-left", size=16), "Back to work orders", variant="soft"),
                    href=routes.WORK_ORDERS),
            align="center", spacing="3",
        ),
        width="100%", padding_y="4rem",
    )


def _facts() -> rx.Component:
    def row(label: str, value, testid: str = "") -> rx.Component:
        return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value, data_testid=testid or None))

    return rx.card(rx.data_list.root(
        row("Organization", P.info["org"]),
        row("Type", P.info["type"], "wop-type"),
        rx.data_list.item(rx.data_list.label("Assignee"), rx.data_list.value(rx.hstack(
            rx.text(P.info["assignee"], data_testid="wop-assignee"),
            rx.cond(P.can_take, rx.button(rx.icon("hand", size=14), "Take it", size="1", variant="soft",
                                          on_click=P.take, data_testid="wop-take")),
            rx.cond(P.can_assign, rx.select.root(
                rx.select.trigger(placeholder="Assign to…", data_testid="wop-assign"),
                rx.select.content(rx.foreach(P.assignees, lambda a: rx.select.item(a["label"], value=a["value"]))),
                value=P.assignee_id, on_change=P.assign, size="1")),
            spacing="2", align="center", wrap="wrap"))),
        row("Due", P.info["due"], "wop-due"),
        row("Plants", P.info["plants"]),
        row("Created", P.info["created"] + " by " + P.info["created_by"]),
        rx.cond(P.info["closed"] != "", row("Closed", P.info["closed"])),
        size="2",
    ), width="100%")


def _sla() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading("SLA", size="3", as_="h2"),
                  rx.cond(P.sla["paused"] == "yes", rx.badge(rx.icon("pause", size=12), "Paused (on hold)",
                                                             color_scheme="orange", data_testid="wop-sla-paused")),
                  spacing="2", align="center"),
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label("Response"), rx.data_list.value(
                rx.badge(P.sla["response"], color_scheme=P.sla["response_color"], variant="soft",
                         white_space="normal", height="auto", data_testid="wop-sla-response"))),
            rx.data_list.item(rx.data_list.label("Resolution"), rx.data_list.value(
                rx.badge(P.sla["resolution"], color_scheme=P.sla["resolution_color"], variant="soft",
                         white_space="normal", height="auto", data_testid="wop-sla-resolution"))),
            rx.data_list.item(rx.data_list.label("Clock started"), rx.data_list.value(P.sla["started"])),
            rx.data_list.item(rx.data_list.label("Work started"), rx.data_list.value(P.sla["responded"])),
            rx.cond(P.sla["held"] != "", rx.data_list.item(rx.data_list.label("Time on hold"),
                                                            rx.data_list.value(P.sla["held"]))),
            size="2",
        ),
        spacing="2", width="100%",
    ), width="100%", data_testid="wop-sla")


def _select(value, items, on_change, placeholder: str, testid: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, width="100%", data_testid=testid),
        rx.select.content(rx.foreach(items, lambda c: rx.select.item(c["label"], value=c["value"]))),
        value=value, on_change=on_change,
    )


def _actions() -> rx.Component:
    closing = rx.cond(P.can_close, rx.vstack(
        rx.heading("Close as done", size="2", as_="h3"),
        _select(P.problem, P.problems, P.set_problem, "Problem", "wop-problem"),
        _select(P.cause, P.causes, P.set_cause, "Cause (required)", "wop-cause"),
        _select(P.remedy, P.remedies, P.set_remedy, "Remedy", "wop-remedy"),
        rx.text_area(placeholder="Resolution: what was found and done (required)", value=P.resolution,
                     on_change=P.set_resolution, width="100%", rows="3", data_testid="wop-resolution"),
        spacing="2", width="100%",
    ))
    return rx.cond(P.steps.length() > 0, rx.card(rx.vstack(
        rx.heading("Next step", size="3", as_="h2"),
        closing,
        rx.input(placeholder="Note — the reason, required to cancel", value=P.note, on_change=P.set_note,
                 width="100%", data_testid="wop-note"),
        rx.hstack(rx.foreach(P.steps, lambda t: rx.button(
            t["label"], color_scheme=t["color"], variant="soft", on_click=P.transition(t["value"]),
            data_testid="wop-step-" + t["value"])), spacing="2", wrap="wrap"),
        rx.cond(P.error != "", rx.callout(P.error, icon="circle-alert", color_scheme="red", size="1",
                                          data_testid="wop-error")),
        spacing="3", width="100%",
    ), width="100%", data_testid="wop-actions"))


def _closure() -> rx.Component:
    c = P.closure
    return rx.cond((c["cause"] != "") | (c["cancel_reason"] != ""), rx.card(rx.vstack(
        rx.heading("Closure", size="3", as_="h2"),
        rx.cond(c["cause"] != "", rx.text(c["problem"] + " / " + c["cause"]
                                          + rx.cond(c["remedy"] != "", " → " + c["remedy"], ""), size="2",
                                          weight="medium", data_testid="wop-closure-codes")),
        rx.cond(c["resolution"] != "", rx.text(c["resolution"], size="2", white_space="pre-wrap")),
        rx.cond(c["downtime"] != "", rx.text("Downtime " + c["downtime"], size="1", color_scheme="gray")),
        rx.cond(c["lost"] != "", rx.text("Energy lost over the downtime (expected − actual, the KPI model): "
                                         + c["lost"], size="1", data_testid="wop-lost-energy")),
        rx.cond(c["cancel_reason"] != "", rx.text("Cancelled: " + c["cancel_reason"], size="2")),
        spacing="1", width="100%",
    ), width="100%"))


def _comments() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Comments", size="3", as_="h2"),
        rx.cond(P.comments.length() > 0,
                rx.vstack(rx.foreach(P.comments, lambda c: rx.box(
                    rx.text(c["who"] + " · " + c["at"], size="1", color_scheme="gray"),
                    rx.text(c["body"], size="2", white_space="pre-wrap"),
                    data_testid="wop-comment")), spacing="2", width="100%"),
                rx.text("No comments yet.", size="2", color_scheme="gray")),
        rx.cond(P.can_work, rx.form(rx.vstack(
            rx.text_area(placeholder="Write a comment…", value=P.comment, on_change=P.set_comment, width="100%",
                         rows="2", data_testid="wop-comment-input"),
            rx.button(rx.icon("send", size=14), "Comment", type="submit", size="2", data_testid="wop-comment-send"),
            spacing="2", width="100%", align="end"), on_submit=lambda _: P.add_comment(), width="100%")),
        spacing="3", width="100%",
    ), width="100%", data_testid="wop-comments")


def _history() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("History", size="3", as_="h2"),
        rx.foreach(P.history, lambda h: rx.box(
            rx.text(h["what"], size="2", weight="medium"),
            rx.text(h["at"] + " · " + h["who"], size="1", color_scheme="gray"),
            rx.cond(h["note"] != "", rx.text(h["note"], size="1")),
            data_testid="wop-history-row")),
        spacing="2", width="100%",
    ), width="100%")


def _detail() -> rx.Component:
    i = P.info
    return rx.vstack(
        rx.heading("#" + i["id"] + " " + i["title"], size="5", as_="h2", data_testid="wop-title"),
        rx.hstack(work_order_status_badge(i["status"], data_testid="wop-status"), priority_badge(i["priority"]),
                  spacing="2", align="center"),
        rx.cond(i["description"] != "", rx.text(i["description"], size="2", white_space="pre-wrap")),
        rx.grid(
            rx.vstack(_facts(), _sla(), _closure(), rx.card(work_order_items_on_page(i["id"]), width="100%"),
                      spacing="3", width="100%"),
            rx.vstack(_actions(), _comments(), _history(), spacing="3", width="100%"),
            columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%",
        ),
        spacing="3", width="100%", data_testid="wop",
    )


# live: a comment, a transition or an edit by anyone re-reads the page
@page(routes.WORK_ORDER, "Work order", load=[P.load], live=P.on_live)
def work_order_detail_page() -> Frame:
    return Frame(
        rx.cond(~P.loaded, rx.center(rx.spinner(size="3"), width="100%", padding_y="4rem"),
                rx.cond(P.found, _detail(), _not_found())),
        actions=rx.link(rx.button(rx.icon("arrow-left", size=16), "Work orders", variant="soft", color_scheme="gray"),
                        href=routes.WORK_ORDERS),
    )
