"""Metric cards."""
from __future__ import annotations

import reflex as rx


def metric_card(label: str, value, icon: str, *, testid: str, hint=None, color: str = "accent") -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(label, size="2", color_scheme="gray"),
                rx.heading(value, size="7", data_testid=testid),
                rx.cond(hint is not None, rx.text(hint, size="1", color_scheme="gray")) if hint is not None else rx.fragment(),
                spacing="1",
            ),
            rx.spacer(),
            rx.icon(icon, size=28, color=rx.color(color, 9)),
            align="start", width="100%",
        ),
        size="2", width="100%",
    )
