"""Fixtures of the security suite: two organizations with a realistic set of rows each, helpers to
snapshot every table of both databases, and the distinctive strings that mark org B's data."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlmodel import select

from tests import factories
from woms_app.core.clock import utcnow
from woms_app.core.db import SYSTEM_CONTEXT, include_name, main_session, telemetry_session
from woms_app.core.security import encrypt_json
from woms_app.models import (
    Account,
    Channel,
    EffPeriod,
    EventKind,
    Organization,
    OrgRole,
    OutboxMessage,
    OutboxStatus,
    PlantDailyEnergy,
    PlantDailyKpi,
    SyncKind,
    SyncRun,
    SyncStatus,
    SyncTrigger,
    Vendor,
    WebhookEndpoint,
    WorkOrderComment,
    WorkOrderPlantEff,
)

PASSWORD = "woms-demo-pass"
ORG_A, ORG_B = "Sunrise Energy", "Helios Power"
EMAILS = {"ORG_A": "ops@sunrise.demo.woms", "ORG_B": "ops@helios.demo.woms", "GOVT": "govt@demo.woms",
          "SUPERADMIN": "admin@demo.woms", "TECH_A": "tech1@sunrise.demo.woms", "TECH_A2": "tech2@sunrise.demo.woms"}


@dataclass
class Tenant:
    org_id: int
    vendor_id: int
    plant_ids: list[int]
    free_plant_id: int  # on no active work order
    alert_id: int
    wo_id: int
    run_id: int
    account_id: int
    webhook_id: int = 0
    markers: list[str] = field(default_factory=list)  # strings only this org's rows contain
    # issue 16: a template of its own, a checklist from it on the work order, and a photo attached to its first item
    template_id: int = 0
    checklist_id: int = 0
    item_id: int = 0
    failed_item_id: int = 0  # recorded "fail": it offers a corrective draft
    attachment_id: int = 0


@dataclass
class World:
    a: Tenant
    b: Tenant


def _tenant(org_name: str, tag: str) -> Tenant:
    now = utcnow().replace(second=0, microsecond=0)
    with main_session(SYSTEM_CONTEXT) as s:
        org = s.exec(select(Organization).where(Organization.name == org_name)).one()
        account = s.exec(select(Account).where(Account.org_id == org.id, Account.org_role == OrgRole.MANAGER)
                         .order_by(Account.id)).first()
        vendor = s.exec(select(Vendor).where(Vendor.org_id == org.id)).first()
        vendor.name = f"{tag} Vendor"
        s.add(vendor)
        plants = [factories.plant(s, org.id, vendor.id, external_id=f"{tag}-EXT-{i}", name=f"{tag} Plant {i}",
                                  capacity_kw=100.0 + i, latitude=12.0, longitude=77.0, current_power_kw=42.0,
                                  daily_energy_mwh=0.3, last_reading_at=now)
                  for i in range(3)]
        wo = factories.work_order(s, org.id, plants[:1], created_by=account.id, title=f"{tag} Work Order",
                                  description=f"{tag} description")
        s.add(WorkOrderComment(work_order_id=wo.id, account_id=account.id, body=f"{tag} comment"))
        s.add(WorkOrderPlantEff(work_order_id=wo.id, plant_id=plants[0].id, period=EffPeriod.BEFORE,
                                window_start=now - timedelta(days=7), window_end=now, pr=0.8, days=7,
                                method=f"{tag} method"))
        alert = factories.alert(s, plants[1], external_id=f"{tag}-ALERT", title=f"{tag} Alert",
                                message=f"{tag} alert message", started_at=now - timedelta(hours=1))
        run = SyncRun(vendor_id=vendor.id, org_id=org.id, kind=SyncKind.TELEMETRY, trigger=SyncTrigger.SCHEDULE,
                      status=SyncStatus.FAILED, error=f"{tag} sync error", plants_total=3)
        s.add(run)
        hook = WebhookEndpoint(org_id=org.id, url=f"http://127.0.0.1:9/{tag}", description=f"{tag} hook",
                               secret_encrypted=encrypt_json({"secret": f"whsec_{tag}"}), created_by=account.id)
        s.add(hook)
        s.flush()
        s.add(OutboxMessage(org_id=org.id, event_kind=EventKind.ALERT_NEW, event_key=f"{tag}-event",
                            channel=Channel.WEBHOOK, webhook_id=hook.id, idempotency_key=f"{tag}-event:webhook",
                            payload={"title": f"{tag} alert"}, status=OutboxStatus.SENT, attempts=1, sent_at=now))
        s.flush()
        t = Tenant(org_id=org.id, vendor_id=vendor.id, plant_ids=[p.id for p in plants], free_plant_id=plants[2].id,
                   alert_id=alert.id, wo_id=wo.id, run_id=run.id, account_id=account.id, webhook_id=hook.id,
                   markers=[tag, f"{tag}-EXT-0", org_name])
        _checklist_and_photo(s, t, tag)
    with telemetry_session(SYSTEM_CONTEXT) as t_s:
        for pid in t.plant_ids:
            factories.readings(t_s, pid, t.org_id, [now - timedelta(minutes=5 * k) for k in range(12)],
                               lambda k: 40.0 + k, voltage_v=600.0, current_a=10.0)
            t_s.add(PlantDailyEnergy(plant_id=pid, day=date.today() - timedelta(days=1), org_id=t.org_id,
                                     timezone="UTC", energy_kwh=321.0, readings_count=288, coverage_pct=100.0))
            # a complete, final yesterday (as the hourly job leaves it): the performers rank on it
            t_s.add(PlantDailyKpi(plant_id=pid, day=date.today() - timedelta(days=1), org_id=t.org_id,
                                  timezone="UTC", capacity_kw=100.0, pr=0.8, final=True, incomplete=False,
                                  coverage_pct=100.0, energy_kwh=321.0, yf_kwh_kwp=3.21))
    return t


def _checklist_and_photo(s, t: Tenant, tag: str) -> None:
    """The tenant's own template (its name and items carry the tag), a checklist from it on the tenant's work order
    and a small PNG (its name carries the tag) on the checklist's first item, made through the services."""
    from woms_app.services import attachments, checklists
    from woms_app.services.viewer import SYSTEM

    template = checklists.create_template(s, SYSTEM, name=f"{tag} checklist", wo_type="inspection",
                                          items=[{"label": f"{tag} item one", "unit": "V"},
                                                 {"label": f"{tag} item two"}], org_id=t.org_id)
    checklist = checklists.attach_checklist(s, SYSTEM, t.wo_id, template.id)
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(out, format="PNG")
    photo = attachments.upload_attachment(s, SYSTEM, t.wo_id, data=out.getvalue(), file_name=f"{tag} photo.png",
                                          checklist_item_id=checklist.items[0].id)
    checklists.record_result(s, SYSTEM, t.wo_id, checklist.id, checklist.items[1].id, result="fail",
                             note=f"{tag} broken")
    t.template_id, t.checklist_id, t.item_id, t.attachment_id = (template.id, checklist.id, checklist.items[0].id,
                                                                 photo.id)
    t.failed_item_id = checklist.items[1].id


@pytest.fixture
def world(demo) -> World:
    """Demo orgs (A = Sunrise Energy, B = Helios Power) with vendors, plants, a work order, an alert, a sync run,
    readings, daily energy and KPIs each; every name of B's rows contains "HELIOSMARK"."""
    return World(a=_tenant(ORG_A, "SUNRISEMARK"), b=_tenant(ORG_B, "HELIOSMARK"))


def db_fingerprint() -> dict[str, str]:
    """A hash of every row of every table of both databases (what "nothing changed" compares)."""
    out = {}
    for opener in (main_session, telemetry_session):
        with opener(SYSTEM_CONTEXT) as s:
            conn = s.connection()
            for name in sorted(sa.inspect(conn).get_table_names()):
                if name == "alembic_version" or not include_name(name, "table", None):
                    continue  # daily partitions of telemetry_readings: their rows are read through the parent
                rows = conn.execute(sa.text(f'SELECT * FROM "{name}"')).all()
                out[name] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()[:16] + f":{len(rows)}"
    return out


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
