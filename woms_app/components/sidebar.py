"""DashboardSidebar: role-aware navigation, the signed-in user and Log out."""
from __future__ import annotations

import reflex as rx

from woms_app.components.theme import theme_toggle
from woms_app.pages import routes
from woms_app.state.base import AuthState

# (label, icon, path, roles that see it)
NAV = [
    ("Dashboard", "layout-dashboard", routes.DASHBOARD, ("SUPERADMIN", "GOVT", "ORG")),
    ("Plants", "sun", routes.PLANTS, ("SUPERADMIN", "GOVT", "ORG")),
    ("Work orders", "clipboard-list", routes.WORK_ORDERS, ("SUPERADMIN", "GOVT", "ORG")),
    ("Alerts", "bell", routes.ALERTS, ("SUPERADMIN", "GOVT", "ORG")),
    ("Vendors", "plug", routes.VENDORS, ("SUPERADMIN", "ORG")),
    ("Organizations", "building-2", routes.ADMIN_ORGS, ("SUPERADMIN",)),
    ("Accounts", "users", routes.ADMIN_ACCOUNTS, ("SUPERADMIN",)),
    ("Audit log", "scroll-text", routes.ADMIN_AUDIT, ("SUPERADMIN",)),
]


def _nav_item(label: str, icon: str, path: str) -> rx.Component:
    active = rx.State.router.page.path == path
    return rx.link(
        rx.hstack(rx.icon(icon, size=18), rx.text(label, size="3"), spacing="3", align="center",
                  padding_x="0.75rem", padding_y="0.5rem", border_radius="var(--radius-3)",
                  background=rx.cond(active, rx.color("accent", 4), "transparent"),
                  color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 12)),
                  _hover={"background": rx.color("accent", 3)}, width="100%"),
        href=path, underline="none", width="100%", data_testid=f"nav-{label.lower().replace(' ', '-')}",
    )


def dashboard_sidebar() -> rx.Component:
    items = []
    for label, icon, path, roles in NAV:
        item = _nav_item(label, icon, path)
        if len(roles) < 3:
            cond = AuthState.role == roles[0] if len(roles) == 1 else (AuthState.role == roles[0]) | (AuthState.role == roles[1])
            item = rx.cond(cond, item)
        items.append(item)
    # the column (background, border) stretches with the page; the navigation inside stays in view
    return rx.box(rx.vstack(
        rx.hstack(rx.icon("sun-medium", size=26, color=rx.color("amber", 9)),
                  rx.heading("WOMS", size="6"), align="center", spacing="2", padding_bottom="0.5rem"),
        rx.text("Solar work orders", size="1", color_scheme="gray", margin_top="-0.75rem"),
        rx.divider(),
        rx.vstack(*items, spacing="1", width="100%", data_testid="sidebar-nav"),
        rx.spacer(),
        rx.divider(),
        rx.vstack(
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
        ),
        width="100%", height="100vh", padding="1rem", spacing="3", position="sticky", top="0",
    ), width="15rem", min_width="15rem", flex_shrink="0", border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2), data_testid="sidebar")
