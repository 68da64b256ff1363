"""/api/docs: Swagger UI served by WOMS itself, so the API's documentation works with no internet.

The assets (Swagger UI 5's bundle and stylesheet) come from the pinned ``fastapi-offline`` package, which ships
them inside its wheel; only its static folder is used. The page and its initializer are ours: no inline script,
so the docs page lives under the same Content-Security-Policy as the rest of the app (api/app.py).
"""
from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

DOCS_URL = "/api/docs"
ASSETS_URL = "/api/docs/assets"
OPENAPI_URL = "/api/openapi.json"

_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>WOMS API</title>
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
<link rel="icon" href="{ASSETS_URL}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{DOCS_URL}/init.js"></script>
</body>
</html>
"""

_INIT = f"""window.ui = SwaggerUIBundle({{
  url: "{OPENAPI_URL}",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
}});
"""


def static_dir() -> str:
    return str(files("fastapi_offline") / "static")


def install_docs(api: FastAPI) -> None:
    """Serve the docs page, its initializer and Swagger UI's assets (FastAPI's own docs_url stays off)."""
    api.mount(ASSETS_URL, StaticFiles(directory=static_dir()), name="docs-assets")

    @api.get(DOCS_URL, include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return HTMLResponse(_PAGE)

    @api.get(f"{DOCS_URL}/init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(_INIT, media_type="text/javascript")
