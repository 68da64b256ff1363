"""/api/vendors: scoped CRUD, connection test and "sync now". Credentials are write-only:
responses carry ``has_credentials``, never the credentials."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from woms_app.api.deps import DB, current_viewer
from woms_app.api.ids import VendorId
from woms_app.models.enums import SyncTrigger
from woms_app.services import sync as sync_service
from woms_app.services import vendors as svc
from woms_app.services.paging import MAX_PAGE_SIZE
from woms_app.services.viewer import Viewer, require_writer

router = APIRouter(prefix="/vendors", tags=["vendors"])


# the service's view is the response model (it has no credential field: only has_credentials)
VendorOut = svc.VendorView



class VendorList(BaseModel):
    items: list[VendorOut]
    total: int


class VendorIn(BaseModel):
    name: str | None = Field(default=None, max_length=120)
    vendor_type: str | None = Field(default=None, max_length=40)
    base_url: str | None = Field(default=None, max_length=300)
    credentials: dict[str, str] = Field(default_factory=dict)
    org_id: int | None = None
    poll_interval_s: int | None = None
    alert_interval_s: int | None = None
    rate_limit_requests: int | None = None
    rate_limit_window_s: float | None = None
    max_concurrency: int | None = None
    quota_calls: int | None = None  # the account's call allowance per quota_period (0 clears a configured one)
    quota_period: str | None = Field(default=None, max_length=8)

    def to_input(self) -> svc.VendorInput:
        return svc.VendorInput(**self.model_dump())


class ConnectionOut(BaseModel):
    ok: bool
    reason: str
    plant_count: int | None = None


class SyncOut(BaseModel):
    run_id: int
    status: str
    plants_total: int
    plants_done: int
    plants_failed: int
    readings_upserted: int
    alerts_new: int
    alerts_resolved: int
    error: str | None
    duration_ms: int
    vendor_calls: int = 0  # requests sent to the vendor (counted against its allowance)
    refused: bool = False  # not started: it would overspend the allowance (error says why)


@router.get("", response_model=VendorList)
def list_vendors(viewer: Viewer = Depends(current_viewer), session: Session = DB,
                 page: int = Query(1, ge=1), page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
                 org_id: int | None = None) -> VendorList:
    result = svc.list_vendors(session, viewer, page=page, page_size=page_size, org_id=org_id)
    return VendorList(items=result.items, total=result.total)


@router.get("/types")
def vendor_types(viewer: Viewer = Depends(current_viewer)) -> list[dict]:
    svc.require_vendor_access(viewer)
    return svc.vendor_types()


@router.get("/{vendor_id}", response_model=VendorOut)
def get_vendor(vendor_id: VendorId, viewer: Viewer = Depends(current_viewer), session: Session = DB) -> VendorOut:
    return svc.get_vendor(session, viewer, vendor_id)


@router.post("", response_model=VendorOut, status_code=201)
async def create_vendor(body: VendorIn, viewer: Viewer = Depends(current_viewer)) -> VendorOut:
    require_writer(viewer)
    return await svc.create_vendor(viewer, body.to_input())


@router.patch("/{vendor_id}", response_model=VendorOut)
async def update_vendor(vendor_id: VendorId, body: VendorIn, viewer: Viewer = Depends(current_viewer)) -> VendorOut:
    require_writer(viewer)
    return await svc.update_vendor(viewer, vendor_id, body.to_input())


@router.delete("/{vendor_id}", status_code=204)
def delete_vendor(vendor_id: VendorId, remove_plants: bool = False, viewer: Viewer = Depends(current_viewer),
                  session: Session = DB) -> Response:
    require_writer(viewer)
    svc.delete_vendor(session, viewer, vendor_id, remove_plants=remove_plants)
    return Response(status_code=204)


@router.post("/{vendor_id}/test", response_model=ConnectionOut)
async def test_vendor(vendor_id: VendorId, viewer: Viewer = Depends(current_viewer)) -> ConnectionOut:
    require_writer(viewer)
    r = await svc.check_vendor(viewer, vendor_id)
    return ConnectionOut(ok=r.ok, reason=r.reason, plant_count=r.plant_count)


@router.post("/{vendor_id}/sync", response_model=SyncOut)
async def sync_vendor(vendor_id: VendorId, viewer: Viewer = Depends(current_viewer)) -> SyncOut:
    """Run a full sync now and answer its outcome (409 while another run of this vendor is in progress)."""
    svc.require_vendor_access(viewer)
    require_writer(viewer)
    r = await sync_service.sync_vendor(vendor_id, viewer=viewer, trigger=SyncTrigger.API)
    return SyncOut(run_id=r.run_id, status=r.status.value, plants_total=r.plants_total, plants_done=r.plants_done,
                   plants_failed=r.plants_failed, readings_upserted=r.readings_upserted, alerts_new=r.alerts.new,
                   alerts_resolved=r.alerts.resolved, error=r.error, duration_ms=r.duration_ms,
                   vendor_calls=r.vendor_calls, refused=r.refused)
