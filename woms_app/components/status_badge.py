"""Status badges driven by the enums' one label/colour mapping (models/enums.py)."""
from __future__ import annotations

import reflex as rx

from woms_app.models.enums import AlertSeverity, AlertStatus, Freshness, LabelledEnum, Priority, WorkOrderStatus


def enum_badge(enum_cls: type[LabelledEnum], value, **props) -> rx.Component:
    """A badge for a state var holding an enum value: label and colour come from the enum."""
    label = rx.match(value, *[(m.value, m.label) for m in enum_cls], value)
    color = rx.match(value, *[(m.value, m.color) for m in enum_cls], "gray")
    return rx.badge(label, color_scheme=color, variant="soft", **props)


def freshness_badge(value, **props) -> rx.Component:
    """fresh / stale / offline / no data."""
    return enum_badge(Freshness, value, data_testid="freshness-badge", **props)


def severity_badge(value, **props) -> rx.Component:
    return enum_badge(AlertSeverity, value, **props)


def alert_status_badge(value, **props) -> rx.Component:
    return enum_badge(AlertStatus, value, **props)


def work_order_status_badge(value, **props) -> rx.Component:
    return enum_badge(WorkOrderStatus, value, **props)


def priority_badge(value, **props) -> rx.Component:
    return enum_badge(Priority, value, **props)
