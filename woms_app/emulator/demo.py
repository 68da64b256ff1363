"""The demo fleet definition the seed uses: one vendor account per demo organization."""
from __future__ import annotations

from woms_app.emulator.fleet import SOLARMAN_DEMO_ACCOUNT, SUNGROW_DEMO_ACCOUNT

SOLARMAN_PREFIX = "/solarman"
SUNGROW_PREFIX = "/sungrow"


def demo_vendor_accounts(base_url: str) -> list[dict]:
    """Vendor rows for "Sunrise Energy" (SOLARMAN) and "Helios Power" (Sungrow) on the emulator at
    ``base_url`` (e.g. ``http://127.0.0.1:8090``). ``credentials`` hold exactly the fields each adapter
    needs (see ``VendorManager.types()``)."""
    root = base_url.rstrip("/")
    return [
        {
            "org_name": acct.org_name,
            "name": acct.display_name,
            "vendor_type": acct.vendor,
            "base_url": root + (SOLARMAN_PREFIX if acct.vendor == "solarman" else SUNGROW_PREFIX),
            "credentials": dict(acct.credentials),
        }
        for acct in (SOLARMAN_DEMO_ACCOUNT, SUNGROW_DEMO_ACCOUNT)
    ]
