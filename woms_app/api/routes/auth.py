"""POST /api/login, POST /api/logout, GET /api/me."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from woms_app.api.deps import COOKIE_NAME, DB, client_address, current_viewer
from woms_app.core.config import get_settings
from woms_app.services import auth
from woms_app.services.viewer import Viewer

router = APIRouter(tags=["auth"])


class LoginBody(BaseModel):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class MeOut(BaseModel):
    id: int | None
    email: str
    full_name: str
    role: str
    org_id: int | None
    org_name: str
    can_write: bool
    org_role: str | None = None  # ORG accounts: manager | technician
    is_manager: bool = False


def me_out(viewer: Viewer) -> MeOut:
    return MeOut(id=viewer.account_id, email=viewer.email, full_name=viewer.full_name, role=viewer.role.value,
                 org_id=viewer.org_id, org_name=viewer.org_name, can_write=viewer.can_write,
                 org_role=viewer.org_role.value if viewer.org_role else None, is_manager=viewer.is_manager)


def _clear_cookie(response: Response) -> None:
    settings = get_settings()
    response.delete_cookie(COOKIE_NAME, path="/", secure=settings.secure_cookies, httponly=True, samesite="lax")


@router.post("/login", response_model=MeOut)
def login(body: LoginBody, request: Request, response: Response, session: Session = DB) -> MeOut:
    """Sign in. Sets an HttpOnly session cookie. Runs in a worker thread (bcrypt)."""
    result = auth.login(session, body.email, body.password, request.headers.get("user-agent", ""),
                        ip=client_address(request))
    settings = get_settings()
    response.set_cookie(
        COOKIE_NAME,
        result.token,
        max_age=settings.session_ttl_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return me_out(result.viewer)


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, session: Session = DB) -> Response:
    auth.logout(session, request.cookies.get(COOKIE_NAME))
    out = Response(status_code=204)
    _clear_cookie(out)
    return out


@router.get("/me", response_model=MeOut)
def me(viewer: Viewer = Depends(current_viewer)) -> MeOut:
    return me_out(viewer)
