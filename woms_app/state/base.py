"""The base state: who is signed in.

The session cookie is HttpOnly: the browser's JavaScript never sees it. Reflex gives
handlers the Cookie header of the websocket handshake; every handler that touches
data resolves it through the session row (``require_viewer``), so logout, expiry and
deactivation take effect at once. Identity is never trusted from client state.
"""
from __future__ import annotations

from http.cookies import SimpleCookie

import reflex as rx

from woms_app.api.deps import COOKIE_NAME
from woms_app.core.db import bind_db_context, main_session
from woms_app.core.errors import NotAuthenticated
from woms_app.pages import routes
from woms_app.services import auth
from woms_app.services.viewer import Viewer


def _cookie_token(cookie_header: str) -> str | None:
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # malformed header: no session
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel else None


def go_to_login() -> rx.event.EventSpec:
    """A full navigation (a new socket handshake picks up the cleared cookie)."""
    return rx.call_script(f"window.location.assign('{routes.LOGIN}')")


class AuthState(rx.State):
    """Display-only identity fields; the truth is resolved from the cookie each time."""

    signed_in: bool = False
    user_email: str = ""
    user_name: str = ""
    role: str = ""
    org_name: str = ""
    can_write: bool = False

    def _session_token(self) -> str | None:
        return _cookie_token(self.router.headers.cookie)

    def current_viewer(self) -> Viewer | None:
        with main_session() as session:
            return auth.resolve(session, self._session_token())

    def require_viewer(self) -> Viewer:
        """The signed-in viewer, or NotAuthenticated (the app sends the browser to /login)."""
        viewer = self.current_viewer()
        if viewer is None:
            self.signed_in = False
            raise NotAuthenticated("Your session has ended. Please sign in again.")
        self._show_identity(viewer)
        # the rest of this handler's database sessions act for the viewer (PostgreSQL row-level security)
        bind_db_context(viewer.db_context)
        return viewer

    def _show_identity(self, viewer: Viewer) -> None:
        self.signed_in = True
        self.user_email = viewer.email
        self.user_name = viewer.full_name or viewer.email
        self.role = viewer.role.value
        self.org_name = viewer.org_name
        self.can_write = viewer.can_write

    def _forget(self) -> None:
        self.signed_in = False
        self.user_email = self.user_name = self.role = self.org_name = ""
        self.can_write = False

    @rx.event
    def guard(self):
        """``on_load`` of every page but /login."""
        viewer = self.current_viewer()
        if viewer is None:
            self._forget()
            return rx.redirect(routes.LOGIN)
        self._show_identity(viewer)

    @rx.event
    def logout(self):
        """Forget everything this tab holds, revoke the session over HTTP, then reload at /login."""
        self._forget()
        return rx.call_script(
            "fetch('/api/logout', {method: 'POST', credentials: 'same-origin'})"
            f".finally(() => window.location.assign('{routes.LOGIN}'))"
        )

    @rx.var
    def is_superadmin(self) -> bool:
        return self.role == "SUPERADMIN"

    @rx.var
    def is_govt(self) -> bool:
        return self.role == "GOVT"

    @rx.var
    def role_label(self) -> str:
        return {"SUPERADMIN": "Super admin", "GOVT": "Government (read-only)", "ORG": "Organization"}.get(self.role, "")
