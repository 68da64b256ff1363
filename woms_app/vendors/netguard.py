"""Vendor connections may not reach private or local networks (SSRF), checked at connect time.

A base URL is checked when it is saved (``services.vendors``), but a name can resolve to a public address
then and to ``127.0.0.1`` later (DNS rebinding). So every vendor client built here resolves the host itself
on each new connection, refuses it when any address is not global, and connects to the address it checked
(TLS still verifies the original host name). Demo mode (``WOMS_ALLOW_PRIVATE_VENDOR_URLS``) allows all.
Env proxies are not used by these clients (an explicit transport): a proxy would hide the real target.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx

from woms_app.core.config import get_settings

REFUSED = "the vendor host resolves to a private or local network address, which is not allowed"
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def is_public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_global
    except ValueError:
        return False


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, resolver: Resolver | None = None, allow_private: bool | None = None,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._resolve = resolver or system_resolve
        self._allow_private = allow_private
        self._inner = inner or httpcore.AnyIOBackend()

    def _private_allowed(self) -> bool:
        return get_settings().private_vendor_urls_allowed if self._allow_private is None else self._allow_private

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        if not self._private_allowed() or self._resolve is not system_resolve:
            try:
                addresses = await self._resolve(host, port)
            except (OSError, UnicodeError) as exc:
                raise httpcore.ConnectError(f"the vendor host {host!r} cannot be resolved") from exc
            if not addresses:
                raise httpcore.ConnectError(f"the vendor host {host!r} cannot be resolved")
            if not self._private_allowed() and not all(is_public(a) for a in addresses):
                raise httpcore.ConnectError(REFUSED)
            host = addresses[0]  # connect to the address that was checked, not to a second lookup
        return await self._inner.connect_tcp(host, port, timeout=timeout, local_address=local_address,
                                             socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not vendor clouds")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(resolver: Resolver | None = None, allow_private: bool | None = None) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport()
    # httpx does not take a network backend; its pool is rebuilt with one (tests/security/test_ssrf.py proves it)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(), max_connections=100, max_keepalive_connections=20,
        keepalive_expiry=5.0, network_backend=GuardedBackend(resolver, allow_private))
    return transport


def vendor_client(timeout_s: float, resolver: Resolver | None = None,
                  allow_private: bool | None = None) -> httpx.AsyncClient:
    """The HTTP client of a vendor adapter: every connection's resolved address is checked."""
    return httpx.AsyncClient(timeout=timeout_s, transport=guarded_transport(resolver, allow_private))
