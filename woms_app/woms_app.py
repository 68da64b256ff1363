"""Assembles the WOMS app: pages, the REST API in front, lifespan tasks."""
import logging

import reflex as rx

from woms_app.api.app import mount_reflex
from woms_app.components.metrics import AGE_SCRIPT_SRC
from woms_app.components.plant_selector import KEYS_SCRIPT_SRC
from woms_app.core.config import get_settings
from woms_app.core.errors import NotAuthenticated, WomsError
from woms_app.pages import load_all as load_pages
from woms_app.scheduler.runner import scheduler_lifespan
from woms_app.state.base import SessionBinding
from woms_app.state.live import live_feed_lifespan

log = logging.getLogger("woms")


def handle_backend_exception(exception: Exception):
    """Expected errors become a toast with their message; a lost session goes to /login."""
    from woms_app.state.base import go_to_login

    exc = exception
    if isinstance(exc, NotAuthenticated):
        return go_to_login()
    if isinstance(exc, WomsError):
        return rx.toast.error(exc.message, id="woms-error")
    log.exception("unexpected error in an event handler", exc_info=exc)
    return rx.toast.error("Something went wrong. The error was logged.", id="woms-error")


load_pages()
get_settings()  # refuse to start with a bad configuration (e.g. the placeholder secret outside demo)

app = rx.App(
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
                     # a page opened at an address WOMS does not serve says which one to open (api/origin.py)
                     rx.el.script(src="/api/origin.js"),
                     # "updated N min ago" of live figures (assets/age.js, components/metrics.py)
                     rx.el.script(src=AGE_SCRIPT_SRC),
                     rx.el.script(src=KEYS_SCRIPT_SRC)],  # the plant selector's arrow keys
    toaster=rx.toast.provider(position="top-center", close_button=True),  # every toast in one place
    api_transformer=mount_reflex,
    backend_exception_handler=handle_backend_exception,
)
# first of all middlewares: a tab's state tree belongs to one login session (state/base.py)
app.add_middleware(SessionBinding(), index=0)
app.register_lifespan_task(live_feed_lifespan)  # change feed → live channels (state/live.py)
app.register_lifespan_task(scheduler_lifespan)  # sync / retention jobs, one leader (scheduler/runner.py)
