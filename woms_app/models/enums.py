"""Domain enums. Each member carries its label and badge colour (Radix colour names),
so every status badge in the UI is driven by one mapping."""
from __future__ import annotations

import enum
from typing import Self

from woms_app.core.errors import ValidationFailed


class LabelledEnum(str, enum.Enum):  # noqa: UP042 (StrEnum would change str() of a member)
    """A string enum whose members know how to present themselves."""

    @property
    def label(self) -> str:
        return _LABELS.get(self, self.value.replace("_", " ").title())

    @property
    def color(self) -> str:
        return _COLORS.get(self, "gray")

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def parse(cls, value: object, field: str, name: str | None = None) -> Self:
        """A member from user input (any letter case, surrounding spaces ignored), else ValidationFailed on
        ``field``: "<name> must be one of …" (``name`` defaults to the field). The one parser of enum input."""
        if isinstance(value, cls):
            return value
        raw = str(value).strip()
        for candidate in (raw, raw.lower(), raw.upper()):
            try:
                return cls(candidate)
            except ValueError:
                continue
        raise ValidationFailed(f"{name or field} must be one of {', '.join(cls.values())}", field=field)


class AccountType(LabelledEnum):
    SUPERADMIN = "SUPERADMIN"
    GOVT = "GOVT"
    ORG = "ORG"


class OrgRole(LabelledEnum):
    """The role of an ORG account inside its organization (NULL for SUPERADMIN and GOVT accounts)."""

    MANAGER = "manager"  # today's rights: vendors, schedules, settings, every work order of the org
    TECHNICIAN = "technician"  # works the work orders assigned to them or left unassigned


class Priority(LabelledEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class WorkOrderStatus(LabelledEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    ON_HOLD = "ON_HOLD"
    DONE = "DONE"
    CANCELLED = "CANCELLED"

    @property
    def is_active(self) -> bool:
        return self in ACTIVE_WORK_ORDER_STATUSES


#: the statuses of a work order that holds its plants (one active work order per plant; alerts link to it)
ACTIVE_WORK_ORDER_STATUSES: tuple[WorkOrderStatus, ...] = (WorkOrderStatus.OPEN, WorkOrderStatus.IN_PROGRESS,
                                                           WorkOrderStatus.ON_HOLD)


class WorkOrderType(LabelledEnum):
    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"
    INSPECTION = "inspection"
    CLEANING = "cleaning"
    OTHER = "other"


class ClosureLevel(LabelledEnum):
    """The three levels of the closure taxonomy: a problem has causes and remedies."""

    PROBLEM = "problem"
    CAUSE = "cause"
    REMEDY = "remedy"


class ChecklistResult(LabelledEnum):
    """The outcome of one checklist item: fine, worth a look (flag), or a defect (fail)."""

    PASS = "pass"
    FLAG = "flag"
    FAIL = "fail"


class AlertSeverity(LabelledEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    INFO = "info"


class AlertStatus(LabelledEnum):
    ACTIVE = "ACTIVE"
    RESOLVED = "RESOLVED"


class VendorStatus(LabelledEnum):
    ACTIVE = "ACTIVE"
    NEEDS_CREDENTIALS = "NEEDS_CREDENTIALS"
    FAILING = "FAILING"
    PAUSED = "PAUSED"


class SyncKind(LabelledEnum):
    PLANTS = "plants"
    TELEMETRY = "telemetry"
    ALERTS = "alerts"
    FULL = "full"
    RETENTION = "retention"
    EFFICIENCY = "efficiency"


class SyncTrigger(LabelledEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    API = "api"
    STARTUP = "startup"


class SyncStatus(LabelledEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ERRORED = "errored"


class EffPeriod(LabelledEnum):
    BEFORE = "before"
    DURING = "during"
    AFTER = "after"


class Freshness(LabelledEnum):
    FRESH = "fresh"
    STALE = "stale"
    OFFLINE = "offline"
    NO_DATA = "no_data"


_LABELS: dict[enum.Enum, str] = {
    AccountType.SUPERADMIN: "Super admin",
    AccountType.GOVT: "Government",
    AccountType.ORG: "Organization",
    WorkOrderStatus.IN_PROGRESS: "In progress",
    WorkOrderStatus.ON_HOLD: "On hold",
    VendorStatus.NEEDS_CREDENTIALS: "Needs credentials",
    Freshness.NO_DATA: "No data",
}

_COLORS: dict[enum.Enum, str] = {
    AccountType.SUPERADMIN: "purple",
    AccountType.GOVT: "blue",
    AccountType.ORG: "teal",
    OrgRole.MANAGER: "teal",
    OrgRole.TECHNICIAN: "cyan",
    Priority.LOW: "gray",
    Priority.MEDIUM: "blue",
    Priority.HIGH: "orange",
    Priority.CRITICAL: "red",
    WorkOrderStatus.OPEN: "blue",
    WorkOrderStatus.IN_PROGRESS: "amber",
    WorkOrderStatus.ON_HOLD: "orange",
    WorkOrderStatus.DONE: "green",
    WorkOrderStatus.CANCELLED: "gray",
    AlertSeverity.CRITICAL: "red",
    AlertSeverity.MAJOR: "orange",
    AlertSeverity.MINOR: "amber",
    AlertSeverity.INFO: "blue",
    AlertStatus.ACTIVE: "red",
    AlertStatus.RESOLVED: "green",
    VendorStatus.ACTIVE: "green",
    VendorStatus.NEEDS_CREDENTIALS: "red",
    VendorStatus.FAILING: "orange",
    VendorStatus.PAUSED: "gray",
    SyncStatus.RUNNING: "blue",
    SyncStatus.SUCCEEDED: "green",
    SyncStatus.FAILED: "orange",
    SyncStatus.ERRORED: "red",
    Freshness.FRESH: "green",
    Freshness.STALE: "amber",
    Freshness.OFFLINE: "red",
    Freshness.NO_DATA: "gray",
    ChecklistResult.PASS: "green",
    ChecklistResult.FLAG: "amber",
    ChecklistResult.FAIL: "red",
}
