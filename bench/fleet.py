"""A benchmark fleet written straight to the databases: the demo seed (organizations, accounts, vendors),
N plants split over the two demo organizations, 5-minute readings for the last H hours, plant metrics
as a sync leaves them, and a few active alerts. Bulk-loaded with the plain drivers (fixture, not measured)."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bench.common import Dbs, seed_demo, use

STEP = timedelta(minutes=5)
TZS = ["Asia/Kolkata", "Europe/Berlin", "Europe/Madrid", "Africa/Johannesburg", "Australia/Brisbane",
       "America/Phoenix"]


def build(dbs: Dbs, plants: int = 2000, hours: float = 24, now: datetime | None = None,
          alerts: int = 100) -> dict:
    """Returns {"plants": {org_id: [plant ids]}, "now": now, "readings": n}."""
    import sqlalchemy as sa
    from sqlmodel import select

    from woms_app.core.db import main_session
    from woms_app.models import Alert, Plant, Vendor
    from woms_app.models.enums import AlertSeverity, AlertStatus

    use(dbs.main_url, dbs.telemetry_url)  # the owner: fixtures bypass row-level security
    seed_demo()
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    now = now - timedelta(minutes=now.minute % 5)
    rng = random.Random(7)
    by_org: dict[int, list[int]] = {}
    caps: dict[int, float] = {}
    with main_session() as s:
        vendors = s.exec(select(Vendor).order_by(Vendor.id)).all()
        rows = []
        for i in range(plants):
            v = vendors[i % len(vendors)]
            cap = round(rng.uniform(5, 3000), 2)
            rows.append(dict(org_id=v.org_id, vendor_id=v.id, external_id=f"bench-{i:05d}", name=f"Bench Site {i:05d}",
                             capacity_kw=cap, latitude=round(rng.uniform(-40, 55), 4),
                             longitude=round(rng.uniform(-120, 150), 4), timezone=TZS[i % len(TZS)],
                             current_power_kw=round(cap * 0.4, 3), daily_energy_mwh=round(cap * 0.003, 6),
                             last_reading_at=now - STEP, created_at=now, updated_at=now,
                             has_irradiance_sensor=bool(i % 3 == 0)))
        s.execute(sa.insert(Plant), rows)
        s.flush()
        for pid, oid, cap in s.exec(select(Plant.id, Plant.org_id, Plant.capacity_kw)).all():
            by_org.setdefault(oid, []).append(pid)
            caps[pid] = cap
        org_of = {pid: oid for oid, ids in by_org.items() for pid in ids}
        vendor_of = {v.org_id: v.id for v in vendors}
        sev = list(AlertSeverity)
        alert_rows = []
        for k, pid in enumerate(rng.sample(sorted(org_of), min(alerts, len(org_of)))):
            alert_rows.append(dict(org_id=org_of[pid], plant_id=pid, vendor_id=vendor_of[org_of[pid]],
                                   external_id=f"bench-alert-{k}", title="Grid overvoltage", severity=sev[k % len(sev)],
                                   status=AlertStatus.ACTIVE, started_at=now - timedelta(hours=1), created_at=now,
                                   updated_at=now, message=""))
        if alert_rows:
            s.execute(sa.insert(Alert), alert_rows)
    n = _readings(dbs, org_of, caps, now, hours)
    _daily_kpis(org_of, caps, now)
    return {"plants": by_org, "now": now, "readings": n}


def _daily_kpis(org_of: dict[int, int], caps: dict[int, float], now: datetime, days: int = 3) -> None:
    """Final, complete KPI rows for each plant's last ``days`` local days (as the hourly job leaves them), so the
    fleet PR and the performers have yesterday to read at every hour of the sweep."""
    import sqlalchemy as sa

    from woms_app.core.db import main_session, telemetry_session
    from woms_app.core.timezones import local_day
    from woms_app.models import Plant, PlantDailyKpi

    rng = random.Random(11)
    with main_session() as s:
        tz_of = dict(s.exec(sa.select(Plant.id, Plant.timezone)).all())
    rows = []
    for pid, oid in org_of.items():
        last = local_day(now, tz_of[pid])
        for k in range(days):
            yf = round(rng.uniform(2.0, 6.0), 3)
            ref = round(caps[pid] * 5.5, 3)
            e = round(yf * caps[pid], 3)
            rows.append(dict(plant_id=pid, day=last - timedelta(days=k), org_id=oid, timezone=tz_of[pid], final=True,
                             capacity_kw=caps[pid], samples=288, intervals_valid=150, intervals_expected=150,
                             coverage_pct=100.0, incomplete=False, energy_kwh=e, yf_kwh_kwp=yf,
                             reference_energy_kwh=ref, pr=round(e / ref, 4)))
    with telemetry_session() as ts:
        for i in range(0, len(rows), 5000):
            ts.execute(sa.insert(PlantDailyKpi), rows[i:i + 5000])


def set_hour(dbs: Dbs, at: datetime) -> dict[str, int]:
    """The plants' live columns as a sync leaves them at ``at``: plants in daylight reported 5 min ago (a few
    have been silent for 2 h: offline); plants in the dark last reported around their dusk (stale), their daily
    counter of the day they last reported. Written straight to the database (a fixture, not measured)."""
    import sqlalchemy as sa

    from woms_app.core.db import main_session
    from woms_app.models import Plant
    from woms_app.services.telemetry import is_daylight

    use(dbs.main_url, dbs.telemetry_url)
    rng = random.Random(int(at.timestamp()))
    tally = {"day": 0, "night": 0, "silent": 0}
    with main_session() as s:
        plants = s.exec(sa.select(Plant.id, Plant.latitude, Plant.longitude, Plant.timezone, Plant.capacity_kw)).all()
        updates = []
        for p in plants:
            if is_daylight(p, at):
                silent = rng.random() < 0.02
                last = at - (timedelta(hours=2) if silent else STEP)
                tally["silent" if silent else "day"] += 1
                power = 0.0 if silent else round(p.capacity_kw * 0.4, 3)
            else:
                last = at - timedelta(minutes=5 * rng.randrange(12, 120))
                tally["night"] += 1
                power = 0.0
            updates.append({"pid": p.id, "last": last, "power": power, "energy": round(p.capacity_kw * 0.003, 6)})
        t = Plant.__table__
        s.execute(sa.update(t).where(t.c.id == sa.bindparam("pid")).values(
            last_reading_at=sa.bindparam("last"), current_power_kw=sa.bindparam("power"),
            daily_energy_mwh=sa.bindparam("energy")).execution_options(synchronize_session=False), updates)
    return tally


def _readings(dbs: Dbs, org_of: dict[int, int], caps: dict[int, float], now: datetime, hours: float) -> int:
    steps = int(timedelta(hours=hours) / STEP)
    instants = [now - STEP * (steps - i) for i in range(steps)]
    cols = "plant_id, ts, org_id, generation_power_kw, voltage_v, current_a, module_temperature_c, irradiance_w_m2"

    def rows():
        for pid, oid in org_of.items():
            cap = caps[pid]
            for i, ts in enumerate(instants):
                yield pid, ts, oid, round(cap * 0.4 * (1 + (i % 12) / 24), 3), 230.0, 10.0 + (i % 5), 30.0, None

    if dbs.kind == "sqlite":
        import sqlite3

        conn = sqlite3.connect(dbs.telemetry_url.split("///", 1)[1])
        with conn:
            conn.executemany(f"INSERT INTO telemetry_readings ({cols}) VALUES (?,?,?,?,?,?,?,?)",
                             ((r[0], r[1].strftime("%Y-%m-%d %H:%M:%S.%f"), *r[2:]) for r in rows()))
        conn.execute("ANALYZE")
        conn.close()
    else:
        import psycopg
        from sqlmodel import Session

        from woms_app.core.db import make_engine
        from woms_app.services.partitions import ensure_partitions

        eng = make_engine(dbs.telemetry_url)
        with Session(eng) as s:
            ensure_partitions(s, now, days_ahead=1, days_back=max(2, int(hours // 24) + 1))
            s.commit()
        eng.dispose()
        with psycopg.connect(dbs.telemetry_url) as conn:
            with conn.cursor().copy(f"COPY telemetry_readings ({cols}) FROM STDIN") as cp:
                for r in rows():
                    cp.write_row(r)
            conn.commit()
        with psycopg.connect(dbs.telemetry_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE telemetry_readings")
        with psycopg.connect(dbs.main_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    # the fleet curve's 15-minute buckets, as the sync maintains them
    from woms_app.core.db import telemetry_session
    from woms_app.services.telemetry import rebuild_power_buckets

    with telemetry_session() as ts:
        rebuild_power_buckets(ts, instants[0], now)
    return len(org_of) * steps
