"""The signed-in page frame: sidebar + content; nothing renders before the guard passes."""
from __future__ import annotations

import reflex as rx

from woms_app.components.sidebar import dashboard_sidebar
from woms_app.state.base import AuthState


def app_frame(title: str, *children: rx.Component, actions: rx.Component | None = None) -> rx.Component:
    return rx.cond(
        AuthState.signed_in,
        rx.hstack(
            dashboard_sidebar(),
            rx.box(
                rx.vstack(
                    rx.hstack(rx.heading(title, size="7", data_testid="page-title"), rx.spacer(),
                              actions if actions is not None else rx.fragment(), width="100%", align="center"),
                    *children,
                    spacing="5", width="100%", max_width="90rem",
                ),
                padding="2rem", flex="1", min_width="0", min_height="100vh",
            ),
            # stretch: the sidebar column (its background and border) spans the whole page, however long
            spacing="0", align="stretch", width="100%", min_height="100vh",
        ),
        rx.center(rx.spinner(size="3"), height="100vh"),
    )
