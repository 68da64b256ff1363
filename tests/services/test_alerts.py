"""Alerts: scoped, newest first, filters, pagination, GOVT reads audited."""
from __future__ import annotations

import pytest
from sqlmodel import select

from tests.wo_fleet import build_fleet, viewer
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.core.errors import NotFound, ValidationFailed
from woms_app.models import AuditLog
from woms_app.services import alerts, work_orders


@pytest.fixture
def fleet(demo):
    with main_session(SYSTEM_CONTEXT) as s:
        return build_fleet(s)


def test_scoped_newest_first_with_filters(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        sunrise = viewer(s, "sunrise")
        page = alerts.list_alerts(s, sunrise)
        assert page.total == 3
        assert [a.id for a in page.items] == [fleet.alerts[k] for k in ("sunrise-info", "sunrise-minor", "sunrise-critical")]
        assert {a.org_name for a in page.items} == {"Sunrise Energy"}
        assert [a.severity.value for a in alerts.list_alerts(s, sunrise, severity="critical").items] == ["critical"]
        assert alerts.list_alerts(s, sunrise, severity="CRITICAL").total == 1  # case-insensitive
        assert alerts.list_alerts(s, sunrise, status="active").total == 2
        assert alerts.list_alerts(s, sunrise, status="RESOLVED").items[0].status.value == "RESOLVED"
        assert alerts.list_alerts(s, sunrise, plant_id=fleet.plants["sunrise-2"]).total == 0
        # an org filter never widens an ORG viewer's scope
        assert alerts.list_alerts(s, sunrise, org_id=fleet.orgs["helios"]).total == 0
        assert alerts.list_alerts(s, sunrise, plant_id=fleet.plants["helios-1"]).total == 0
        admin = viewer(s, "admin")
        assert alerts.list_alerts(s, admin).total == 6
        assert alerts.list_alerts(s, admin, org_id=fleet.orgs["helios"]).total == 3
        p2 = alerts.list_alerts(s, admin, page=2, page_size=4)
        assert p2.total == 6 and len(p2.items) == 2
        assert alerts.list_alerts(s, admin, search="minor").total == 2
        with pytest.raises(ValidationFailed) as exc:
            alerts.list_alerts(s, admin, severity="fatal")
        assert exc.value.field == "severity"
        with pytest.raises(ValidationFailed):
            alerts.list_alerts(s, admin, page=0)


def test_get_is_scoped_and_shows_linked_work_order(fleet):
    alert_id = fleet.alerts["helios-critical"]
    with main_session(SYSTEM_CONTEXT) as s:
        helios = viewer(s, "helios")
        wo = work_orders.create_work_order(s, helios, title="Fix it", plant_ids=[fleet.plants["helios-1"]],
                                           alert_id=alert_id)
        view = alerts.get_alert(s, helios, alert_id)
        assert view.work_order_id == wo.id and view.work_order_title == "Fix it" and view.has_active_work_order
        assert view.plant_name == "Helios plant 1"
        with pytest.raises(NotFound):
            alerts.get_alert(s, viewer(s, "sunrise"), alert_id)
        with pytest.raises(NotFound):
            alerts.get_alert(s, helios, 999_999)


def test_govt_reads_are_audited(fleet):
    with main_session(SYSTEM_CONTEXT) as s:
        govt = viewer(s, "govt")
        assert alerts.list_alerts(s, govt).total == 6
        alerts.get_alert(s, govt, fleet.alerts["sunrise-minor"])
        rows = s.exec(select(AuditLog).where(AuditLog.role == "GOVT", AuditLog.entity == "alerts")).all()
        assert len(rows) == 2
        sunrise = viewer(s, "sunrise")
        alerts.list_alerts(s, sunrise)
        assert len(s.exec(select(AuditLog).where(AuditLog.entity == "alerts")).all()) == 2  # ORG reads not logged


def test_attention_counts_active_unacknowledged_and_announces_only_newer_major_alerts(fleet):
    from datetime import UTC, datetime

    from tests import factories
    from woms_app.models import Plant
    from woms_app.models.enums import AlertSeverity

    def seen(who: str, after_id: int | None = None) -> alerts.Attention:
        with main_session(SYSTEM_CONTEXT) as s:  # one session per viewer: a viewer sets the session's RLS context
            return alerts.attention(s, viewer(s, who), after_id=after_id)

    first, helios_first = seen("sunrise"), seen("helios")
    with main_session(SYSTEM_CONTEXT) as s:
        active = alerts.list_alerts(s, viewer(s, "sunrise"), status="ACTIVE").total
    assert first.unacknowledged == active == 2 and first.to_announce == []  # no baseline: nothing to toast
    with main_session(SYSTEM_CONTEXT) as s:
        plant = s.get(Plant, fleet.plants["sunrise-1"])
        started = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        crit = factories.alert(s, plant, title="Ground fault", severity=AlertSeverity.CRITICAL, started_at=started).id
        factories.alert(s, plant, title="Fan noise", severity=AlertSeverity.MINOR, started_at=started)
        major = factories.alert(s, plant, title="Over-temperature", severity=AlertSeverity.MAJOR,
                                started_at=started).id
    later = seen("sunrise", first.newest_id)
    assert later.unacknowledged == 5  # the minor one counts, but raises no toast
    assert [a.id for a in later.to_announce] == [crit, major]
    assert {a.org_name for a in seen("helios", 0).to_announce} == {"Helios Power"}
    assert seen("helios", helios_first.newest_id).to_announce == []  # Sunrise's are not Helios's
    assert seen("govt", first.newest_id).unacknowledged >= 5
    # acknowledged: no longer counted, no longer announced
    with main_session(SYSTEM_CONTEXT) as s:
        alerts.acknowledge(s, viewer(s, "sunrise"), crit, "on it")
    again = seen("sunrise", first.newest_id)
    assert again.unacknowledged == 4 and [a.id for a in again.to_announce] == [major]
    # GOVT's toasts are reads of alert rows: audited
    seen("govt", first.newest_id)
    with main_session(SYSTEM_CONTEXT) as s:
        assert s.exec(select(AuditLog).where(AuditLog.role == "GOVT", AuditLog.detail.like("toast%"))).first()


def test_alert_toasts_follow_the_accounts_new_alert_preference(fleet):
    from datetime import UTC, datetime

    from tests import factories
    from woms_app.models import Plant
    from woms_app.models.enums import AlertSeverity
    from woms_app.services.notifications import prefs

    def toasts(after: int) -> list[str]:
        with main_session(SYSTEM_CONTEXT) as s:
            return [a.severity.value for a in alerts.attention(s, viewer(s, "sunrise"), after_id=after).to_announce]

    def prefer(**kw) -> None:
        with main_session(SYSTEM_CONTEXT) as s:
            prefs.set_prefs(s, viewer(s, "sunrise"), [prefs.PrefInput(event_kind="alert.new", **kw)])

    with main_session(SYSTEM_CONTEXT) as s:
        base = alerts.attention(s, viewer(s, "sunrise")).newest_id
    with main_session(SYSTEM_CONTEXT) as s:
        plant = s.get(Plant, fleet.plants["sunrise-1"])
        for sev in (AlertSeverity.CRITICAL, AlertSeverity.MAJOR, AlertSeverity.MINOR):
            factories.alert(s, plant, severity=sev, started_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert toasts(base) == ["critical", "major"]  # the default: major and above
    prefer(in_app=True, email=True, min_severity="minor")
    assert toasts(base) == ["critical", "major", "minor"]
    prefer(in_app=True, email=True, min_severity="critical")
    assert toasts(base) == ["critical"]
    prefer(in_app=False, email=True, min_severity="critical")
    assert toasts(base) == []  # no toasts at all; the badge still counts
    with main_session(SYSTEM_CONTEXT) as s:
        assert alerts.attention(s, viewer(s, "sunrise"), after_id=base).unacknowledged == 5
