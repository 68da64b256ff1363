"""ORG accounts' role inside the organization: chosen by a SUPERADMIN at creation, changed by one, carried by the
viewer (which ends the account's sessions: the new rights apply at once)."""
from __future__ import annotations

import pytest
from sqlmodel import select

from tests.wo_fleet import viewer
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.core.errors import Forbidden, ValidationFailed
from woms_app.models import Account, AuditLog, AuthSession, OrgRole
from woms_app.services import accounts, auth


def test_a_superadmin_chooses_and_changes_the_role_of_an_org_account(demo):
    with main_session(SYSTEM_CONTEXT) as s:
        org_id = viewer(s, "sunrise").org_id
        admin = viewer(s, "admin")
        tech = accounts.create_account(s, admin, email="new.tech@sunrise.example", password="long-enough-pw",
                                       account_type="ORG", org_id=org_id, org_role="technician")
        manager = accounts.create_account(s, admin, email="new.boss@sunrise.example", password="long-enough-pw",
                                          account_type="ORG", org_id=org_id)
        govt = accounts.create_account(s, admin, email="obs@agency.example", password="long-enough-pw",
                                       account_type="GOVT", org_role="technician")
        assert (tech.org_role, manager.org_role, govt.org_role) == (OrgRole.TECHNICIAN, OrgRole.MANAGER, None)
        with pytest.raises(ValidationFailed, match="manager or technician") as exc:
            accounts.create_account(s, admin, email="x@sunrise.example", password="long-enough-pw",
                                    account_type="ORG", org_id=org_id, org_role="owner")
        assert exc.value.field == "org_role"
        with pytest.raises(Forbidden):
            accounts.create_account(s, viewer(s, "sunrise"), email="y@sunrise.example", password="long-enough-pw",
                                    account_type="ORG", org_id=org_id, org_role="manager")
        tech_id, govt_id = tech.id, govt.id
    with main_session(SYSTEM_CONTEXT) as s:
        result = auth.login(s, "new.tech@sunrise.example", "long-enough-pw")
        assert result.viewer.is_technician and result.viewer.org_role == OrgRole.TECHNICIAN
    with main_session(SYSTEM_CONTEXT) as s:
        admin = viewer(s, "admin")
        with pytest.raises(ValidationFailed, match="Only organization accounts"):
            accounts.set_org_role(s, admin, govt_id, "manager")
        accounts.set_org_role(s, admin, tech_id, OrgRole.MANAGER)
    with main_session(SYSTEM_CONTEXT) as s:
        acc = s.get(Account, tech_id)
        assert acc.org_role == OrgRole.MANAGER and auth.viewer_for(s, acc).is_manager
        sessions = s.exec(select(AuthSession).where(AuthSession.account_id == tech_id)).all()
        assert sessions and all(r.revoked_at is not None for r in sessions)
        assert s.exec(select(AuditLog).where(AuditLog.action == "set_org_role")).one().entity_id == str(tech_id)
