"""A labelled form field with its error message under it."""
from __future__ import annotations

import reflex as rx


def form_field(label: str, control: rx.Component, error=None, *, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        control,
        rx.cond(error != "", rx.text(error, size="1", color=rx.color("red", 11), role="alert",
                                     data_testid="field-error")) if error is not None else rx.fragment(),
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        spacing="1", width="100%", align="stretch",
    )
