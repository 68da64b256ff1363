"""PowerDiagnosis: the plant's last 24 h of AC power over the power it should have made (the KPI model's
expected power) and the plane-of-array irradiance it saw (measured, or the clear-sky model — the label says
which), so underperformance reads at a glance: the gap between the two power curves."""
from __future__ import annotations

import reflex as rx

from woms_app.components.telemetry_chart import axis_tick, tooltip_style
from woms_app.state.plant_detail import PlantDetailState as D

CHART_HEIGHT = 300


def _chart() -> rx.Component:
    return rx.recharts.composed_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=rx.color("gray", 5), vertical=False),
        rx.recharts.x_axis(data_key="label", interval="preserveStartEnd", min_tick_gap=40, tick=axis_tick(),
                           stroke=rx.color("gray", 7)),
        rx.recharts.y_axis(y_axis_id="kw", unit=" kW", width=80, tick=axis_tick(), stroke=rx.color("gray", 7)),
        rx.recharts.y_axis(y_axis_id="wm2", unit=" W/m²", width=100, orientation="right", tick=axis_tick(),
                           stroke=rx.color("sky", 8)),
        rx.recharts.tooltip(**tooltip_style()),
        rx.recharts.area(data_key="irradiance", y_axis_id="wm2", name="Irradiance", unit=" W/m²",
                         stroke=rx.color("sky", 8), fill=rx.color("sky", 5), fill_opacity=0.35, type_="monotone",
                         connect_nulls=False, is_animation_active=False, dot=False),
        rx.recharts.line(data_key="expected", y_axis_id="kw", name="Expected power", unit=" kW",
                         stroke=rx.color("green", 9), stroke_width=2, stroke_dasharray="6 3", dot=False,
                         connect_nulls=False, type_="linear", is_animation_active=False),
        rx.recharts.line(data_key="power", y_axis_id="kw", name="Actual power", unit=" kW",
                         stroke=rx.color("amber", 9), stroke_width=2, dot=False, connect_nulls=False,
                         type_="linear", is_animation_active=False),
        data=D.diag_points, width="100%", height=CHART_HEIGHT,
    )


def _legend() -> rx.Component:
    def item(marker: rx.Component, label) -> rx.Component:
        return rx.hstack(marker, rx.text(label, size="1"), spacing="1", align="center")

    def line(color: str, dashed: bool = False) -> rx.Component:
        return rx.box(width="18px", height="0", border_top=f"2px {'dashed' if dashed else 'solid'} {rx.color(color, 9)}")

    return rx.hstack(
        item(line("amber"), "Actual power"),
        item(line("green", dashed=True), "Expected power (same model as the efficiency figures)"),
        item(rx.box(width="14px", height="10px", background=rx.color("sky", 5), border=f"1px solid {rx.color('sky', 8)}"),
             rx.cond(D.diag_source == "sensor", "Irradiance, measured", "Irradiance, clear-sky model")),
        spacing="4", wrap="wrap", justify="center", width="100%",
    )


def power_diagnosis() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Power vs expected", size="4", as_="h2"),
                rx.text("last 24 h · 15-min means", size="2", color_scheme="gray"),
                rx.spacer(),
                rx.cond(D.diag_source != "",
                        rx.badge(rx.cond(D.diag_source == "sensor", "measured irradiance", "clear-sky irradiance"),
                                 color_scheme=rx.cond(D.diag_source == "sensor", "sky", "gray"), variant="soft",
                                 data_testid="diag-source")),
                width="100%", align="center", wrap="wrap", spacing="3",
            ),
            rx.cond(
                D.has_diagnosis,
                rx.vstack(
                    rx.box(_chart(), width="100%", data_testid="diag-chart"),
                    _legend(),
                    rx.text(D.diag_source_label, size="1", color_scheme="gray", data_testid="diag-source-label"),
                    rx.cond(D.diag_summary != "", rx.text(D.diag_summary, size="2", data_testid="diag-summary")),
                    rx.cond(D.diag_note != "", rx.callout(D.diag_note, icon="info", size="1", color_scheme="gray",
                                                          data_testid="diag-note")),
                    spacing="2", width="100%",
                ),
                rx.center(rx.text("No readings in the last 24 hours.", size="2", color_scheme="gray"),
                          height="8rem", width="100%", data_testid="diag-empty"),
            ),
            spacing="3", width="100%",
        ),
        width="100%", data_testid="diag-slot",
    )
