"""Every response carries the Content-Security-Policy; HSTS only when the session cookie is Secure (HTTPS)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from woms_app.api.app import create_api
from woms_app.core.config import reset_settings


def _headers(path="/api/docs"):
    with TestClient(create_api(), base_url="http://localhost:3000") as c:
        return c.get(path).headers


def test_csp_on_every_response():
    for path in ("/api/docs", "/api/openapi.json", "/api/me", "/api/docs/assets/swagger-ui.css"):
        csp = _headers(path)["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]


@pytest.mark.parametrize("env,hsts", [({"WOMS_DEMO": "true"}, False),
                                      ({"WOMS_DEMO": "true", "WOMS_COOKIE_SECURE": "true"}, True),
                                      ({"WOMS_DEMO": "false"}, True),
                                      ({"WOMS_DEMO": "false", "WOMS_COOKIE_SECURE": "false"}, False)])
def test_hsts_when_cookies_are_secure(monkeypatch, env, hsts):
    monkeypatch.setenv("WOMS_SECRET_KEY", "a-production-secret-of-32-bytes-or-more")
    monkeypatch.setenv("WOMS_CREDENTIALS_KEY", "UlW8vWnVVk3-0Vvs-pgXPEfd61yLiJPU6VrtsX9DMR8=")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    reset_settings()
    try:
        value = _headers().get("strict-transport-security")
        assert (value == "max-age=31536000; includeSubDomains") if hsts else value is None
    finally:
        monkeypatch.undo()
        reset_settings()


def test_an_html_page_policy_lists_exactly_its_inline_scripts():
    import base64
    import gzip
    import hashlib

    from woms_app.api.csp import policy_for_html

    html = b'<html><head><script>window.a = 1;</script><script src="/x.js"></script></head>' \
           b'<body><script type="module">import "/m.js";</script></body></html>'
    expected = [base64.b64encode(hashlib.sha256(s).digest()).decode() for s in
                (b"window.a = 1;", b'import "/m.js";')]
    for body, enc in ((html, ""), (gzip.compress(html), "gzip")):
        script_src = policy_for_html(body, enc).split("script-src", 1)[1].split(";", 1)[0]
        assert script_src.split() == ["'self'", "'unsafe-eval'"] + [f"'sha256-{h}'" for h in expected]
