"""The benchmarks' cores at toy sizes, so they don't rot (the real runs are `make bench`, not `make test`)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest


def test_p2_core_sqlite_toy():
    from bench import p2_ingest

    r = p2_ingest.run_one("sqlite", plants=3, trials=1)
    assert r.ratio and r.ratio > 0 and r.extra["rows"] == 3 * 288


def test_p3_core_sqlite_toy():
    from bench import p3_queries

    rs = p3_queries.run_one("sqlite", plants=6, hours=24, n=3)
    assert {r.key for r in rs} == {"P3 dashboard SQLite", "P3 telemetry SQLite"}
    assert all(r.extra["p95_ms"] > 0 for r in rs)


def test_p1_core_toy():
    from bench import p1_sync

    (r,) = p1_sync.run(plants=3, latency_ms=0, settle_s=0)
    assert r.extra["status"] == "succeeded" and r.extra["rate_limited"] == 0 and r.extra["requests"] > 3


def test_sqlite_timestamp_format_matches_sqlalchemy():
    """The fast upsert path writes ts text exactly as the ORM column type does (else (plant_id, ts) duplicates)."""
    import sqlalchemy as sa

    from woms_app.models.telemetry import TelemetryReading
    from woms_app.services.telemetry import _SQLITE_TS

    dialect = sa.create_engine("sqlite://").dialect
    proc = TelemetryReading.__table__.c.ts.type._cached_bind_processor(dialect)
    for ts in (datetime(2026, 3, 1, 0, 5, tzinfo=timezone.utc), datetime(2026, 3, 1, 0, 5, 7, 123456, tzinfo=timezone.utc)):
        assert proc(ts) == ts.strftime(_SQLITE_TS)


def test_doc_writer(tmp_path, monkeypatch):
    import bench.__main__ as m
    from bench.common import Result

    monkeypatch.setattr(m, "DOC", tmp_path / "PERFORMANCE.md")
    m.write_doc([Result("P9 toy", "what", "fig", 0.5, "≤ 1", True)], {"CPU": "x", "Date": "today"})
    m.write_doc([Result("P8 toy", "what", "fig", None, "≤ 1", None)], {"CPU": "x", "Date": "today"})
    text = (tmp_path / "PERFORMANCE.md").read_text()
    assert "P9 toy" in text and "P8 toy" in text and "0.500" in text
