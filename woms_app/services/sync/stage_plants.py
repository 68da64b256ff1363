"""Stage 1 of a run, plants: the vendor's plant (and device) lists, upserted (``services.plants.upsert_plants``);
a run that does not refresh the lists takes the stored plants."""
from __future__ import annotations

import asyncio

from woms_app.services.plants import store_plants, vendor_plants
from woms_app.services.sync.run import RunState


async def sync_plants(run: RunState) -> None:
    if run.shape.lists:
        await run.report("plants")
        listed = await run.adapter.list_plants()
        run.zone_errors = {str(np.external_id): np.timezone_error for np in listed if np.timezone_error}
        async with run.db_lock:
            run.plants = await asyncio.to_thread(store_plants, run.vendor, listed, run.now)
        run.ok_parts.add("lists")
    else:
        run.plants = await asyncio.to_thread(vendor_plants, run.vendor.id)
        run.zone_errors = {}
    run.result.plants_total = len(run.plants)
