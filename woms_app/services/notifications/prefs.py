"""Per-account notification preferences: which events on which channel.

No row means the defaults below, so a new account is notified sensibly without anyone saving anything; a row
exists only for a kind its account changed. Only accounts of an organization are notified (the events are an
organization's), so only they have preferences to save.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, select

from woms_app.core.clock import utcnow
from woms_app.core.errors import Forbidden, ValidationFailed
from woms_app.models.enums import AlertSeverity
from woms_app.models.notification import EventKind, NotificationPref
from woms_app.services import audit
from woms_app.services.viewer import Viewer, require_writer

#: the kinds a person can be notified of (webhook.test goes to one endpoint only)
USER_KINDS: tuple[EventKind, ...] = (EventKind.ALERT_NEW, EventKind.WO_ASSIGNED, EventKind.WO_SLA_DUE_SOON,
                                     EventKind.WO_SLA_BREACHED, EventKind.WO_DONE)
SEVERITY_RANK = {AlertSeverity.CRITICAL: 0, AlertSeverity.MAJOR: 1, AlertSeverity.MINOR: 2, AlertSeverity.INFO: 3}
DEFAULT_MIN_SEVERITY = AlertSeverity.MAJOR


@dataclass(frozen=True)
class Pref:
    event_kind: str
    label: str
    in_app: bool
    email: bool
    min_severity: str | None = None  # alert.new only
    default: bool = True  # no row: these are the defaults


_DEFAULT_EMAIL = {EventKind.ALERT_NEW: True, EventKind.WO_ASSIGNED: True, EventKind.WO_SLA_DUE_SOON: True,
                  EventKind.WO_SLA_BREACHED: True, EventKind.WO_DONE: False}
_LABELS = {EventKind.ALERT_NEW: "New alert", EventKind.WO_ASSIGNED: "Work order assigned to me",
           EventKind.WO_SLA_DUE_SOON: "SLA due soon", EventKind.WO_SLA_BREACHED: "SLA breached",
           EventKind.WO_DONE: "Work order done"}


def default_pref(kind: EventKind) -> Pref:
    return Pref(kind.value, _LABELS[kind], True, _DEFAULT_EMAIL[kind],
                DEFAULT_MIN_SEVERITY.value if kind == EventKind.ALERT_NEW else None)


def _from_row(row: NotificationPref) -> Pref:
    kind = EventKind(row.event_kind)
    sev = row.min_severity or (DEFAULT_MIN_SEVERITY if kind == EventKind.ALERT_NEW else None)
    return Pref(kind.value, _LABELS[kind], row.in_app, row.email, sev.value if sev else None, default=False)


def severity_wanted(severity: str | AlertSeverity | None, min_severity: str | AlertSeverity | None) -> bool:
    """An alert of ``severity`` is at least as severe as ``min_severity`` (critical is the most severe)."""
    try:
        sev = AlertSeverity(severity) if severity else AlertSeverity.INFO
        least = AlertSeverity(min_severity) if min_severity else DEFAULT_MIN_SEVERITY
    except ValueError:
        return False
    return SEVERITY_RANK[sev] <= SEVERITY_RANK[least]


def effective(session: Session, account_ids: Sequence[int], kind: EventKind) -> dict[int, Pref]:
    """Each account's preference for ``kind`` (its row, else the default) — one query for all of them."""
    rows = session.exec(select(NotificationPref).where(NotificationPref.account_id.in_(list(account_ids)),
                                                       NotificationPref.event_kind == kind)).all() \
        if account_ids else []
    by_account = {r.account_id: _from_row(r) for r in rows}
    return {a: by_account.get(a, default_pref(kind)) for a in account_ids}


def get_prefs(session: Session, viewer: Viewer) -> list[Pref]:
    """The viewer's preferences, one per event kind (defaults where nothing was saved)."""
    rows = {} if viewer.account_id is None else {
        r.event_kind: r for r in session.exec(select(NotificationPref).where(
            NotificationPref.account_id == viewer.account_id)).all()}
    return [_from_row(rows[k]) if k in rows else default_pref(k) for k in USER_KINDS]


@dataclass(frozen=True)
class PrefInput:
    event_kind: str
    in_app: bool
    email: bool
    min_severity: str | None = None


def set_prefs(session: Session, viewer: Viewer, items: Iterable[PrefInput]) -> list[Pref]:
    """Save the viewer's choices for the kinds given (the others keep theirs). Audited."""
    require_writer(viewer)
    if not viewer.is_org or viewer.org_id is None or viewer.account_id is None:
        raise Forbidden("Notifications go to the accounts of an organization: this account has none to set")
    items = list(items)
    seen: set[EventKind] = set()
    clean: list[tuple[EventKind, PrefInput, AlertSeverity | None]] = []
    for item in items:
        try:
            kind = EventKind(item.event_kind)
        except ValueError:
            kind = None
        if kind not in USER_KINDS:
            raise ValidationFailed(f"Unknown event kind {item.event_kind!r}; one of "
                                   f"{', '.join(k.value for k in USER_KINDS)}", field="event_kind")
        if kind in seen:
            raise ValidationFailed(f"Event kind {kind.value} given twice", field="event_kind")
        seen.add(kind)
        sev = None
        if item.min_severity not in (None, ""):
            if kind != EventKind.ALERT_NEW:
                raise ValidationFailed("A minimum severity applies to new alerts only", field="min_severity")
            try:
                sev = AlertSeverity(item.min_severity)
            except ValueError:
                raise ValidationFailed(f"Severity must be one of {', '.join(AlertSeverity.values())}",
                                       field="min_severity") from None
        clean.append((kind, item, sev))
    rows = {r.event_kind: r for r in session.exec(select(NotificationPref).where(
        NotificationPref.account_id == viewer.account_id)).all()}
    now = utcnow()
    for kind, item, sev in clean:
        row = rows.get(kind) or NotificationPref(org_id=viewer.org_id, account_id=viewer.account_id, event_kind=kind)
        row.in_app, row.email, row.updated_at = bool(item.in_app), bool(item.email), now
        if kind == EventKind.ALERT_NEW:
            row.min_severity = sev or row.min_severity or DEFAULT_MIN_SEVERITY
        session.add(row)
    if clean:
        audit.record_write(session, viewer, "notification_prefs.update", "notification_prefs", viewer.account_id,
                           org_id=viewer.org_id, detail=", ".join(
                               f"{k.value}: in_app={i.in_app} email={i.email}" + (f" min={s.value}" if s else "")
                               for k, i, s in clean))
    session.flush()
    return get_prefs(session, viewer)
