"""Request dependencies: database session and the viewer from the session cookie."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from fastapi import Depends, Request
from sqlmodel import Session

from woms_app.core.config import get_settings
from woms_app.core.db import main_session
from woms_app.core.errors import NotAuthenticated
from woms_app.core.security import COOKIE_NAME
from woms_app.services import auth
from woms_app.services.viewer import Viewer


def db() -> Iterator[Session]:
    # main_session commits when the route returns and rolls back when it raises
    with main_session() as session:
        yield session


# scope="function": the exit code (the commit) runs when the route function returns, *before* the response is
# sent (FastAPI's default "request" scope commits after the client already has its 2xx). A failed commit reaches
# the exception handlers of api/app.py and answers an error instead of the success the route built.
DB = Depends(db, scope="function")


def current_viewer(request: Request, session: Session = DB) -> Viewer:
    viewer = auth.resolve(session, request.cookies.get(COOKIE_NAME))
    if viewer is None:
        raise NotAuthenticated("Not signed in or session expired")
    return viewer


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def client_address(request: Request) -> str:
    """The client's address: the TCP peer, or — only when the peer is a trusted proxy (WOMS_TRUSTED_PROXIES) — the
    nearest address in X-Forwarded-For that is not itself a trusted proxy. A header sent by anyone else is ignored,
    so a client cannot choose the address it is throttled under."""
    peer = request.client.host if request.client else ""
    networks = get_settings().trusted_proxy_networks
    peer_ip = _ip(peer)

    def trusted(addr) -> bool:
        return addr is not None and any(addr in n for n in networks)

    if not networks or not trusted(peer_ip):
        return peer
    hops = [h for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):  # appended by each proxy: the rightmost entries are the nearest
        addr = _ip(hop)
        if addr is None:
            return peer  # a garbled chain: throttle under the proxy's own address
        if not trusted(addr):
            return str(addr)
    return str(_ip(hops[0])) if hops else peer
