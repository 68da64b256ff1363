"""Vendors (one row per vendor cloud account of an organization): scoped CRUD, connection test.

Credentials are write-only: they are validated against the vendor (``test_connection``) before they
are stored (encrypted), and no read here ever returns them — only ``has_credentials``. GOVT
accounts have no access to vendors at all (403); another organization's vendor is "not found".
Async functions open their own sessions (they talk to the vendor between reads and writes).
"""
from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.db import main_session, telemetry_session
from woms_app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from woms_app.core.security import decrypt_json, encrypt_json
from woms_app.models.alert import Alert
from woms_app.models.enums import SyncStatus, VendorStatus
from woms_app.models.ops import SyncRun
from woms_app.models.org import Organization
from woms_app.models.plant import Plant
from woms_app.models.vendor import Vendor
from woms_app.models.work_order import WorkOrderPlant
from woms_app.services import audit, quota, telemetry
from woms_app.services.adapters import adapter_for
from woms_app.services.paging import Page, check_page
from woms_app.services.public_url import clean_public_url
from woms_app.services.sync import STALE_RUN, vendor_plan
from woms_app.services.viewer import Viewer, can_see_org, org_filter, require_manager, require_write_org
from woms_app.vendors import ConnectionResult, UnknownVendorType, VendorError, VendorManager


@dataclass
class VendorView:
    id: int
    org_id: int
    org_name: str
    name: str
    vendor_type: str
    vendor_label: str
    base_url: str
    poll_interval_s: int
    alert_interval_s: int
    rate_limit_requests: int
    rate_limit_window_s: float
    max_concurrency: int
    status: str
    has_credentials: bool
    plants: int = 0
    last_sync_at: datetime | None = None
    last_error: str | None = None
    running: bool = False
    run_plants_done: int = 0
    run_plants_total: int = 0
    last_run_status: str | None = None
    last_run_at: datetime | None = None
    last_run_error: str | None = None
    quota_calls: int | None = None
    quota_period: str = "year"
    quota_source: str = "configured"
    quota_calls_used: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("last_sync_at", "last_run_at"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


@dataclass
class VendorInput:
    name: str | None = None
    vendor_type: str | None = None
    base_url: str | None = None
    credentials: dict[str, str] = field(default_factory=dict)  # blank fields keep the stored value on edit
    org_id: int | None = None
    poll_interval_s: int | None = None
    alert_interval_s: int | None = None
    rate_limit_requests: int | None = None
    rate_limit_window_s: float | None = None
    max_concurrency: int | None = None
    # the account's call allowance when the vendor does not report it: calls per period; 0 = none configured
    quota_calls: int | None = None
    quota_period: str | None = None  # year | month | day


def require_vendor_access(viewer: Viewer) -> None:
    if viewer.is_govt:
        raise Forbidden("Vendor integrations are not available to government observers")


def require_vendor_manager(viewer: Viewer) -> None:
    """Adding, changing, testing and deleting vendors is a manager's job (technicians read the list)."""
    require_vendor_access(viewer)
    require_manager(viewer, "manage vendor integrations")


def vendor_types() -> list[dict[str, Any]]:
    return [{"vendor_type": t.vendor_type, "label": t.label, "credential_fields": list(t.credential_fields),
             "secret_fields": list(t.secret_fields), "default_base_url": t.default_base_url}
            for t in VendorManager.types()]


def _label(vendor_type: str) -> str:
    try:
        return VendorManager.adapter_class(vendor_type).label or vendor_type
    except UnknownVendorType:
        return vendor_type


def _views(session: Session, rows: list[tuple[Vendor, str]]) -> list[VendorView]:
    ids = [v.id for v, _ in rows]
    if not ids:
        return []
    plants = dict(session.exec(select(Plant.vendor_id, sa.func.count(Plant.id)).where(Plant.vendor_id.in_(ids))
                               .group_by(Plant.vendor_id)).all())
    latest = select(SyncRun.vendor_id, sa.func.max(SyncRun.id).label("rid")).where(
        SyncRun.vendor_id.in_(ids)).group_by(SyncRun.vendor_id).subquery()
    last_runs = {r.vendor_id: r for r in session.exec(select(SyncRun).join(latest, SyncRun.id == latest.c.rid)).all()}
    stale_before = utcnow() - STALE_RUN
    out = []
    for v, org_name in rows:
        run = last_runs.get(v.id)
        running = run is not None and run.status == SyncStatus.RUNNING and run.started_at > stale_before
        out.append(VendorView(
            id=v.id, org_id=v.org_id, org_name=org_name, name=v.name, vendor_type=v.vendor_type,
            vendor_label=_label(v.vendor_type), base_url=v.base_url, poll_interval_s=v.poll_interval_s,
            alert_interval_s=v.alert_interval_s, rate_limit_requests=v.rate_limit_requests,
            rate_limit_window_s=v.rate_limit_window_s, max_concurrency=v.max_concurrency, status=v.status.value,
            has_credentials=v.has_credentials, plants=plants.get(v.id, 0), last_sync_at=v.last_sync_at,
            last_error=v.last_error, running=running,
            run_plants_done=run.plants_done + run.plants_failed if running else 0,
            run_plants_total=run.plants_total if running else 0,
            last_run_status=run.status.value if run else None, last_run_at=run.started_at if run else None,
            last_run_error=run.error if run else None, quota_calls=v.quota_calls, quota_period=v.quota_period,
            quota_source=v.quota_source, quota_calls_used=v.quota_calls_used))
    return out


def list_vendors(session: Session, viewer: Viewer, *, page: int = 1, page_size: int = 50,
                 org_id: int | None = None) -> Page:
    require_vendor_access(viewer)
    check_page(page, page_size)
    stmt = (select(Vendor, Organization.name).join(Organization, Organization.id == Vendor.org_id)
            .where(org_filter(viewer, Vendor.org_id)))
    if org_id is not None:
        stmt = stmt.where(Vendor.org_id == org_id)
    total = session.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(Organization.name, Vendor.name, Vendor.id)
                        .offset((page - 1) * page_size).limit(page_size)).all()
    return Page(items=_views(session, list(rows)), total=total)


def _load(session: Session, viewer: Viewer, vendor_id: int) -> Vendor:
    require_vendor_access(viewer)
    vendor = session.get(Vendor, vendor_id) if vendor_id is not None else None
    if vendor is None or not can_see_org(viewer, vendor.org_id):
        raise NotFound("Vendor not found")
    return vendor


def get_vendor(session: Session, viewer: Viewer, vendor_id: int) -> VendorView:
    vendor = _load(session, viewer, vendor_id)
    org_name = session.get(Organization, vendor.org_id).name
    return _views(session, [(vendor, org_name)])[0]


# ---------------------------------------------------------------- validation
def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        raise ValidationFailed("Name is required (at most 120 characters)", field="name")
    return name


def _clean_url(url: str | None, default: str) -> str:
    return clean_public_url(url, default, field="base_url", label="Base URL")


def _int_in(value, lo: int, hi: int, fld: str, what: str) -> int:
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{what} must be a whole number", field=fld) from None
    if not lo <= v <= hi:
        raise ValidationFailed(f"{what} must be between {lo} and {hi}", field=fld)
    return v


def _apply_settings(vendor: Vendor, data: VendorInput) -> None:
    if data.poll_interval_s is not None:
        vendor.poll_interval_s = _int_in(data.poll_interval_s, 60, 86400, "poll_interval_s", "Poll interval (s)")
    if data.alert_interval_s is not None:
        vendor.alert_interval_s = _int_in(data.alert_interval_s, 30, 86400, "alert_interval_s", "Alert interval (s)")
    if data.rate_limit_requests is not None:
        vendor.rate_limit_requests = _int_in(data.rate_limit_requests, 1, 1_000_000, "rate_limit_requests",
                                             "Requests per window")
    if data.rate_limit_window_s is not None:
        try:
            w = float(data.rate_limit_window_s)
        except (TypeError, ValueError):
            raise ValidationFailed("Window must be a number of seconds", field="rate_limit_window_s") from None
        if not 0 < w <= 86400:
            raise ValidationFailed("Window must be between 0 and 86400 s", field="rate_limit_window_s")
        vendor.rate_limit_window_s = w
    if data.max_concurrency is not None:
        vendor.max_concurrency = _int_in(data.max_concurrency, 1, 64, "max_concurrency", "Concurrency")
    if data.quota_period is not None:
        if data.quota_period not in quota.PERIODS:
            raise ValidationFailed(f"Allowance period must be one of {', '.join(quota.PERIODS)}", field="quota_period")
        vendor.quota_period = data.quota_period
    if data.quota_calls is not None:
        calls = _int_in(data.quota_calls, 0, 10_000_000_000, "quota_calls", "Call allowance")
        if calls:
            vendor.quota_calls, vendor.quota_source = calls, "configured"
            if vendor.quota_period_start is None:
                vendor.quota_period_start = utcnow()  # the year of a plan bought today starts today
        elif vendor.quota_source == "configured":  # 0 / blank clears a configured one, never the vendor's
            vendor.quota_calls = None


def _check_credentials(vendor_type: str, creds: dict[str, str]) -> dict[str, str]:
    cls = VendorManager.adapter_class(vendor_type)
    allowed = set(cls.credential_fields) | set(getattr(cls, "optional_credential_fields", ()))
    unknown = set(creds) - allowed
    if unknown:
        raise ValidationFailed(f"Unknown credential field(s): {', '.join(sorted(unknown))}", field="credentials")
    missing = [f for f in cls.credential_fields if not str(creds.get(f) or "").strip()]
    if missing:
        raise ValidationFailed(f"Missing credential field(s): {', '.join(missing)}", field="credentials")
    return {k: str(v).strip() for k, v in creds.items() if str(v or "").strip()}


async def check_connection(vendor_type: str, base_url: str, credentials: dict[str, str],
                           budget: tuple[int, float, int] | None = None, **options) -> ConnectionResult:
    """Log in and list plants with these values (nothing stored). Never raises for vendor problems."""
    try:
        adapter = VendorManager.build(vendor_type, base_url, credentials, budget, **options)
    except VendorError as exc:
        return ConnectionResult(False, f"Credentials rejected: {exc.message}", error=type(exc).__name__)
    async with adapter:
        return await adapter.test_connection()


def _type(vendor_type: str | None) -> str:
    vt = (vendor_type or "").strip().lower()
    try:
        VendorManager.adapter_class(vt)
    except UnknownVendorType as exc:
        raise ValidationFailed(exc.message, field="vendor_type") from None
    return vt


# ---------------------------------------------------------------- writes
async def create_vendor(viewer: Viewer, data: VendorInput, *, check: bool = True, **options) -> VendorView:
    require_vendor_manager(viewer)
    org_id = viewer.org_id if viewer.is_org else data.org_id
    if org_id is None:
        raise ValidationFailed("Choose the organization", field="org_id")

    def prepare() -> Vendor:
        with main_session(viewer.db_context) as s:
            require_write_org(viewer, org_id)
            if s.get(Organization, org_id) is None:
                raise ValidationFailed("Unknown organization", field="org_id")
            vt = _type(data.vendor_type)
            cls = VendorManager.adapter_class(vt)
            b = cls.default_budget
            v = Vendor(org_id=org_id, name=_clean_name(data.name), vendor_type=vt,
                       base_url=_clean_url(data.base_url, cls.default_base_url), rate_limit_requests=b.requests,
                       rate_limit_window_s=b.window_s, max_concurrency=b.max_concurrency)
            _apply_settings(v, data)
            _unique_name(s, org_id, v.name, None)
            return v

    vendor = await asyncio.to_thread(prepare)
    creds = _check_credentials(vendor.vendor_type, data.credentials)
    if check:
        result = await check_connection(vendor.vendor_type, vendor.base_url, creds, _budget(vendor), **options)
        if not result.ok:
            raise ValidationFailed(result.reason, field="credentials")
    vendor.credentials_encrypted = encrypt_json(creds)

    def store() -> VendorView:
        with main_session(viewer.db_context) as s:
            _unique_name(s, org_id, vendor.name, None)
            s.add(vendor)
            s.flush()
            audit.record_write(s, viewer, "create", "vendors", vendor.id, org_id=org_id,
                               detail=f"{vendor.name} ({vendor.vendor_type})")
            feed.publish_after_commit(s, org_id, feed.VENDORS)
            return get_vendor(s, viewer, vendor.id)

    return await asyncio.to_thread(store)


def _budget(v: Vendor) -> tuple[int, float, int]:
    return (int(v.rate_limit_requests), float(v.rate_limit_window_s), int(v.max_concurrency))


def _unique_name(s: Session, org_id: int, name: str, except_id: int | None) -> None:
    q = select(Vendor.id).where(Vendor.org_id == org_id, sa.func.lower(Vendor.name) == name.lower())
    if except_id is not None:
        q = q.where(Vendor.id != except_id)
    if s.exec(q).first() is not None:
        raise Conflict(f"A vendor named “{name}” already exists in this organization", field="name")


async def update_vendor(viewer: Viewer, vendor_id: int, data: VendorInput, *, check: bool = True,
                        **options) -> VendorView:
    """Edit settings; credentials given are merged over the stored ones (blank = keep) and, like a
    changed type or URL, re-validated against the vendor before anything is stored."""
    require_vendor_manager(viewer)

    def load() -> tuple[Vendor, dict]:
        with main_session(viewer.db_context) as s:
            v = _load(s, viewer, vendor_id)
            require_write_org(viewer, v.org_id)
            s.expunge(v)
            stored = decrypt_json(v.credentials_encrypted) if v.credentials_encrypted else {}
            return v, stored

    vendor, stored = await asyncio.to_thread(load)
    changed_conn = False
    if data.name is not None:
        vendor.name = _clean_name(data.name)
    if data.vendor_type is not None and data.vendor_type.strip().lower() != vendor.vendor_type:
        vendor.vendor_type = _type(data.vendor_type)
        stored = {}  # another vendor's credentials never carry over
        changed_conn = True
    if data.base_url is not None and data.base_url.strip():
        url = _clean_url(data.base_url, "")
        if url != vendor.base_url:
            # stored secrets are write-only: they are never sent to a new address (which could be anyone's
            # server); whoever moves the vendor types them again
            secret = set(VendorManager.adapter_class(vendor.vendor_type).secret_fields)
            stored = {k: v for k, v in stored.items() if k not in secret}
            changed_conn = True
        vendor.base_url = url
    _apply_settings(vendor, data)
    given = {k: v for k, v in (data.credentials or {}).items() if str(v or "").strip()}
    creds = stored
    if given or changed_conn:
        creds = _check_credentials(vendor.vendor_type, {**stored, **given})
        changed_conn = True
        if check:
            result = await check_connection(vendor.vendor_type, vendor.base_url, creds, _budget(vendor), **options)
            if not result.ok:
                raise ValidationFailed(result.reason, field="credentials")

    def store() -> VendorView:
        with main_session(viewer.db_context) as s:
            row = _load(s, viewer, vendor_id)
            require_write_org(viewer, row.org_id)
            _unique_name(s, row.org_id, vendor.name, row.id)
            fields = ["name", "vendor_type", "base_url", "poll_interval_s", "alert_interval_s", "rate_limit_requests",
                      "rate_limit_window_s", "max_concurrency", "quota_calls", "quota_period", "quota_source",
                      "quota_period_start"]
            changed = [f for f in fields if getattr(row, f) != getattr(vendor, f)]
            for f in changed:
                setattr(row, f, getattr(vendor, f))
            if changed_conn:
                row.credentials_encrypted = encrypt_json(creds)
                changed.append("credentials")
                if row.status == VendorStatus.NEEDS_CREDENTIALS:
                    row.status, row.last_error = VendorStatus.ACTIVE, None
            row.updated_at = utcnow()
            s.add(row)
            audit.record_write(s, viewer, "update", "vendors", row.id, org_id=row.org_id,
                               detail="changed: " + (", ".join(changed) or "nothing"))
            feed.publish_after_commit(s, row.org_id, feed.VENDORS)
            s.flush()
            return get_vendor(s, viewer, row.id)

    return await asyncio.to_thread(store)


async def check_vendor(viewer: Viewer, vendor_id: int, **options) -> ConnectionResult:
    """Test the stored credentials of a vendor (managers only)."""
    require_vendor_manager(viewer)

    def load() -> Vendor:
        with main_session(viewer.db_context) as s:
            v = _load(s, viewer, vendor_id)
            require_write_org(viewer, v.org_id)
            audit.record_write(s, viewer, "test", "vendors", v.id, org_id=v.org_id, detail="connection test")
            s.expunge(v)
            return v

    vendor = await asyncio.to_thread(load)
    try:
        adapter = adapter_for(vendor, **options)
    except VendorError as exc:
        return ConnectionResult(False, f"Credentials rejected: {exc.message}", error=type(exc).__name__)
    async with adapter:
        return await adapter.test_connection()


def delete_vendor(session: Session, viewer: Viewer, vendor_id: int, *, remove_plants: bool = False) -> None:
    """Delete a vendor. Refused while plants use it, unless ``remove_plants`` (then its plants, their
    alerts and telemetry go too — refused if any of them has work-order history)."""
    require_vendor_manager(viewer)
    vendor = _load(session, viewer, vendor_id)
    require_write_org(viewer, vendor.org_id)
    plant_ids = list(session.exec(select(Plant.id).where(Plant.vendor_id == vendor.id)).all())
    if plant_ids and not remove_plants:
        n = len(plant_ids)
        raise Conflict(f"{n} plant{'s' if n != 1 else ''} use{'s' if n == 1 else ''} this vendor: "
                       "remove them first (delete the vendor together with its plants)")
    if plant_ids:
        if session.exec(select(WorkOrderPlant.id).where(WorkOrderPlant.plant_id.in_(plant_ids))).first() is not None:
            raise Conflict("Some of its plants have work-order history and cannot be removed")
        session.execute(sa.delete(Alert).where(Alert.plant_id.in_(plant_ids)))
        session.execute(sa.delete(Plant).where(Plant.id.in_(plant_ids)))
    session.execute(sa.update(SyncRun).where(SyncRun.vendor_id == vendor.id).values(vendor_id=None))
    audit.record_write(session, viewer, "delete", "vendors", vendor.id, org_id=vendor.org_id,
                       detail=f"{vendor.name}; {len(plant_ids)} plants removed")
    session.delete(vendor)
    session.flush()
    if plant_ids:
        _delete_telemetry(plant_ids, viewer)
        feed.publish_after_commit(session, vendor.org_id, feed.PLANTS, feed.ALERTS, feed.METRICS)
    feed.publish_after_commit(session, vendor.org_id, feed.VENDORS)


def _delete_telemetry(plant_ids: list[int], viewer: Viewer) -> None:
    from woms_app.core.db import TelemetryModel

    with telemetry_session(viewer.db_context) as t:
        telemetry.forget_power_buckets(t, plant_ids)  # first: their organization's fleet-curve sums are derived
        for table in TelemetryModel.metadata.sorted_tables:
            if "plant_id" in table.c:
                t.execute(sa.delete(table).where(table.c.plant_id.in_(plant_ids)))


__all__ = ["VendorView", "VendorInput", "list_vendors", "get_vendor", "create_vendor", "update_vendor",
           "delete_vendor", "check_vendor", "check_connection", "vendor_types", "require_vendor_access",
           "require_vendor_manager"]


def org_options(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    """Organizations the viewer may add a vendor to (all for a super admin, its own for an ORG account)."""
    require_vendor_access(viewer)
    return [(i, n) for i, n in session.exec(select(Organization.id, Organization.name)
                                            .where(org_filter(viewer, Organization.id))
                                            .order_by(Organization.name)).all()]


# ---------------------------------------------------------------- the quota panel
@dataclass
class PlantLag:
    plant_id: int
    name: str
    last_reading_at: datetime | None
    lag_s: float | None  # now − the plant's newest reading (None: no reading yet)


@dataclass
class QuotaView:
    vendor_id: int
    vendor_name: str
    org_name: str
    calls: int | None  # allowance per period (None: unknown — nothing limits the polling)
    period: str
    source: str  # vendor | configured
    used: int
    left: int | None
    period_end: datetime
    checked_at: datetime | None
    calls_per_day: float  # at the current plan
    exhausted_at: datetime | None  # the allowance runs out at the current plan (None: no allowance known)
    lasts_the_period: bool
    power_interval_s: float | None
    frames_interval_s: float | None
    lists_interval_s: float | None
    alerts_interval_s: float | None
    plan_reason: str
    refused: str | None  # the reason the latest run was not started, if it was refused
    plants: list[PlantLag] = field(default_factory=list)


def quota_views(session: Session, viewer: Viewer, *, now: datetime | None = None,
                max_plants: int = 50) -> list[QuotaView]:
    """Calls used, allowance left, the projected run-out date and each plant's data lag, per visible vendor."""
    require_vendor_access(viewer)
    now = now or utcnow()
    rows = session.exec(select(Vendor, Organization.name).join(Organization, Organization.id == Vendor.org_id)
                        .where(org_filter(viewer, Vendor.org_id)).order_by(Organization.name, Vendor.name)).all()
    out = []
    for vendor, org_name in rows:
        plants = list(session.exec(select(Plant).where(Plant.vendor_id == vendor.id).order_by(Plant.name)).all())
        allowance, plan = vendor_plan(vendor, plants, now)
        last = session.exec(select(SyncRun).where(SyncRun.vendor_id == vendor.id)
                            .order_by(SyncRun.id.desc())).first()
        refused = last.error if last is not None and (last.error or "").startswith("Not started") else None
        lags = [PlantLag(p.id, p.name, p.last_reading_at,
                         (now - p.last_reading_at).total_seconds() if p.last_reading_at else None)
                for p in plants[:max_plants]]
        out.append(QuotaView(
            vendor_id=vendor.id, vendor_name=vendor.name, org_name=org_name, calls=allowance.calls,
            period=allowance.period, source=vendor.quota_source, used=allowance.used, left=allowance.remaining,
            period_end=allowance.period_end, checked_at=vendor.quota_checked_at, calls_per_day=plan.calls_per_day,
            exhausted_at=plan.exhausted_at,
            lasts_the_period=plan.exhausted_at is None or plan.exhausted_at >= allowance.period_end,
            power_interval_s=plan.power_interval_s, frames_interval_s=plan.frames_interval_s,
            lists_interval_s=plan.lists_interval_s, alerts_interval_s=plan.alerts_interval_s,
            plan_reason=plan.reason, refused=refused, plants=lags))
    return out
