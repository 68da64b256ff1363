"""Fixtures of the sync tests: migrated databases with the demo seed whose two vendors point at
the live emulator (tests.vendors.conftest), and helpers to snapshot what a sync stored."""
from __future__ import annotations

import pytest
from sqlmodel import select

from tests.vendors.conftest import emulator, live  # noqa: F401  (re-exported fixtures)
from woms_app.core import clock, feed
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.emulator.demo import SOLARMAN_PREFIX, SUNGROW_PREFIX
from woms_app.models import Alert, Plant, SyncRun, TelemetryReading, Vendor


def point_vendors_at(url: str) -> dict[str, int]:
    """Repoint the demo vendors at the emulator on ``url``; vendor_type → vendor id."""
    out = {}
    with main_session(SYSTEM_CONTEXT) as s:
        for v in s.exec(select(Vendor)).all():
            v.base_url = url + (SOLARMAN_PREFIX if v.vendor_type == "solarman" else SUNGROW_PREFIX)
            s.add(v)
            out[v.vendor_type] = v.id
    return out


@pytest.fixture
def vendors(demo, live):  # noqa: F811
    """vendor_type → id of the demo vendors, on the live emulator."""
    return point_vendors_at(live.url)


@pytest.fixture
def changes():
    """Every change-feed message published during the test."""
    got: list[feed.Change] = []
    unsubscribe = feed.subscribe(got.append)
    yield got
    unsubscribe()


@pytest.fixture(autouse=True)
def _unfreeze():
    yield
    clock.freeze(None)


def snapshot() -> dict:
    """What a sync stored, keyed by vendor external ids (independent of row ids)."""
    with main_session(SYSTEM_CONTEXT) as s:
        plants = {p.id: p for p in s.exec(select(Plant)).all()}
        plant_rows = sorted((p.vendor_id, p.external_id, p.name, p.capacity_kw, p.timezone, p.current_power_kw,
                             p.daily_energy_mwh, p.last_reading_at) for p in plants.values())
        alerts = sorted((a.vendor_id, a.external_id, plants[a.plant_id].external_id, a.status.value, a.severity.value,
                         a.started_at, a.resolved_at) for a in s.exec(select(Alert)).all())
    with telemetry_session(SYSTEM_CONTEXT) as t:
        readings = sorted((plants[r.plant_id].external_id, r.ts, r.generation_power_kw, r.voltage_v, r.current_a,
                           r.module_temperature_c, r.irradiance_w_m2) for r in t.exec(select(TelemetryReading)).all())
    return {"plants": plant_rows, "alerts": alerts, "readings": readings}


def runs() -> list[SyncRun]:
    with main_session(SYSTEM_CONTEXT) as s:
        return list(s.exec(select(SyncRun).order_by(SyncRun.id)).all())
