"""PlantSelector: a searchable picker over the plants the viewer may see, an ARIA combobox (the trigger has the
combobox role and a label, the list is a listbox of options; keyboard: Enter/Space opens, ↓ from the search
field goes to the options, ↑/↓/Home/End move, Enter chooses, Escape closes). The choice lives in
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
        data_testid="plant-option", role="option", aria_selected=S.selected_id.to_string() == o["id"],
        tab_index=-1,
    )


LISTBOX_ID = "plant-selector-list"
# Arrow keys between the search field and the options: assets/plant_keys.js (one document listener, loaded
# once in the page head by woms_app.py; it looks the list up by this id)
KEYS_SCRIPT_SRC = "/plant_keys.js"


def plant_selector(*, navigate: bool = False) -> rx.Component:
    """``navigate``: choosing opens the plant's page (plant page) instead of only changing the chart (dashboard)."""
    return rx.fragment(rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.icon("sun", size=16),
                      rx.text(rx.cond(S.selected_name != "", S.selected_name, "Choose a plant"), max_width="16rem",
                              overflow="hidden", white_space="nowrap", text_overflow="ellipsis", line_height="1.6"),
                      rx.icon("chevrons-up-down", size=14), variant="surface", color_scheme="gray",
                      data_testid="plant-selector", role="combobox", aria_label="Plant",
                      aria_haspopup="listbox", aria_controls=LISTBOX_ID, aria_expanded=S.picker_open),
        ),
        rx.popover.content(
            rx.vstack(
                rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Search plants…", value=S.query,
                         on_change=S.search.debounce(250), auto_focus=True, width="100%",
                         data_testid="plant-selector-search", aria_label="Search plants",
                         aria_controls=LISTBOX_ID, aria_autocomplete="list"),
                rx.cond(
                    S.options.length() > 0,
                    rx.scroll_area(rx.vstack(rx.foreach(S.options, lambda o: _option(o, navigate)), spacing="1",
                                             width="100%", role="listbox", id=LISTBOX_ID, aria_label="Plants"),
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
    ))
