"""PlantSelector: a searchable picker over the plants the viewer may see. The choice lives in
SelectedPlantState, so it is kept while the user moves between pages."""
from __future__ import annotations

import reflex as rx

from woms_app.state.telemetry import SelectedPlantState as S


def _option(o, navigate: bool) -> rx.Component:
    handler = S.open_plant(o["id"]) if navigate else S.choose(o["id"])
    return rx.button(
        rx.vstack(rx.text(o["name"], size="2", weight="medium"), rx.text(o["org"], " · ", o["tz"], size="1",
                                                                          color_scheme="gray"),
                  spacing="0", align="start"),
        variant=rx.cond(S.selected_id.to_string() == o["id"], "soft", "ghost"), color_scheme="gray",
        on_click=handler, width="100%", justify="start", height="auto", padding_y="0.4rem",
        data_testid="plant-option",
    )


def plant_selector(*, navigate: bool = False) -> rx.Component:
    """``navigate``: choosing opens the plant's page (plant page) instead of only changing the chart (dashboard)."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.icon("sun", size=16),
                      rx.text(rx.cond(S.selected_name != "", S.selected_name, "Choose a plant"), max_width="16rem",
                              overflow="hidden", white_space="nowrap", text_overflow="ellipsis", line_height="1.6"),
                      rx.icon("chevrons-up-down", size=14), variant="surface", color_scheme="gray",
                      data_testid="plant-selector"),
        ),
        rx.popover.content(
            rx.vstack(
                rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Search plants…", value=S.query,
                         on_change=S.search.debounce(250), auto_focus=True, width="100%",
                         data_testid="plant-selector-search"),
                rx.cond(
                    S.options.length() > 0,
                    rx.scroll_area(rx.vstack(rx.foreach(S.options, lambda o: _option(o, navigate)), spacing="1",
                                             width="100%"),
                                   type="auto", scrollbars="vertical", max_height="18rem"),
                    rx.text("No plants match.", size="2", color_scheme="gray", padding="0.5rem"),
                ),
                rx.cond(S.options_total > S.options.length(),
                        rx.text("Showing ", S.options.length(), " of ", S.options_total, " — refine the search",
                                size="1", color_scheme="gray")),
                spacing="2", width="100%",
            ),
            width="22rem", align="start",
        ),
        open=S.picker_open, on_open_change=S.set_picker_open,
    )
