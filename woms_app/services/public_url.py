"""The one check of a URL the server will call on a user's behalf (a vendor's base URL, a webhook's URL).

Form first (http(s), no spaces or control characters, no user:password, no query or fragment, a valid port),
then, unless private targets are allowed (demo mode / ``WOMS_ALLOW_PRIVATE_VENDOR_URLS``), every address the
host resolves to must be public: the server may not be pointed into its own network (SSRF). This is the
save-time check; ``vendors.netguard`` checks again at connect time (DNS can change in between).
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlparse

import httpx

from woms_app.core.config import get_settings
from woms_app.core.errors import ValidationFailed


def clean_public_url(url: str | None, default: str = "", *, field: str, label: str, max_length: int = 300) -> str:
    """``url`` stripped (or ``default`` when empty) and checked; without its trailing slash. Errors name
    ``label`` ("Base URL", "Webhook URL") and ``field``."""
    url = (url or "").strip() or default
    if any(ord(ch) < 0x21 or 0x7f <= ord(ch) <= 0x9f for ch in url):  # CR/LF, tabs, spaces, other controls
        raise ValidationFailed(f"{label} may not contain spaces or control characters", field=field)
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or len(url) > max_length:
        raise ValidationFailed(f"{label} must be an http(s) address", field=field)
    if "@" in parsed.netloc:
        raise ValidationFailed(f"{label} may not carry a user name or password", field=field)
    if parsed.query or parsed.fragment or "?" in url or "#" in url:
        raise ValidationFailed(f"{label} may not have a query (?…) or fragment (#…)", field=field)
    try:
        parsed.port  # noqa: B018 — a port out of range or not a number raises here
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise ValidationFailed(f"{label} must be an http(s) address", field=field) from exc
    if not get_settings().private_vendor_urls_allowed:
        refuse_private_host(parsed.hostname, field=field, label=label)
    return url.rstrip("/")


def refuse_private_host(host: str, *, field: str, label: str) -> None:
    """An address on a private or local network would let a user make the server call into its own network
    (SSRF). Refused unless WOMS_ALLOW_PRIVATE_VENDOR_URLS is on (default: in demo mode only)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationFailed(f"The host {host!r} cannot be resolved", field=field) from exc
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not addr.is_global:
            raise ValidationFailed(f"{label} points to a private or local network address, which is not allowed",
                                   field=field)
