"""Shared helpers: environment, scratch databases, the emulator subprocess, statistics, results."""
from __future__ import annotations

import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The benchmarks never touch the developer's data/ or .env values that matter.
os.environ.setdefault("WOMS_DEMO", "true")
os.environ.setdefault("WOMS_SECRET_KEY", "bench-secret-key-0123456789abcdef")
os.environ["WOMS_SCHEDULER_ENABLED"] = "false"
os.environ["REFLEX_TELEMETRY_ENABLED"] = "false"
os.environ.setdefault("WOMS_LOG_LEVEL", "WARNING")

PG_ADMIN_URL = os.environ.get("WOMS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
APP_LOGIN = "woms_web_bench"  # non-owner login role (row-level security applies), like production


@dataclass
class Result:
    key: str  # "P1", "P3 dashboard sqlite", ...
    what: str
    figure: str  # the measured figures, human readable
    ratio: float | None
    goal: str  # e.g. "≤ 1.2"
    ok: bool | None
    note: str = ""
    extra: dict = field(default_factory=dict)

    def line(self) -> str:
        r = "n/a" if self.ratio is None else f"{self.ratio:.3f}"
        verdict = {True: "PASS", False: "MISS", None: "SKIP"}[self.ok]
        return f"{self.key}: ratio {r} (goal {self.goal}) {verdict} — {self.figure}" + (f" [{self.note}]" if self.note else "")


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def median(values: list[float]) -> float:
    return statistics.median(values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- databases
def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


@dataclass
class Dbs:
    kind: str
    main_url: str  # as the owner (migrations, bulk fixtures)
    telemetry_url: str
    app_main_url: str  # as the application connects (non-owner role on PostgreSQL)
    app_telemetry_url: str


@contextmanager
def scratch_databases(kind: str, tmp: Path | None = None) -> Iterator[Dbs]:
    """Two migrated, empty databases (SQLite files or PostgreSQL databases), dropped afterwards."""
    from tests.conftest import migrate

    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="woms-bench-") as d:
            base = Path(tmp or d)
            m, t = f"sqlite:///{base / 'main.db'}", f"sqlite:///{base / 'tel.db'}"
            migrate(m, t)
            yield Dbs("sqlite", m, t, m, t)
        return
    suffix = uuid.uuid4().hex[:8]
    names = (f"woms_bench_{suffix}", f"woms_bench_{suffix}_tel")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    for n in names:
        _pg_admin(f'CREATE DATABASE "{n}"')
    try:
        urls = [f"{base}/{n}" for n in names]
        migrate(*urls)
        _pg_admin(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_LOGIN}') THEN "
                  f"CREATE ROLE {APP_LOGIN} LOGIN NOSUPERUSER NOBYPASSRLS INHERIT IN ROLE woms_app; END IF; END $$")
        app = [u.replace("postgresql://postgres@", f"postgresql://{APP_LOGIN}@") for u in urls]
        yield Dbs("pg", urls[0], urls[1], app[0], app[1])
    finally:
        from woms_app.core.db import dispose_engines

        dispose_engines()
        for n in names:
            try:
                _pg_admin(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
            except Exception as exc:  # pragma: no cover
                print(f"  (could not drop {n}: {exc})", file=sys.stderr)


def use(main_url: str, telemetry_url: str) -> None:
    from tests.conftest import use_databases

    use_databases(main_url, telemetry_url)


def seed_demo() -> None:
    from woms_app.core.db import main_session
    from woms_app.services.seed import seed_demo as _seed

    with main_session() as s:
        _seed(s)


# ---------------------------------------------------------------- emulator
@contextmanager
def emulator_process(plants_per_account: int, latency_ms: float, solarman_limit: str = "300/10",
                     sungrow_limit: str = "14400/3600") -> Iterator[str]:
    """``python -m woms_app.emulator`` in its own process (its CPU is not WOMS's), on 127.0.0.1."""
    import httpx

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "woms_app.emulator", "--host", "127.0.0.1", "--port", str(port),
         "--plants-per-account", str(plants_per_account), "--latency-ms", str(latency_ms),
         "--solarman-limit", solarman_limit, "--sungrow-limit", sungrow_limit],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"emulator exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                httpx.get(f"{url}/_admin/config", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("emulator did not start in 60 s") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


# ---------------------------------------------------------------- machine
def machine_info() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    import sqlite3

    pg = "not available"
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as c:
            pg = c.execute("SHOW server_version").fetchone()[0]
    except Exception:
        pass
    return {"CPU": cpu, "Cores": str(os.cpu_count()), "RAM": ram, "OS": platform.platform(),
            "Python": platform.python_version(), "SQLite": sqlite3.sqlite_version, "PostgreSQL": pg,
            "Date": time.strftime("%Y-%m-%d %H:%M %Z")}
