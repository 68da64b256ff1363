"""The one way a signed-in page is declared: route, title, what loads it, what the live feed calls, and the frame.

    @page(routes.ALERTS, "Alerts", load=[AlertsFeedState.load], live=AlertsFeedState.on_live)
    def alerts_page() -> Frame:
        return Frame(alerts_feed(), work_order_form_dialog(), actions=export_button())

registers ``/alerts`` titled "Alerts · WOMS", loading with ``AuthState.guard`` first, then the tab's link to its
live channel (``LiveState.link``), then ``load``; it renders ``app_frame("Alerts", …)`` whose first children are
the hidden watchers: ``live_refresh(live)`` (when given) calls ``live`` whenever the viewer's channel announces a
change, and every page has the one for the sidebar's alert count and toasts (``AttentionState.refresh``).
/login is the one page without it (no frame, no guard).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx

from woms_app.components.layout import app_frame
from woms_app.state.alerts import AttentionState
from woms_app.state.base import AuthState
from woms_app.state.live import LiveState, live_refresh

TITLE_SUFFIX = " · WOMS"


class Frame:
    """What a page shows inside the app frame: its children, and the actions beside the heading."""

    def __init__(self, *children: rx.Component, actions: rx.Component | None = None) -> None:
        self.children = children
        self.actions = actions


def page(route: str, title: str, *, load: Sequence[Any] = (), live: Any = None
         ) -> Callable[[Callable[[], Frame]], Callable[[], rx.Component]]:
    """Register the decorated function's ``Frame`` as the page at ``route`` (see the module docstring)."""
    # every signed-in page links to its live channel: the sidebar's alert count and the alert toasts are on all of them
    on_load = [AuthState.guard, LiveState.link, *load]

    def register(body: Callable[[], Frame]) -> Callable[[], rx.Component]:
        @functools.wraps(body)
        def render() -> rx.Component:
            frame = body()
            # the page's own live handler, and the sidebar's alert count + toasts (on every push of the channel)
            watcher = [*([live_refresh(live)] if live is not None else []),
                       live_refresh(AttentionState.refresh, testid="attention-marker")]
            return app_frame(title, *watcher, *frame.children, actions=frame.actions)

        return rx.page(route=route, title=title + TITLE_SUFFIX, on_load=on_load)(render)

    return register
