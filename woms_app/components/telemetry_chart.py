"""TelemetryChart: 24 h of one metric of the selected plant (rx.recharts).

The points come downsampled from the server (≤ 500 bucket means); a missing bucket is null and
the line breaks there (connectNulls off): gaps are shown as gaps, never as zero. The x axis is
the plant's own wall clock and the zone is written under the chart.
"""
from __future__ import annotations

import reflex as rx

from woms_app.services.plant_series import METRICS
from woms_app.state.telemetry import SelectedPlantState as S

LINE_COLOR = {"power": "amber", "voltage": "blue", "current": "teal", "temperature": "tomato"}


def tooltip_style() -> dict:
    return {
        "content_style": {"background": rx.color("gray", 2), "border": f"1px solid {rx.color('gray', 6)}",
                          "border_radius": "8px", "color": rx.color("gray", 12)},
        "label_style": {"color": rx.color("gray", 11)},
        "item_style": {"color": rx.color("gray", 12)},
    }


def axis_tick() -> dict:
    return {"fill": rx.color("gray", 11), "font_size": 12}


def metric_switcher() -> rx.Component:
    # on a phone the choices are wider than the card: they scroll sideways in their own strip
    return rx.box(rx.segmented_control.root(
        *[rx.segmented_control.item(label, value=key) for key, (_col, label, _unit) in METRICS.items()],
        value=S.metric, on_change=S.set_metric, size="1", data_testid="metric-switcher",
    ), overflow_x="auto", max_width="100%", flex_shrink="1", min_width="0")


def _chart() -> rx.Component:
    color = rx.match(S.metric, *[(k, rx.color(c, 9)) for k, c in LINE_COLOR.items()], rx.color("amber", 9))
    return rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=rx.color("gray", 5), vertical=False),
        rx.recharts.x_axis(data_key="label", interval="preserveStartEnd", min_tick_gap=40, tick=axis_tick(),
                           stroke=rx.color("gray", 7)),
        rx.recharts.y_axis(unit=S.unit, width=72, tick=axis_tick(), stroke=rx.color("gray", 7)),
        rx.recharts.tooltip(**tooltip_style()),
        rx.recharts.line(data_key="value", name=S.metric_label, unit=S.unit, connect_nulls=False, dot=False,
                         stroke=color, stroke_width=2, type_="linear", is_animation_active=False),
        data=S.points, width="100%", height=300,
    )


def telemetry_chart(*, title: bool = True) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(S.selected_name, size="4", data_testid="chart-plant", as_="h2") if title else rx.fragment(),
                rx.text("last 24 h", size="2", color_scheme="gray"),
                rx.spacer(),
                metric_switcher(),
                rx.tooltip(
                    rx.link(rx.button(rx.icon("download", size=14), "CSV", size="1", variant="soft"),
                            href=S.csv_href, is_external=True, data_testid="telemetry-csv"),
                    content="Download the raw readings of this metric",
                ),
                width="100%", align="center", wrap="wrap", spacing="3",
            ),
            rx.cond(
                S.chart_loading & ~S.has_points,
                rx.skeleton(rx.box(height="300px", width="100%")),
                rx.cond(
                    S.has_points,
                    rx.box(_chart(), width="100%", data_testid="telemetry-chart"),
                    rx.center(
                        rx.vstack(rx.icon("chart-no-axes-combined", size=28, color=rx.color("gray", 8)),
                                  rx.text(rx.cond(S.selected_id == 0, "Choose a plant to see its telemetry.",
                                                  "No readings in the last 24 hours."),
                                          size="2", color_scheme="gray"),
                                  align="center"),
                        height="300px", width="100%", data_testid="telemetry-empty",
                    ),
                ),
            ),
            rx.hstack(
                rx.icon("clock", size=14, color=rx.color("gray", 10)),
                rx.text("Time axis: plant local time, ", rx.text.strong(S.zone_label), size="1", color_scheme="gray",
                        data_testid="chart-zone"),
                rx.spacer(),
                rx.cond(S.has_points, rx.text(S.readings, " readings · gaps are missing data", size="1",
                                              color_scheme="gray")),
                width="100%", align="center", spacing="1",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )
