"""Request dependencies: database session and the viewer from the session cookie."""
from __future__ import annotations

from typing import Iterator

from fastapi import Depends, Request
from sqlmodel import Session

from woms_app.core.db import main_session
from woms_app.core.errors import NotAuthenticated
from woms_app.services import auth
from woms_app.services.viewer import Viewer

COOKIE_NAME = "woms_session"


def db() -> Iterator[Session]:
    with main_session() as session:
        yield session


def current_viewer(request: Request, session: Session = Depends(db)) -> Viewer:
    viewer = auth.resolve(session, request.cookies.get(COOKIE_NAME))
    if viewer is None:
        raise NotAuthenticated("Not signed in or session expired")
    return viewer
