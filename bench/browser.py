"""P5 (login → dashboard painted) and P6 (backend RSS with 100 sessions) against the production build:
``reflex run --env prod`` started by the browser tests' own helpers (tests/e2e/conftest.py: start_server /
server_env / stop_server) on a free port, its own SQLite files and REFLEX_WEB_WORKDIR, driven by Debian's
Chromium through Playwright (never a downloaded browser). The fleet: demo seed + 2,000 plants × 24 h.
Passwords are hashed with the production bcrypt cost (12), so login pays the real ~0.2 s check.

P5: a fresh browser context per trial opens /login/ (not timed), fills the form, then the clock runs from the
click to the dashboard's "Plants" figure showing the fleet's count and two animation frames after it
(painted). ratio = median ÷ 1.5 s.

P6: the memory of every process of the server's session (the granian supervisor — the ``reflex run`` process,
which imports the app before forking — and its forked worker; the frontend is static files served by the
worker) — idle after start, then with 100 sessions open at once
(100 browser contexts in one headless Chromium, each signed in as one of the demo accounts with the dashboard
loaded: each is a websocket session with its own state). The figure is the proportional set size (PSS): the
worker is forked from the supervisor and shares most of its pages copy-on-write, so a plain sum of VmRSS
counts ~140 MB twice; PSS counts every resident page once. Both are printed. ratio = PSS ÷ 500 MB.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path

from bench import fleet
from bench.common import Result, free_port, median, scratch_databases

P5_GOAL_S = 1.5
P6_GOAL_MB = 500.0
ACCOUNTS = ["admin@demo.woms", "ops@sunrise.demo.woms", "ops@helios.demo.woms", "govt@demo.woms"]
PASSWORD = "woms-demo-pass"


def session_memory_mb(sid: int) -> dict[str, float]:
    """Memory of the processes in session ``sid``: ``pss`` (proportional set size: each page shared by the
    forked worker(s) and their supervisor counted once, split between them; what the backend really occupies),
    ``rss`` (the plain sum of VmRSS, which counts those shared pages once per process) and ``n`` processes."""
    pss = rss = 0
    n = 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if os.getsid(int(d.name)) != sid:
                continue
            for line in (d / "smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
            n += 1
        except (OSError, ProcessLookupError):
            continue
    return {"pss": pss / 1024.0, "rss": rss / 1024.0, "n": n}


@contextmanager
def prod_server(plants: int, hours: float):
    import tempfile

    from tests.e2e.conftest import server_env, start_server, stop_server

    os.environ["WOMS_BCRYPT_ROUNDS"] = "12"
    from woms_app.core.config import reset_settings

    reset_settings()
    with tempfile.TemporaryDirectory(prefix="woms-bench-web-") as tmpd:
        tmp = Path(tmpd)
        with scratch_databases("sqlite", tmp) as dbs:
            fleet.build(dbs, plants=plants, hours=hours)
            from datetime import datetime

            fleet.set_hour(dbs, datetime.now(UTC))  # day / night plants as a sync leaves them now
            from woms_app.core.db import dispose_engines

            dispose_engines()
            port = free_port()
            env = server_env(tmp, port, dbs.main_url, dbs.telemetry_url, WOMS_BCRYPT_ROUNDS="12",
                             WOMS_PUBLIC_ORIGIN=f"http://127.0.0.1:{port}", WOMS_LOG_LEVEL="WARNING")
            log = tmp / "server.log"
            proc = start_server(tmp, env, port, log)
            try:
                yield f"http://127.0.0.1:{port}", proc, plants
            finally:
                stop_server(proc)


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


# Every change to what the dashboard shows, time-stamped (Date.now(), the machine's wall clock): the last one is
# when the page settled. The "updated N min ago" spans are left out (a client-side clock, not data).
SETTLE_OBSERVER = """
window.__womsLastChange = 0;
new MutationObserver((records) => {
  for (const r of records) {
    const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
    if (el && el.closest && el.closest('[data-age-of], [data-testid=live-marker]')) continue;
    window.__womsLastChange = Date.now(); return;
  }
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: false});
"""
QUIET_MS = 2000  # settled: nothing changed for this long after the last change


def _settled_at(page, timeout_ms: int) -> float:
    """Wall-clock seconds of the last change once the dashboard is final: the Plants figure shown, no
    "Loading…" placeholder left, and QUIET_MS without any change."""
    page.wait_for_function(
        "q => { if (document.body.innerText.includes('Loading…')) return false;"
        " const e = document.querySelector('[data-testid=metric-plants]'); if (!e || !e.textContent) return false;"
        " return window.__womsLastChange && Date.now() - window.__womsLastChange > q; }",
        arg=QUIET_MS, timeout=timeout_ms, polling=100)
    return page.evaluate("window.__womsLastChange") / 1000.0


def _sign_in_to_dashboard(browser, url: str, email: str, expect_plants: int | None, timeout_ms: int = 60_000,
                          settle: bool = False):
    ctx = browser.new_context(base_url=url, viewport={"width": 1400, "height": 900})
    ctx.set_default_timeout(timeout_ms)
    if settle:
        ctx.add_init_script(SETTLE_OBSERVER)
    page = ctx.new_page()
    page.goto("/login/")
    page.wait_for_selector("[data-testid=login-submit]")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    t0 = time.perf_counter()
    wall0 = time.time()
    page.click("[data-testid=login-submit]")
    page.wait_for_url(lambda u: "/login" not in u, wait_until="commit", timeout=timeout_ms)
    t_nav = time.perf_counter() - t0
    want = "" if expect_plants is None else str(expect_plants).replace(",", "")
    page.wait_for_function(
        "want => { const e = document.querySelector('[data-testid=metric-plants]');"
        " if (!e) return false; const t = e.textContent.replace(/[^0-9]/g, '');"
        " return want ? t === want : t.length > 0 && t !== '0'; }", arg=want, timeout=timeout_ms)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.t_nav = t_nav
    painted = time.perf_counter() - t0
    page.t_settled = _settled_at(page, timeout_ms) - wall0 if settle else None
    return ctx, page, painted


def p5(url: str, browser, plants: int, trials: int = 7, hour: str = "") -> list[Result]:
    """Painted (the Plants figure shown) and settled (every figure final: no placeholder left, no change for
    QUIET_MS; the time of the last change counts) — both from the click on "Sign in"."""
    times, navs, settled = [], [], []
    # one untimed warm-up (first page compile/caches in the server and browser)
    ctx, _, _ = _sign_in_to_dashboard(browser, url, "admin@demo.woms", None)
    ctx.close()
    for _ in range(trials):
        ctx, page, dt = _sign_in_to_dashboard(browser, url, "admin@demo.woms", None, settle=True)
        navs.append(page.t_nav)
        settled.append(page.t_settled)
        ctx.close()
        times.append(dt)
    m, ms = median(times), median(settled)
    what = f"Chromium, prod build, SUPERADMIN, {plants:,}-plant fleet, median of {trials} fresh contexts{hour}"
    return [
        Result(key="P5 login → dashboard", what=what,
               figure=(f"median {m * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); "
                       f"of which click → dashboard URL committed: median {median(navs) * 1000:.0f} ms"),
               ratio=m / P5_GOAL_S, goal="≤ 1.0 (1.5 s)", ok=m <= P5_GOAL_S, extra={"times_s": times, "nav_s": navs}),
        Result(key="P5 login → dashboard settled", what=what + "; settled = the last change to any figure, chart or "
               "list (no placeholder left, then 2 s without change)",
               figure=(f"median {ms * 1000:.0f} ms (min {min(settled) * 1000:.0f}, max {max(settled) * 1000:.0f}); "
                       f"painted (Plants figure shown): median {m * 1000:.0f} ms"),
               ratio=ms / P5_GOAL_S, goal="≤ 1.0 (1.5 s)", ok=ms <= P5_GOAL_S, extra={"settled_s": settled}),
    ]


def p6(url: str, proc, browser, sessions: int = 100) -> Result:
    sid = os.getsid(proc.pid)
    idle = session_memory_mb(sid)
    contexts = []
    try:
        for i in range(sessions):
            ctx, _, _ = _sign_in_to_dashboard(browser, url, ACCOUNTS[i % len(ACCOUNTS)], None)
            contexts.append(ctx)
        time.sleep(2)
        loaded = session_memory_mb(sid)
    finally:
        for c in contexts:
            c.close()
    mb = loaded["pss"]
    return Result(key="P6 backend RSS", what=f"memory of the prod server's {loaded['n']} processes (granian supervisor "
                  f"+ forked worker) with {sessions} signed-in dashboard sessions (browser contexts) open; "
                  f"proportional set size (pages the fork shares counted once)",
                  figure=(f"{mb:.0f} MB with {sessions} sessions (idle {idle['pss']:.0f} MB; "
                          f"{(mb - idle['pss']) / max(1, sessions):.2f} MB/session); sum of per-process VmRSS "
                          f"{loaded['rss']:.0f} MB (idle {idle['rss']:.0f}), which counts the shared pages twice"),
                  ratio=mb / P6_GOAL_MB, goal="≤ 1.0 (500 MB)", ok=mb <= P6_GOAL_MB,
                  extra={"idle": idle, "loaded": loaded})


def run(which: set[str], plants: int = 2000, hours: float = 24, sessions: int = 100, trials: int = 7) -> list[Result]:
    out = []
    with prod_server(plants, hours) as (url, proc, n), chromium() as browser:
        if "p5" in which:
            out += p5(url, browser, n, trials, hour=f", at {time.strftime('%H:%M', time.gmtime())} UTC")
        if "p6" in which:
            out.append(p6(url, proc, browser, sessions))
    return out
