"""SQLModel tables, one domain per module. Importing this package registers them all."""
from woms_app.models.alert import Alert
from woms_app.models.enums import (
    AccountType,
    AlertSeverity,
    AlertStatus,
    ChecklistResult,
    ClosureLevel,
    EffPeriod,
    Freshness,
    OrgRole,
    Priority,
    SyncKind,
    SyncStatus,
    SyncTrigger,
    VendorStatus,
    WorkOrderStatus,
    WorkOrderType,
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
from woms_app.models.work_order import (
    ClosureCode,
    SlaTarget,
    WorkOrder,
    WorkOrderComment,
    WorkOrderEvent,
    WorkOrderPlant,
    WorkOrderPlantEff,
)
from woms_app.models.work_order_items import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    WorkOrderAttachment,
    WorkOrderChecklist,
    WorkOrderChecklistItem,
)

__all__ = [
    "Account", "AccountType", "Alert", "AlertSeverity", "AlertStatus", "AuditLog", "AuthSession", "Channel",
    "ClosureCode", "ClosureLevel", "EventKind", "NotificationPref", "OrgRole", "OutboxMessage", "OutboxStatus",
    "SlaTarget", "WebhookEndpoint", "WorkOrderComment", "WorkOrderType",
    "EffPeriod", "Freshness", "LoginAttempt", "Organization", "OrgPowerBucket", "Plant", "PlantDailyEnergy",
    "PlantDevice",
    "PlantDailyKpi", "PlantPowerBucket", "Priority",
    "SchedulerLock", "SyncKind", "SyncRun", "SyncStatus", "SyncTrigger", "TelemetryReading", "Vendor",
    "VendorStatus", "WorkOrder", "WorkOrderEvent", "WorkOrderPlant", "WorkOrderPlantEff", "WorkOrderStatus",
    # issue 16: checklists and attachments
    "ChecklistResult", "ChecklistTemplate", "ChecklistTemplateItem", "WorkOrderAttachment", "WorkOrderChecklist",
    "WorkOrderChecklistItem", "WorkOrderType",
]
