"""The comment thread of a work order: whoever can see the work order reads it; whoever may work it
(``work_orders.workable_work_order``) writes to it. A comment is plain text (1..4000 characters, stripped), kept
with the work order, audited and announced on the change feed (``work_orders``), so every open view of the work
order refreshes its thread."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from woms_app.core import feed
from woms_app.core.clock import utcnow
from woms_app.core.errors import ValidationFailed
from woms_app.models.org import Account
from woms_app.models.work_order import WorkOrder, WorkOrderComment
from woms_app.services import audit
from woms_app.services.viewer import Viewer, get_scoped
from woms_app.services.work_orders import workable_work_order

BODY_MAX = 4000
MAX_COMMENTS = 500  # the newest shown per work order


@dataclass
class CommentView:
    id: int
    work_order_id: int
    at: datetime
    author: str  # email ("" when the account is gone)
    author_name: str
    body: str


def list_comments(session: Session, viewer: Viewer, wo_id: int) -> list[CommentView]:
    """Oldest first (a conversation), the newest MAX_COMMENTS."""
    wo = get_scoped(session, viewer, WorkOrder, wo_id, "Work order")
    rows = session.exec(
        select(WorkOrderComment, Account.email, Account.full_name)
        .outerjoin(Account, Account.id == WorkOrderComment.account_id)
        .where(WorkOrderComment.work_order_id == wo.id)
        .order_by(WorkOrderComment.at.desc(), WorkOrderComment.id.desc()).limit(MAX_COMMENTS)
    ).all()
    audit.record_read(session, viewer, "work_order_comments", wo.id, org_id=wo.org_id)
    return [CommentView(id=c.id, work_order_id=wo.id, at=c.at, author=email or "", author_name=name or "",
                        body=c.body) for c, email, name in reversed(rows)]


def add_comment(session: Session, viewer: Viewer, wo_id: int, body: str) -> CommentView:
    text = (body or "").strip() if isinstance(body, str) else ""
    if not 1 <= len(text) <= BODY_MAX:
        raise ValidationFailed(f"A comment must be 1–{BODY_MAX} characters", field="body")
    wo = workable_work_order(session, viewer, wo_id)
    comment = WorkOrderComment(work_order_id=wo.id, account_id=viewer.account_id, at=utcnow(), body=text)
    session.add(comment)
    session.flush()
    audit.record_write(session, viewer, "comment", "work_orders", wo.id, org_id=wo.org_id,
                       detail=f"comment {comment.id}: {text[:80]!r}")
    feed.publish_after_commit(session, wo.org_id, feed.WORK_ORDERS)
    return CommentView(id=comment.id, work_order_id=wo.id, at=comment.at, author=viewer.email,
                       author_name=viewer.full_name, body=text)
