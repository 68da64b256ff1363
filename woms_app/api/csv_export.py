"""CSV responses for ``?format=csv`` on list endpoints (shared by every resource)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from fastapi.responses import Response

from woms_app.core.clock import utcnow

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """One CSV cell: ISO timestamps, enum values, and no spreadsheet formulas (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    value = getattr(value, "value", value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A text/csv attachment named ``<name>-<UTC timestamp>.csv``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    filename = f"{name}-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
