"""The REST API (FastAPI), mounted in front of the Reflex ASGI app."""
from __future__ import annotations

import logging

import sqlalchemy.exc as sa_exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware

from woms_app.api.routes import all_routers
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


class GuardMiddleware(BaseHTTPMiddleware):
    """Security headers on every response; refuse state-changing requests from foreign origins."""

    async def dispatch(self, request: Request, call_next):
        if request.method in UNSAFE_METHODS and request.url.path.startswith("/api/"):
            origin = request.headers.get("origin")
            if origin and origin.rstrip("/") not in get_settings().origins:
                response = JSONResponse({"detail": "Cross-origin request refused"}, status_code=403)
                response.headers.update(SECURITY_HEADERS)
                return response
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
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


def _data_error_response(_req: Request, exc: Exception) -> JSONResponse:
    """Input PostgreSQL cannot store (SQLite accepts it) is bad input, not a server error."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "22003":  # numeric_value_out_of_range
        return JSONResponse({"detail": "A number in the request is out of range"}, status_code=422)
    if "NUL (0x00)" in str(orig):  # psycopg refuses NUL characters in text parameters
        return JSONResponse({"detail": "Text in the request contains a NUL character"}, status_code=422)
    raise exc


def create_api() -> FastAPI:
    api = FastAPI(
        title="WOMS API",
        version="1.0",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    api.add_exception_handler(WomsError, lambda _req, exc: _error_response(exc))
    api.add_exception_handler(RequestValidationError, lambda _req, exc: _validation_response(exc))
    # a number beyond what the database stores (e.g. an id of 2**70) is bad input, not a server error
    api.add_exception_handler(OverflowError, lambda _req, exc: JSONResponse(
        {"detail": "A number in the request is out of range"}, status_code=422))
    # the same on PostgreSQL, whose INTEGER columns stop at 2**31 - 1 (SQLite's at 2**63 - 1)
    api.add_exception_handler(sa_exc.DataError, _data_error_response)
    for router in all_routers():
        api.include_router(router, prefix="/api")
    api.add_middleware(GuardMiddleware)
    return api


def mount_reflex(reflex_asgi):
    """``rx.App(api_transformer=...)``: the API in front, Reflex mounted behind it."""
    api = create_api()
    api.mount("", reflex_asgi)
    return api
