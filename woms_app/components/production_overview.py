"""ProductionOverview: today's fleet power curve and energy per plant (top/bottom performers)."""
from __future__ import annotations

import reflex as rx

from woms_app.components.metrics import age
from woms_app.components.telemetry_chart import axis_tick, tooltip_style
from woms_app.state.production import ProductionState as P


def _curve() -> rx.Component:
    return rx.recharts.area_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=rx.color("gray", 5), vertical=False),
        rx.recharts.x_axis(data_key="label", interval="preserveStartEnd", min_tick_gap=40, tick=axis_tick(),
                           stroke=rx.color("gray", 7)),
        rx.recharts.y_axis(unit=" kW", width=80, tick=axis_tick(), stroke=rx.color("gray", 7)),
        rx.recharts.tooltip(**tooltip_style()),
        rx.recharts.area(data_key="value", name="Fleet power", unit=" kW", connect_nulls=False,
                         stroke=rx.color("amber", 9), fill=rx.color("amber", 5), fill_opacity=0.6, type_="linear",
                         is_animation_active=False, dot=False),
        data=P.curve, width="100%", height="100%",
    )


def _performers(title: str, rows, icon: str, color: str, testid: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon(icon, size=16, color=rx.color(color, 9)), rx.text(title, weight="medium", size="2"),
                  align="center", spacing="2"),
        rx.cond(
            rows.length() > 0,
            rx.vstack(rx.foreach(rows, lambda r: rx.vstack(
                rx.hstack(rx.link(r["name"], href=r["href"], size="2", overflow="hidden", white_space="nowrap",
                                  text_overflow="ellipsis", min_width="0"), rx.spacer(),
                          rx.text(r["yield"], " kWh/kWp", size="1", weight="medium", white_space="nowrap"),
                          rx.text(r["pr"], size="1", color_scheme="gray", white_space="nowrap"), width="100%",
                          spacing="2",
                          align="center"),
                # a plain bar (Radix Progress rejects the string a foreach row carries)
                rx.box(rx.box(width=r["pct"] + "%", height="100%", background=rx.color(color, 9),
                              border_radius="9999px"),
                       width="100%", height="4px", background=rx.color("gray", 4), border_radius="9999px",
                       overflow="hidden"),
                spacing="1", width="100%", data_testid=f"{testid}-row")),
                spacing="2", width="100%"),
            rx.text("No plant has a complete yesterday yet.", size="2", color_scheme="gray"),
        ),
        spacing="2", width="100%", data_testid=testid,
    )


def production_overview() -> rx.Component:
    return rx.grid(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.vstack(rx.heading("Fleet power today", size="4", as_="h2"),
                              rx.text(P.curve_day, " · time axis ", P.curve_zone, size="1", color_scheme="gray",
                                      data_testid="fleet-curve-zone"),
                              spacing="0"),
                    rx.spacer(), age(P.curve_latest, testid="fleet-curve-age"),
                    width="100%", align="start"),
                # the chart takes the card's whole height (the performers beside it set the row's height): no empty half
                rx.cond(P.curve_has_data, rx.box(_curve(), width="100%", flex="1", min_height="260px",
                                                 data_testid="fleet-curve"),
                        rx.center(rx.text(rx.cond(P.loaded, "No readings yet today.", "Loading…"), size="2",
                                          color_scheme="gray"), height="260px", width="100%")),
                spacing="3", width="100%", height="100%",
            ),
            width="100%", grid_column=rx.breakpoints(initial="span 1", lg="span 2"),
        ),
        rx.card(
            rx.vstack(
                rx.heading("Performers yesterday", size="4", as_="h2"),
                rx.text("Specific yield (kWh per kWp) of each plant's own complete yesterday, in its time zone",
                        size="1", color_scheme="gray"),
                _performers("Top performers", P.top, "trending-up", "green", "top-performers"),
                rx.cond(P.bottom.length() > 0,
                        _performers("Bottom performers", P.bottom, "trending-down", "red", "bottom-performers")),
                rx.cond(P.without_data > 0, rx.text(P.without_data, " plant(s) without a complete yesterday",
                                                    size="1", color_scheme="gray")),
                spacing="3", width="100%",
            ),
            width="100%",
        ),
        columns=rx.breakpoints(initial="1", lg="3"), spacing="4", width="100%",
    )
