"""The benchmarks' cores at toy sizes, so they don't rot (the real runs are `make bench`, not `make test`)."""
from __future__ import annotations


def test_p2_core_sqlite_toy():
    from bench import p2_ingest

    r = p2_ingest.run_one("sqlite", plants=3, trials=1)
    assert r.ratio and r.ratio > 0 and r.extra["rows"] == 3 * 288


def test_p3_core_sqlite_toy():
    from bench import p3_queries

    rs = p3_queries.run_one("sqlite", plants=6, hours=48, n=3, sweep=(3, 15))
    assert {r.key for r in rs} == {"P3 dashboard SQLite", "P3 telemetry SQLite"}
    assert all(r.extra["p95_ms"] > 0 for r in rs)
    assert set(rs[0].extra["p95_by_hour"]) == {3, 15} and "worst hour" in rs[0].figure
    # the sweep sets the plants as a sync leaves them at each hour: some in daylight, some in the dark
    tallies = rs[0].extra["plants_by_hour"]
    assert all(sum(t.values()) == 6 for t in tallies.values())


def test_p1_core_toy():
    from bench import p1_sync

    (r,) = p1_sync.run(plants=3, latency_ms=0, settle_s=0)
    assert r.extra["status"] == "succeeded" and r.extra["rate_limited"] == 0 and r.extra["requests"] > 3


def test_p12_core_toy():
    """The year simulation at a week's length: calls counted, power fresh in daylight, nothing refused."""
    from datetime import timedelta

    from bench import p12_quota

    costs = {"frames": {"a": 3, "b": 5, "c": 3}, "login": 1, "lists": 7, "power": 1, "alerts": 3, "balance": 1,
             "plants": [("a", 52.09, 5.12, "Europe/Amsterdam"), ("b", 37.39, -5.98, "Europe/Madrid"),
                        ("c", -33.92, 18.42, "Africa/Johannesburg")]}
    sim = p12_quota.simulate(costs, allowance=4000, end=p12_quota.YEAR_START + timedelta(days=7))
    s = sim["spent"]
    assert sim["calls"] == sum(s.values()) and sim["calls"] <= 4000
    assert s["power"] > 7 * 8 * 6 and s["login"] == 1 and s["balance"] == 7
    assert sim["late_minutes"] == 0 and sim["max_age_s"] <= 900 and sim["refused"] == 0
