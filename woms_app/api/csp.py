"""The Content-Security-Policy of every response, and the per-page hashes of the frontend's inline scripts.

Reflex 0.10 prerenders each page to HTML with a handful of inline ``<script>`` elements (the colour-mode bootstrap,
React Router's context and route-module imports, React's streaming helpers). Rather than ``'unsafe-inline'``, an
HTML response's policy lists the SHA-256 of exactly the inline scripts that response carries, so a script injected
into a page does not run. ``'unsafe-eval'`` stays: Reflex runs ``rx.call_script`` code and event callbacks through
``eval`` (its ``state.js``), which the login form and the sign-out redirect use. Styles need ``'unsafe-inline'``
(Radix Themes and Emotion set style attributes and inject style elements). Connections — the websocket included
(``'self'`` covers ws/wss of the same host in CSP 3) — stay on the app's own origin.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import re
from functools import lru_cache

SCRIPT_SRC = "script-src 'self' 'unsafe-eval'"
_DIRECTIVES = [
    "default-src 'self'",
    SCRIPT_SRC,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
CONTENT_SECURITY_POLICY = "; ".join(_DIRECTIVES)

_INLINE_SCRIPT = re.compile(rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)


@lru_cache(maxsize=256)
def _policy_for(hashes: tuple[str, ...]) -> str:
    if not hashes:
        return CONTENT_SECURITY_POLICY
    script_src = SCRIPT_SRC + "".join(f" 'sha256-{h}'" for h in hashes)
    return "; ".join(script_src if d == SCRIPT_SRC else d for d in _DIRECTIVES)


def policy_for_html(body: bytes, content_encoding: str = "") -> str:
    """The policy of one HTML document: the base policy plus the hashes of its inline scripts."""
    if content_encoding == "gzip":
        body = gzip.decompress(body)
    hashes = dict.fromkeys(base64.b64encode(hashlib.sha256(m).digest()).decode("ascii")
                           for m in _INLINE_SCRIPT.findall(body) if m.strip())
    return _policy_for(tuple(hashes))
