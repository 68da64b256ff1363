"""Browser tests: the production server (`reflex run --env prod`, one port) in a subprocess,
driven by Debian's Chromium through Playwright (never a downloaded browser).

Each test session builds into its own REFLEX_WEB_WORKDIR and uses its own SQLite files and port,
so several sessions can run side by side.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import migrate
from tests.vendors.conftest import emulator  # noqa: F401  (session fixture: the vendor emulator)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
DEMO_PASSWORD = "woms-demo-pass"

_HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before the root conftest sorts the browser tests last by this marker
def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e is a browser test (`-m "not e2e"` leaves them out): a conftest's `pytestmark`
    marks nothing, so the marker is added here, once, instead of in each module."""
    for item in items:
        if _HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    env: dict
    main_url: str
    telemetry_url: str
    log: Path


def server_env(tmp: Path, port: int, main_url: str, tel_url: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update({
        "WOMS_DEMO": "true",
        "WOMS_PORT": str(port),
        "WOMS_HOST": "127.0.0.1",
        "WOMS_PUBLIC_ORIGIN": f"http://localhost:{port}",
        "WOMS_DATABASE_URL": main_url,
        "WOMS_TELEMETRY_DATABASE_URL": tel_url,
        "REFLEX_WEB_WORKDIR": str(tmp / "web"),
        "REFLEX_STATES_WORKDIR": str(tmp / "states"),
        "WOMS_ATTACHMENTS_DIR": str(tmp / "attachments"),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{ROOT / 'tools/bun/node_modules/.bin'}:{ROOT / '.venv/bin'}:{env.get('PATH', '')}",
    })
    env.update(extra)
    return env


def start_server(tmp: Path, env: dict, port: int, log: Path, timeout: float = 300) -> subprocess.Popen:
    """Start a production server and wait until it serves pages.

    Builds are serialized (a file lock, across threads and test processes): every build rewrites the
    project's shared reflex.lock/, and two builds at once can leave it half-written."""
    with _build_lock():
        return _start_server(env, port, log, timeout)


@contextmanager
def _build_lock():
    import fcntl

    with open(ROOT / ".web-build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _start_server(env: dict, port: int, log: Path, timeout: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/reflex"), "run", "--env", "prod", "--loglevel", "info"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}); log:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                # the frontend is served once the build is mounted
                if httpx.get(f"http://127.0.0.1:{port}/login/", timeout=5).status_code == 200:
                    return proc
        except httpx.HTTPError:
            pass
        time.sleep(1)
    stop_server(proc)
    raise RuntimeError(f"server did not start in {timeout}s; log:\n{log.read_text()[-4000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="session")
def server(tmp_path_factory, emulator) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e")
    main_url, tel_url = f"sqlite:///{tmp / 'main.db'}", f"sqlite:///{tmp / 'tel.db'}"
    migrate(main_url, tel_url)
    port = _free_port()
    # the demo vendors point at the in-process emulator (tests.vendors.conftest), on its own port
    emu_port = emulator.url.rsplit(":", 1)[1]
    env = server_env(tmp, port, main_url, tel_url, WOMS_EMULATOR_HOST="127.0.0.1", WOMS_EMULATOR_PORT=emu_port)
    # --no-history: these tests build their own plants and KPI rows (test_plant_diagnosis.py seeds the history)
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "woms_app", "seed-demo", "--no-history"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    log = tmp / "server.log"
    proc = start_server(tmp, env, port, log)
    try:
        yield Server(url=f"http://localhost:{port}", env=env, main_url=main_url, telemetry_url=tel_url, log=log)
    finally:
        stop_server(proc)


@pytest.fixture
def new_page(browser, server):
    """A factory of fresh browser pages (own cookies), closed at the end of the test."""
    contexts = []

    def make(color_scheme: str = "light"):
        ctx = browser.new_context(viewport={"width": 1400, "height": 900}, color_scheme=color_scheme,
                                  base_url=server.url)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def sign_in(page, email: str, password: str = DEMO_PASSWORD, *, expect_ok: bool = True) -> None:
    page.goto("/login/")
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("[data-testid=login-submit]")
    if expect_ok:
        page.wait_for_selector("[data-testid=page-title]")


def screenshot(page, name: str) -> Path:
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    return path
