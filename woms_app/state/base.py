"""The base state: who is signed in, and which login session this tab's state belongs to.

The session cookie is HttpOnly: the browser's JavaScript never sees it. Reflex gives
handlers the Cookie header of the websocket handshake; every handler that touches
data resolves it through the session row (``_require_viewer``), so logout, expiry and
deactivation take effect at once. Identity is never trusted from client state.

Session lifecycle. Reflex keeps a tab's whole state tree on the server under the tab's client token (kept in
the browser's sessionStorage, sent in the websocket URL). That tree is bound to the ``auth_sessions`` row it was
built for (``AuthState._session_binding``, a backend-only var). ``SessionBinding``, an app middleware, runs before
every event, the connect-time hydrate included: when the cookie's live session is not the one the tree belongs
to (another login, logout, expiry, revocation, a deactivated account, or a token presented by someone else),
every substate is reset before anything is sent, and the tree is bound to the cookie's session. Logout also
revokes the session and resets the tree at once, and every way out (logout, sign-in, session ended) drops the
tab's token from sessionStorage before its full navigation, so the next page gets a new token.
"""
from __future__ import annotations

import asyncio
import functools
from http.cookies import SimpleCookie

import reflex as rx
from reflex.istate.delta import _resolve_delta
from reflex.middleware import Middleware
from reflex.state import State, StateUpdate
from reflex_base import constants
from reflex_base.event import Event
from reflex_base.utils.format import format_event_handler

from woms_app import routes
from woms_app.core.db import bind_db_context, main_session
from woms_app.core.errors import NotAuthenticated
from woms_app.core.security import COOKIE_NAME
from woms_app.services import auth
from woms_app.services.viewer import Viewer
from woms_app.state.live_links import links

# Reflex's sessionStorage key for the tab's client token (reflex_base/.templates/web/utils/state.js, TOKEN_KEY):
# without it, the next page load generates a new token.
TOKEN_STORAGE_KEY = "token"
FORGET_TOKEN_JS = f"window.sessionStorage.removeItem('{TOKEN_STORAGE_KEY}');"

UNBOUND = ""  # a tree nobody has bound yet (new, or its AuthState came back empty from Redis)
ANONYMOUS = "anonymous"  # bound to "no session"
ENDED = "ended"  # after logout: matches nothing, so any later use of this token starts from an empty tree


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
    """A full navigation with a new client token (the new socket handshake picks up the cleared cookie)."""
    return rx.call_script(f"{FORGET_TOKEN_JS} window.location.assign('{routes.LOGIN}')")


def reload_with_new_token() -> rx.event.EventSpec:
    return rx.call_script(f"{FORGET_TOKEN_JS} window.location.reload()")


class AuthState(rx.State):
    """Display-only identity fields; the truth is resolved from the cookie each time."""

    signed_in: bool = False
    user_email: str = ""
    user_name: str = ""
    role: str = ""
    org_name: str = ""
    can_write: bool = False
    is_manager: bool = False  # SUPERADMIN or an organization's manager (technicians: False)
    org_role: str = ""
    # which auth_sessions row this tab's tree belongs to (UNBOUND, ANONYMOUS, ENDED or the row id); never sent
    _session_binding: str = UNBOUND

    def _session_token(self) -> str | None:
        return _cookie_token(self.router.headers.cookie)

    def _current_viewer(self) -> Viewer | None:
        with main_session() as session:
            return auth.resolve(session, self._session_token())

    def _require_viewer(self) -> Viewer:
        """The signed-in viewer, or NotAuthenticated (the app sends the browser to /login)."""
        viewer = self._current_viewer()
        if viewer is None:
            self.signed_in = False
            raise NotAuthenticated("Your session has ended. Please sign in again.")
        self._show_identity(viewer)
        # the rest of this handler's database sessions act for the viewer (PostgreSQL row-level security)
        bind_db_context(viewer.db_context)
        return viewer

    async def _require_viewer_async(self) -> Viewer:
        """``_require_viewer`` for async handlers: the session lookup runs in a worker thread (async handlers never
        run database work on the event loop; their other database work goes through ``asyncio.to_thread`` too),
        and the viewer's database context is bound in the handler's own context as well."""
        viewer = await asyncio.to_thread(self._require_viewer)
        bind_db_context(viewer.db_context)
        return viewer

    def _show_identity(self, viewer: Viewer) -> None:
        self.signed_in = True
        self.user_email = viewer.email
        self.user_name = viewer.full_name or viewer.email
        self.role = viewer.role.value
        self.org_name = viewer.org_name
        self.can_write = viewer.can_write
        self.is_manager = viewer.is_manager
        self.org_role = viewer.org_role.value if viewer.org_role else ""

    def _forget(self) -> None:
        self.signed_in = False
        self.user_email = self.user_name = self.role = self.org_name = ""
        self.can_write = self.is_manager = False
        self.org_role = ""

    @rx.event
    def guard(self):
        """``on_load`` of every page but /login."""
        viewer = self._current_viewer()
        if viewer is None:
            self._forget()
            return rx.redirect(routes.LOGIN)
        self._show_identity(viewer)

    @rx.event
    async def logout(self):
        """Revoke the session, reset every substate of this tab on the server, then (over HTTP) clear the
        cookie and reload at /login with a new client token."""
        await asyncio.to_thread(self._end_session)
        await discard_tab_state(self, ENDED)
        return rx.call_script(
            "fetch('/api/logout', {method: 'POST', credentials: 'same-origin'})"
            f".finally(() => {{ {FORGET_TOKEN_JS} window.location.assign('{routes.LOGIN}'); }})"
        )

    def _end_session(self) -> None:
        with main_session() as session:
            auth.logout(session, self._session_token())

    @rx.var
    def is_superadmin(self) -> bool:
        return self.role == "SUPERADMIN"

    @rx.var
    def is_govt(self) -> bool:
        return self.role == "GOVT"

    @rx.var
    def role_label(self) -> str:
        return {"SUPERADMIN": "Super admin", "GOVT": "Government (read-only)", "ORG": "Organization"}.get(self.role, "")


# ---------------------------------------------------------------- the tab's state belongs to one login session
@functools.cache
def _all_state_classes() -> tuple[type[rx.State], ...]:
    out, todo = [], [State]
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.get_substates())
    return tuple(out)


@functools.cache
def _hydrate_events() -> frozenset[str]:
    return frozenset(format_event_handler(State.event_handlers[name])
                     for name in (constants.CompileVars.HYDRATE, constants.CompileVars.HYDRATE_AND_LOAD))


async def discard_tab_state(state: rx.State, binding: str) -> None:
    """Reset every substate of this tab's tree (those not loaded yet too: Redis loads a tree in parts) and bind
    it to ``binding``. The caller holds the tab's state lock (an event handler or the middleware)."""
    root = state._get_root_state()
    for cls in _all_state_classes():
        await root.get_state(cls)
    root.reset()
    (await root.get_state(AuthState))._session_binding = binding
    await links().forget(root.router.session.client_token)


class SessionBinding(Middleware):
    """Before every event: the tab's tree belongs to the cookie's live session, or it is reset first.

    The check runs under the tab's state lock, before Reflex sends anything (the connect-time hydrate sends the
    whole tree). After a reset, a hydrate goes on and sends the empty tree; any other event is dropped, and the
    browser gets the empty tree and a full navigation with a new token (to /login when no session is left).
    """

    async def preprocess(self, app, state, event):
        root = state._get_root_state()
        tab = await root.get_state(AuthState)
        # on the event loop, unlike handlers' database work: one indexed lookup that must come before anything the
        # event does; in the worker pool it would wait behind the re-queries of every page after a live push
        with main_session() as session:
            current = auth.live_session_id(session, _cookie_token(tab.router.headers.cookie)) or ANONYMOUS
        bound = tab._session_binding
        if bound == current:
            return None
        await discard_tab_state(root, current)
        if bound == UNBOUND or event.name in _hydrate_events():
            return None  # nothing was shown on this socket yet: the event runs on the empty tree
        delta = await _resolve_delta(root.dict())
        root._clean()
        leave = go_to_login() if current == ANONYMOUS else reload_with_new_token()
        return StateUpdate(delta=delta, events=Event.from_event_type([leave]))
