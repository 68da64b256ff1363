"""Checklists: per-organization templates by type of work, copied onto work orders, and their results.

A template is managed by the organization's managers (``_may_manage_templates``). Attaching one to a work order
copies its name, type and items (``WorkOrderChecklist`` + items), so later edits of the template never rewrite
what was checked. Each item gets a result — pass / flag / fail — with an optional reading (a finite number, in the
item's unit) and an optional note; recording one is validated before anything changes, audited, written to the
work order's history and announced on the change feed. A failed item offers a corrective work order:
``corrective_draft`` returns the ``work_orders.Draft`` that ``work_orders.create_work_order`` accepts.

The solar defaults (``DEFAULT_TEMPLATES``) are installed for every new organization and by the demo seed
(``install_default_templates``, idempotent by name).

Who may see and work a work order is asked of ``services.work_order_access`` only.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from woms_app.models.enums import ACTIVE_WORK_ORDER_STATUSES, ChecklistResult, Priority, WorkOrderStatus, WorkOrderType
from woms_app.models.org import Account, Organization
from woms_app.models.plant import Plant
from woms_app.models.work_order import WorkOrder, WorkOrderEvent, WorkOrderPlant
from woms_app.models.work_order_items import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    WorkOrderAttachment,
    WorkOrderChecklist,
    WorkOrderChecklistItem,
)
from woms_app.services import audit, work_order_access
from woms_app.services.viewer import Viewer, get_scoped, parse_id, require_write_org, scoped
from woms_app.services.work_orders import DESCRIPTION_MAX, TITLE_MAX, TITLE_MIN, Draft

NAME_MIN, NAME_MAX = 3, 120
LABEL_MAX = 200
UNIT_MAX = 20
MAX_ITEMS = 100
NOTE_MAX = 500
READING_MAX = 1e9  # |reading|: beyond any meter of a solar plant (and within what every database stores)
MAX_CHECKLISTS_PER_WO = 20

# name, type of work, items (label, unit; "" = no reading)
DEFAULT_TEMPLATES: list[tuple[str, WorkOrderType, list[tuple[str, str]]]] = [
    ("Inverter inspection", WorkOrderType.INSPECTION, [
        ("Inverter display error-free", ""),
        ("No active fault codes in the inverter event log", ""),
        ("Cooling fans run freely, air inlets and filters clean", ""),
        ("Enclosure, seals and cable glands intact", ""),
        ("DC isolator operates", ""),
        ("AC breaker operates and is labelled", ""),
        ("Earthing connections tight, no corrosion", ""),
        ("Heatsink temperature (°C)", "°C"),
        ("AC output power at inspection (kW)", "kW"),
        ("Insulation resistance (MΩ)", "MΩ"),
    ]),
    ("Module cleaning", WorkOrderType.CLEANING, [
        ("Modules checked for cracks, hot spots and delamination before cleaning", ""),
        ("Cleaning water quality (TDS, ppm)", "ppm"),
        ("Soft brush and demineralised water used, no pressure washer or detergent", ""),
        ("No soiling left on the module surface", ""),
        ("Frames, clamps and junction boxes undamaged", ""),
        ("Array power after cleaning (kW)", "kW"),
    ]),
    ("String IV check", WorkOrderType.INSPECTION, [
        ("Irradiance in the plane of array during the test (W/m²)", "W/m²"),
        ("Module temperature during the test (°C)", "°C"),
        ("String Voc within 5 % of the string mean (V)", "V"),
        ("String Isc within 5 % of the string mean (A)", "A"),
        ("Insulation resistance (MΩ)", "MΩ"),
        ("Polarity correct at the combiner box", ""),
        ("String fuses and MC4 connectors intact, no discolouration", ""),
    ]),
    ("Vegetation control", WorkOrderType.PREVENTIVE, [
        ("Vegetation below module edge", ""),
        ("No shading of modules by trees, shrubs or weeds", ""),
        ("Cable trays and trenches free of growth", ""),
        ("Fence line and access paths clear", ""),
        ("Cuttings removed from the array", ""),
        ("No herbicide on cables or module frames", ""),
    ]),
]


# ---------------------------------------------------------------- views (plain data for API and state)

@dataclass
class TemplateItemView:
    id: int
    position: int
    label: str
    unit: str


@dataclass
class TemplateView:
    id: int
    org_id: int
    name: str
    wo_type: WorkOrderType
    updated_at: datetime
    items: list[TemplateItemView] = field(default_factory=list)


@dataclass
class ChecklistItemView:
    id: int
    position: int
    label: str
    unit: str
    result: ChecklistResult | None
    reading: float | None
    note: str
    recorded_by: str
    recorded_at: datetime | None
    attachments: int = 0


@dataclass
class ChecklistView:
    id: int
    work_order_id: int
    template_id: int | None
    name: str
    wo_type: WorkOrderType
    plant_id: int | None
    plant_name: str
    created_by: str
    created_at: datetime
    items: list[ChecklistItemView] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.result is not None)

    @property
    def failed(self) -> int:
        return sum(1 for i in self.items if i.result == ChecklistResult.FAIL)


# ---------------------------------------------------------------- permission seams

def _may_manage_templates(viewer: Viewer) -> None:
    """The one check for managing templates (today: accounts that can write; with roles: managers)."""
    if not work_order_access.is_manager(viewer):
        raise Forbidden("Only a manager can change checklist templates")


def _workable(session: Session, viewer: Viewer, wo_id: int) -> WorkOrder:
    return work_order_access.workable_work_order(session, viewer, wo_id)


def _visible(session: Session, viewer: Viewer, wo_id: int) -> WorkOrder:
    return work_order_access.visible_work_order(session, viewer, wo_id)


# ---------------------------------------------------------------- validation

def _text(value: Any, what: str, field_name: str, lo: int, hi: int) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(f"{what} must be text", field=field_name)
    text = " ".join((value or "").split())
    if not lo <= len(text) <= hi:
        raise ValidationFailed(f"{what} must be {lo}–{hi} characters", field=field_name)
    return text


def parse_wo_type(value: Any) -> WorkOrderType:
    return WorkOrderType.parse(value, "wo_type")


def parse_result(value: Any) -> ChecklistResult:
    return ChecklistResult.parse(value, "result")


def parse_reading(value: Any) -> float | None:
    """None, or a finite number within ±READING_MAX ("12,5" is read as 12.5; text that is no number is refused)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationFailed("The reading must be a number", field="reading")
    try:
        number = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationFailed("The reading must be a number", field="reading") from exc
    if not math.isfinite(number):
        raise ValidationFailed("The reading must be a finite number", field="reading")
    if abs(number) > READING_MAX:
        raise ValidationFailed(f"The reading must be within ±{READING_MAX:.0e}", field="reading")
    return number


def _items(items: Any) -> list[tuple[str, str]]:
    if not isinstance(items, list | tuple) or not items:
        raise ValidationFailed("A template needs at least one item", field="items")
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(f"A template holds at most {MAX_ITEMS} items", field="items")
    out = []
    for n, item in enumerate(items, 1):
        if isinstance(item, Mapping):
            label, unit = item.get("label"), item.get("unit", "")
        elif isinstance(item, tuple | list) and len(item) == 2:
            label, unit = item
        else:
            label, unit = getattr(item, "label", None), getattr(item, "unit", "")
        label = _text(label, f"Item {n}: the label", "items", 1, LABEL_MAX)
        unit = _text(unit or "", f"Item {n}: the unit", "items", 0, UNIT_MAX)
        out.append((label, unit))
    return out


def _emails(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.exec(select(Account.id, Account.email).where(Account.id.in_(wanted))).all())


def _announce(session: Session, org_id: int) -> None:
    feed.publish_after_commit(session, org_id, feed.WORK_ORDERS)


def history_line(session: Session, viewer: Viewer, wo: WorkOrder, kind: str, note: str) -> None:
    """A line in the work order's history (who, when, what), and the work order counts as updated."""
    now = utcnow()
    session.add(WorkOrderEvent(work_order_id=wo.id, account_id=viewer.account_id, kind=kind, note=note[:500], at=now))
    wo.updated_at = now
    session.add(wo)


# ---------------------------------------------------------------- templates

def _template_views(session: Session, templates: list[ChecklistTemplate]) -> list[TemplateView]:
    ids = [t.id for t in templates]
    items: dict[int, list[TemplateItemView]] = {i: [] for i in ids}
    if ids:
        for it in session.exec(select(ChecklistTemplateItem).where(ChecklistTemplateItem.template_id.in_(ids))
                               .order_by(ChecklistTemplateItem.position, ChecklistTemplateItem.id)).all():
            items[it.template_id].append(TemplateItemView(id=it.id, position=it.position, label=it.label,
                                                          unit=it.unit))
    return [TemplateView(id=t.id, org_id=t.org_id, name=t.name, wo_type=WorkOrderType(t.wo_type),
                         updated_at=t.updated_at, items=items[t.id]) for t in templates]


def list_templates(session: Session, viewer: Viewer, *, org_id: int | None = None,
                   wo_type: str | WorkOrderType | None = None) -> list[TemplateView]:
    """The templates the viewer may see (its organization's; every one for SUPERADMIN and GOVT), by name."""
    stmt = scoped(select(ChecklistTemplate), viewer, ChecklistTemplate)
    if org_id is not None:
        stmt = stmt.where(ChecklistTemplate.org_id == org_id)
    if wo_type:
        stmt = stmt.where(ChecklistTemplate.wo_type == parse_wo_type(wo_type))
    templates = list(session.exec(stmt.order_by(ChecklistTemplate.org_id, ChecklistTemplate.name)).all())
    audit.record_read(session, viewer, "checklist_templates", detail=f"list org={org_id} type={wo_type}")
    return _template_views(session, templates)


def get_template(session: Session, viewer: Viewer, template_id: int) -> TemplateView:
    t = get_scoped(session, viewer, ChecklistTemplate, template_id, "Checklist template")
    audit.record_read(session, viewer, "checklist_templates", t.id, org_id=t.org_id)
    return _template_views(session, [t])[0]


def _name_taken(session: Session, org_id: int, name: str, except_id: int | None = None) -> None:
    stmt = select(ChecklistTemplate.id).where(ChecklistTemplate.org_id == org_id,
                                              sa.func.lower(ChecklistTemplate.name) == name.lower())
    if except_id is not None:
        stmt = stmt.where(ChecklistTemplate.id != except_id)
    if session.exec(stmt).first() is not None:
        raise Conflict(f"A checklist template named {name!r} already exists", field="name")


def _write_items(session: Session, template_id: int, items: list[tuple[str, str]]) -> None:
    for pos, (label, unit) in enumerate(items):
        session.add(ChecklistTemplateItem(template_id=template_id, position=pos, label=label, unit=unit))


def _target_org(session: Session, viewer: Viewer, org_id: int | None) -> int:
    """The organization a new template belongs to: an ORG account's own; SUPERADMIN names one."""
    if viewer.is_org:
        if org_id is not None and org_id != viewer.org_id:
            raise NotFound("Organization not found", field="org_id")
        org_id = viewer.org_id
    if org_id is None:
        raise ValidationFailed("Name the organization of the template", field="org_id")
    if parse_id(org_id) is None or session.get(Organization, org_id) is None:
        raise NotFound("Organization not found", field="org_id")
    require_write_org(viewer, org_id)
    return org_id


def create_template(session: Session, viewer: Viewer, *, name: Any, wo_type: Any, items: Any,
                    org_id: int | None = None) -> TemplateView:
    """A new template of the viewer's organization (SUPERADMIN: of ``org_id``), items in the order given."""
    _may_manage_templates(viewer)
    name = _text(name, "The name", "name", NAME_MIN, NAME_MAX)
    kind = parse_wo_type(wo_type)
    lines = _items(items)
    org = _target_org(session, viewer, org_id)
    _name_taken(session, org, name)
    now = utcnow()
    t = ChecklistTemplate(org_id=org, name=name, wo_type=kind, created_by=viewer.account_id, created_at=now,
                          updated_at=now)
    session.add(t)
    session.flush()
    _write_items(session, t.id, lines)
    audit.record_write(session, viewer, "create", "checklist_templates", t.id, org_id=org,
                       detail=f"{name!r} {kind.value} items={len(lines)}")
    _announce(session, org)
    session.flush()
    return _template_views(session, [t])[0]


def update_template(session: Session, viewer: Viewer, template_id: int, *, name: Any = None, wo_type: Any = None,
                    items: Any = None) -> TemplateView:
    """Rename, retype or replace the items of a template (checklists already attached keep their copy)."""
    _may_manage_templates(viewer)
    t = get_scoped(session, viewer, ChecklistTemplate, template_id, "Checklist template")
    require_write_org(viewer, t.org_id)
    new_name = _text(name, "The name", "name", NAME_MIN, NAME_MAX) if name is not None else t.name
    kind = parse_wo_type(wo_type) if wo_type is not None else WorkOrderType(t.wo_type)
    lines = _items(items) if items is not None else None
    if new_name.lower() != t.name.lower():
        _name_taken(session, t.org_id, new_name, except_id=t.id)
    t.name, t.wo_type, t.updated_at = new_name, kind, utcnow()
    session.add(t)
    if lines is not None:
        session.execute(sa.delete(ChecklistTemplateItem).where(ChecklistTemplateItem.template_id == t.id))
        _write_items(session, t.id, lines)
    audit.record_write(session, viewer, "update", "checklist_templates", t.id, org_id=t.org_id,
                       detail=f"{new_name!r} {kind.value}" + (f" items={len(lines)}" if lines is not None else ""))
    _announce(session, t.org_id)
    session.flush()
    return _template_views(session, [t])[0]


def delete_template(session: Session, viewer: Viewer, template_id: int) -> None:
    """Remove a template; the checklists copied from it stay as they are."""
    _may_manage_templates(viewer)
    t = get_scoped(session, viewer, ChecklistTemplate, template_id, "Checklist template")
    require_write_org(viewer, t.org_id)
    session.execute(sa.update(WorkOrderChecklist).where(WorkOrderChecklist.template_id == t.id)
                    .values(template_id=None).execution_options(synchronize_session=False))
    session.execute(sa.delete(ChecklistTemplateItem).where(ChecklistTemplateItem.template_id == t.id))
    session.delete(t)
    audit.record_write(session, viewer, "delete", "checklist_templates", t.id, org_id=t.org_id, detail=t.name)
    _announce(session, t.org_id)
    session.flush()


def count_templates(session: Session) -> int:
    """Every organization's templates (unscoped; the demo seed reports what it made)."""
    return session.exec(select(sa.func.count()).select_from(ChecklistTemplate)).one()


def install_default_templates(session: Session, viewer: Viewer, org_id: int) -> int:
    """Give an organization the solar default templates it does not have yet (by name). Returns how many were
    made. Called when an organization is created and by the demo seed; safe to call again."""
    have = {n.lower() for n in session.exec(select(ChecklistTemplate.name)
                                            .where(ChecklistTemplate.org_id == org_id)).all()}
    made = 0
    for name, kind, items in DEFAULT_TEMPLATES:
        if name.lower() in have:
            continue
        now = utcnow()
        t = ChecklistTemplate(org_id=org_id, name=name, wo_type=kind, created_by=viewer.account_id, created_at=now,
                              updated_at=now)
        session.add(t)
        session.flush()
        _write_items(session, t.id, items)
        audit.record_write(session, viewer, "create", "checklist_templates", t.id, org_id=org_id,
                           detail=f"default {name!r}")
        made += 1
    if made:
        session.flush()
    return made


# ---------------------------------------------------------------- checklists on a work order

def _checklist_views(session: Session, checklists: list[WorkOrderChecklist]) -> list[ChecklistView]:
    ids = [c.id for c in checklists]
    items: dict[int, list[WorkOrderChecklistItem]] = {i: [] for i in ids}
    if ids:
        for it in session.exec(select(WorkOrderChecklistItem).where(WorkOrderChecklistItem.checklist_id.in_(ids))
                               .order_by(WorkOrderChecklistItem.position, WorkOrderChecklistItem.id)).all():
            items[it.checklist_id].append(it)
    item_ids = [it.id for rows in items.values() for it in rows]
    photos: dict[int, int] = {}
    if item_ids:
        photos = dict(session.exec(
            select(WorkOrderAttachment.checklist_item_id, sa.func.count())
            .where(WorkOrderAttachment.checklist_item_id.in_(item_ids))
            .group_by(WorkOrderAttachment.checklist_item_id)).all())
    plant_ids = {c.plant_id for c in checklists if c.plant_id is not None}
    plants = dict(session.exec(select(Plant.id, Plant.name).where(Plant.id.in_(plant_ids))).all()) if plant_ids \
        else {}
    emails = _emails(session, [c.created_by for c in checklists]
                     + [it.recorded_by for rows in items.values() for it in rows])
    return [ChecklistView(
        id=c.id, work_order_id=c.work_order_id, template_id=c.template_id, name=c.name,
        wo_type=WorkOrderType(c.wo_type), plant_id=c.plant_id, plant_name=plants.get(c.plant_id, ""),
        created_by=emails.get(c.created_by, ""), created_at=c.created_at,
        items=[ChecklistItemView(id=it.id, position=it.position, label=it.label, unit=it.unit,
                                 result=ChecklistResult(it.result) if it.result else None, reading=it.reading,
                                 note=it.note, recorded_by=emails.get(it.recorded_by, ""),
                                 recorded_at=it.recorded_at, attachments=photos.get(it.id, 0))
               for it in items[c.id]])
        for c in checklists]


def _wo_checklists(session: Session, wo_id: int) -> list[WorkOrderChecklist]:
    return list(session.exec(select(WorkOrderChecklist).where(WorkOrderChecklist.work_order_id == wo_id)
                             .order_by(WorkOrderChecklist.created_at, WorkOrderChecklist.id)).all())


def list_checklists(session: Session, viewer: Viewer, wo_id: int) -> list[ChecklistView]:
    """The checklists of a work order the viewer may see, oldest first, with their items and results."""
    wo = _visible(session, viewer, wo_id)
    audit.record_read(session, viewer, "work_order_checklists", wo.id, org_id=wo.org_id)
    return _checklist_views(session, _wo_checklists(session, wo.id))


def _own_checklist(session: Session, wo: WorkOrder, checklist_id: Any) -> WorkOrderChecklist:
    cid = parse_id(checklist_id)
    c = session.get(WorkOrderChecklist, cid) if cid is not None else None
    if c is None or c.work_order_id != wo.id:
        raise NotFound("Checklist not found", field="checklist_id")
    return c


def _own_item(session: Session, checklist: WorkOrderChecklist, item_id: Any) -> WorkOrderChecklistItem:
    iid = parse_id(item_id)
    it = session.get(WorkOrderChecklistItem, iid) if iid is not None else None
    if it is None or it.checklist_id != checklist.id:
        raise NotFound("Checklist item not found", field="item_id")
    return it


def _require_active(wo: WorkOrder, what: str) -> None:
    status = WorkOrderStatus(wo.status)
    if status not in ACTIVE_WORK_ORDER_STATUSES:
        raise Conflict(f"Work order #{wo.id} is {status.label.lower()}: {what} only while it is active "
                       "(reopen it first)", field="status")


def _wo_plant_ids(session: Session, wo: WorkOrder) -> list[int]:
    """The work order's plants: its active ones while active, every one it had once closed."""
    stmt = select(WorkOrderPlant.plant_id).where(WorkOrderPlant.work_order_id == wo.id)
    if WorkOrderStatus(wo.status) in ACTIVE_WORK_ORDER_STATUSES:
        stmt = stmt.where(WorkOrderPlant.is_active)
    return list(dict.fromkeys(session.exec(stmt.order_by(WorkOrderPlant.assigned_at, WorkOrderPlant.id)).all()))


def attach_checklist(session: Session, viewer: Viewer, wo_id: int, template_id: Any,
                     plant_id: Any = None) -> ChecklistView:
    """Copy a template of the work order's organization onto the (active) work order, for one of its plants or
    for the whole work order."""
    wo = _workable(session, viewer, wo_id)
    t = get_scoped(session, viewer, ChecklistTemplate, template_id, "Checklist template")
    if t.org_id != wo.org_id:  # a template of another organization the viewer may see (SUPERADMIN)
        raise NotFound("Checklist template not found", field="template_id")
    plant_name = ""
    if plant_id is not None:
        pid = parse_id(plant_id)
        if pid is None or pid not in _wo_plant_ids(session, wo):
            raise NotFound("Plant not found on this work order", field="plant_id")
        plant_id = pid
        plant_name = session.get(Plant, pid).name
    _require_active(wo, "checklists can be added")
    count = session.exec(select(sa.func.count()).select_from(WorkOrderChecklist)
                         .where(WorkOrderChecklist.work_order_id == wo.id)).one()
    if count >= MAX_CHECKLISTS_PER_WO:
        raise Conflict(f"A work order holds at most {MAX_CHECKLISTS_PER_WO} checklists", field="template_id")
    now = utcnow()
    c = WorkOrderChecklist(work_order_id=wo.id, template_id=t.id, plant_id=plant_id, name=t.name, wo_type=t.wo_type,
                           created_by=viewer.account_id, created_at=now)
    session.add(c)
    session.flush()
    for it in session.exec(select(ChecklistTemplateItem).where(ChecklistTemplateItem.template_id == t.id)
                           .order_by(ChecklistTemplateItem.position, ChecklistTemplateItem.id)).all():
        session.add(WorkOrderChecklistItem(checklist_id=c.id, position=it.position, label=it.label, unit=it.unit))
    history_line(session, viewer, wo, "checklist_added", f"Checklist {t.name!r}" + (f" for {plant_name}" if plant_name
                                                                                 else ""))
    audit.record_write(session, viewer, "attach_checklist", "work_orders", wo.id, org_id=wo.org_id,
                       detail=f"checklist={c.id} template={t.id} plant={plant_id}")
    _announce(session, wo.org_id)
    session.flush()
    return _checklist_views(session, [c])[0]


def remove_checklist(session: Session, viewer: Viewer, wo_id: int, checklist_id: Any) -> None:
    """Take a checklist off a work order. Once results are recorded only a manager may (they are a record)."""
    wo = _workable(session, viewer, wo_id)
    c = _own_checklist(session, wo, checklist_id)
    recorded = session.exec(select(sa.func.count()).select_from(WorkOrderChecklistItem).where(
        WorkOrderChecklistItem.checklist_id == c.id, WorkOrderChecklistItem.result.is_not(None))).one()
    if recorded and not work_order_access.is_manager(viewer):
        raise Forbidden("Only a manager can remove a checklist with recorded results")
    _require_active(wo, "checklists can be removed")
    session.execute(sa.update(WorkOrderAttachment).where(WorkOrderAttachment.checklist_item_id.in_(
        select(WorkOrderChecklistItem.id).where(WorkOrderChecklistItem.checklist_id == c.id)))
        .values(checklist_item_id=None).execution_options(synchronize_session=False))
    session.execute(sa.delete(WorkOrderChecklistItem).where(WorkOrderChecklistItem.checklist_id == c.id))
    session.delete(c)
    history_line(session, viewer, wo, "checklist_removed", f"Checklist {c.name!r} ({recorded} result(s))")
    audit.record_write(session, viewer, "remove_checklist", "work_orders", wo.id, org_id=wo.org_id,
                       detail=f"checklist={c.id} results={recorded}")
    _announce(session, wo.org_id)
    session.flush()


def _fmt_reading(reading: float | None, unit: str) -> str:
    if reading is None:
        return ""
    return f"{reading:g} {unit}".strip()


def record_result(session: Session, viewer: Viewer, wo_id: int, checklist_id: Any, item_id: Any, *,
                  result: Any, reading: Any = None, note: Any = "") -> ChecklistView:
    """Record (or correct) one item's result. Everything is checked before anything changes: an unknown item is
    NotFound, a result other than pass / flag / fail, a reading that is no finite number or a note over
    NOTE_MAX characters a ValidationFailed; the work order must be active."""
    wo = _workable(session, viewer, wo_id)
    c = _own_checklist(session, wo, checklist_id)
    it = _own_item(session, c, item_id)
    outcome = parse_result(result)
    value = parse_reading(reading)
    if note is not None and not isinstance(note, str):
        raise ValidationFailed("The note must be text", field="note")
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise ValidationFailed(f"The note must be at most {NOTE_MAX} characters", field="note")
    _require_active(wo, "results can be recorded")
    previous = ChecklistResult(it.result) if it.result else None
    it.result, it.reading, it.note = outcome, value, text
    it.recorded_by, it.recorded_at = viewer.account_id, utcnow()
    session.add(it)
    shown = _fmt_reading(value, it.unit)
    history_line(session, viewer, wo, "checklist_result",
             f"{c.name}: {it.label} — {outcome.label.lower()}" + (f", {shown}" if shown else "")
             + (f" (was {previous.label.lower()})" if previous and previous != outcome else ""))
    audit.record_write(session, viewer, "checklist_result", "work_orders", wo.id, org_id=wo.org_id,
                       detail=f"checklist={c.id} item={it.id} result={outcome.value} reading={value} "
                              f"note={len(text)}ch" + (f" was={previous.value}" if previous else ""))
    _announce(session, wo.org_id)
    session.flush()
    return _checklist_views(session, [c])[0]


def corrective_draft(session: Session, viewer: Viewer, wo_id: int, checklist_id: Any, item_id: Any) -> Draft:
    """A corrective work order for a failed item, prefilled (not saved): title from the item and plant, the
    reading and note in the description, priority HIGH, the checklist's plant (else the work order's plants).
    ``work_orders.create_work_order`` takes it as it is (the plants must be free by then: a plant stays on one
    active work order)."""
    wo = _visible(session, viewer, wo_id)
    c = _own_checklist(session, wo, checklist_id)
    it = _own_item(session, c, item_id)
    if it.result != ChecklistResult.FAIL:
        raise Conflict("Only a failed checklist item offers a corrective work order", field="item_id")
    plant_ids = [c.plant_id] if c.plant_id is not None else _wo_plant_ids(session, wo)
    names = dict(session.exec(select(Plant.id, Plant.name).where(Plant.id.in_(plant_ids))).all()) if plant_ids \
        else {}
    where = names.get(plant_ids[0], "") if plant_ids else ""
    if len(plant_ids) > 1:
        where += f" +{len(plant_ids) - 1}"
    label = it.label if len(it.label) <= 150 else it.label[:149] + "…"
    title = f"Fix: {label}" + (f" — {where}" if where else "")
    title = title[:TITLE_MAX] if len(title) >= TITLE_MIN else f"Fix checklist item #{it.id}"
    recorder = _emails(session, [it.recorded_by]).get(it.recorded_by, "")
    lines = [f"Failed on work order #{wo.id} '{wo.title}', checklist '{c.name}': {it.label}"]
    if it.reading is not None:
        lines.append(f"Reading: {_fmt_reading(it.reading, it.unit)}")
    if it.note:
        lines.append(f"Note: {it.note}")
    if it.recorded_at is not None:
        lines.append(f"Recorded {it.recorded_at:%Y-%m-%d %H:%M} UTC" + (f" by {recorder}" if recorder else ""))
    if names:
        lines.append("Plants: " + ", ".join(names[p] for p in plant_ids if p in names))
    audit.record_read(session, viewer, "work_order_checklists", c.id, org_id=wo.org_id, detail="corrective draft")
    return Draft(title=title, description="\n".join(lines)[:DESCRIPTION_MAX], priority=Priority.HIGH,
                 plant_ids=plant_ids, alert_id=None, org_id=wo.org_id)


def item_of_work_order(session: Session, wo: WorkOrder, item_id: Any) -> WorkOrderChecklistItem:
    """A checklist item of ``wo`` (any of its checklists), or NotFound (attachments on an item)."""
    iid = parse_id(item_id)
    row = session.exec(select(WorkOrderChecklistItem).join(
        WorkOrderChecklist, WorkOrderChecklist.id == WorkOrderChecklistItem.checklist_id)
        .where(WorkOrderChecklistItem.id == iid, WorkOrderChecklist.work_order_id == wo.id)).first() \
        if iid is not None else None
    if row is None:
        raise NotFound("Checklist item not found", field="checklist_item_id")
    return row


__all__ = [
    "DEFAULT_TEMPLATES", "ChecklistItemView", "ChecklistView", "TemplateItemView", "TemplateView",
    "attach_checklist", "corrective_draft", "count_templates", "create_template", "delete_template", "get_template",
    "history_line",
    "install_default_templates", "item_of_work_order", "list_checklists", "list_templates", "parse_reading",
    "parse_result", "parse_wo_type", "record_result", "remove_checklist", "update_template",
]
