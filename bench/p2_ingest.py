"""P2 ingestion: WOMS's reading upsert path vs the plain driver's best bulk path, same rows, same table.

* WOMS: ``services.telemetry.upsert_readings(tsession, plant_id, org_id, readings)`` once per plant (as the sync
  calls it), all plants in one transaction, from ``vendors.Reading`` records. On PostgreSQL it connects as the
  non-owner application role with the SYSTEM context (row-level security applies, as in production).
* Baseline: the DBAPI driver directly from the same ``Reading`` records (conversion included), one transaction:
  SQLite ``executemany`` INSERT; PostgreSQL ``COPY ... FROM STDIN`` (as the table owner: COPY FROM is not allowed
  for a role subject to row-level security).
* Both insert into the empty ``telemetry_readings`` table of a migrated database (PostgreSQL: into its daily
  partitions, created first); the table is emptied between trials. Trials alternate (ABAB...), median of each.

ratio = median over the back-to-back pairs of baseline time / WOMS time; goal ≥ 0.8 (WOMS within 25 % of
the driver).
"""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench.common import Result, median, pg_available, scratch_databases, use

GOAL = 0.8
COLS = ("plant_id", "ts", "org_id", "generation_power_kw", "voltage_v", "current_a", "module_temperature_c",
        "ambient_temperature_c", "irradiance_w_m2")


def make_readings(plants: int, per_plant: int = 288, start: datetime | None = None):
    from woms_app.vendors.base import Reading

    start = start or datetime(2026, 3, 1, tzinfo=UTC)
    out = {}
    for p in range(1, plants + 1):
        out[p] = [Reading(ts=start + timedelta(minutes=5 * i), generation_power_kw=round(p * 0.5 + i * 0.1, 3),
                          voltage_v=230.0 + (i % 7), current_a=10.0 + (i % 5) * 0.1,
                          temperature_c=25.0 + (i % 11) * 0.5, irradiance_w_m2=None if p % 3 else 500.0 + i)
                  for i in range(per_plant)]
    return out


def _woms(data, org_id: int) -> float:
    from woms_app.core.db import SYSTEM_CONTEXT, telemetry_session
    from woms_app.services.telemetry import upsert_readings

    t0 = time.perf_counter()
    with telemetry_session(SYSTEM_CONTEXT) as ts:
        for pid, readings in data.items():
            upsert_readings(ts, pid, org_id, readings)
    return time.perf_counter() - t0


def _sqlite_baseline(path: str, data, org_id: int) -> float:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    sql = f"INSERT INTO telemetry_readings ({', '.join(COLS)}) VALUES ({', '.join('?' * len(COLS))})"
    t0 = time.perf_counter()
    # same storage format as the application's column type (naive UTC text)
    rows = [(pid, r.ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), org_id, r.generation_power_kw,
             r.voltage_v, r.current_a, r.temperature_c, r.ambient_temperature_c, r.irradiance_w_m2)
            for pid, readings in data.items() for r in readings]
    with conn:
        conn.executemany(sql, rows)
    dt = time.perf_counter() - t0
    conn.close()
    return dt


def _pg_baseline(url: str, data, org_id: int) -> float:
    import psycopg

    with psycopg.connect(url) as conn:
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy(f"COPY telemetry_readings ({', '.join(COLS)}) FROM STDIN") as cp:
                for pid, readings in data.items():
                    for r in readings:
                        cp.write_row((pid, r.ts, org_id, r.generation_power_kw, r.voltage_v, r.current_a,
                                      r.temperature_c, r.ambient_temperature_c, r.irradiance_w_m2))
        conn.commit()
        return time.perf_counter() - t0


def _empty(kind: str, url: str) -> None:
    if kind == "sqlite":
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1])
        with conn:
            conn.execute("DELETE FROM telemetry_readings")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("TRUNCATE telemetry_readings")
            conn.execute("ANALYZE telemetry_readings")


def run_one(kind: str, plants: int = 100, trials: int = 5) -> Result:
    data = make_readings(plants)
    n_rows = sum(len(v) for v in data.values())
    with scratch_databases(kind) as dbs:
        if kind == "pg":

            from sqlmodel import Session

            from woms_app.core.db import make_engine
            from woms_app.services.partitions import ensure_partitions

            eng = make_engine(dbs.telemetry_url)
            with Session(eng) as s:
                ensure_partitions(s, datetime(2026, 3, 1, 12, tzinfo=UTC), days_ahead=2, days_back=1)
                s.commit()
            eng.dispose()
        use(dbs.app_main_url, dbs.app_telemetry_url)
        woms_t, base_t = [], []
        # warm-up (engine, statement caches, first file growth) not counted
        _woms(data, 1)
        _empty(kind, dbs.telemetry_url)
        for i in range(trials):
            order = ("w", "b") if i % 2 == 0 else ("b", "w")
            for which in order:
                if which == "w":
                    woms_t.append(_woms(data, 1))
                elif kind == "sqlite":
                    base_t.append(_sqlite_baseline(dbs.telemetry_url.split("///", 1)[1], data, 1))
                else:
                    base_t.append(_pg_baseline(dbs.telemetry_url, data, 1))
                _empty(kind, dbs.telemetry_url)
        from woms_app.core.db import dispose_engines

        dispose_engines()
    w, b = median(woms_t), median(base_t)
    ratio = median([bt / wt for bt, wt in zip(base_t, woms_t)])  # per back-to-back pair: robust to load swings
    base_name = "executemany" if kind == "sqlite" else "COPY"
    return Result(
        key=f"P2 ingestion {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}",
        what=f"upsert_readings vs driver {base_name}, {n_rows:,} rows ({plants} plants × 288), median of {trials}",
        figure=f"WOMS {w * 1000:.0f} ms ({n_rows / w:,.0f} rows/s), {base_name} {b * 1000:.0f} ms "
               f"({n_rows / b:,.0f} rows/s)",
        ratio=ratio, goal=f"≥ {GOAL}", ok=ratio >= GOAL,
        extra={"woms_s": woms_t, "baseline_s": base_t, "rows": n_rows})


def run(plants: int = 100, trials: int = 7) -> list[Result]:
    out = [run_one("sqlite", plants, trials)]
    if pg_available():
        out.append(run_one("pg", plants, trials))
    else:
        out.append(Result("P2 ingestion PostgreSQL", "", "PostgreSQL not available", None, f"≥ {GOAL}", None))
    return out
