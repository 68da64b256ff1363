"""The navigation: DashboardSidebar (desktop, from 48 em = 768 px) and MobileTopBar (below it: app name, current
page and a menu button that opens the same navigation as a sheet from the left).

The sheet is a Radix dialog (already in the bundle, no new script): Escape and a click outside close it, focus moves
into it and returns to the button, and it is labelled by its title for screen readers. A link in it closes it."""
from __future__ import annotations

import reflex as rx

from woms_app import routes
from woms_app.components.theme import theme_toggle
from woms_app.state.alerts import AttentionState
from woms_app.state.base import AuthState

# (label, icon, path, roles that see it)
NAV = [
    ("Dashboard", "layout-dashboard", routes.DASHBOARD, ("SUPERADMIN", "GOVT", "ORG")),
    ("Plants", "sun", routes.PLANTS, ("SUPERADMIN", "GOVT", "ORG")),
    ("My work", "hard-hat", routes.MY_WORK, ("ORG",)),
    ("Work orders", "clipboard-list", routes.WORK_ORDERS, ("SUPERADMIN", "GOVT", "ORG")),
    ("Alerts", "bell", routes.ALERTS, ("SUPERADMIN", "GOVT", "ORG")),
    ("Vendors", "plug", routes.VENDORS, ("SUPERADMIN", "ORG")),
    ("Notifications", "bell-ring", routes.NOTIFICATIONS, ("SUPERADMIN", "GOVT", "ORG")),
    ("Organizations", "building-2", routes.ADMIN_ORGS, ("SUPERADMIN",)),
    ("Accounts", "users", routes.ADMIN_ACCOUNTS, ("SUPERADMIN",)),
    ("Audit log", "scroll-text", routes.ADMIN_AUDIT, ("SUPERADMIN",)),
]
# below this the sidebar gives way to the top bar (Reflex's "sm" breakpoint, 48em)
DESKTOP_FROM = "sm"


def _attention_badge() -> rx.Component:
    """The count of active alerts nobody has acknowledged yet (live)."""
    return rx.cond(AttentionState.badge != "",
                   rx.badge(AttentionState.badge, color_scheme="red", variant="solid", radius="full", margin_left="auto",
                            data_testid="nav-alerts-badge",
                            aria_label=AttentionState.badge + " active alerts not acknowledged"))


def _nav_item(label: str, icon: str, path: str) -> rx.Component:
    active = rx.State.router.page.path == path
    extra = [_attention_badge()] if path == routes.ALERTS else []
    return rx.link(
        rx.hstack(rx.icon(icon, size=18), rx.text(label, size="3"), *extra, spacing="3", align="center",
                  padding_x="0.75rem", padding_y="0.5rem", border_radius="var(--radius-3)",
                  background=rx.cond(active, rx.color("accent", 4), "transparent"),
                  color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 12)),
                  _hover={"background": rx.color("accent", 3)}, width="100%"),
        href=path, underline="none", width="100%", data_testid=f"nav-{label.lower().replace(' ', '-')}",
        aria_current=rx.cond(active, "page", None),
    )


def _nav(in_sheet: bool) -> rx.Component:
    items = []
    for label, icon, path, roles in NAV:
        item = _nav_item(label, icon, path)
        if in_sheet:  # a choice closes the sheet
            item = rx.dialog.close(item)
        if len(roles) < 3:
            cond = AuthState.role == roles[0] if len(roles) == 1 else (AuthState.role == roles[0]) | (AuthState.role == roles[1])
            item = rx.cond(cond, item)
        items.append(item)
    return rx.el.nav(rx.vstack(*items, spacing="1", width="100%", data_testid="sidebar-nav"),
                     aria_label="Main", width="100%")


def _brand() -> rx.Component:
    return rx.box(
        rx.hstack(rx.icon("sun-medium", size=26, color=rx.color("amber", 9)),
                  rx.text("WOMS", size="6", weight="bold", as_="p"), align="center", spacing="2", padding_bottom="0.5rem"),
        rx.text("Solar work orders", size="1", color_scheme="gray", margin_top="-0.25rem"),
    )


def _account() -> rx.Component:
    return rx.vstack(
        rx.text(AuthState.user_name, weight="bold", size="2", data_testid="user-name"),
        rx.hstack(rx.badge(AuthState.role_label, data_testid="user-role",
                           color_scheme=rx.match(AuthState.role, ("SUPERADMIN", "purple"), ("GOVT", "blue"), "teal")),
                  spacing="2"),
        rx.cond(AuthState.org_name != "", rx.text(AuthState.org_name, size="1", color_scheme="gray")),
        rx.hstack(
            theme_toggle(),
            rx.button(rx.icon("log-out", size=16), "Log out", variant="soft", color_scheme="gray",
                      on_click=AuthState.logout, data_testid="logout"),
            spacing="2", width="100%", justify="between",
        ),
        spacing="2", width="100%",
    )


def dashboard_sidebar() -> rx.Component:
    # the column (background, border) stretches with the page; the navigation inside stays in view
    return rx.box(rx.vstack(
        _brand(),
        rx.divider(),
        _nav(in_sheet=False),
        rx.spacer(),
        rx.divider(),
        _account(),
        width="100%", height="100vh", padding="1rem", spacing="3", position="sticky", top="0",
    ), width="15rem", min_width="15rem", flex_shrink="0", border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2), data_testid="sidebar",
        display=rx.breakpoints(initial="none", **{DESKTOP_FROM: "block"}))


def _sheet() -> rx.Component:
    return rx.dialog.content(
        rx.vstack(
            rx.hstack(
                rx.dialog.title(rx.hstack(rx.icon("sun-medium", size=22, color=rx.color("amber", 9)),
                                          rx.text("WOMS"), align="center", spacing="2"), size="5", margin="0"),
                rx.spacer(),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=18), variant="ghost", color_scheme="gray",
                                               aria_label="Close navigation", data_testid="nav-close")),
                align="center", width="100%",
            ),
            rx.dialog.description("Go to a page of WOMS", style={  # for screen readers only
                "position": "absolute", "width": "1px", "height": "1px", "overflow": "hidden",
                "clip": "rect(0 0 0 0)", "white_space": "nowrap"}),
            rx.divider(),
            _nav(in_sheet=True),
            rx.spacer(),
            rx.divider(),
            _account(),
            spacing="3", height="100%", width="100%",
        ),
        # a sheet from the left instead of a centred dialog
        position="fixed", top="0", left="0", bottom="0", height="100dvh", max_height="100dvh",
        width="min(18rem, 85vw)", max_width="85vw", margin="0", border_radius="0", padding="1rem",
        background=rx.color("gray", 2), overflow_y="auto", data_testid="nav-sheet",
    )


def mobile_top_bar(title: str) -> rx.Component:
    return rx.dialog.root(
        rx.hstack(
            rx.dialog.trigger(rx.icon_button(rx.icon("menu", size=20), variant="ghost", color_scheme="gray",
                                             size="2", aria_label="Open navigation", aria_haspopup="dialog",
                                             data_testid="nav-menu")),
            rx.icon("sun-medium", size=22, color=rx.color("amber", 9), flex_shrink="0"),
            rx.text("WOMS", weight="bold", size="4"),
            rx.text(title, size="3", color_scheme="gray", overflow="hidden", white_space="nowrap",
                    text_overflow="ellipsis", min_width="0", data_testid="topbar-page"),
            spacing="3", align="center", width="100%", padding_x="0.75rem", height="3.25rem",
            position="sticky", top="0", z_index="10", background=rx.color("gray", 2),
            border_bottom=f"1px solid {rx.color('gray', 5)}", data_testid="topbar",
            display=rx.breakpoints(initial="flex", **{DESKTOP_FROM: "none"}),
        ),
        _sheet(),
    )
