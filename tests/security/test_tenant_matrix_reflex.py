"""Cross-tenant matrix over the Reflex event handlers: any client can call any handler by name with any
arguments (reflex-notes.md), so each one is called as ORG A with org B's ids, through Reflex's own event
processor (payload coercion, chained events, background tasks, the app's exception handler) on a state tree
whose router headers carry A's session cookie. Afterwards nothing of B is in the state the browser would
receive, in the toasts or errors, and the database did not change.

Every handler of every WOMS state must have an entry in ATTACKS: a new handler nobody classified fails.
"""
from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from sqlmodel import select

from tests.security.conftest import EMAILS, PASSWORD, World, changed_tables, db_fingerprint
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import NotificationPref, Vendor, WebhookEndpoint

rx = pytest.importorskip("reflex")

BASE = "http://localhost:3000"
UNREACHABLE = "http://127.0.0.1:9"

# an attack: the events (state class name, handler, payload) one client sends in order
Step = tuple[str, str, dict]
Attack = list[Step]


def _attacks(w: World) -> dict[str, list[Attack]]:
    a, b = w.a, w.b
    bp, bfree, bwo, bal, bv, borg = b.plant_ids[0], b.free_plant_id, b.wo_id, b.alert_id, b.vendor_id, b.org_id
    junk = ["abc", "9" * 30, "²", "9" * 5000, -1, 0, None, 2.5]  # any client sends anything: "not found", no crash
    ids = [bp, str(bp), f" {bp} "] + junk

    def each(cls: str, handler: str, arg: str, values=None, **extra) -> list[Attack]:
        return [[(cls, handler, {arg: v, **extra})] for v in (values if values is not None else ids)]

    def plain(cls: str, handler: str, **payload) -> list[Attack]:
        return [[(cls, handler, payload)]]

    wo_open_a = ("WorkOrdersState", "open_detail", {"wo_id": a.wo_id})
    items_a = ("WorkOrderItemsState", "load_for", {"wo_id": a.wo_id})
    form_start = ("WorkOrderFormState", "start", {})
    vendors_load = ("VendorsState", "load", {})
    return {
        # --- identity
        "AuthState.guard": plain("AuthState", "guard"),
        "AuthState.logout": plain("AuthState", "logout"),
        "LoginState.done": plain("LoginState", "done", message="<b>x</b>"),
        "LiveState.link": plain("LiveState", "link"),
        # --- read pages
        "DashboardState.load": plain("DashboardState", "load"),
        "DashboardState.on_live": plain("DashboardState", "on_live"),
        "ProductionState.load": plain("ProductionState", "load"),
        "PlantsState.load": plain("PlantsState", "load"),
        "PlantsState.on_live": plain("PlantsState", "on_live"),
        "PlantsState.set_search": plain("PlantsState", "set_search", value="Plant"),
        "PlantsState.sort_by": plain("PlantsState", "sort_by", column="org"),
        "PlantsState.next_page": plain("PlantsState", "next_page"),
        "PlantsState.prev_page": plain("PlantsState", "prev_page"),
        "PlantDetailState.load": [[("PlantDetailState", "load", {})]],  # plant id from the URL (B's, see router)
        "PlantDetailState.on_live": plain("PlantDetailState", "on_live"),
        "PlantDetailState.sync_now": [[("PlantDetailState", "load", {}), ("PlantDetailState", "sync_now", {})]],
        "SelectedPlantState.choose": each("SelectedPlantState", "choose", "plant_id"),
        "SelectedPlantState.open_plant": each("SelectedPlantState", "open_plant", "plant_id"),
        "SelectedPlantState.show_plant": each("SelectedPlantState", "show_plant", "plant_id"),
        "SelectedPlantState.search": plain("SelectedPlantState", "search", value="Plant"),
        "SelectedPlantState.set_picker_open": plain("SelectedPlantState", "set_picker_open", is_open=True),
        "SelectedPlantState.ensure_selection": [[("SelectedPlantState", "choose", {"plant_id": bp}),
                                                 ("SelectedPlantState", "ensure_selection", {})]],
        "SelectedPlantState.set_metric": plain("SelectedPlantState", "set_metric", metric="power"),
        "SelectedPlantState.load_chart": [[("SelectedPlantState", "show_plant", {"plant_id": bp}),
                                           ("SelectedPlantState", "load_chart", {})]],
        "AlertsFeedState.load": plain("AlertsFeedState", "load"),
        "AlertsFeedState.refresh": plain("AlertsFeedState", "refresh"),
        "AlertsFeedState.on_live": plain("AlertsFeedState", "on_live"),
        "AlertsFeedState.set_plant_filter": each("AlertsFeedState", "set_plant_filter", "value"),
        "AlertsFeedState.set_severity_filter": plain("AlertsFeedState", "set_severity_filter", value="critical"),
        "AlertsFeedState.set_status_filter": plain("AlertsFeedState", "set_status_filter", value="ACTIVE"),
        "AlertsFeedState.next_page": plain("AlertsFeedState", "next_page"),
        "AlertsFeedState.set_ack_filter": plain("AlertsFeedState", "set_ack_filter", value="yes"),
        "AlertsFeedState.start_ack": each("AlertsFeedState", "start_ack", "alert_id", [bal, str(bal)] + junk),
        "AlertsFeedState.set_ack_note": plain("AlertsFeedState", "set_ack_note", value="by A"),
        "AlertsFeedState.set_ack_open": plain("AlertsFeedState", "set_ack_open", value=False),
        "AlertsFeedState.cancel_ack": plain("AlertsFeedState", "cancel_ack"),
        # B's alert is never in A's rows, so the dialog cannot be opened on it; confirm then acts on nothing
        "AlertsFeedState.confirm_ack": [[("AlertsFeedState", "load", {}),
                                         ("AlertsFeedState", "start_ack", {"alert_id": str(bal)}),
                                         ("AlertsFeedState", "confirm_ack", {})]],
        "AlertsFeedState.unacknowledge": each("AlertsFeedState", "unacknowledge", "alert_id", [bal, str(bal)] + junk),
        "AttentionState.refresh": plain("AttentionState", "refresh"),
        "AlertsFeedState.prev_page": plain("AlertsFeedState", "prev_page"),
        "AlertsFeedState.export_csv": [[("AlertsFeedState", "set_plant_filter", {"value": str(bp)}),
                                        ("AlertsFeedState", "export_csv", {})]],
        # --- work orders
        "WorkOrdersState.load": plain("WorkOrdersState", "load"),
        # --- /work-orders/[wo_id] (the id comes from the URL: B's, see the router query)
        "WorkOrderPageState.load": [[("WorkOrderPageState", "load", {})]],
        "MyWorkState.load": plain("MyWorkState", "load"),
        "MyWorkState.on_live": plain("MyWorkState", "on_live"),
        "WorkOrderPageState.on_live": [[("WorkOrderPageState", "load", {}), ("WorkOrderPageState", "on_live", {})]],
        "WorkOrderPageState.set_problem": plain("WorkOrderPageState", "set_problem", value="soiling"),
        "WorkOrderPageState.set_cause": plain("WorkOrderPageState", "set_cause", value="soiling_dust"),
        "WorkOrderPageState.set_remedy": plain("WorkOrderPageState", "set_remedy", value="soiling_clean"),
        "WorkOrderPageState.set_resolution": plain("WorkOrderPageState", "set_resolution", value="x" * 5000),
        "WorkOrderPageState.set_note": plain("WorkOrderPageState", "set_note", value="reason"),
        "WorkOrderPageState.set_comment": plain("WorkOrderPageState", "set_comment", value="hello"),
        "WorkOrderPageState.transition": [
            [("WorkOrderPageState", "load", {}), ("WorkOrderPageState", "set_note", {"value": "why"}),
             ("WorkOrderPageState", "transition", {"to_status": t})] for t in ("IN_PROGRESS", "CANCELLED", "junk")],
        # the page loads B's work order from the URL (not found for A), so assign/take act on nothing
        "WorkOrderPageState.assign": [[("WorkOrderPageState", "load", {}), ("WorkOrderPageState", "assign", {"value": v})]
                                      for v in ("", "1", "2", "abc")],
        "WorkOrderPageState.take": [[("WorkOrderPageState", "load", {}), ("WorkOrderPageState", "take", {})]],
        "WorkOrderPageState.add_comment": [
            [("WorkOrderPageState", "load", {}), ("WorkOrderPageState", "set_comment", {"value": "From A"}),
             ("WorkOrderPageState", "add_comment", {})]],
        "WorkOrdersState.load_page": plain("WorkOrdersState", "load_page"),
        "WorkOrdersState.on_live": plain("WorkOrdersState", "on_live"),
        "WorkOrdersState.set_status_filter": plain("WorkOrdersState", "set_status_filter", value="OPEN"),
        "WorkOrdersState.set_priority_filter": plain("WorkOrdersState", "set_priority_filter", value="HIGH"),
        "WorkOrdersState.set_plant_filter": each("WorkOrdersState", "set_plant_filter", "value"),
        "WorkOrdersState.set_search": each("WorkOrdersState", "set_search", "value", [f"#{bwo}", "Plant"]),
        "WorkOrdersState.next_page": plain("WorkOrdersState", "next_page"),
        "WorkOrdersState.prev_page": plain("WorkOrdersState", "prev_page"),
        "WorkOrdersState.export_csv": plain("WorkOrdersState", "export_csv"),
        "WorkOrdersState.open_detail": each("WorkOrdersState", "open_detail", "wo_id", [bwo, str(bwo), [bwo]] + junk),
        "WorkOrdersState.open_from_url": plain("WorkOrdersState", "open_from_url"),  # ?wo= B's id (router)
        "WorkOrdersState.refresh_detail": [[wo_open_a, ("WorkOrdersState", "refresh_detail", {})]],
        "WorkOrdersState.set_detail_open": [[wo_open_a, ("WorkOrdersState", "set_detail_open", {"value": True})]],
        "WorkOrdersState.change_status": [
            [("WorkOrdersState", "open_detail", {"wo_id": bwo}), ("WorkOrdersState", "change_status",
                                                                  {"to_status": "CANCELLED"})]],
        "WorkOrdersState.assign_plant": [[wo_open_a, ("WorkOrdersState", "assign_plant", {"plant_id": v})]
                                         for v in [bfree, str(bfree)] + junk],
        "WorkOrdersState.deactivate_plant": [[wo_open_a, ("WorkOrdersState", "deactivate_plant", {"plant_id": bp})]],
        "WorkOrdersState.search_add_plant": [[wo_open_a, ("WorkOrdersState", "search_add_plant",
                                                          {"value": "Plant"})]],
        "WorkOrderFormState.start": plain("WorkOrderFormState", "start"),
        "WorkOrderFormState.start_from_alert": each("WorkOrderFormState", "start_from_alert", "alert_id",
                                                    [bal, str(bal)] + junk),
        "WorkOrderFormState.set_form_open": plain("WorkOrderFormState", "set_form_open", value=True),
        "WorkOrderFormState.set_title": plain("WorkOrderFormState", "set_title", value="Cross tenant"),
        "WorkOrderFormState.set_description": plain("WorkOrderFormState", "set_description", value="x"),
        "WorkOrderFormState.set_priority": plain("WorkOrderFormState", "set_priority", value="HIGH"),
        "WorkOrderFormState.set_plant_search": [[form_start, ("WorkOrderFormState", "set_plant_search",
                                                              {"value": "Plant"})]],
        "WorkOrderFormState.toggle_plant": [[form_start, ("WorkOrderFormState", "toggle_plant",
                                                          {"plant_id": str(bfree), "checked": True})]],
        "WorkOrderFormState.submit": [
            [form_start, ("WorkOrderFormState", "set_title", {"value": "Cross tenant"}),
             ("WorkOrderFormState", "toggle_plant", {"plant_id": str(bfree), "checked": True}),
             ("WorkOrderFormState", "submit", {})],
            [("WorkOrderFormState", "start_from_alert", {"alert_id": bal}), ("WorkOrderFormState", "submit", {})]],
        # --- checklists and attachments of the open work order (issue 16)
        "WorkOrderItemsState.load_for": each("WorkOrderItemsState", "load_for", "wo_id",
                                             [bwo, str(bwo), [bwo]] + junk),
        "WorkOrderItemsState.refresh": [[items_a, ("WorkOrderItemsState", "refresh", {})],
                                        [("WorkOrderItemsState", "load_for", {"wo_id": bwo}),
                                         ("WorkOrderItemsState", "refresh", {})]],
        "WorkOrderItemsState.set_attach_template": [[items_a, ("WorkOrderItemsState", "set_attach_template",
                                                               {"value": str(b.template_id)})]],
        "WorkOrderItemsState.attach": [
            [items_a, ("WorkOrderItemsState", "set_attach_template", {"value": str(b.template_id)}),
             ("WorkOrderItemsState", "attach", {})],
            [("WorkOrderItemsState", "load_for", {"wo_id": bwo}), ("WorkOrderItemsState", "attach", {})]],
        "WorkOrderItemsState.set_reading": [[items_a, ("WorkOrderItemsState", "set_reading",
                                                       {"item_id": v, "value": "1.5"})] for v in [b.item_id] + junk],
        "WorkOrderItemsState.set_note": [[items_a, ("WorkOrderItemsState", "set_note",
                                                    {"item_id": str(b.item_id), "value": "x"})]],
        "WorkOrderItemsState.record": [
            [items_a, ("WorkOrderItemsState", "record", {"checklist_id": str(b.checklist_id),
                                                         "item_id": str(b.item_id), "result": "fail"})],
            [items_a, ("WorkOrderItemsState", "record", {"checklist_id": str(b.checklist_id),
                                                         "item_id": str(a.item_id), "result": "fail"})],
            [("WorkOrderItemsState", "load_for", {"wo_id": bwo}),
             ("WorkOrderItemsState", "record", {"checklist_id": str(b.checklist_id), "item_id": str(b.item_id),
                                                "result": "pass"})]],
        "WorkOrderItemsState.create_corrective": [
            [items_a, ("WorkOrderItemsState", "create_corrective", {"checklist_id": str(b.checklist_id),
                                                                    "item_id": str(b.failed_item_id)})]],
        "WorkOrderItemsState.remove_checklist": [[items_a, ("WorkOrderItemsState", "remove_checklist",
                                                            {"checklist_id": str(b.checklist_id)})]],
        "WorkOrderItemsState.handle_upload": [
            [items_a, ("WorkOrderItemsState", "handle_upload", {"files": []})],
            [("WorkOrderItemsState", "load_for", {"wo_id": bwo}),
             ("WorkOrderItemsState", "handle_upload", {"files": []})]],
        "WorkOrderItemsState.upload_rejected": [[items_a, ("WorkOrderItemsState", "upload_rejected", {"rejections": v})]
                                                for v in ([{"file": {"path": "x.exe"}}], [], "abc", [None, 5])],
        "WorkOrderItemsState.delete_attachment": [[items_a, ("WorkOrderItemsState", "delete_attachment",
                                                             {"attachment_id": str(b.attachment_id)})]],
        # --- vendors
        "VendorsState.load": plain("VendorsState", "load"),
        "VendorsState.on_live": plain("VendorsState", "on_live"),
        "VendorsState.open_add": plain("VendorsState", "open_add"),
        "VendorsState.open_edit": each("VendorsState", "open_edit", "vendor_id", [bv, str(bv)] + junk),
        "VendorsState.set_form_open": plain("VendorsState", "set_form_open", value=True),
        "VendorsState.set_form_name": plain("VendorsState", "set_form_name", value="x"),
        "VendorsState.set_form_type": plain("VendorsState", "set_form_type", value="sungrow"),
        "VendorsState.set_form_base_url": plain("VendorsState", "set_form_base_url", value=UNREACHABLE),
        "VendorsState.set_form_org": plain("VendorsState", "set_form_org", value=str(borg)),
        "VendorsState.set_form_poll": plain("VendorsState", "set_form_poll", value="300"),
        "VendorsState.set_form_quota": plain("VendorsState", "set_form_quota", value="200000"),
        "VendorsState.set_form_period": plain("VendorsState", "set_form_period", value="year"),
        "VendorsState.set_cred": plain("VendorsState", "set_cred", name="password", value="x"),
        "VendorsState.save": [
            # a new vendor "for org B": an ORG account's vendor is always its own org's (and this one cannot connect)
            [vendors_load, ("VendorsState", "open_add", {}), ("VendorsState", "set_form_org", {"value": str(borg)}),
             ("VendorsState", "set_form_name", {"value": "Cross tenant"}),
             ("VendorsState", "set_form_base_url", {"value": UNREACHABLE}),
             ("VendorsState", "set_cred", {"name": "appid", "value": "x"}), ("VendorsState", "save", {})],
            [vendors_load, ("VendorsState", "open_add", {}), ("VendorsState", "set_form_org", {"value": "abc"}),
             ("VendorsState", "save", {})],
            # editing B's vendor never starts
            [vendors_load, ("VendorsState", "open_edit", {"vendor_id": bv}), ("VendorsState", "save", {})]],
        "VendorsState.ask_delete": each("VendorsState", "ask_delete", "vendor_id", [bv, str(bv)] + junk),
        "VendorsState.set_delete_open": plain("VendorsState", "set_delete_open", value=True),
        "VendorsState.set_delete_with_plants": plain("VendorsState", "set_delete_with_plants", value=True),
        "VendorsState.confirm_delete": [[("VendorsState", "ask_delete", {"vendor_id": bv}),
                                         ("VendorsState", "set_delete_with_plants", {"value": True}),
                                         ("VendorsState", "confirm_delete", {})]],
        "VendorsState.test_connection": each("VendorsState", "test_connection", "vendor_id", [bv, str(bv)] + junk),
        "VendorsState.sync_now": [[vendors_load, ("VendorsState", "sync_now", {"vendor_id": v})]
                                  for v in (bv, str(bv))],
        # --- notifications: A's own preferences; B's webhook ids answer "not found"
        "NotificationsState.load": plain("NotificationsState", "load"),
        "NotificationsState.on_live": plain("NotificationsState", "on_live"),
        "NotificationsState.toggle_pref": [[("NotificationsState", "load", {}), ("NotificationsState", "toggle_pref",
                                             {"kind": k, "field": f, "value": False})]
                                           for k, f in (("alert.new", "email"), ("wo.done", "bogus"), ("x", "email"))],
        "NotificationsState.set_min_severity": [[("NotificationsState", "load", {}),
                                                 ("NotificationsState", "set_min_severity", {"value": v})]
                                                for v in ("critical", "nonsense")],
        "NotificationsState.open_create": plain("NotificationsState", "open_create"),
        "NotificationsState.set_form_open": plain("NotificationsState", "set_form_open", value=False),
        "NotificationsState.set_form_severity": plain("NotificationsState", "set_form_severity", value="minor"),
        "NotificationsState.set_form_org": plain("NotificationsState", "set_form_org", value=str(borg)),
        # "for org B": an ORG account's webhook is always its own organization's
        "NotificationsState.create_webhook": [[("NotificationsState", "load", {}),
                                               ("NotificationsState", "set_form_org", {"value": str(borg)}),
                                               ("NotificationsState", "create_webhook", {"form_data": {
                                                   "url": "https://93.184.216.34/hook", "description": "A's"}})]],
        "NotificationsState.send_test": each("NotificationsState", "send_test", "hook_id",
                                             [b.webhook_id, str(b.webhook_id)] + junk),
        "NotificationsState.delete_webhook": each("NotificationsState", "delete_webhook", "hook_id",
                                                  [b.webhook_id, str(b.webhook_id)] + junk),
        "NotificationsState.show_log": each("NotificationsState", "show_log", "hook_id",
                                            [b.webhook_id, str(b.webhook_id)] + junk),
        "NotificationsState.refresh_log": [[("NotificationsState", "show_log", {"hook_id": str(b.webhook_id)}),
                                            ("NotificationsState", "refresh_log", {})]],
        # --- administration (SUPERADMIN only): ORG A aims at org B's organization and account
        "AdminOrgsState.load": plain("AdminOrgsState", "load"),
        "AdminOrgsState.open_create": plain("AdminOrgsState", "open_create"),
        "AdminOrgsState.open_edit": each("AdminOrgsState", "open_edit", "org_id", [str(borg)] + junk),
        "AdminOrgsState.set_dialog_open": plain("AdminOrgsState", "set_dialog_open", is_open=True),
        "AdminOrgsState.set_form_auto_sync": plain("AdminOrgsState", "set_form_auto_sync", value=False),
        "AdminOrgsState.save": [[("AdminOrgsState", "save", {"form_data": {"name": "Pwned", "timezone": "UTC"}})]],
        "AdminOrgsState.toggle_auto_sync": [[("AdminOrgsState", "toggle_auto_sync",
                                              {"org_id": str(borg), "value": False})]],
        "AdminAccountsState.load": plain("AdminAccountsState", "load"),
        "AdminAccountsState.set_search": plain("AdminAccountsState", "set_search", value="helios"),
        "AdminAccountsState.set_role_filter": plain("AdminAccountsState", "set_role_filter", value="ORG"),
        "AdminAccountsState.set_org_filter": plain("AdminAccountsState", "set_org_filter", value=str(borg)),
        "AdminAccountsState.next_page": plain("AdminAccountsState", "next_page"),
        "AdminAccountsState.prev_page": plain("AdminAccountsState", "prev_page"),
        "AdminAccountsState.open_create": plain("AdminAccountsState", "open_create"),
        "AdminAccountsState.set_create_open": plain("AdminAccountsState", "set_create_open", is_open=True),
        "AdminAccountsState.set_form_role": plain("AdminAccountsState", "set_form_role", value="SUPERADMIN"),
        "AdminAccountsState.set_form_org": plain("AdminAccountsState", "set_form_org", value=str(borg)),
        "AdminAccountsState.set_form_org_role": plain("AdminAccountsState", "set_form_org_role", value="technician"),
        "AdminAccountsState.create": [[("AdminAccountsState", "set_form_org", {"value": str(borg)}),
                                       ("AdminAccountsState", "create", {"form_data": {
                                           "email": "mole@helios.example", "password": "Sup3r-secret-pw!",
                                           "password_confirm": "Sup3r-secret-pw!", "full_name": "Mole"}})]],
        "AdminAccountsState.ask_deactivate": each("AdminAccountsState", "ask_deactivate", "account_id",
                                                  [str(b.account_id)] + junk),
        "AdminAccountsState.set_confirm_open": plain("AdminAccountsState", "set_confirm_open", is_open=True),
        "AdminAccountsState.confirm_deactivate": plain("AdminAccountsState", "confirm_deactivate"),
        "AdminAccountsState.set_active": [[("AdminAccountsState", "set_active",
                                            {"account_id": str(b.account_id), "active": False})]],
        "AdminAccountsState.open_reset": each("AdminAccountsState", "open_reset", "account_id", [str(b.account_id)] + junk),
        "AdminAccountsState.set_reset_open": plain("AdminAccountsState", "set_reset_open", is_open=True),
        "AdminAccountsState.reset_password": [[("AdminAccountsState", "reset_password", {"form_data": {
            "new_password": "Sup3r-secret-pw!", "new_password_confirm": "Sup3r-secret-pw!"}})]],
        "AdminAuditState.load": plain("AdminAuditState", "load"),
        "AdminAuditState.set_who": plain("AdminAuditState", "set_who", value="helios"),
        "AdminAuditState.set_action": plain("AdminAuditState", "set_action", value="create"),
        "AdminAuditState.set_entity": plain("AdminAuditState", "set_entity", value="vendors"),
        "AdminAuditState.set_org": plain("AdminAuditState", "set_org", value=str(borg)),
        "AdminAuditState.set_day_from": plain("AdminAuditState", "set_day_from", value="2000-01-01"),
        "AdminAuditState.set_day_to": plain("AdminAuditState", "set_day_to", value="2100-01-01"),
        "AdminAuditState.clear_filters": plain("AdminAuditState", "clear_filters"),
        "AdminAuditState.next_page": plain("AdminAuditState", "next_page"),
        "AdminAuditState.prev_page": plain("AdminAuditState", "prev_page"),
    }


# handlers whose effect is on the viewer's own rows by design (their attacks may change A's rows, never B's)
OWN_WRITES = {"VendorsState.save", "NotificationsState.toggle_pref", "NotificationsState.set_min_severity",
              "NotificationsState.create_webhook"}
# logout revokes the caller's own session (and audits it): only those tables, and no other account's sessions
OWN_SESSION_WRITES = {"AuthState.logout": {"audit_log", "auth_sessions"}}


def _other_sessions(w: World) -> str:
    from woms_app.models.org import AuthSession

    with main_session(SYSTEM_CONTEXT) as s:
        return _dump(sorted((r.id, r.revoked_at) for r in s.exec(select(AuthSession)).all()
                            if r.account_id != w.a.account_id))


def woms_states() -> list[type]:
    """Every state class of the app (what a client can address by name)."""
    from reflex.state import State

    import woms_app.woms_app  # noqa: F401  (registers every page and state)

    out, todo = [], [State]
    while todo:
        cls = todo.pop()
        subs = list(cls.get_substates())
        todo.extend(subs)
        out.extend(s for s in subs if s.__module__.startswith("woms_app."))
    return out


def live_handlers() -> set[str]:
    return {f"{cls.__name__}.{name}" for cls in woms_states() for name in cls.event_handlers if name != "setvar"}


def test_every_handler_is_classified(world):
    names = live_handlers()
    assert len(names) > 60
    classified = set(_attacks(world))
    missing, stale = sorted(names - classified), sorted(classified - names)
    assert not missing, f"event handlers without a tenant-matrix entry (add them to ATTACKS): {missing}"
    assert not stale, f"ATTACKS entries for handlers that no longer exist: {stale}"


def test_setvar_reaches_only_declared_handlers():
    """``setvar(name, value)`` (on every state) calls ``set_<name>``: with auto-setters off that must be one of
    the state's own event handlers (classified above), never a plain method or a generated setter."""
    bad = []
    for cls in woms_states():
        for attr in dir(cls):
            if attr.startswith("set_") and callable(getattr(cls, attr, None)) and attr not in cls.event_handlers:
                # inherited handlers are classified on the class that defines them
                if not any(attr in base.event_handlers for base in cls.__mro__[1:] if hasattr(base, "event_handlers")):
                    bad.append(f"{cls.__name__}.{attr}")
    assert not bad, f"setvar can reach these non-handler methods: {bad}"


# ------------------------------------------------------------------ running handlers the way Reflex does


class Client:
    """One browser tab: a state tree in a memory state manager, driven by Reflex's event processor."""

    def __init__(self, cookie: str, query: dict[str, str], path: str, *, token: str | None = None, manager=None):
        from reflex.istate.manager.memory import StateManagerMemory
        from reflex_base.event.processor import BaseStateEventProcessor

        from woms_app.woms_app import app, handle_backend_exception

        self.token = token or uuid.uuid4().hex
        self.errors: list[BaseException] = []
        self.frontend: list[Any] = []  # what the app sent to the browser: deltas, toasts, redirects

        def on_error(exc):
            self.errors.append(exc)
            return handle_backend_exception(exc)

        # a second Client on the same token and manager is the same tab connecting again (e.g. another user)
        self.manager = manager or StateManagerMemory()
        # the app's middlewares (the session binding) run as they do in the server
        self.processor = BaseStateEventProcessor(backend_exception_handler=on_error, middleware=app)
        self.processor.configure(state_manager=self.manager)
        self.processor._root_context = _with_emit(self.processor._root_context, self.frontend)
        self.router_data = {"headers": {"cookie": cookie, "origin": BASE, "host": "localhost:3000"},
                            "pathname": path, "asPath": path + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
                            "query": query, "token": self.token, "sid": "sid-" + self.token, "ip": "127.0.0.1"}

    async def run(self, steps: Attack, classes: dict[str, type], *, connect: bool = False) -> dict:
        """Send ``steps``; with ``connect`` first the boot event a browser sends when its socket connects (which
        is how a tab meets the server: the router data then comes from the event, as in the server)."""
        from reflex.event import Event
        from reflex.istate.manager.token import BaseStateToken
        from reflex.state import State

        async with self.processor:
            if connect:
                steps = [("State", "hydrate_and_load", {})] + list(steps)
                classes = {**classes, "State": State}
            else:
                async with self.manager.modify_state(BaseStateToken(ident=self.token, cls=State)) as root:
                    root.router_data = self.router_data
                    root._update_router_vars(self.router_data, {})
            for cls_name, handler, payload in steps:
                cls = classes[cls_name]
                ev = Event(name=f"{cls.get_full_name()}.{handler}", payload=payload, router_data=self.router_data)
                fut = await self.processor.enqueue(self.token, ev)
                try:
                    await asyncio.wait_for(fut.wait_all(), 30)
                except Exception as exc:  # already given to the backend exception handler
                    if exc not in self.errors:
                        self.errors.append(exc)
            if any(classes[c].event_handlers[h].is_background for c, h, _ in steps):
                await asyncio.sleep(0.05)  # background tasks' last `async with self`
            async with self.manager.modify_state(BaseStateToken(ident=self.token, cls=State)) as root:
                return root.dict()


def _with_emit(ctx, sink: list):
    import dataclasses

    async def emit_delta(token, delta):
        sink.append({"delta": delta})

    async def emit_event(token, *events):
        sink.extend(events)

    return dataclasses.replace(ctx, emit_delta_impl=emit_delta, emit_event_impl=emit_event)


def _cookie(email: str) -> str:
    from woms_app.core.security import COOKIE_NAME
    from woms_app.services import auth

    with main_session(SYSTEM_CONTEXT) as s:
        return f"{COOKIE_NAME}={auth.login(s, email, PASSWORD).token}"


def _dump(x) -> str:
    return json.dumps(x, default=repr)


def _leaks(text: str, w: World) -> list[str]:
    return [m for m in w.b.markers if m.lower() in text.lower()]


def _b_rows(w: World) -> str:
    """B's own rows (for attacks that may legitimately write A's rows)."""
    fp = db_fingerprint()
    with main_session(SYSTEM_CONTEXT) as s:
        vendors = [(v.id, v.org_id, v.name, v.base_url, v.credentials_encrypted) for v in s.exec(select(Vendor)).all()]
    with main_session(SYSTEM_CONTEXT) as s:
        b_notify = [(h.id, h.url, h.active) for h in s.exec(select(WebhookEndpoint)).all() if h.org_id == w.b.org_id]
        b_notify += [(p.id, p.email, p.in_app) for p in s.exec(select(NotificationPref)).all()
                     if p.org_id == w.b.org_id]
    return _dump([fp.get(t) for t in ("plants", "work_orders", "work_order_plants", "alerts", "accounts",
                                      "organizations", "auth_sessions", "outbox")]
                 + [v for v in vendors if v[1] == w.b.org_id] + b_notify)


def test_reflex_handlers_cross_tenant(world):
    w = world
    with main_session(SYSTEM_CONTEXT) as s:  # A's own vendor cannot connect: a save of it is refused before it writes
        v = s.get(Vendor, w.a.vendor_id)
        v.base_url = UNREACHABLE
        s.add(v)
    classes = {c.__name__: c for c in woms_states()}
    cookie = _cookie(EMAILS["ORG_A"])
    query = {"plant_id": str(w.b.plant_ids[0]), "wo": str(w.b.wo_id), "wo_id": str(w.b.wo_id)}
    failures: list[str] = []
    runs = 0
    for name, attacks in sorted(_attacks(w).items()):
        for steps in attacks:
            runs += 1
            path = _path(name)
            client = Client(cookie, query, path)
            before = db_fingerprint()
            b_before = _b_rows(w) if name in OWN_WRITES else None
            others_before = _other_sessions(w) if name in OWN_SESSION_WRITES else None
            tree = asyncio.run(client.run(steps, classes))
            where = f"{name} {steps}"
            if name in OWN_WRITES:
                if _b_rows(w) != b_before:
                    failures.append(f"{where}: org B's rows changed")
            elif name in OWN_SESSION_WRITES:
                if not set(changed_tables(before, db_fingerprint())) <= OWN_SESSION_WRITES[name]:
                    failures.append(f"{where}: changed {changed_tables(before, db_fingerprint())}")
                if _other_sessions(w) != others_before:
                    failures.append(f"{where}: another account's sessions changed")
            elif changed := changed_tables(before, db_fingerprint()):
                failures.append(f"{where}: changed {changed}")
            if leaked := _leaks(_dump(tree), w):
                failures.append(f"{where}: org B's data in the state: {leaked}")
            if leaked := _leaks(_dump(client.frontend) + " ".join(map(str, client.errors)), w):
                failures.append(f"{where}: org B's data in a toast/error: {leaked}")
            unexpected = [e for e in client.errors if not _expected_error(e)]
            if unexpected:
                failures.append(f"{where}: unexpected error {unexpected[0]!r}")
    assert runs > 100
    assert not failures, f"{len(failures)} of {runs} attacks failed:\n" + "\n".join(failures[:40])


def _path(name: str) -> str:
    """The page a handler's state serves (its dynamic route parameter comes from the router query)."""
    if name.startswith("PlantDetail"):
        return "/plants/[plant_id]"
    return "/work-orders/[wo_id]" if name.startswith("WorkOrderPage") else "/work-orders"


def _expected_error(exc: BaseException) -> bool:
    from woms_app.core.errors import WomsError

    return isinstance(exc, WomsError)


def test_the_attacks_reach_b_when_b_sends_them(world):
    """Positive control: the same events sent by org B itself do show B's rows (the ids and routing are real)."""
    w = world
    classes = {c.__name__: c for c in woms_states()}
    cookie = _cookie(EMAILS["ORG_B"])
    query = {"plant_id": str(w.b.plant_ids[0]), "wo": str(w.b.wo_id), "wo_id": str(w.b.wo_id)}
    for steps in ([("WorkOrdersState", "open_detail", {"wo_id": w.b.wo_id})],
                  [("PlantDetailState", "load", {})],
                  [("VendorsState", "open_edit", {"vendor_id": str(w.b.vendor_id)})],
                  [("SelectedPlantState", "show_plant", {"plant_id": w.b.plant_ids[0]})],
                  [("WorkOrderFormState", "start_from_alert", {"alert_id": w.b.alert_id})],
                  [("WorkOrderItemsState", "load_for", {"wo_id": w.b.wo_id})],
                  [("WorkOrderPageState", "load", {})],
                  [("NotificationsState", "load", {}), ("NotificationsState", "show_log",
                                                        {"hook_id": str(w.b.webhook_id)})]):
        path = _path(steps[0][0])
        client = Client(cookie, query, path)
        tree = asyncio.run(client.run(steps, classes))
        assert _leaks(_dump(tree), w), (steps, client.errors)
