"""Reflex configuration. Reads nothing but the environment (through woms_app.core.config)."""
import reflex as rx

from woms_app.core.config import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="woms_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=_settings.port,
    backend_port=_settings.port,
    backend_host=_settings.host,
    # CORS and the websocket's Origin check accept only the configured origin(s)
    cors_allowed_origins=_settings.origins,
    redis_url=_settings.redis_url or None,
    # One process without Redis: states in memory. Reflex's default (disk) pickles every modified state to a
    # file, for every linked client a live push touches: 11 % of the worker's CPU in bench P4, 100 sessions.
    state_manager_mode=(rx.constants.StateManagerMode.REDIS if _settings.redis_url
                        else rx.constants.StateManagerMode.MEMORY),
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="inherit", accent_color="amber", gray_color="slate", radius="medium")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
