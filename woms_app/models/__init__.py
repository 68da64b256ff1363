"""SQLModel tables, one domain per module. Importing this package registers them all."""
from woms_app.models.alert import Alert
from woms_app.models.enums import (
    AccountType,
    AlertSeverity,
    AlertStatus,
    EffPeriod,
    Freshness,
    Priority,
    SyncKind,
    SyncStatus,
    SyncTrigger,
    VendorStatus,
    WorkOrderStatus,
)
from woms_app.models.notification import (
    Channel,
    EventKind,
    NotificationPref,
    OutboxMessage,
    OutboxStatus,
    WebhookEndpoint,
)
from woms_app.models.ops import AuditLog, SchedulerLock, SyncRun
from woms_app.models.org import Account, AuthSession, LoginAttempt, Organization
from woms_app.models.plant import Plant, PlantDevice
from woms_app.models.telemetry import (
    OrgPowerBucket,
    PlantDailyEnergy,
    PlantDailyKpi,
    PlantPowerBucket,
    TelemetryReading,
)
from woms_app.models.vendor import Vendor
from woms_app.models.work_order import WorkOrder, WorkOrderEvent, WorkOrderPlant, WorkOrderPlantEff

__all__ = [
    "Account", "AccountType", "Alert", "Channel", "EventKind", "NotificationPref", "OutboxMessage",
    "OutboxStatus", "WebhookEndpoint", "AlertSeverity", "AlertStatus", "AuditLog", "AuthSession",
    "EffPeriod", "Freshness", "LoginAttempt", "Organization", "OrgPowerBucket", "Plant", "PlantDailyEnergy",
    "PlantDevice",
    "PlantDailyKpi", "PlantPowerBucket", "Priority",
    "SchedulerLock", "SyncKind", "SyncRun", "SyncStatus", "SyncTrigger", "TelemetryReading", "Vendor",
    "VendorStatus", "WorkOrder", "WorkOrderEvent", "WorkOrderPlant", "WorkOrderPlantEff", "WorkOrderStatus",
]
