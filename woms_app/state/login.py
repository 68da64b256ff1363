"""The login form. The password never enters Reflex state: the browser posts the form to
/api/login itself (so the HttpOnly cookie is set by HTTP) and then navigates fully. The script runs straight
from the submit (a client-side event): no websocket round trip before the request leaves; only its
outcome (an error message, or '' before the navigation) comes back to the server, through ``done``. A
successful sign-in drops the tab's client token first: the signed-in pages start on a new token."""
from __future__ import annotations

import reflex as rx

from woms_app import routes
from woms_app.state.base import TOKEN_STORAGE_KEY

LOGIN_JS = """
(async () => {
  const email = document.getElementById('login-email').value;
  const password = document.getElementById('login-password').value;
  if (!email || !password) { return 'Enter your email and password.'; }
  const button = document.querySelector('[data-testid=login-submit]');
  const idle = (message) => { if (button) { button.disabled = false; button.removeAttribute('aria-busy'); }
                              return message; };
  if (button) { button.disabled = true; button.setAttribute('aria-busy', 'true'); }
  try {
    const r = await fetch('/api/login', {method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email, password})});
    if (r.ok) { window.sessionStorage.removeItem('%s'); window.location.assign('%s'); return ''; }
    const j = await r.json().catch(() => ({}));
    return idle((j && j.detail) ? String(j.detail) : ('Sign-in failed (' + r.status + ').'));
  } catch (e) { return idle('The server cannot be reached. Try again.'); }
})()
""" % (TOKEN_STORAGE_KEY, routes.DASHBOARD)


class LoginState(rx.State):
    error: str = ""

    @rx.event
    def done(self, message: str):
        self.error = (message or "")[:200]
