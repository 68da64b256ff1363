"""One page of a listing and the page-size cap every listing service (and so every REST ``page_size``) shares.

A vendor's own request page sizes are a different thing (what the vendor API accepts per call) and live with
its adapter (``vendors/solarman/adapter.py``, ``vendors/sungrow/adapter.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from woms_app.core.errors import ValidationFailed

MAX_PAGE_SIZE = 200  # rows per page of a listing (REST ``page_size``, the UI's lists)
MAX_EXPORT_ROWS = 10_000  # rows per page of a CSV export (alerts, work orders)


@dataclass
class Page:
    items: list[Any]
    total: int


def check_page(page: int, page_size: int) -> None:
    """``page`` ≥ 1 and ``page_size`` within 1..MAX_PAGE_SIZE, else ValidationFailed on ``page``."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"page must be ≥ 1 and page_size 1–{MAX_PAGE_SIZE}", field="page")
