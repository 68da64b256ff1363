"""PrTrend: a plant's daily PR, temperature-corrected PR and efficiency % (rx.recharts), with the method.

Lines join complete days only. A day below the coverage limit is not drawn into the lines (it would read as
a silent dip): its figures are marked points of their own and a grey bar shows its data coverage. The method
and its inputs are in a hover card; every day's figures are in a details table under the chart.
"""
from __future__ import annotations

import reflex as rx

from woms_app.components.telemetry_chart import axis_tick, tooltip_style
from woms_app.state.plant_detail import PlantDetailState as D

CHART_HEIGHT = 260
ENERGY_HEIGHT = 180


def _chart() -> rx.Component:
    return rx.recharts.composed_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=rx.color("gray", 5), vertical=False),
        rx.recharts.x_axis(data_key="label", interval="preserveStartEnd", min_tick_gap=24, tick=axis_tick(),
                           stroke=rx.color("gray", 7)),
        rx.recharts.y_axis(y_axis_id="pct", unit=" %", width=64, tick=axis_tick(), stroke=rx.color("gray", 7),
                           domain=[0, 120], allow_data_overflow=False, ticks=[0, 20, 40, 60, 80, 100, 120]),
        rx.recharts.y_axis(y_axis_id="coverage", domain=[0, 100], hide=True, orientation="right"),
        rx.recharts.tooltip(**tooltip_style(), filter_null=True),
        rx.recharts.bar(data_key="coverage_inc", y_axis_id="coverage", name="Incomplete day: data coverage",
                        unit=" %", fill=rx.color("gray", 6), fill_opacity=0.6, is_animation_active=False,
                        max_bar_size=18, legend_type="none"),
        rx.recharts.line(data_key="pr", y_axis_id="pct", name="PR", unit=" %", stroke=rx.color("amber", 9),
                         stroke_width=2, dot={"r": 2}, connect_nulls=False, type_="linear", is_animation_active=False,
                         legend_type="none"),
        rx.recharts.line(data_key="pr_tc", y_axis_id="pct", name="PR (temp.-corrected)", unit=" %",
                         stroke=rx.color("orange", 9), stroke_width=2, stroke_dasharray="5 3", dot=False,
                         connect_nulls=False, type_="linear", is_animation_active=False, legend_type="none"),
        rx.recharts.line(data_key="eff", y_axis_id="pct", name="Efficiency", unit=" %", stroke=rx.color("green", 9),
                         stroke_width=2, dot={"r": 2}, connect_nulls=False, type_="linear", is_animation_active=False,
                         legend_type="none"),
        rx.recharts.line(data_key="pr_inc", y_axis_id="pct", name="PR, incomplete day", unit=" %",
                         stroke="none", dot={"r": 5, "fill": rx.color("gray", 1), "stroke": rx.color("amber", 9),
                                             "strokeWidth": 2},
                         legend_type="none", is_animation_active=False),
        rx.recharts.line(data_key="eff_inc", y_axis_id="pct", name="Efficiency, incomplete day", unit=" %",
                         stroke="none", dot={"r": 5, "fill": rx.color("gray", 1), "stroke": rx.color("green", 9),
                                             "strokeWidth": 2},
                         legend_type="none", is_animation_active=False),
        data=D.kpi_points, width="100%", height=CHART_HEIGHT,
    )


def _energy_chart() -> rx.Component:
    """Daily energy made (bars) against the energy the KPI model expected (dashed line), same days as above."""
    return rx.recharts.composed_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=rx.color("gray", 5), vertical=False),
        rx.recharts.x_axis(data_key="label", interval="preserveStartEnd", min_tick_gap=24, tick=axis_tick(),
                           stroke=rx.color("gray", 7)),
        rx.recharts.y_axis(unit=" kWh", width=84, tick=axis_tick(), stroke=rx.color("gray", 7)),
        rx.recharts.tooltip(**tooltip_style()),
        rx.recharts.bar(data_key="energy", name="Energy", unit=" kWh", fill=rx.color("amber", 8),
                        is_animation_active=False, max_bar_size=18),
        rx.recharts.line(data_key="expected", name="Expected energy", unit=" kWh", stroke=rx.color("green", 9),
                         stroke_width=2, stroke_dasharray="5 3", dot=False, type_="linear", connect_nulls=False,
                         is_animation_active=False),
        data=D.kpi_points, width="100%", height=ENERGY_HEIGHT,
    )


def _legend() -> rx.Component:
    """An HTML legend (theme colours, and the incomplete-day markers explained in words)."""
    def item(marker: rx.Component, label: str) -> rx.Component:
        return rx.hstack(marker, rx.text(label, size="1"), spacing="1", align="center")

    def line(color: str, dashed: bool = False) -> rx.Component:
        return rx.box(width="18px", height="0", border_top=f"2px {'dashed' if dashed else 'solid'} {rx.color(color, 9)}")

    def ring(color: str) -> rx.Component:
        return rx.box(width="10px", height="10px", border_radius="50%", border=f"2px solid {rx.color(color, 9)}")

    return rx.hstack(
        item(line("amber"), "PR"),
        item(line("orange", dashed=True), "PR (temp.-corrected)"),
        item(line("green"), "Efficiency (actual ÷ expected)"),
        item(rx.hstack(ring("amber"), ring("green"), spacing="1"), "incomplete day (not joined)"),
        item(rx.box(width="10px", height="12px", background=rx.color("gray", 6)), "its data coverage"),
        spacing="4", wrap="wrap", justify="center", width="100%", data_testid="pr-legend",
    )


def _method_card() -> rx.Component:
    return rx.hover_card.root(
        rx.hover_card.trigger(
            rx.badge(rx.icon("info", size=12), "Method", variant="soft", color_scheme="gray", cursor="help",
                     data_testid="pr-method"),
        ),
        rx.hover_card.content(
            rx.vstack(
                rx.text("How these figures are computed", weight="bold", size="2"),
                rx.text("PR = final yield ÷ reference yield (energy per kWp ÷ plane-of-array irradiation / 1 kW/m²). "
                        "PR (temp.-corrected) scales the reference by the cell temperature (γ = −0.4 %/°C). "
                        "Efficiency = actual energy ÷ expected energy (PVWatts, 14 % system loss).", size="1"),
                rx.text(D.kpi_source_label, size="1"),
                rx.text("Only complete 5-minute intervals count, on both sides of each ratio; gaps are never "
                        "bridged. A day with less than 90 % coverage is marked incomplete.", size="1",
                        color_scheme="gray"),
                rx.cond(D.kpi_method != "", rx.vstack(
                    rx.text(rx.cond(D.kpi_methods_vary, "Inputs (latest day; they vary — see the daily table)",
                                    "Inputs"), size="1", weight="medium"),
                    rx.code(D.kpi_method, size="1", variant="ghost", style={"white_space": "normal",
                                                                             "word_break": "break-word"},
                            data_testid="pr-method-text"),
                    spacing="1")),
                spacing="2",
            ),
            max_width="26rem",
        ),
    )


def _daily_table() -> rx.Component:
    def row(r) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(rx.text(r["day"], white_space="nowrap")),
            rx.table.cell(rx.match(
                r["state"],
                ("incomplete", rx.tooltip(rx.badge("Incomplete", color_scheme="orange", variant="soft"),
                                          content="Coverage below 90 %: the figures cover part of the day only")),
                ("final", rx.badge("Final", color_scheme="green", variant="soft")),
                rx.tooltip(rx.badge("So far", color_scheme="blue", variant="soft"),
                           content="The day is not over (or not yet final): figures are provisional"),
            )),
            rx.table.cell(r["coverage"], text_align="right"),
            rx.table.cell(r["pr"], text_align="right"),
            rx.table.cell(r["pr_tc"], text_align="right"),
            rx.table.cell(r["eff"], text_align="right"),
            rx.table.cell(r["energy"], text_align="right", white_space="nowrap"),
            rx.table.cell(r["expected"], text_align="right", white_space="nowrap"),
            rx.table.cell(r["irradiation"], text_align="right", white_space="nowrap"),
            rx.table.cell(rx.tooltip(rx.text(r["source"], white_space="nowrap", cursor="help"), content=r["method"])),
            data_testid="pr-day-row",
        )

    heads = [("Day", "left"), ("", "left"), ("Coverage", "right"), ("PR", "right"), ("PR tc", "right"),
             ("Efficiency", "right"), ("Energy", "right"), ("Expected", "right"), ("H POA", "right"),
             ("Irradiance", "left")]
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h, text_align=a, white_space="nowrap")
                                           for h, a in heads])),
            rx.table.body(rx.foreach(D.kpi_days, row)),
            size="1", variant="ghost", width="100%",
        ),
        overflow_x="auto", width="100%", max_height="18rem", overflow_y="auto",
    )


def pr_trend() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Performance ratio, efficiency & energy", size="4", as_="h2"),
                rx.text("daily, last 30 days", size="2", color_scheme="gray"),
                rx.spacer(),
                rx.cond(D.has_kpis, _method_card()),
                width="100%", align="center", wrap="wrap", spacing="3",
            ),
            rx.cond(
                D.has_kpis,
                rx.vstack(
                    rx.box(_chart(), width="100%", data_testid="pr-trend-chart"),
                    _legend(),
                    rx.text("Energy per day", size="2", weight="medium", padding_top="0.5rem"),
                    rx.box(_energy_chart(), width="100%", data_testid="energy-trend-chart"),
                    rx.hstack(
                        rx.hstack(rx.box(width="12px", height="10px", background=rx.color("amber", 8)),
                                  rx.text("energy made", size="1"), spacing="1", align="center"),
                        rx.hstack(rx.box(width="18px", height="0", border_top=f"2px dashed {rx.color('green', 9)}"),
                                  rx.text("expected (PVWatts, same inputs as the efficiency figure)", size="1"),
                                  spacing="1", align="center"),
                        spacing="4", wrap="wrap", justify="center", width="100%",
                    ),
                    rx.cond(D.kpi_incomplete > 0,
                            rx.text(rx.icon("triangle-alert", size=12, display="inline", vertical_align="middle"),
                                    " ", D.kpi_incomplete,
                                    " day(s) below 90 % data coverage: shown as open points with a grey coverage "
                                    "bar, left out of the lines (their figures cover part of the day only).", size="1", color_scheme="gray",
                                    data_testid="pr-incomplete-note")),
                    rx.accordion.root(
                        rx.accordion.item(
                            header=rx.text("Daily figures", size="2"),
                            content=_daily_table(),
                            value="days",
                        ),
                        collapsible=True, type="single", variant="ghost", width="100%",
                        data_testid="pr-daily-figures",
                    ),
                    spacing="2", width="100%",
                ),
                rx.center(
                    rx.vstack(
                        rx.icon("chart-spline", size=28, color=rx.color("gray", 8)),
                        rx.text("No PR or efficiency figures yet.", size="2", weight="medium"),
                        rx.text("They appear after this plant has a full day of readings: each day is computed "
                                "hourly and becomes final after the plant's local midnight.", size="1",
                                color_scheme="gray", text_align="center", max_width="26rem"),
                        align="center", spacing="1",
                    ),
                    height="12rem", width="100%", data_testid="pr-trend-empty",
                ),
            ),
            spacing="3", width="100%",
        ),
        width="100%", data_testid="pr-trend-slot",
    )
