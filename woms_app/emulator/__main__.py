"""``python -m woms_app.emulator [--host 127.0.0.1 --port 8090 --seed 42 --plants-per-account N]``"""
from __future__ import annotations

import argparse
import logging

import uvicorn

from woms_app.emulator.app import create_app
from woms_app.emulator.state import Config


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m woms_app.emulator", description="Local SOLARMAN + Sungrow clouds")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8090)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--plants-per-account", type=int, default=None,
                    help="plants per vendor account (default: the 5 demo plants; more are generated)")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="added to every response")
    ap.add_argument("--solarman-limit", default="300/10", help="requests/window_s before 2101002")
    ap.add_argument("--sungrow-limit", default="14400/3600", help="requests/window_s before E999")
    ap.add_argument("--log-level", default="warning")
    a = ap.parse_args(argv)

    def limit(s: str) -> tuple[int, float]:
        n, _, w = s.partition("/")
        return int(n), float(w or 1)

    cfg = Config(seed=a.seed, plants_per_account=a.plants_per_account, latency_s=a.latency_ms / 1000.0,
                 solarman_limit=limit(a.solarman_limit), sungrow_limit=limit(a.sungrow_limit))
    logging.basicConfig(level=a.log_level.upper())
    uvicorn.run(create_app(cfg), host=a.host, port=a.port, log_level=a.log_level, access_log=False)


if __name__ == "__main__":
    main()
