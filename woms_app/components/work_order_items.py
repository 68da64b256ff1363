"""The checklists and attachments of the open work order (inside the detail view): pass / flag / fail buttons with
reading and note inputs per item, "create corrective work order" on a failed item, and the attachment list with
thumbnails and an upload control. Files are shown only through the authorized /api routes."""
from __future__ import annotations

import reflex as rx
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import LiteralVar, Var, VarData

from woms_app.models.enums import ChecklistResult
from woms_app.state.base import AuthState
from woms_app.state.checklists import MAX_FILES_PER_DROP, UPLOAD_ACCEPT, UPLOAD_ID, UPLOAD_MAX_BYTES
from woms_app.state.checklists import WorkOrderItemsState as S
from woms_app.state.live import live_refresh
from woms_app.state.work_orders import WorkOrdersState as W

_RESULTS = [(r.value, r.label, r.color) for r in ChecklistResult]
_can_work = AuthState.can_write & S.wo_active


def _result_buttons(it) -> rx.Component:
    return rx.hstack(
        *[rx.button(label, size="1", color_scheme=color,
                    variant=rx.cond(it["result"] == value, "solid", "soft"),
                    disabled=~_can_work, on_click=S.record(it["checklist_id"], it["id"], value),
                    aria_pressed=rx.cond(it["result"] == value, "true", "false"),
                    data_testid="cl-result-" + value)
          for value, label, color in _RESULTS],
        spacing="1",
    )


def _item(it) -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.text(it["label"], size="2", weight="medium", flex="1", min_width="12rem"),
                _result_buttons(it),
                width="100%", align="center", wrap="wrap", spacing="2",
            ),
            rx.hstack(
                rx.cond(it["unit"] != "", rx.input(
                    rx.input.slot(rx.text(it["unit"], size="1", color_scheme="gray"), side="right"),
                    value=S.readings[it["id"]], placeholder="Reading", input_mode="decimal", size="1",
                    width="9rem", disabled=~_can_work, on_change=lambda v: S.set_reading(it["id"], v),
                    aria_label="Reading (" + it["unit"] + ")", data_testid="cl-reading")),
                rx.input(value=S.notes[it["id"]], placeholder="Note (optional)", size="1", flex="1",
                         min_width="10rem", max_length=500, disabled=~_can_work,
                         on_change=lambda v: S.set_note(it["id"], v).debounce(300),
                         # leaving the field (e.g. for a result button) commits it before the click's event
                         on_blur=lambda v: S.set_note(it["id"], v), aria_label="Note",
                         data_testid="cl-note"),
                rx.cond((it["result"] == "fail") & AuthState.can_write, rx.button(
                    rx.icon("wrench", size=14), "Create corrective work order", size="1", variant="soft",
                    color_scheme="red", on_click=S.create_corrective(it["checklist_id"], it["id"]),
                    data_testid="cl-corrective")),
                width="100%", align="center", wrap="wrap", spacing="2",
            ),
            rx.cond(it["recorded"] != "", rx.text(
                "Recorded by " + it["recorded"] + rx.cond(it["photos"] != "", " · " + it["photos"] + " photo(s)", ""),
                size="1", color_scheme="gray")),
            spacing="1", width="100%",
        ),
        padding_y="0.5rem", border_bottom=f"1px solid {rx.color('gray', 4)}", width="100%",
        data_testid="cl-item",
    )


def _checklist(c) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(c["name"], weight="bold", size="2"),
            rx.badge(c["type"], variant="soft", color_scheme="gray"),
            rx.cond(c["plant"] != "", rx.text(c["plant"], size="1", color_scheme="gray")),
            rx.spacer(),
            rx.cond(c["failed"] != "0", rx.badge(c["failed"] + " failed", color_scheme="red", variant="soft")),
            rx.text(c["progress"], size="1", color_scheme="gray", data_testid="cl-progress"),
            rx.cond(_can_work, rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost",
                                              color_scheme="gray", on_click=S.remove_checklist(c["id"]),
                                              aria_label="Remove checklist")),
            width="100%", align="center", wrap="wrap", spacing="2",
        ),
        rx.foreach(S.items, lambda it: rx.cond(it["checklist_id"] == c["id"], _item(it))),
        padding="0.75rem", border=f"1px solid {rx.color('gray', 5)}", border_radius="var(--radius-3)", width="100%",
        data_testid="wo-checklist",
    )


def checklists_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Checklists", size="3", as_="h2"),
        rx.cond(S.checklists.length() > 0,
                rx.vstack(rx.foreach(S.checklists, _checklist), spacing="2", width="100%"),
                rx.text("No checklist on this work order.", size="2", color_scheme="gray")),
        rx.cond(_can_work & (S.template_choices.length() > 0), rx.hstack(
            rx.select.root(
                rx.select.trigger(width="16rem", data_testid="cl-template"),
                rx.select.content(rx.foreach(S.template_choices,
                                             lambda t: rx.select.item(t["label"], value=t["value"]))),
                value=S.attach_template, on_change=S.set_attach_template),
            rx.button(rx.icon("list-checks", size=14), "Add checklist", size="2", variant="soft", on_click=S.attach,
                      data_testid="cl-attach"),
            spacing="2", align="center", wrap="wrap")),
        spacing="2", width="100%", margin_top="1rem", data_testid="wo-checklists",
    )


def _attachment(a) -> rx.Component:
    return rx.box(
        rx.link(
            rx.cond(a["thumb"] != "",
                    rx.image(src=a["thumb"], alt=a["name"], width="100%", height="7rem", object_fit="cover",
                             border_radius="var(--radius-2)", loading="lazy"),
                    rx.center(rx.icon("file-text", size=40, color=rx.color("gray", 9)), height="7rem")),
            href=a["url"], is_external=True, aria_label="Open " + a["name"],
        ),
        rx.hstack(
            rx.text(a["name"], size="1", weight="medium", trim="both",
                    style={"overflow": "hidden", "text_overflow": "ellipsis", "white_space": "nowrap"}, flex="1",
                    min_width="0"),
            rx.cond(AuthState.can_write, rx.icon_button(
                rx.icon("trash-2", size=12), size="1", variant="ghost", color_scheme="gray",
                on_click=S.delete_attachment(a["id"]), aria_label="Remove " + a["name"])),
            width="100%", align="center", spacing="1", margin_top="0.25rem",
        ),
        rx.text(a["meta"], size="1", color_scheme="gray"),
        padding="0.5rem", border=f"1px solid {rx.color('gray', 5)}", border_radius="var(--radius-3)",
        min_width="0", data_testid="wo-attachment",
    )


def attachments_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Photos and documents", size="3", as_="h2"),
        rx.cond(S.attachments.length() > 0,
                rx.grid(rx.foreach(S.attachments, _attachment), columns=rx.breakpoints(initial="2", sm="3"),
                        spacing="2", width="100%"),
                rx.text("No attachments yet.", size="2", color_scheme="gray")),
        rx.cond(AuthState.can_write, rx.upload(
            rx.vstack(
                rx.button(rx.icon("upload", size=14), "Add photos or PDFs", size="2", variant="soft",
                          loading=S.busy, type="button"),
                rx.text(S.upload_limit_label, size="1", color_scheme="gray"),
                align="center", spacing="1",
            ),
            id=UPLOAD_ID, accept=UPLOAD_ACCEPT, max_files=MAX_FILES_PER_DROP, max_size=UPLOAD_MAX_BYTES, multiple=True,
            on_drop=S.handle_upload(rx.upload_files(upload_id=UPLOAD_ID)), on_drop_rejected=S.upload_rejected,
            border=f"1px dashed {rx.color('gray', 7)}", border_radius="var(--radius-3)", padding="0.75rem",
            width="100%", data_testid="wo-upload",
        )),
        spacing="2", width="100%", margin_top="1rem", data_testid="wo-attachments",
    )


class _FollowDetail(rx.el.Div):
    """A hidden div whose ``on_mount`` events run on mount and again whenever the detail's history changes: every
    write to a checklist or attachment adds a history line, and the detail follows the change feed
    (``WorkOrdersState.on_live`` → ``refresh_detail``), so the sections follow other users' results and uploads
    without a second consumer of the feed's topics. (The same effect hook as ``state.live._LiveWatcher``.)"""

    def _get_mount_lifecycle_hook(self) -> str | None:
        return None

    def add_hooks(self) -> list:
        chain = self.event_triggers.get("on_mount")
        if chain is None:
            return []
        chain_var = LiteralVar.create(chain)
        dep = W.detail_history
        code = f"useEffect(() => {{ {chain_var!s}(); }}, [{dep!s}]);"
        data = VarData.merge(dep._get_all_var_data(), chain_var._get_all_var_data(),
                             VarData(imports={"react": [ImportVar(tag="useEffect")]}))
        return [Var(_js_expr=code, _var_data=data)]


def work_order_items(wo_id) -> rx.Component:
    """Both sections for work order ``wo_id`` (a Var); they load when the detail view shows them and reload when
    its history changes."""
    return rx.box(
        _FollowDetail.create(on_mount=[S.load_for(wo_id)], style={"display": "none"}),
        checklists_section(), attachments_section(), width="100%",
    )


def work_order_items_on_page(wo_id) -> rx.Component:
    """Both sections on the work order's own page (/work-orders/[wo_id]): loaded when the page shows the work order,
    re-read on every live push of the viewer's channel (the page has no detail dialog whose history to follow)."""
    return rx.box(
        rx.el.div(on_mount=S.load_for(wo_id), style={"display": "none"}),
        live_refresh(S.refresh, testid="wo-items-live"),
        checklists_section(), attachments_section(), width="100%",
    )
