"""``python -m bench.sungrow_requests [N]``: Sungrow requests per plant in one incremental cycle, counted by the
emulator (N generated plants, default 500): discovery (plant list, details, devices, irradiance probe), 10 minutes
of telemetry for every plant, 48 h of faults. ``--no-by-user`` answers getDeviceListByUser with E996 (per-plant
device lists). Not a timing benchmark: the counts are exact and machine-independent."""
from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import uvicorn

from woms_app.emulator.app import create_app
from woms_app.emulator.demo import demo_vendor_accounts
from woms_app.emulator.state import Config
from woms_app.vendors import VendorManager


def main(n: int, by_user: bool) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Config(seed=42, plants_per_account=n, sungrow_limit=(10**9, 3600.0),
                            sungrow_missing_methods=() if by_user else ("getDeviceListByUser",)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    acc = next(a for a in demo_vendor_accounts(url) if a["vendor_type"] == "sungrow")

    def count() -> int:
        return httpx.get(f"{url}/_admin/stats").json()["accounts"]["sungrow:helios"]["count"]

    async def cycle() -> None:
        a = VendorManager.build("sungrow", acc["base_url"], acc["credentials"], timeout_s=180)
        await a.authenticate()
        c0 = count()
        plants = await a.list_plants()
        c1 = count()
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        start = now - timedelta(minutes=10)
        await a.get_telemetry_many(plants, {p.external_id: start for p in plants}, now)
        c2 = count()
        await a.get_alerts(plants, now - timedelta(hours=48))
        c3 = count()
        await a.aclose()
        k = len(plants)
        print(f"sungrow, {k} plants{'' if by_user else ', no getDeviceListByUser'}: discovery {c1 - c0} "
              f"({(c1 - c0) / k:.3f}/plant), telemetry {c2 - c1} ({(c2 - c1) / k:.3f}/plant), alerts {c3 - c2} "
              f"({(c3 - c2) / k:.3f}/plant); cycle {(c3 - c0) / k:.3f}/plant, without discovery {(c3 - c1) / k:.3f}")

    asyncio.run(cycle())
    server.should_exit = True


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 500, "--no-by-user" not in sys.argv)
