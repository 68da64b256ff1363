"""The REST API (FastAPI), mounted in front of the Reflex ASGI app."""
from __future__ import annotations

import logging
from pathlib import Path

import anyio
import sqlalchemy.exc as sa_exc
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.middleware.base import BaseHTTPMiddleware

from woms_app.api.csp import CONTENT_SECURITY_POLICY, policy_for_html
from woms_app.api.docs import OPENAPI_URL, install_docs
from woms_app.api.origin import install_origin_check
from woms_app.api.routes import all_routers
from woms_app.api.upload_limit import UploadBodyLimit
from woms_app.core.config import get_settings
from woms_app.core.errors import TooManyAttempts, WomsError

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

HSTS = "max-age=31536000; includeSubDomains"


def security_headers() -> dict[str, str]:
    """The headers of every response; HSTS only when the session cookie is Secure (the site is served on HTTPS)."""
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY}
    if get_settings().secure_cookies:
        headers["Strict-Transport-Security"] = HSTS
    return headers


async def _read_body(response) -> bytes:
    """The whole body of a (small, HTML) response from ``call_next``."""
    parts = []
    async for chunk in response.body_iterator:
        if isinstance(chunk, dict):  # http.response.pathsend (granian): the file the server would have sent
            parts.append(await anyio.to_thread.run_sync(Path(chunk["path"]).read_bytes))
        else:
            parts.append(chunk)
    return b"".join(parts)


class GuardMiddleware(BaseHTTPMiddleware):
    """Security headers on every response; refuse state-changing requests from foreign origins."""

    async def dispatch(self, request: Request, call_next):
        if request.method in UNSAFE_METHODS and request.url.path.startswith("/api/"):
            origin = request.headers.get("origin")
            settings = get_settings()
            if origin and origin.rstrip("/") not in settings.origins:
                home = (settings.configured_origins or settings.origins)[0]
                response = JSONResponse({"detail": f"Cross-origin request refused: open WOMS at {home}",
                                         "field": "origin"}, status_code=403)
                response.headers.update(security_headers())
                return response
        response = await call_next(request)
        headers = security_headers()
        if response.status_code == 304:
            # the cached page keeps the policy (with its script hashes) it was stored with
            headers.pop("Content-Security-Policy")
        elif response.headers.get("content-type", "").startswith("text/html") and \
                "content-security-policy" not in response.headers:
            body = await _read_body(response)
            headers["Content-Security-Policy"] = policy_for_html(body, response.headers.get("content-encoding", ""))
            buffered = Response(content=body, status_code=response.status_code)
            buffered.raw_headers = response.raw_headers
            response = buffered
        for k, v in headers.items():
            response.headers.setdefault(k, v)
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _error_response(exc: WomsError) -> JSONResponse:
    body = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    reasons = []
    for e in errors:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
        reasons.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
    return JSONResponse({"detail": "; ".join(reasons) or "Invalid request",
                         "errors": [{"loc": e.get("loc"), "msg": e.get("msg")} for e in errors]}, status_code=422)


def _data_error_response(req: Request, exc: Exception) -> JSONResponse:
    """Input PostgreSQL cannot store (SQLite accepts it) is bad input, not a server error."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "22003":  # numeric_value_out_of_range
        return JSONResponse({"detail": "A number in the request is out of range"}, status_code=422)
    if "NUL (0x00)" in str(orig):  # psycopg refuses NUL characters in text parameters
        return JSONResponse({"detail": "Text in the request contains a NUL character"}, status_code=422)
    return _database_error_response(req, exc)


def _is_unique_violation(exc: Exception) -> bool:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


def _database_error_response(req: Request, exc: Exception) -> JSONResponse:
    """The database refused the request's transaction (often at its commit, which runs before the response is
    sent: api/deps.DB). The session rolled back, so nothing of the request was written; the answer says so.
    A unique violation is a conflict with a concurrent change (409); anything else is a server error (500)."""
    if isinstance(exc, sa_exc.IntegrityError) and _is_unique_violation(exc):
        return JSONResponse({"detail": "The change conflicts with another change made at the same time; "
                                       "nothing was saved. Reload and try again."}, status_code=409)
    log.error("database error on %s %s: %s", req.method, req.url.path, type(exc).__name__)
    return JSONResponse({"detail": "The database could not complete the request; nothing was saved. "
                                   "Try again."}, status_code=500)


# ---------------------------------------------------------------- the error answers, as the OpenAPI document names them

class ErrorOut(BaseModel):
    """Every 4xx/5xx answer of /api (core/errors.WomsError and the handlers above)."""

    detail: str
    field: str | None = None


class ValidationErrorItem(BaseModel):
    loc: list[str | int]
    msg: str


class ValidationErrorOut(ErrorOut):
    """A 422: ``detail`` says why in one line; request validation adds the failing ``errors``."""

    errors: list[ValidationErrorItem] | None = None


_ERRORS = {
    401: "Not signed in, session expired or revoked (login: wrong email or password)",
    403: "Not allowed: a read-only (GOVT) account writing, a cross-origin write, or a deactivated account",
    404: "Unknown id, or one outside your organization",
    409: "Conflicts with the current state (e.g. a plant already on an active work order, a status move not "
         "allowed, a sync already running)",
    422: "Invalid input; `detail` says which field and why",
    429: "Too many failed logins for this email from this address; retry after `Retry-After` seconds",
}
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _declared_errors(route: APIRoute) -> dict[int, dict]:
    """The error statuses a route can answer, with their bodies (kept true by tests/security/test_api_fuzz.py)."""
    methods = route.methods or set()
    auth_route = route.path in ("/login", "/logout")
    codes = {403, 404, 422}  # 403: the origin guard and GOVT; 404: ids (also in filters); 422: bad input
    if not auth_route:
        codes.add(401)
    if methods & _UNSAFE and not auth_route:
        codes.add(409)
    if route.path == "/login":
        codes = {401, 403, 422, 429}
    if route.path == "/logout":
        codes = set()
    return {c: {"model": ValidationErrorOut if c == 422 else ErrorOut, "description": _ERRORS[c]}
            for c in sorted(codes)}


def _include(api: FastAPI, router: APIRouter) -> None:
    """Mount ``router`` at /api, each route with the error answers it can give declared in the document."""
    for route in router.routes:
        one = APIRouter(tags=router.tags)  # route.path already carries router.prefix
        one.routes.append(route)
        responses = _declared_errors(route) if isinstance(route, APIRoute) else {}
        api.include_router(one, prefix="/api", responses=responses)


def create_api() -> FastAPI:
    api = FastAPI(
        title="WOMS API",
        version="1.0",
        docs_url=None,  # api/docs.py serves Swagger UI from the app itself (no CDN)
        openapi_url=OPENAPI_URL,
        redoc_url=None,
    )
    install_docs(api)
    install_origin_check(api)
    api.add_exception_handler(WomsError, lambda _req, exc: _error_response(exc))
    api.add_exception_handler(RequestValidationError, lambda _req, exc: _validation_response(exc))
    # a number beyond what the database stores (e.g. an id of 2**70) is bad input, not a server error
    api.add_exception_handler(OverflowError, lambda _req, exc: JSONResponse(
        {"detail": "A number in the request is out of range"}, status_code=422))
    # the same on PostgreSQL, whose INTEGER columns stop at 2**31 - 1 (SQLite's at 2**63 - 1)
    api.add_exception_handler(sa_exc.DataError, _data_error_response)
    # any other database failure (including a failed commit): a JSON answer, never a success
    api.add_exception_handler(sa_exc.SQLAlchemyError, _database_error_response)
    for router in all_routers():
        _include(api, router)
    api.add_middleware(GuardMiddleware)
    api.add_middleware(UploadBodyLimit)  # Reflex's /_upload (rx.upload), mounted behind the API
    return api


def mount_reflex(reflex_asgi):
    """``rx.App(api_transformer=...)``: the API in front, Reflex mounted behind it."""
    api = create_api()
    api.mount("", reflex_asgi)
    return api
