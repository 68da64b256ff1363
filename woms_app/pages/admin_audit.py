"""/admin/audit (SUPERADMIN): the audit log — every write, every GOVT read; filterable, paginated."""
import reflex as rx

from woms_app import routes
from woms_app.components.page import Frame, page
from woms_app.state.admin import AdminAuditState as S
from woms_app.state.helpers import ALL


def _choice(placeholder: str, all_label: str, value, on_change, items, testid: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, data_testid=testid),
        rx.select.content(rx.select.item(all_label, value=ALL), items),
        value=value, on_change=on_change,
    )


def _filters() -> rx.Component:
    return rx.flex(
        rx.input(rx.input.slot(rx.icon("user", size=16)), placeholder="Who (email)…", value=S.who,
                 on_change=S.set_who.debounce(300), width="14rem", data_testid="audit-who"),
        _choice("Action", "All actions", S.action, S.set_action,
                rx.foreach(S.actions, lambda a: rx.select.item(a, value=a)), "audit-action"),
        _choice("Entity", "All entities", S.entity, S.set_entity,
                rx.foreach(S.entities, lambda e: rx.select.item(e, value=e)), "audit-entity"),
        _choice("Organization", "All organizations", S.org, S.set_org,
                rx.foreach(S.org_options, lambda o: rx.select.item(o["name"], value=o["id"])), "audit-org"),
        rx.hstack(rx.text("From", size="2", color_scheme="gray"),
                  rx.input(type="date", value=S.day_from, on_change=S.set_day_from, data_testid="audit-from"),
                  rx.text("to", size="2", color_scheme="gray"),
                  rx.input(type="date", value=S.day_to, on_change=S.set_day_to, data_testid="audit-to"),
                  align="center", spacing="2", wrap="wrap"),
        rx.button(rx.icon("x", size=14), "Clear", variant="soft", color_scheme="gray", on_click=S.clear_filters),
        spacing="3", wrap="wrap", align="center", width="100%",
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                       ("When (UTC)", "Who", "Action", "Entity", "Organization", "Detail")])),
        rx.table.body(rx.foreach(S.rows, lambda r: rx.table.row(
            rx.table.cell(rx.text(r["at"], white_space="nowrap", size="2")),
            rx.table.cell(rx.vstack(rx.text(r["who"], size="2"), rx.text(r["role"], size="1", color_scheme="gray"),
                                    spacing="0")),
            rx.table.cell(rx.badge(r["action"], variant="soft",
                                   color_scheme=rx.match(r["action"], ("read", "blue"), ("create", "green"),
                                                         ("delete", "red"), ("deactivate", "red"), "gray"))),
            rx.table.cell(rx.text(r["entity"], rx.cond(r["entity_id"] != "", " #" + r["entity_id"], ""), size="2")),
            rx.table.cell(rx.text(r["org"], size="2")),
            rx.table.cell(rx.text(r["detail"], size="1", color_scheme="gray")),
            data_testid="audit-row"))),
        variant="surface", size="1", width="100%",
    )


@page(routes.ADMIN_AUDIT, "Audit log", load=[S.load])
def admin_audit_page() -> Frame:
    return Frame(
        rx.cond(
            S.allowed,
            rx.fragment(
                _filters(),
                rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red")),
                rx.hstack(rx.text("Every write by anyone and every read by a government account.", size="2",
                                  color_scheme="gray"),
                          rx.spacer(), rx.text(S.page_label, size="2", color_scheme="gray", data_testid="audit-count"),
                          rx.button(rx.icon("chevron-left", size=16), variant="soft", on_click=S.prev_page,
                                    disabled=S.page <= 1),
                          rx.button(rx.icon("chevron-right", size=16), variant="soft", on_click=S.next_page),
                          width="100%", align="center"),
                rx.cond(S.rows.length() > 0, _table(),
                        rx.cond(S.loading, rx.center(rx.spinner(), width="100%", padding="2rem"),
                                rx.callout("No audit entries match these filters.", icon="info"))),
            ),
            rx.center(rx.spinner(), width="100%"),
        ),
    )
