"""The "New work order" dialog: title, description, priority, plants (scoped, searchable multi-select).
Used on /work-orders (blank) and /alerts (prefilled from an alert)."""
from __future__ import annotations

import reflex as rx

from woms_app.components.filter_select import filter_select
from woms_app.state.work_order_form import PRIORITY_FORM_CHOICES
from woms_app.state.work_order_form import WorkOrderFormState as F


def field_error(name: str) -> rx.Component:
    return rx.cond(F.errors.contains(name),
                   rx.text(F.errors[name], color_scheme="red", size="1", data_testid=f"wo-form-error-{name}"))


def _labelled(label: str, control: rx.Component, name: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="2", weight="medium"), control, field_error(name), spacing="1", width="100%")


def _option(o) -> rx.Component:
    return rx.hstack(
        rx.checkbox(checked=o["checked"] == "yes", on_change=lambda v: F.toggle_plant(o["id"], v),
                    data_testid="wo-plant-checkbox"),
        rx.text(o["name"], size="2"),
        rx.cond(o["org"] != "", rx.text(o["org"], size="1", color_scheme="gray")),
        rx.spacer(),
        rx.cond(o["busy"] != "", rx.badge(o["busy"], color_scheme="orange", variant="soft", data_testid="wo-plant-busy")),
        align="center", width="100%", spacing="2", padding_y="0.25rem", data_testid="wo-plant-option",
        data_plant=o["name"],
    )


def _plants_picker() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Plants", size="2", weight="medium"),
            rx.foreach(F.selected, lambda s: rx.badge(
                s["name"], rx.icon("x", size=12, cursor="pointer", on_click=F.toggle_plant(s["id"], False)),
                color_scheme=rx.cond(s["busy"] != "", "orange", "teal"), variant="soft", data_testid="wo-selected-plant")),
            wrap="wrap", spacing="2", align="center",
        ),
        rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Search plants…", value=F.plant_search,
                 on_change=F.set_plant_search.debounce(250), width="100%", data_testid="wo-plant-search"),
        rx.scroll_area(
            rx.cond(F.options.length() > 0,
                    rx.vstack(rx.foreach(F.options, _option), spacing="0", width="100%"),
                    rx.text("No plants match.", size="2", color_scheme="gray")),
            type="auto", scrollbars="vertical", max_height="12rem",
            style={"border": f"1px solid {rx.color('gray', 5)}", "border_radius": "var(--radius-2)",
                   "padding": "0.25rem 0.5rem"},
        ),
        rx.cond(F.busy_selected != "",
                rx.callout(F.busy_selected, icon="triangle-alert", color_scheme="orange", size="1",
                           data_testid="wo-busy-warning")),
        field_error("plant_ids"),
        spacing="2", width="100%",
    )


def work_order_form_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(F.alert_id > 0, "New work order from " + F.alert_label, "New work order")),
            rx.dialog.description("A plant can be on one active work order at a time.", size="2",
                                  color_scheme="gray", margin_bottom="1rem"),
            rx.vstack(
                _labelled("Title", rx.input(value=F.title, on_change=F.set_title, placeholder="e.g. Inverter swap",
                                            id="wo-form-title", width="100%", max_length=250,
                                            color_scheme=rx.cond(F.errors.contains("title"), "red", "gray")), "title"),
                _labelled("Description", rx.text_area(value=F.description, on_change=F.set_description.debounce(300),
                                                      id="wo-form-description", rows="4", width="100%"), "description"),
                _labelled("Priority", filter_select(F.priority, PRIORITY_FORM_CHOICES, F.set_priority,
                                                    testid="wo-form-priority"), "priority"),
                _plants_picker(),
                field_error("alert_id"),
                field_error("form"),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button(rx.cond(F.saving, rx.spinner(size="1"), rx.icon("check", size=16)), "Create work order",
                              on_click=F.submit, disabled=F.saving, data_testid="wo-form-submit"),
                    justify="end", width="100%", spacing="3",
                ),
                spacing="4", width="100%",
            ),
            max_width="38rem", data_testid="wo-form",
        ),
        open=F.form_open,
        on_open_change=F.set_form_open,
    )
