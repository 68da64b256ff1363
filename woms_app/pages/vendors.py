"""/vendors: the VendorsTable (SUPERADMIN: every organization; ORG: its own; GOVT: refused)."""
import reflex as rx

from woms_app import routes
from woms_app.components.form_field import form_field
from woms_app.components.page import Frame, page
from woms_app.components.status_badge import enum_badge
from woms_app.models.enums import SyncStatus, VendorStatus
from woms_app.state.base import AuthState
from woms_app.state.vendors import VendorsState


def _sync_cell(r) -> rx.Component:
    return rx.cond(
        r["running"] != "",
        rx.vstack(
            rx.box(  # a plain bar: the row holds strings, and Radix Progress needs a number
                rx.box(width=r["progress"] + "%", height="100%", background=rx.color("accent", 9),
                       border_radius="inherit", transition="width 0.3s"),
                width="9rem", height="0.5rem", background=rx.color("gray", 5), border_radius="9999px",
                overflow="hidden", role="progressbar", aria_valuenow=r["progress"], data_testid="sync-progress"),
            rx.text(r["progress_label"], size="1", color_scheme="gray", data_testid="sync-progress-label"),
            spacing="1",
        ),
        rx.cond(r["last_run"] != "",
                rx.vstack(enum_badge(SyncStatus, r["last_run"], data_testid="last-run-badge"),
                          rx.text(r["last_sync"], size="1", color_scheme="gray"), spacing="1"),
                rx.text("never synced", size="1", color_scheme="gray")),
    )


def _actions(r) -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("refresh-cw", size=14), "Sync now", size="1", on_click=VendorsState.sync_now(r["id"]),
                  disabled=r["running"] != "", loading=r["running"] != "", data_testid="sync-now"),
        rx.button(rx.icon("plug-zap", size=14), "Test", size="1", variant="soft",
                  on_click=VendorsState.test_connection(r["id"]), data_testid="test-connection"),
        rx.icon_button(rx.icon("pencil", size=14), size="1", variant="soft", color_scheme="gray",
                       on_click=VendorsState.open_edit(r["id"]), aria_label="Edit", data_testid="edit-vendor"),
        rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="soft", color_scheme="red",
                       on_click=VendorsState.ask_delete(r["id"]), aria_label="Delete", data_testid="delete-vendor"),
        spacing="2",
    )


def vendors_table() -> rx.Component:
    """VendorsTable."""
    return rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell("Vendor"),
            rx.cond(AuthState.is_superadmin, rx.table.column_header_cell("Organization")),
            rx.table.column_header_cell("Type"), rx.table.column_header_cell("Status"),
            rx.table.column_header_cell("Plants"), rx.table.column_header_cell("Last run"),
            rx.table.column_header_cell("Actions"),
        )),
        rx.table.body(rx.foreach(VendorsState.rows, lambda r: rx.table.row(
            rx.table.row_header_cell(rx.vstack(
                rx.text(r["name"], weight="medium"),
                rx.cond(r["has_credentials"] != "", rx.text("credentials stored", size="1", color_scheme="gray"),
                        rx.text("no credentials", size="1", color=rx.color("red", 11))),
                spacing="0")),
            rx.cond(AuthState.is_superadmin, rx.table.cell(r["org"])),
            rx.table.cell(r["type"]),
            rx.table.cell(rx.tooltip(enum_badge(VendorStatus, r["status"], data_testid="vendor-status"),
                                     content=rx.cond(r["last_error"] != "", r["last_error"], "No errors"))),
            rx.table.cell(r["plants"], data_testid="vendor-plants"),
            rx.table.cell(_sync_cell(r)),
            rx.table.cell(_actions(r)),
            data_testid="vendor-row", align="center",
        ))),
        variant="surface", width="100%",
    )


def _lag_badge(row) -> rx.Component:
    return rx.badge(row["plant"], ": ", row["lag"], variant="soft", data_testid="plant-lag",
                    color_scheme=rx.match(row["level"], ("ok", "green"), ("late", "amber"), ("stale", "red"), "gray"))


def _stat(label: str, value, testid: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.text(value, size="4", weight="bold", data_testid=testid), spacing="0", min_width="7rem")


def _quota_card(c) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.icon("gauge", size=16), rx.text(c["name"], weight="bold"),
                  rx.cond(AuthState.is_superadmin, rx.text("· ", c["org"], size="2", color_scheme="gray")),
                  rx.spacer(), rx.text(c["checked"], size="1", color_scheme="gray"),
                  align="center", width="100%", spacing="2", wrap="wrap"),
        rx.text("Allowance: ", c["allowance"], size="2", data_testid="quota-allowance"),
        rx.flex(_stat("Calls used", c["used"], "quota-used"), _stat("Allowance left", c["left"], "quota-left"),
                _stat("Runs out", rx.cond(c["runs_out"] != "", c["runs_out"], "—"), "quota-runs-out"),
                gap="4", wrap="wrap"),
        rx.box(rx.box(width=c["used_pct"] + "%", height="100%", border_radius="inherit",
                      background=rx.cond(c["ok"] != "", rx.color("accent", 9), rx.color("red", 9))),
               width="100%", height="0.5rem", background=rx.color("gray", 5), border_radius="9999px",
               overflow="hidden", role="progressbar", aria_valuenow=c["used_pct"], data_testid="quota-bar"),
        rx.text(c["projection"], size="2", data_testid="quota-projection",
                color=rx.cond(c["ok"] != "", rx.color("gray", 12), rx.color("red", 11))),
        rx.text("Plan: ", c["plan"], size="1", color_scheme="gray", data_testid="quota-plan"),
        rx.cond(c["refused"] != "", rx.callout(c["refused"], icon="ban", color_scheme="red", size="1",
                                                width="100%", data_testid="quota-refused")),
        rx.text("Data lag per plant", size="1", weight="medium", color_scheme="gray"),
        rx.flex(rx.foreach(VendorsState.lag_rows, lambda r: rx.cond(r["vendor_id"] == c["id"], _lag_badge(r))),
                wrap="wrap", gap="2"),
        spacing="2", width="100%"), width="100%", data_testid="quota-card")


def quota_panel() -> rx.Component:
    """The quota panel: per vendor account, calls used, allowance left, the projected run-out date at the
    current plan, the plan itself, a refused run's reason, and each plant's data lag."""
    return rx.cond(VendorsState.quota_cards.length() > 0, rx.vstack(
        rx.heading("Call allowance", size="4", as_="h2"),
        rx.grid(rx.foreach(VendorsState.quota_cards, _quota_card), columns=rx.breakpoints(initial="1", md="2"),
                gap="3", width="100%"),
        spacing="3", width="100%", data_testid="quota-panel"))


def _cred_input(f) -> rx.Component:
    placeholder = rx.cond(VendorsState.edit_id != "", "stored — leave blank to keep", "")
    return form_field(
        f["name"].replace("_", " "),
        rx.cond(
            f["secret"] != "",
            # a secret never comes back from the server: the input is uncontrolled, and remounts empty (a new key)
            # whenever the server cleared the secrets (after every save attempt)
            rx.input(default_value="", on_change=lambda v: VendorsState.set_cred(f["name"], v), type="password",
                     auto_complete="off", placeholder=placeholder, data_testid="cred-" + f["name"],
                     key=f["name"] + "-" + VendorsState.secrets_epoch.to_string()),
            rx.input(value=VendorsState.form_creds.get(f["name"], ""),
                     on_change=lambda v: VendorsState.set_cred(f["name"], v), type="text", auto_complete="off",
                     placeholder=placeholder, data_testid="cred-" + f["name"]),
        ),
    )


def vendor_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(VendorsState.edit_id != "", "Edit vendor", "Add vendor")),
            rx.dialog.description("Credentials are checked with the vendor before they are saved, and never shown again.",
                                  size="2", color_scheme="gray"),
            rx.vstack(
                form_field("Name", rx.input(value=VendorsState.form_name, on_change=VendorsState.set_form_name,
                                            data_testid="vendor-name")),
                rx.cond(AuthState.is_superadmin & (VendorsState.edit_id == ""), form_field(
                    "Organization", rx.select.root(
                        rx.select.trigger(width="100%", data_testid="vendor-org"),
                        rx.select.content(rx.foreach(VendorsState.org_choices,
                                                     lambda o: rx.select.item(o["label"], value=o["value"]))),
                        value=VendorsState.form_org, on_change=VendorsState.set_form_org))),
                form_field("Vendor type", rx.select.root(
                    rx.select.trigger(width="100%", data_testid="vendor-type"),
                    rx.select.content(rx.foreach(VendorsState.type_options,
                                                 lambda o: rx.select.item(o["label"], value=o["value"]))),
                    value=VendorsState.form_type, on_change=VendorsState.set_form_type)),
                form_field("API base URL", rx.input(value=VendorsState.form_base_url,
                                                    on_change=VendorsState.set_form_base_url, data_testid="vendor-url")),
                form_field("Poll interval (s)", rx.input(value=VendorsState.form_poll, on_change=VendorsState.set_form_poll,
                                                         type="number", data_testid="vendor-poll")),
                rx.hstack(
                    form_field("Call allowance (if the vendor does not report it)", rx.input(
                        value=VendorsState.form_quota, on_change=VendorsState.set_form_quota, type="number",
                        placeholder="e.g. 200000", data_testid="vendor-quota")),
                    form_field("per", rx.select.root(
                        rx.select.trigger(data_testid="vendor-quota-period"),
                        rx.select.content(rx.select.item("year", value="year"), rx.select.item("month", value="month"),
                                          rx.select.item("day", value="day")),
                        value=VendorsState.form_period, on_change=VendorsState.set_form_period)),
                    spacing="3", width="100%", align="end"),
                rx.foreach(VendorsState.cred_fields, _cred_input),
                rx.cond(VendorsState.form_error != "",
                        rx.callout(VendorsState.form_error, icon="triangle-alert", color_scheme="red",
                                   data_testid="vendor-form-error", width="100%")),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Check and save", on_click=VendorsState.save, loading=VendorsState.form_busy,
                              data_testid="vendor-save"),
                    justify="end", width="100%", spacing="3",
                ),
                spacing="3", width="100%", padding_top="0.5rem",
            ),
            max_width="32rem",
        ),
        open=VendorsState.form_open, on_open_change=VendorsState.set_form_open,
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete ", VendorsState.delete_name, "?"),
            rx.alert_dialog.description(
                rx.cond(VendorsState.delete_plants > 0,
                        rx.text(VendorsState.delete_plants, " plants use this vendor. Deleting is refused unless "
                                "they are removed with it (their alerts and telemetry go too)."),
                        rx.text("No plants use this vendor.")), size="2"),
            rx.cond(VendorsState.delete_plants > 0, rx.hstack(
                rx.checkbox(checked=VendorsState.delete_with_plants, on_change=VendorsState.set_delete_with_plants,
                            data_testid="delete-with-plants"),
                rx.text("Also remove its plants", size="2"), spacing="2", padding_top="0.75rem")),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Delete", color_scheme="red", on_click=VendorsState.confirm_delete, data_testid="confirm-delete"),
                justify="end", spacing="3", padding_top="1rem",
            ),
        ),
        open=VendorsState.delete_open, on_open_change=VendorsState.set_delete_open,
    )


def sync_outcome() -> rx.Component:
    return rx.cond(
        VendorsState.sync_status != "",
        rx.card(rx.vstack(
            rx.hstack(rx.text("Sync now · ", VendorsState.sync_vendor_name, weight="bold"),
                      enum_badge(SyncStatus, VendorsState.sync_status, data_testid="sync-outcome-status"),
                      align="center", spacing="2"),
            rx.text(VendorsState.sync_summary, size="2", data_testid="sync-summary"),
            rx.flex(rx.foreach(VendorsState.sync_outcomes, lambda o: rx.badge(
                rx.cond(o["ok"] != "", rx.icon("check", size=12), rx.icon("x", size=12)), o["plant"], ": ", o["detail"],
                color_scheme=rx.cond(o["ok"] != "", "green", "red"), variant="soft", data_testid="plant-outcome")),
                wrap="wrap", gap="2"),
            spacing="2", width="100%"), width="100%", data_testid="sync-outcome"),
    )


@page(routes.VENDORS, "Vendors", load=[VendorsState.load], live=VendorsState.on_live)
def vendors_page() -> Frame:
    return Frame(
        rx.cond(
            AuthState.is_govt,
            rx.callout("Vendor integrations are not available to government observers.", icon="lock",
                       color_scheme="gray"),
            rx.fragment(
                sync_outcome(),
                rx.cond(VendorsState.loading, rx.center(rx.spinner(), width="100%"),
                        rx.cond(VendorsState.total > 0, rx.vstack(vendors_table(), quota_panel(), spacing="5",
                                                                  width="100%"),
                                rx.callout("No vendors yet. Add one to start syncing plants.", icon="info"))),
                vendor_dialog(),
                delete_dialog(),
            ),
        ),
        actions=rx.cond(AuthState.can_write & ~AuthState.is_govt,
                        rx.button(rx.icon("plus", size=16), "Add vendor", on_click=VendorsState.open_add,
                                  data_testid="add-vendor")),
    )
