"""P11 KPI job: the hourly efficiency job's cost per plant-day (``services.kpis.refresh_recent``).

Fleet: ``bench.fleet`` (the demo seed, N plants over six zones, a third with an irradiance sensor, two thirds
clear-sky-referenced) with 48 h of 5-minute readings, so every plant has a complete local yesterday and a
partial today: the job computes 2 plant-days per plant. The KPI rows are deleted before each run, so every run
does the same work (the first run of a plant-local day; later runs of the day skip an unchanged final yesterday).

Measured in the same run, alternating, ``trials`` times each:

- **job**: ``refresh_recent(now)`` end to end: plants read from the main database, one readings query, one
  array pass (``analytics.compute_daily_kpis_many``) and one upsert per chunk of 500 plants;
- **per plant**: the same rules one plant at a time (``compute_plant_days`` per plant: a query, a pass and an
  upsert each) — the structure of the job before it was vectorised.

Figures: ms per plant-day, wall and CPU time of this process (on SQLite the database works in this process, so
CPU time is the job's whole cost and does not move with the machine's load; on PostgreSQL the server's share is
only in the wall time). ratio = job ms per plant-day ÷ 20 ms (CPU on SQLite, wall on PostgreSQL; ≤ 1.0 meets it).
"""
from __future__ import annotations

import statistics
import time

from bench import fleet
from bench.common import Result, pg_available, scratch_databases

GOAL_MS = 20.0


def _timed(fn) -> tuple[float, float, int]:
    w0, c0 = time.perf_counter(), time.process_time()
    n = fn()
    return time.perf_counter() - w0, time.process_time() - c0, n


def run_one(kind: str, plants: int = 200, trials: int = 3) -> Result:
    import sqlalchemy as sa
    from sqlmodel import select

    with scratch_databases(kind) as dbs:
        built = fleet.build(dbs, plants=plants, hours=48, alerts=0)
        now = built["now"]
        from woms_app.core.db import SYSTEM_CONTEXT, db_context, main_session, telemetry_session
        from woms_app.core.timezones import local_day
        from woms_app.models import Plant, PlantDailyKpi
        from woms_app.services import kpis

        ids = sorted(pid for ids in built["plants"].values() for pid in ids)
        with db_context(SYSTEM_CONTEXT), main_session() as s:
            rows = list(s.exec(select(Plant).where(Plant.id.in_(ids))).all())

        def clear() -> None:
            with db_context(SYSTEM_CONTEXT), telemetry_session() as tel:
                tel.exec(sa.delete(PlantDailyKpi))

        def per_plant() -> int:
            total = 0
            for p in rows:
                today = local_day(now, p.timezone)
                total += kpis.compute_plant_days(p, [today - kpis.timedelta(days=1), today], now=now)
            return total

        kpis.refresh_recent(now, plant_ids=ids[:5])  # warm caches (imports, Linke table points of 5 plants)
        job, single = [], []
        written = 0
        for _ in range(trials):
            clear()
            job.append(_timed(lambda: kpis.refresh_recent(now, plant_ids=ids)))
            written = job[-1][2]
            clear()
            single.append(_timed(per_plant))
        with db_context(SYSTEM_CONTEXT), telemetry_session() as tel:
            with_pr = tel.exec(select(sa.func.count()).select_from(PlantDailyKpi)
                               .where(PlantDailyKpi.pr.is_not(None))).one()
    plant_days = 2 * len(ids)

    def ms(samples, i):
        return statistics.median(x[i] for x in samples) * 1000.0 / plant_days

    job_wall, job_cpu, one_wall, one_cpu = ms(job, 0), ms(job, 1), ms(single, 0), ms(single, 1)
    label = "SQLite" if kind == "sqlite" else "PostgreSQL"
    figure_ms = job_cpu if kind == "sqlite" else job_wall
    figure = (f"job {job_wall:.1f} ms wall / {job_cpu:.1f} ms CPU per plant-day; per-plant path {one_wall:.1f} ms "
              f"wall / {one_cpu:.1f} ms CPU (vectorised {one_cpu / job_cpu:.1f}× less CPU); {len(ids)} plants × 2 "
              f"days, medians of {trials}; {written} rows, {with_pr} with a PR")
    return Result(f"P11 KPI job {label}", "hourly KPI job (refresh_recent): cost per plant-day", figure,
                  figure_ms / GOAL_MS, f"≤ 1.0 ({GOAL_MS:.0f} ms/plant-day)", figure_ms <= GOAL_MS,
                  extra={"job_wall_ms": job_wall, "job_cpu_ms": job_cpu, "per_plant_wall_ms": one_wall,
                         "per_plant_cpu_ms": one_cpu, "written": written, "with_pr": with_pr})


def run(plants: int = 200, trials: int = 3) -> list[Result]:
    out = [run_one("sqlite", plants, trials)]
    if pg_available():
        out.append(run_one("pg", plants, trials))
    return out
