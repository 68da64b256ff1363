"""/my-work: a field technician's day on a phone — the active work orders assigned to me, then the organization's
unassigned ones, each soonest due first, with what the due time means now ("due in 3 h", "overdue by 2 h")."""
from __future__ import annotations

import asyncio
from datetime import datetime

import reflex as rx

from woms_app.core.clock import utcnow
from woms_app.core.db import main_session
from woms_app.core.errors import Forbidden
from woms_app.services import work_orders as svc
from woms_app.state.base import AuthState
from woms_app.state.helpers import fmt_time
from woms_app.state.live import changed_topics


def due_text(due: datetime | None, now: datetime) -> tuple[str, str]:
    """What the effective due time means now, and its colour: overdue (red), within 24 h (orange), later (gray)."""
    if due is None:
        return "no due time", "gray"
    seconds = (due - now).total_seconds()
    span = abs(seconds)
    amount = f"{int(span // 86400)} d" if span >= 86400 else (
        f"{int(span // 3600)} h" if span >= 3600 else f"{max(1, int(span // 60))} min")
    if seconds < 0:
        return f"overdue by {amount}", "red"
    return f"due in {amount}", "orange" if seconds <= 86400 else "gray"


def _card(w: svc.WorkOrderSummary, now: datetime) -> dict[str, str]:
    text, color = due_text(w.effective_due_at, now)
    return {"id": str(w.id), "title": w.title, "status": w.status.value, "priority": w.priority.value,
            "type": w.wo_type.label, "plants": ", ".join(w.plant_names) or "—", "due": text, "due_color": color,
            "due_at": fmt_time(w.effective_due_at), "paused": "yes" if w.sla is not None and w.sla.paused else ""}


class MyWorkState(AuthState):
    mine: list[dict[str, str]] = []
    unassigned: list[dict[str, str]] = []
    loaded: bool = False
    refused: str = ""

    def _query(self) -> None:
        viewer = self._require_viewer()
        try:
            with main_session() as session:
                work = svc.my_work(session, viewer)
        except Forbidden as exc:
            self.mine, self.unassigned, self.refused, self.loaded = [], [], exc.message, True
            return
        now = utcnow()
        self.mine = [_card(w, now) for w in work.mine]
        self.unassigned = [_card(w, now) for w in work.unassigned]
        self.refused, self.loaded = "", True

    @rx.event
    async def load(self):
        await self._require_viewer_async()
        await asyncio.to_thread(self._query)

    @rx.event
    async def on_live(self):
        if {"work_orders"} & await changed_topics(self):
            await asyncio.to_thread(self._query)
