"""Vendors service: scoped CRUD, write-only credentials validated against the (emulated) vendor."""
from __future__ import annotations

import pytest
from sqlmodel import select

from tests.sync.conftest import vendors  # noqa: F401  (fixture)
from tests.vendors.conftest import emulator, live  # noqa: F401  (fixtures)
from woms_app.core.db import SYSTEM_CONTEXT, main_session, telemetry_session
from woms_app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from woms_app.core.security import decrypt_json
from woms_app.models import Account, AuditLog, Plant, TelemetryReading, Vendor, VendorStatus
from woms_app.services import vendors as svc
from woms_app.services.auth import viewer_for
from woms_app.services.sync import sync_vendor
from woms_app.services.vendors import VendorInput


def viewer(email: str):
    with main_session(SYSTEM_CONTEXT) as s:
        return viewer_for(s, s.exec(select(Account).where(Account.email == email)).one())


@pytest.fixture
def who(demo):
    return {k: viewer(e) for k, e in {"admin": "admin@demo.woms", "govt": "govt@demo.woms",
                                       "sunrise": "ops@sunrise.demo.woms", "helios": "ops@helios.demo.woms"}.items()}


def sungrow_input(live, **kw) -> VendorInput:
    acct = live.accounts()["sungrow"]
    return VendorInput(**{"name": "Second iSolarCloud", "vendor_type": "sungrow", "base_url": acct["base_url"],
                          "credentials": dict(acct["credentials"]), **kw})


def test_list_is_scoped_and_never_carries_credentials(who):
    with main_session(SYSTEM_CONTEXT) as s:
        admin = svc.list_vendors(s, who["admin"])
        sunrise = svc.list_vendors(s, who["sunrise"])
        with pytest.raises(Forbidden):
            svc.list_vendors(s, who["govt"])
        helios_id = next(v.id for v in admin.items if v.org_name == "Helios Power")
        with pytest.raises(NotFound):
            svc.get_vendor(s, who["sunrise"], helios_id)
    assert admin.total == 2 and {v.org_name for v in admin.items} == {"Sunrise Energy", "Helios Power"}
    assert sunrise.total == 1 and sunrise.items[0].org_name == "Sunrise Energy"
    d = sunrise.items[0].to_dict()
    assert d["has_credentials"] is True
    assert not any("cred" in k and k != "has_credentials" for k in d)
    assert "password" not in repr(d) and "secret" not in repr(d).lower()


async def test_create_validates_credentials_against_the_vendor(who, live):
    bad = sungrow_input(live, credentials={**live.accounts()["sungrow"]["credentials"], "password": "wrong-pass-1"})
    with pytest.raises(ValidationFailed) as e:
        await svc.create_vendor(who["helios"], bad)
    assert e.value.field == "credentials" and "wrong-pass-1" not in e.value.message and e.value.message
    with pytest.raises(ValidationFailed, match="Missing credential"):
        await svc.create_vendor(who["helios"], sungrow_input(live, credentials={"appkey": "x"}))
    with pytest.raises(ValidationFailed) as e:
        await svc.create_vendor(who["helios"], sungrow_input(live, vendor_type="huawei"))
    assert e.value.field == "vendor_type"
    with pytest.raises(Forbidden):
        await svc.create_vendor(who["govt"], sungrow_input(live, org_id=1))

    view = await svc.create_vendor(who["helios"], sungrow_input(live))
    assert view.has_credentials and view.org_name == "Helios Power" and view.status == "ACTIVE"
    with main_session(SYSTEM_CONTEXT) as s:
        row = s.get(Vendor, view.id)
        assert decrypt_json(row.credentials_encrypted) == live.accounts()["sungrow"]["credentials"]
        assert s.exec(select(AuditLog).where(AuditLog.entity == "vendors", AuditLog.action == "create",
                                             AuditLog.entity_id == str(view.id))).one()
    with pytest.raises(Conflict):  # same name twice in one organization
        await svc.create_vendor(who["helios"], sungrow_input(live))
    # a super admin creates for any organization; an ORG account only for its own (org_id ignored)
    other = await svc.create_vendor(who["admin"], sungrow_input(live, name="Fleet iSolarCloud", org_id=1))
    mine = await svc.create_vendor(who["sunrise"], sungrow_input(live, name="Mine", org_id=2))
    assert other.org_id == 1 and mine.org_name == "Sunrise Energy"


async def test_edit_keeps_blank_credentials_and_revalidates_changes(who, live, vendors):  # noqa: F811
    sg = vendors["sungrow"]
    view = await svc.update_vendor(who["helios"], sg, VendorInput(name="Helios cloud", poll_interval_s=600,
                                                                   credentials={"password": ""}))
    assert view.name == "Helios cloud" and view.poll_interval_s == 600
    with pytest.raises(ValidationFailed) as e:
        await svc.update_vendor(who["helios"], sg, VendorInput(credentials={"password": "nope-nope"}))
    assert e.value.field == "credentials"
    with main_session(SYSTEM_CONTEXT) as s:  # nothing stored by the refused edit
        assert decrypt_json(s.get(Vendor, sg).credentials_encrypted)["password"] == \
            live.accounts()["sungrow"]["credentials"]["password"]
        v = s.get(Vendor, sg)
        v.status = VendorStatus.NEEDS_CREDENTIALS
        s.add(v)
    with pytest.raises(NotFound):
        await svc.update_vendor(who["sunrise"], sg, VendorInput(name="x"))
    with pytest.raises(ValidationFailed, match="Poll interval"):
        await svc.update_vendor(who["helios"], sg, VendorInput(poll_interval_s=5))
    good = live.accounts()["sungrow"]["credentials"]["password"]
    view = await svc.update_vendor(who["helios"], sg, VendorInput(credentials={"password": good}))
    assert view.status == "ACTIVE"  # new valid credentials un-pause the vendor
    ok = await svc.check_vendor(who["helios"], sg)
    assert ok.ok and ok.plant_count == 5


async def test_delete_refused_while_plants_use_it_unless_removed(who, vendors):  # noqa: F811
    sm = vendors["solarman"]
    await sync_vendor(sm)
    with main_session(SYSTEM_CONTEXT) as s:
        with pytest.raises(Conflict, match="5 plants use this vendor"):
            svc.delete_vendor(s, who["sunrise"], sm)
        with pytest.raises(NotFound):
            svc.delete_vendor(s, who["helios"], sm)
        with pytest.raises(Forbidden):
            svc.delete_vendor(s, who["govt"], sm)
    with main_session(SYSTEM_CONTEXT) as s:
        svc.delete_vendor(s, who["sunrise"], sm, remove_plants=True)
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.get(Vendor, sm) is None
        assert s.exec(select(Plant).where(Plant.vendor_id == sm)).all() == []
    with telemetry_session(SYSTEM_CONTEXT) as t:
        plant_ids = {r for r in t.exec(select(TelemetryReading.plant_id).distinct()).all()}
    assert plant_ids == set()
