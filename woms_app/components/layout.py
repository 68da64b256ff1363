"""The signed-in page frame: sidebar (desktop) or top bar with a menu sheet (phone) + content; nothing renders
before the guard passes. The content column never widens the page: wide tables scroll inside themselves."""
from __future__ import annotations

import reflex as rx

from woms_app.components.sidebar import DESKTOP_FROM, dashboard_sidebar, mobile_top_bar
from woms_app.state.base import AuthState


def app_frame(title: str, *children: rx.Component, actions: rx.Component | None = None) -> rx.Component:
    return rx.cond(
        AuthState.signed_in,
        rx.flex(
            dashboard_sidebar(),
            mobile_top_bar(title),
            rx.box(
                rx.vstack(
                    rx.hstack(rx.heading(title, size=rx.breakpoints(initial="6", **{DESKTOP_FROM: "7"}),
                                         data_testid="page-title"),
                              rx.spacer(),
                              actions if actions is not None else rx.fragment(), width="100%", align="center",
                              wrap="wrap"),
                    *children,
                    spacing="5", width="100%", max_width="90rem",
                ),
                padding=rx.breakpoints(initial="1rem", **{DESKTOP_FROM: "2rem"}), flex="1", min_width="0", width="100%",
            ),
            # stretch: the sidebar column (its background and border) spans the whole page, however long;
            # on a phone the top bar sits above the content
            direction=rx.breakpoints(initial="column", **{DESKTOP_FROM: "row"}),
            spacing="0", align="stretch", width="100%", min_height="100vh",
        ),
        rx.center(rx.spinner(size="3"), height="100vh"),
    )
