"""ThemeToggle: dark/light switch (remembered by the browser)."""
import reflex as rx


def theme_toggle() -> rx.Component:
    return rx.color_mode.button(variant="soft", color_scheme="gray", data_testid="theme-toggle")
