"""The login form. The password never enters Reflex state: the browser posts the form to
/api/login itself (so the HttpOnly cookie is set by HTTP) and then navigates fully."""
from __future__ import annotations

import reflex as rx

from woms_app.pages import routes

LOGIN_JS = """
(async () => {
  const email = document.getElementById('login-email').value;
  const password = document.getElementById('login-password').value;
  if (!email || !password) { return 'Enter your email and password.'; }
  try {
    const r = await fetch('/api/login', {method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email, password})});
    if (r.ok) { window.location.assign('%s'); return ''; }
    const j = await r.json().catch(() => ({}));
    return (j && j.detail) ? String(j.detail) : ('Sign-in failed (' + r.status + ').');
  } catch (e) { return 'The server cannot be reached. Try again.'; }
})()
""" % routes.DASHBOARD


class LoginState(rx.State):
    error: str = ""
    busy: bool = False

    @rx.event
    def submit(self):
        self.error = ""
        self.busy = True
        return rx.call_script(LOGIN_JS, callback=LoginState.done)

    @rx.event
    def done(self, message: str):
        self.busy = False
        self.error = (message or "")[:200]
