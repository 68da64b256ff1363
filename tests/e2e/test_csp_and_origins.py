"""In Chromium, against the production server of tests/e2e: the Content-Security-Policy breaks nothing (no violation
on any page, for any role), the demo app works when opened at 127.0.0.1 (the address Reflex prints), a page opened
at an address WOMS does not serve says which one to open, and /api/docs renders with every external request
blocked (Swagger UI is served by WOMS itself)."""
from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_every_page import ADMIN_PAGES, PAGES, ROLES, _settle, plants  # noqa: F401  (fixture)

# every violation the page reports (the event fires for enforced policies; console lines are a second witness)
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def _port(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_every_page_for_every_role_runs_under_the_csp(browser, server, plants):  # noqa: F811
    csp = httpx.get(f"{server.url}/login/").headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "'sha256-" in csp and "frame-ancestors 'none'" in csp, csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    violations: list[str] = []
    visited = 0
    for role, email in ROLES.items():
        ctx = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=server.url)
        ctx.set_default_timeout(15_000)
        ctx.add_init_script(CSP_LISTENER)
        page = ctx.new_page()
        page.on("console", lambda m, r=role: violations.append(f"{r} console: {m.text}")
                if "Content Security Policy" in m.text else None)

        def collect(where: str) -> None:
            violations.extend(f"{role} {where}: {v}" for v in page.evaluate("window.__csp || []"))  # noqa: B023

        page.goto("/login/")
        page.wait_for_selector("[data-testid=login-submit]")
        collect("/login/")
        sign_in(page, email)
        for path, _nav, title in PAGES + (ADMIN_PAGES if role == "admin" else []):
            page.goto(path)  # a full load each: every page's own scripts and styles run under the policy
            _settle(page, title)
            collect(path)
            visited += 1
        plant_id = plants["helios" if role == "helios" else "sunrise"]
        page.goto(f"/plants/{plant_id}/")
        _settle(page, "Plant")
        page.wait_for_timeout(500)  # the charts draw
        collect("plant page")
        visited += 1
        ctx.close()
    print(f"\nCSP: {visited} pages visited, {len(violations)} violations")
    assert visited == 4 * (len(PAGES) + 1) + len(ADMIN_PAGES)
    assert not violations, "\n".join(sorted(set(violations))[:20])


def test_the_demo_app_opened_at_127_0_0_1_signs_in(browser, server):
    url = f"http://127.0.0.1:{_port(server)}"
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=url)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    try:
        sign_in(page, ROLES["sunrise"])
        expect(page.get_by_test_id("page-title")).to_have_text("Dashboard")
        assert page.url.startswith(url)
        expect(page.locator("#woms-wrong-origin")).to_have_count(0)
        screenshot(page, "origin-127-dashboard")
    finally:
        ctx.close()


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)])
def test_a_page_opened_at_an_unserved_address_says_which_to_open(browser, server, viewport):
    """The address bar says http://woms.test:PORT (a name the demo does not serve); Chromium reaches the server
    through a route, as through a proxy or a DNS alias. The websocket is refused there, so the page must say
    where WOMS lives instead of showing a form that does nothing."""
    port = _port(server)
    alias = f"http://woms.test:{port}"
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    ctx.set_default_timeout(15_000)
    ctx.route(f"{alias}/**", lambda route: route.fulfill(
        response=route.fetch(url=route.request.url.replace(alias, server.url))))
    page = ctx.new_page()
    try:
        page.goto(f"{alias}/login/")
        notice = page.locator("#woms-wrong-origin")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(f"Open WOMS at {server.url}")
        expect(notice.get_by_role("link")).to_have_attribute("href", f"{server.url}/login/")
        screenshot(page, f"origin-refused-{viewport[0]}")
    finally:
        ctx.close()


def test_api_docs_render_with_external_requests_blocked(browser, server):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=server.url)
    ctx.set_default_timeout(15_000)
    external: list[str] = []

    def only_local(route):
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    ctx.route("**/*", only_local)
    ctx.add_init_script(CSP_LISTENER)
    page = ctx.new_page()
    try:
        page.goto("/api/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("WOMS API")
        expect(page.locator(".opblock").first).to_be_visible()
        assert page.locator(".opblock").count() >= 20
        assert page.evaluate("window.__csp") == []
        screenshot(page, "api-docs-offline")
    finally:
        ctx.close()
    assert not external, f"the docs page asked the internet for {external}"
