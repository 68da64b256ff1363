"""Stage 4 of a run, classify: the run's outcome. Last in the run, the vendor's own allowance figure (at most
daily, so no call after it goes uncounted); then the run's status (``succeeded``; ``failed`` = an expected vendor
error for the vendor or any plant; ``errored`` = a bug, its traceback kept), its error text (the failed plants
first) and the vendor state it leads to (an errored run leaves the vendor's state as it was)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from woms_app.models.enums import SyncStatus, VendorStatus
from woms_app.models.vendor import Vendor
from woms_app.services.sync.run import RunState, _short
from woms_app.vendors import VendorAuthError, VendorError
from woms_app.vendors.metering import VendorAllowance

log = logging.getLogger(__name__)

ALLOWANCE_CHECK_EVERY = timedelta(hours=24)  # the vendor's own allowance figure is read at most daily


async def classify(run: RunState) -> VendorStatus | None:
    """Sets the result's status and error; returns the vendor's new state (None: leave it)."""
    result = run.result
    run.reported = await _read_allowance(run.adapter, run.vendor, run.now)
    failed = [o for o in result.outcomes if not o.ok]
    if run.tb_text is not None:
        result.status = SyncStatus.ERRORED
    elif failed or result.error:
        result.status = SyncStatus.FAILED
    else:
        result.status = SyncStatus.SUCCEEDED
    if failed:
        head = "; ".join(f"{o.name}: {o.error}" for o in failed[:5])
        more = f" (+{len(failed) - 5} more)" if len(failed) > 5 else ""
        msg = f"{len(failed)} of {result.plants_total} plants failed: {head}{more}"
        result.error = f"{msg}; {result.error}" if result.error else msg
    return {SyncStatus.SUCCEEDED: VendorStatus.ACTIVE, SyncStatus.FAILED: VendorStatus.FAILING,
            SyncStatus.ERRORED: None}[result.status]


async def _read_allowance(adapter: Any, vendor: Vendor, now: datetime) -> VendorAllowance | None:
    """The vendor's own allowance figure, at most daily, last in the run (so nothing after it is uncounted)."""
    if not hasattr(adapter, "get_allowance"):
        return None
    if vendor.quota_checked_at is not None and now - vendor.quota_checked_at < ALLOWANCE_CHECK_EVERY:
        return None
    try:
        return await adapter.get_allowance()
    except VendorAuthError:
        raise
    except VendorError as exc:  # the account may not read it: the configured allowance stands
        log.info("vendor %s: allowance not readable (%s); using the configured one", vendor.id, _short(exc))
        return None
