"""A compact select for list filters. ``choices`` is a list of {"value"/"id", "label"/"name"} dicts,
static (Python) or a state var."""
from __future__ import annotations

import reflex as rx
from reflex.vars.base import Var


def filter_select(value, choices, on_change, *, testid: str, value_key: str = "value", label_key: str = "label",
                  width: str = "11rem", **props) -> rx.Component:
    if isinstance(choices, Var):
        items = rx.foreach(choices, lambda c: rx.select.item(c[label_key], value=c[value_key]))
    else:
        items = rx.fragment(*[rx.select.item(c[label_key], value=c[value_key]) for c in choices])
    return rx.select.root(
        rx.select.trigger(width=width, data_testid=testid),
        rx.select.content(items),
        value=value,
        on_change=on_change,
        **props,
    )
