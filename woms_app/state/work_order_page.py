"""/work-orders/[wo_id]: one work order on its own page — fields, SLA clocks, plants, history, the comment thread
and the transitions with the inputs they need (the closure's codes and resolution, a reason).

Every handler resolves the viewer (``_require_viewer``) and hands ids to the services, which scope them (a foreign
id is "not found") and decide who may work the work order (``work_orders.workable_work_order``). The page offers
what ``WorkOrderDetail.next_statuses`` says, to whoever ``work_orders.can_work`` lets work it.
"""
from __future__ import annotations

import reflex as rx

from woms_app.core.db import main_session
from woms_app.core.errors import NotFound
from woms_app.core.ids import parse_id
from woms_app.models.enums import WorkOrderStatus
from woms_app.services import closure_codes
from woms_app.services import work_order_comments as comments_svc
from woms_app.services import work_orders as svc
from woms_app.services.sla import SlaClock
from woms_app.state.base import AuthState
from woms_app.state.helpers import USER_ERRORS, fmt_time
from woms_app.state.live import changed_topics

STEP_LABELS = {WorkOrderStatus.IN_PROGRESS: "Start work", WorkOrderStatus.ON_HOLD: "Put on hold",
               WorkOrderStatus.DONE: "Mark done", WorkOrderStatus.CANCELLED: "Cancel", WorkOrderStatus.OPEN: "Reopen"}
LIVE_TOPICS = {"work_orders", "plants", "alerts"}
NONE = ""


def duration(seconds: int | None) -> str:
    """``3 d 4 h``, ``5 h 20 min``, ``12 min``."""
    s = max(0, int(seconds or 0))
    d, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    if d:
        return f"{d} d {h} h"
    return f"{h} h {m:02d} min" if h else f"{m} min"


def clock_text(c: SlaClock, paused: bool = False) -> tuple[str, str]:
    """What one SLA clock says, and its colour."""
    due = fmt_time(c.due_at)
    if c.state == "met":
        return f"Met (due {due})", "green"
    if c.state == "breached":
        return f"Breached by {duration(c.overdue_seconds)} (due {due})", "red"
    if c.state == "running":
        left = duration(c.remaining_seconds)
        return (f"Paused — {left} left when resumed" if paused else f"{left} left (due {due})"), \
            ("orange" if paused else "blue")
    if c.state == "cancelled":
        return "Stopped (cancelled)", "gray"
    return "No target", "gray"


class WorkOrderPageState(AuthState):
    wo_id: int = 0
    found: bool = False
    loaded: bool = False
    info: dict[str, str] = {}
    sla: dict[str, str] = {}
    closure: dict[str, str] = {}
    plants: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    alerts: list[dict[str, str]] = []
    comments: list[dict[str, str]] = []
    steps: list[dict[str, str]] = []
    can_work: bool = False
    # assignment: a manager picks anyone of the organization; a technician takes an unassigned work order
    can_assign: bool = False
    can_take: bool = False
    assignee_id: str = NONE
    assignees: list[dict[str, str]] = []
    # the closure taxonomy (reference data) and the inputs of the transitions and the comment form
    problems: list[dict[str, str]] = []
    cause_options: list[dict[str, str]] = []  # value, label, problem
    remedy_options: list[dict[str, str]] = []
    problem: str = NONE
    cause: str = NONE
    remedy: str = NONE
    resolution: str = ""
    note: str = ""
    comment: str = ""
    busy: bool = False
    error: str = ""

    def _requested_id(self) -> int | None:
        return parse_id(str(self.router.page.params.get("wo_id", "") or ""))

    @rx.event
    def load(self):
        """``on_load``: the work order of the address (not visible or not a number → the not-found view)."""
        self.loaded = False
        self.note = self.comment = self.resolution = self.error = ""
        self.problem = self.cause = self.remedy = NONE
        self._query()

    @rx.event
    async def on_live(self):
        """Live feed: any work-order change of the viewer's channel re-reads the page (the thread included)."""
        if self.found and LIVE_TOPICS & await changed_topics(self):
            self._query()

    def _query(self) -> None:
        viewer = self._require_viewer()
        wo_id = self._requested_id()
        try:
            if wo_id is None:
                raise NotFound("Work order not found")
            with main_session() as session:
                d = svc.get_work_order(session, viewer, wo_id)
                thread = comments_svc.list_comments(session, viewer, wo_id)
                people = (svc.assignee_options(session, viewer, d.summary.org_id)
                          if viewer.is_manager and d.summary.status.is_active else [])
                tree = [] if self.problems else closure_codes.closure_tree(session, viewer)
        except NotFound:
            self.found, self.loaded, self.wo_id = False, True, 0
            return
        self._show(d, thread, viewer)
        self.assignees = [{"value": str(o.account_id), "label": o.label} for o in people]
        if tree:
            self.problems = [{"value": p.code, "label": p.label} for p in tree]
            self.cause_options = [{"value": c.code, "label": c.label, "problem": p.code} for p in tree
                                  for c in p.causes]
            self.remedy_options = [{"value": r.code, "label": r.label, "problem": p.code} for p in tree
                                   for r in p.remedies]
        self.found, self.loaded = True, True

    def _show(self, d: svc.WorkOrderDetail, thread, viewer) -> None:
        s = d.summary
        self.wo_id = s.id
        self.info = {
            "id": str(s.id), "title": s.title, "org": s.org_name, "description": d.description,
            "status": s.status.value, "priority": s.priority.value, "type": s.wo_type.label,
            "assignee": s.assignee or "Unassigned", "due": fmt_time(s.due_at, "—"),
            "created": fmt_time(s.created_at), "created_by": s.created_by, "closed": fmt_time(s.closed_at),
            "plants": ", ".join(s.plant_names) or "—",
        }
        v = s.sla
        if v is not None:
            resp, resp_color = clock_text(v.response)
            res, res_color = clock_text(v.resolution, v.paused)
            t = d.sla_times
            self.sla = {"response": resp, "response_color": resp_color, "resolution": res,
                        "resolution_color": res_color, "paused": "yes" if v.paused else "",
                        "started": fmt_time(t.started_at), "responded": fmt_time(t.responded_at, "not yet"),
                        "held": duration(t.held_seconds) if t.held_seconds else ""}
        c = d.closure
        self.closure = {"problem": c.problem, "cause": c.cause, "remedy": c.remedy, "resolution": c.resolution_note,
                        "downtime": (f"{fmt_time(c.downtime_start)} → {fmt_time(c.downtime_end)}"
                                     if c.downtime_start else ""), "cancel_reason": c.cancel_reason,
                        "lost": "" if c.lost_energy_kwh is None else f"{c.lost_energy_kwh:,.1f} kWh"}
        self.plants = [{"name": p.plant_name, "active": "yes" if p.is_active else ""} for p in d.plants]
        self.history = [{"at": fmt_time(h.at), "who": h.who, "what": _history_text(h), "note": h.note}
                        for h in d.history]
        self.alerts = [{"id": str(a.id), "title": a.title, "severity": a.severity, "started": fmt_time(a.started_at)}
                       for a in d.alerts]
        self.comments = [{"id": str(c.id), "at": fmt_time(c.at), "who": c.author_name or c.author or "—",
                          "body": c.body} for c in thread]
        self.can_work = svc.can_work(viewer, s.org_id, s.assignee_id)
        active = s.status.is_active
        self.can_assign = active and viewer.is_manager and viewer.can_write
        self.can_take = active and viewer.is_technician and s.assignee_id is None
        self.assignee_id = str(s.assignee_id) if s.assignee_id else NONE
        resuming = s.status == WorkOrderStatus.ON_HOLD
        self.steps = [{"value": t.value, "color": t.color,
                       "label": "Resume work" if resuming and t == WorkOrderStatus.IN_PROGRESS
                       else STEP_LABELS.get(t, t.label)}
                      for t in d.next_statuses] if self.can_work else []

    # ------------------------------------------------------------ inputs
    @rx.event
    def set_problem(self, value: str):
        self.problem = value if any(p["value"] == value for p in self.problems) else NONE
        self.cause = self.remedy = NONE

    @rx.event
    def set_cause(self, value: str):
        self.cause = value if any(c["value"] == value and c["problem"] == self.problem
                                  for c in self.cause_options) else NONE

    @rx.event
    def set_remedy(self, value: str):
        self.remedy = value if any(r["value"] == value and r["problem"] == self.problem
                                   for r in self.remedy_options) else NONE

    @rx.event
    def set_resolution(self, value: str):
        self.resolution = str(value)[: svc.RESOLUTION_MAX + 100]

    @rx.event
    def set_note(self, value: str):
        self.note = str(value)[: svc.NOTE_MAX + 50]

    @rx.event
    def set_comment(self, value: str):
        self.comment = str(value)[: comments_svc.BODY_MAX + 100]

    @rx.var
    def causes(self) -> list[dict[str, str]]:
        return [c for c in self.cause_options if c["problem"] == self.problem]

    @rx.var
    def remedies(self) -> list[dict[str, str]]:
        return [r for r in self.remedy_options if r["problem"] == self.problem]

    @rx.var
    def can_close(self) -> bool:
        return any(s["value"] == WorkOrderStatus.DONE.value for s in self.steps)

    # ------------------------------------------------------------ writes
    @rx.event
    def transition(self, to_status: str):
        viewer = self._require_viewer()
        if not self.wo_id:
            return rx.toast.error("Work order not found")
        target = str(to_status)
        closing = target == WorkOrderStatus.DONE.value
        try:
            with main_session() as session:
                svc.change_status(session, viewer, self.wo_id, target, note="" if closing else self.note,
                                  resolution_note=self.resolution if closing else None,
                                  problem_code=(self.problem or None) if closing else None,
                                  cause_code=(self.cause or None) if closing else None,
                                  remedy_code=(self.remedy or None) if closing else None)
        except USER_ERRORS as exc:
            self.error = exc.message
            return rx.toast.error(exc.message)
        self.error = ""
        self.note = self.resolution = ""
        self.problem = self.cause = self.remedy = NONE
        self._query()
        return rx.toast.success(f"Work order #{self.wo_id} is now {WorkOrderStatus(target).label.lower()}")

    def _assign(self, account_id: int | None, done: str):
        viewer = self._require_viewer()
        if not self.wo_id:
            return rx.toast.error("Work order not found")
        try:
            with main_session() as session:
                svc.update_work_order(session, viewer, self.wo_id, assignee_id=account_id)
        except USER_ERRORS as exc:
            return rx.toast.error(exc.message)
        self._query()
        return rx.toast.success(done)

    @rx.event
    def assign(self, value: str):
        """A manager's choice in the assignee list ("" = nobody)."""
        if value == NONE:
            return self._assign(None, f"Work order #{self.wo_id} is unassigned")
        account = parse_id(value)
        if account is None or not any(a["value"] == str(account) for a in self.assignees):
            return rx.toast.error("The assignee must be an active account of the work order's organization")
        name = next(a["label"] for a in self.assignees if a["value"] == str(account))
        return self._assign(account, f"Work order #{self.wo_id} assigned to {name}")

    @rx.event
    def take(self):
        """A technician takes an unassigned work order."""
        viewer = self._require_viewer()
        return self._assign(viewer.account_id, f"Work order #{self.wo_id} is yours")

    @rx.event
    def add_comment(self):
        viewer = self._require_viewer()
        if not self.wo_id:
            return rx.toast.error("Work order not found")
        try:
            with main_session() as session:
                comments_svc.add_comment(session, viewer, self.wo_id, self.comment)
        except USER_ERRORS as exc:
            return rx.toast.error(exc.message)
        self.comment = ""
        self._query()


def _history_text(h: svc.HistoryEntry) -> str:
    if h.kind == "status" and h.to_status is not None:
        if h.to_status == WorkOrderStatus.OPEN:
            return "Reopened"
        return f"{h.from_status.label if h.from_status else '?'} → {h.to_status.label}"
    return {"created": "Created", "updated": "Updated", "plant_added": "Plant added", "plant_removed": "Plant removed",
            "alert_linked": "Alert linked"}.get(h.kind, h.kind.replace("_", " ").capitalize())
