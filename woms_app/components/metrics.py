"""Metric cards, and how old a live figure is."""
from __future__ import annotations

import reflex as rx

# Fills every <span data-age-of="ISO instant"> with "updated N min ago" and keeps it current (every 20 s and when
# the attribute changes). React renders the span empty and never owns its text, so the two never fight.
AGE_SCRIPT_SRC = "/age.js"  # assets/age.js, loaded once in the page head (woms_app.py)


def age_label(seconds: float) -> str:
    """What assets/age.js writes for a figure ``seconds`` old (the same rule, for the server side and tests)."""
    s = max(0, round(seconds))
    if s < 60:
        return "updated just now"
    m = s // 60
    if m < 60:
        return f"updated {m} min ago"
    h = m // 60
    return f"updated {h} h ago" if h < 48 else f"updated {h // 24} days ago"


def age(iso, *, testid: str) -> rx.Component:
    """How old the figure is: ``iso`` an ISO instant var ("" → nothing shown)."""
    return rx.el.span(data_age_of=iso, data_testid=testid, style={"font_size": "var(--font-size-1)",
                                                                   "color": "var(--gray-10)"})


def metric_card(label: str, value, icon: str, *, testid: str, hint=None, color: str = "accent",
                age_of=None) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(label, size="2", color_scheme="gray"),
                rx.text(value, size="7", weight="bold", as_="p", data_testid=testid),
                rx.text(hint, size="1", color_scheme="gray", data_testid=f"{testid}-hint") if hint is not None
                else rx.fragment(),
                age(age_of, testid=f"{testid}-age") if age_of is not None else rx.fragment(),
                spacing="1",
            ),
            rx.spacer(),
            rx.icon(icon, size=28, color=rx.color(color, 9)),
            align="start", width="100%",
        ),
        size="2", width="100%",
    )
