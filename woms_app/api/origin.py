"""/api/origin.js: tells a visitor who opened WOMS at an address it does not serve which address to open.

The websocket (Reflex) and the API's write guard accept only the configured origins (core/config.Settings.origins).
A page opened at any other address would load and then do nothing: the socket is refused, Sign in is dead. Every
page includes this script (woms_app.py, ``head_components``); it compares the browser's own origin — the real
address bar, whatever proxies sit in between — with the accepted ones and, on a mismatch, covers the page with a
notice and a link to the configured address. A static file, so it runs without the websocket and under the CSP.
"""
from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.responses import Response

from woms_app.core.config import get_settings

ORIGIN_JS_URL = "/api/origin.js"

_JS = """(function () {
  var accepted = %(accepted)s, home = %(home)s;
  if (accepted.indexOf(window.location.origin) !== -1) { return; }
  var target = home + window.location.pathname + window.location.search;
  function show() {
    if (!document.body || document.getElementById('woms-wrong-origin')) { return; }
    var box = document.createElement('div');
    box.id = 'woms-wrong-origin';
    box.setAttribute('role', 'alert');
    box.style.cssText = 'position:fixed;inset:0;z-index:2147483647;display:flex;flex-direction:column;gap:12px;' +
      'align-items:center;justify-content:center;padding:24px;text-align:center;background:#fff;color:#111;' +
      'font:16px/1.5 system-ui,sans-serif';
    var title = document.createElement('h1');
    title.style.cssText = 'font-size:22px;margin:0';
    title.textContent = 'Open WOMS at ' + home;
    var text = document.createElement('p');
    text.style.cssText = 'margin:0;max-width:36rem';
    text.textContent = 'This address (' + window.location.origin + ') is not one WOMS is configured to serve, ' +
      'so signing in cannot work here.';
    var link = document.createElement('a');
    link.href = target;
    link.textContent = 'Go to ' + home;
    link.style.cssText = 'font-weight:600;color:#b45309';
    box.appendChild(title); box.appendChild(text); box.appendChild(link);
    document.body.appendChild(box);
  }
  // again after the frontend renders (it owns the document and may replace what was there)
  document.addEventListener('DOMContentLoaded', show);
  window.addEventListener('load', show);
  setInterval(show, 1000);
})();
"""


def origin_script() -> str:
    settings = get_settings()
    accepted = settings.origins
    home = (settings.configured_origins or accepted)[0]
    return _JS % {"accepted": json.dumps(accepted), "home": json.dumps(home)}


def install_origin_check(api: FastAPI) -> None:
    @api.get(ORIGIN_JS_URL, include_in_schema=False)
    def origin_js() -> Response:
        return Response(origin_script(), media_type="text/javascript", headers={"Cache-Control": "no-cache"})
