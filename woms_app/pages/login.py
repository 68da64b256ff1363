"""/login"""
import reflex as rx

from woms_app import routes
from woms_app.components.theme import theme_toggle
from woms_app.state.login import LOGIN_JS, LoginState


@rx.page(route=routes.LOGIN, title="Sign in · WOMS")
def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(rx.icon("sun-medium", size=32, color=rx.color("amber", 9)), rx.heading("Sign in to WOMS", size="6", as_="h1", data_testid="login-title"),
                              rx.spacer(), theme_toggle(), align="center", width="100%"),
                    rx.text("Work orders and monitoring for solar fleets", size="2", color_scheme="gray"),
                    rx.text("Email", size="2", weight="medium"),
                    rx.input(id="login-email", name="email", type="email", placeholder="you@example.com",
                             auto_complete="username", required=True, size="3", width="100%", auto_focus=True),
                    rx.text("Password", size="2", weight="medium"),
                    rx.input(id="login-password", name="password", type="password", auto_complete="current-password",
                             required=True, size="3", width="100%"),
                    rx.cond(LoginState.error != "",
                            rx.callout(LoginState.error, icon="triangle-alert", color_scheme="red", role="alert",
                                       data_testid="login-error", width="100%")),
                    rx.button("Sign in", type="submit", size="3", width="100%", data_testid="login-submit"),
                    spacing="3", width="100%",
                ),
                on_submit=rx.call_script(LOGIN_JS, callback=LoginState.done),
                reset_on_submit=False,
            ),
            size="4", width="24rem", max_width="92vw",
        ),
        height="100vh", background=rx.color("gray", 2),
    )
