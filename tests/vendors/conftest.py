"""Fixtures of the vendor tests: a live emulator over real HTTP and adapters pointing at it."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # allow plain `pytest` without an installed package
    sys.path.insert(0, str(ROOT))

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from woms_app.emulator.app import create_app
from woms_app.emulator.demo import demo_vendor_accounts
from woms_app.emulator.state import Config
from woms_app.vendors.limiter import reset_limiters
from woms_app.vendors.solarman.adapter import reset_caches


class LiveEmulator:
    def __init__(self, url: str, app) -> None:
        self.url = url
        self.app = app
        self.state = app.state.emulator

    def admin(self, method: str, path: str, **kw):
        r = httpx.request(method, f"{self.url}/_admin{path}", timeout=10, **kw)
        r.raise_for_status()
        return r.json()

    def fault(self, kind: str, vendor: str, **kw):
        return self.admin("POST", "/faults", json={"kind": kind, "vendor": vendor, **kw})

    def stats(self, window_s: float | None = None):
        return self.admin("GET", "/stats", params={"window_s": window_s} if window_s else None)

    def accounts(self) -> dict[str, dict]:
        return {a["vendor_type"]: a for a in demo_vendor_accounts(self.url)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def emulator() -> Iterator[LiveEmulator]:
    """The emulator served by uvicorn in a background thread on a free 127.0.0.1 port."""
    app = create_app(Config(seed=42))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("emulator did not start")
        time.sleep(0.02)
    yield LiveEmulator(f"http://127.0.0.1:{port}", app)
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def live(emulator: LiveEmulator) -> Iterator[LiveEmulator]:
    """A clean emulator (no faults, stats or tokens; default config) and fresh shared limiters."""
    emulator.admin("POST", "/reset")
    emulator.admin("POST", "/config", json={
        "latency_s": 0.0, "solarman_limit": [300, 10.0], "sungrow_limit": [14400, 3600.0], "sungrow_burst": None,
        "solarman_frame_type": "both", "clock_offset_s": 0.0, "sungrow_missing_methods": [],
        "solarman_token_ttl_s": 5183999,
        "sungrow_token_ttl_s": 86400, "solarman_token_max_calls": None, "sungrow_token_max_calls": None,
        "solarman_login_kills_older": False, "sungrow_login_kills_older": False,
        "solarman_allowance": 10_000_000})
    reset_limiters()
    reset_caches()
    yield emulator
    emulator.admin("DELETE", "/faults")
    reset_limiters()
    reset_caches()
