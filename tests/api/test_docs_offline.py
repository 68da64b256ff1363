"""/api/docs is served by WOMS itself: every asset the page loads is local and answers 200 (no CDN)."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from woms_app.api.app import create_api


def test_docs_page_loads_only_local_assets():
    with TestClient(create_api(), base_url="http://localhost:3000") as c:
        page = c.get("/api/docs")
        assert page.status_code == 200 and "swagger-ui" in page.text
        urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert len(urls) >= 4  # stylesheet, icon, bundle, initializer
        for url in urls:
            assert url.startswith("/api/docs"), f"not served by WOMS: {url}"
            r = c.get(url)
            assert r.status_code == 200 and len(r.content) > 50, url
        bundle = c.get("/api/docs/assets/swagger-ui-bundle.js")
        assert "SwaggerUIBundle" in bundle.text and bundle.headers["content-type"].startswith("text/javascript")
        init = c.get("/api/docs/init.js").text
        assert "/api/openapi.json" in init and "http" not in init  # the document is ours, fetched from here
        assert "<script>" not in page.text  # no inline script: the page works under the app's CSP
