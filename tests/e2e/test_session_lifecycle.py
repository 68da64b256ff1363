"""The session lifecycle in Chromium against the production server: every way through the login boundary
gives the tab a new client token, and what the next user's page receives over the websocket (every frame,
read whole) holds nothing of the previous user's, even when the tab keeps its old token."""
from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from tests.e2e.conftest import screenshot, sign_in
from woms_app.core.db import make_engine
from woms_app.models import Account, Organization, WorkOrder

MARK = "SUNRISE-E2E-MARK"
A, B = "ops@sunrise.demo.woms", "ops@helios.demo.woms"


@pytest.fixture(scope="module")
def sunrise_rows(server):
    """A work order of Sunrise whose title no other page shows (no plant: other modules count plants)."""
    engine = make_engine(server.main_url)
    with Session(engine) as s:
        org = s.exec(select(Organization).where(Organization.name == "Sunrise Energy")).one()
        if s.exec(select(WorkOrder).where(WorkOrder.title == f"{MARK} work order")).first() is None:
            acct = s.exec(select(Account).where(Account.email == A)).one()
            s.add(WorkOrder(org_id=org.id, title=f"{MARK} work order", created_by=acct.id))
            s.commit()
    engine.dispose()
    return [MARK, "Sunrise Energy", A]


def _frames(page) -> list[str]:
    received: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(
        payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))))
    return received


def _token(page) -> str:
    return page.evaluate("window.sessionStorage.getItem('token')")


def _work_as_a(page):
    sign_in(page, A)
    page.goto("/plants/")
    page.wait_for_selector("[data-testid=page-title]")
    page.goto("/work-orders/")
    page.wait_for_selector(f"text={MARK}", timeout=15_000)


def test_login_and_logout_each_give_the_tab_a_new_token_and_the_next_user_sees_nothing(new_page, sunrise_rows):
    page = new_page()
    page.goto("/login/")
    page.wait_for_function("window.sessionStorage.getItem('token') !== null")
    anonymous = _token(page)
    frames_a = _frames(page)
    _work_as_a(page)
    token_a = _token(page)
    assert token_a and token_a != anonymous  # signing in left the login page's token behind
    assert any(MARK in f for f in frames_a)  # positive control: A's rows did come over the websocket
    page.click("[data-testid=logout]")
    page.wait_for_url(re.compile(r"/login/?$"))
    page.wait_for_function(f"window.sessionStorage.getItem('token') !== null "
                           f"&& window.sessionStorage.getItem('token') !== '{token_a}'")
    token_out = _token(page)
    frames_b = _frames(page)
    sign_in(page, B)
    page.goto("/work-orders/")
    page.wait_for_selector("[data-testid=page-title]")
    page.wait_for_timeout(1000)
    assert len({anonymous, token_a, token_out, _token(page)}) == 4
    text = "\n".join(frames_b)
    assert frames_b and not [m for m in sunrise_rows if m in text]
    screenshot(page, "session-b-after-a-logout")


def test_a_tab_that_keeps_its_old_token_gets_an_empty_state(browser, server, sunrise_rows):
    """A tab whose token survives the logout (forced back into sessionStorage before every page load, as an old
    frontend or someone who learned the token would): the server discards A's tree before sending anything."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=server.url)
    ctx.set_default_timeout(15_000)
    try:
        page = ctx.new_page()
        _work_as_a(page)
        token_a = _token(page)
        page.click("[data-testid=logout]")
        page.wait_for_url(re.compile(r"/login/?$"))
        ctx.add_init_script(f"window.sessionStorage.setItem('token', '{token_a}')")
        frames = _frames(page)
        page.goto("/login/")
        page.wait_for_selector("[data-testid=login-submit]")
        sign_in(page, B)
        page.goto("/work-orders/")
        page.wait_for_selector("[data-testid=page-title]")
        page.wait_for_timeout(1000)
        assert _token(page) == token_a  # the old token really was used again
        text = "\n".join(frames)
        assert len(frames) > 5 and "Helios" in text  # B's own data came
        assert not [m for m in sunrise_rows if m in text], "A's data reached B on A's old token"
    finally:
        ctx.close()


def test_a_vendor_secret_typed_in_the_browser_never_comes_back(new_page, server):
    secret = "E2E-typed-secret-41d7"
    page = new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    frames = _frames(page)
    sign_in(page, A)
    page.goto("/vendors/")
    page.click("[data-testid=add-vendor]")
    page.fill("[data-testid=vendor-name]", "Unreachable cloud")
    page.fill("[data-testid=vendor-url]", "http://127.0.0.1:9")
    page.fill("[data-testid=cred-app_id]", "app-1")
    page.fill("[data-testid=cred-app_secret]", secret)
    page.fill("[data-testid=cred-account]", "ops")
    page.fill("[data-testid=cred-password]", secret + "-pw")
    screenshot(page, "vendor-dialog-typed-desktop")
    page.click("[data-testid=vendor-save]")
    page.wait_for_selector("[data-testid=vendor-form-error]", timeout=30_000)
    # the failed save cleared the secrets (the inputs are empty again); the plain fields stay for a retry
    assert page.input_value("[data-testid=cred-app_secret]") == ""
    assert page.input_value("[data-testid=cred-password]") == ""
    assert page.input_value("[data-testid=cred-app_id]") == "app-1"
    screenshot(page, "vendor-dialog-after-failed-save-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "vendor-dialog-after-failed-save-phone")
    assert frames and not [f for f in frames if secret in f], "a typed secret came back over the websocket"


def test_a_refused_account_form_clears_its_password_fields(new_page):
    page = new_page()
    sign_in(page, "admin@demo.woms")
    page.goto("/admin/accounts/")
    page.wait_for_selector("[data-testid=acct-row]")
    page.click("[data-testid=acct-new]")
    page.fill("#acct-email", "mismatch@example.org")
    page.fill("#acct-password", "First-password-123")
    page.fill("#acct-password2", "Other-password-456")
    page.click("[data-testid=acct-save]")
    page.wait_for_selector("text=The two passwords differ")
    assert page.input_value("#acct-password") == "" and page.input_value("#acct-password2") == ""
    assert page.input_value("#acct-email") == "mismatch@example.org"  # the rest stays for a retry
