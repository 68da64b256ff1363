"""The notification e-mail: one digest per recipient for every row due together, sent over SMTP (smtplib).

A digest lists each notification's title (and its details), newest last. Its Message-ID is derived from the
rows' idempotency keys, so a digest sent again after a crash (sent, then killed before it was marked sent) is
recognisably the same message to the receiving system.
"""
from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from woms_app.core.config import get_settings

NOT_CONFIGURED = "SMTP not configured"
TIMEOUT_S = 15.0
DETAIL_FIELDS = (("plant_name", "Plant"), ("severity", "Severity"), ("vendor_code", "Vendor code"),
                 ("category", "Category"), ("started_at", "Started"), ("work_order_id", "Work order"),
                 ("due_at", "Due"), ("message", "Details"))


class SmtpNotConfigured(RuntimeError):
    """No WOMS_SMTP_HOST: e-mails wait in the outbox."""


@dataclass(frozen=True)
class DigestItem:
    idempotency_key: str
    event_kind: str
    payload: dict[str, Any]


def smtp_configured() -> bool:
    return bool(get_settings().smtp_host.strip())


def _title(item: DigestItem) -> str:
    return str(item.payload.get("title") or item.event_kind)[:200]


def compose(to_address: str, to_name: str, items: Sequence[DigestItem]) -> EmailMessage:
    settings = get_settings()
    msg = EmailMessage()
    if len(items) == 1:
        msg["Subject"] = f"[WOMS] {_title(items[0])}"
    else:
        msg["Subject"] = f"[WOMS] {len(items)} notifications"
    msg["From"] = settings.smtp_from
    msg["To"] = f"{to_name} <{to_address}>" if to_name else to_address
    msg["Date"] = formatdate(usegmt=True)
    digest = hashlib.sha256("\n".join(sorted(i.idempotency_key for i in items)).encode("utf-8")).hexdigest()
    msg["Message-ID"] = f"<{digest[:40]}@woms.notifications>"
    lines = [f"Hello {to_name or to_address},", "",
             "WOMS has one notification for you:" if len(items) == 1 else
             f"WOMS has {len(items)} notifications for you:", ""]
    for n, item in enumerate(items, 1):
        lines.append(f"{n}. {_title(item)}")
        for key, label in DETAIL_FIELDS:
            value = item.payload.get(key)
            if value not in (None, ""):
                lines.append(f"   {label}: {str(value)[:300]}")
        lines.append("")
    lines.append("Change which notifications you receive on the Notifications page of WOMS.")
    msg.set_content("\n".join(lines))
    return msg


def send(messages: Sequence[EmailMessage]) -> list[str | None]:
    """Send each message over one SMTP connection; per message ``None`` (accepted) or the error text.

    Raises :class:`SmtpNotConfigured` without a host; a connection or login failure is every message's error."""
    settings = get_settings()
    if not smtp_configured():
        raise SmtpNotConfigured(NOT_CONFIGURED)
    results: list[str | None] = []
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            for msg in messages:
                try:
                    refused = smtp.send_message(msg)
                    results.append(f"refused: {', '.join(refused)}"[:300] if refused else None)
                except smtplib.SMTPException as exc:
                    results.append(f"SMTP: {exc}"[:300])
    except (OSError, smtplib.SMTPException) as exc:
        error = f"SMTP {settings.smtp_host}:{settings.smtp_port}: {type(exc).__name__}: {exc}"[:300]
        return results + [error] * (len(messages) - len(results))
    return results
