"""Reminders (SPEC §5, DOMAIN §3.5): a mandate `sent_to_client` for 14 days gets a reminder, at most 3, 14
days apart, in mode `service` only.

The clock is a parameter: the worker passes the time, tests pass the day they want. A mandate's reminder
clock starts when it was (re)sent (`sent_to_client_at`, reset with `reminders_sent` by a resend) and moves
with each reminder (`last_reminder_at`). A worker that was down does not catch up with a burst: it sends
the one reminder that is due, and the next one 14 days later. A client without an e-mail address is
returned in `unreachable` (the office has to act), not mailed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Select, and_, func, not_, select
from sqlalchemy.orm import Session

from server.config import Settings
from server.db import Database
from server.mail.compose import MAX_REMINDERS, deliverable
from server.mail.outbox import queue_mandate_email
from server.models import Client, Firm, Mandate

log = logging.getLogger(__name__)

REMINDER_INTERVAL = timedelta(days=14)
REMINDED_STATUS = "sent_to_client"
REMINDING_MODE = "service"


def _timezone() -> tzinfo | None:
    try:
        return ZoneInfo("Europe/Brussels")
    except (ZoneInfoNotFoundError, ValueError):  # no tz database on this machine: UTC dates
        return None


_BRUSSELS = _timezone()


class MandateRenderer(Protocol):
    """`server.mandates.documents.render_mandate_pdf`'s shape: the current document of a mandate."""

    def __call__(self, client: Client, mandate: Mandate, *, issued_on: date) -> bytes: ...


@dataclass(frozen=True)
class QueuedReminder:
    mandate_id: int
    client_id: int
    number: int
    """1, 2 or 3."""
    message_id: str


@dataclass(frozen=True)
class UnreachableClient:
    """A reminder is due but the client has no e-mail address: the office must give one or call."""

    firm_id: int
    client_id: int
    client_code: str
    mandate_id: int
    reminders_sent: int


@dataclass
class ReminderReport:
    queued: list[QueuedReminder] = field(default_factory=list)
    unreachable: list[UnreachableClient] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    """Mandates whose reminder could not be made (e.g. the document failed to render); tried next time."""
    more_due: bool = False
    """The call stopped at its limit: call again for the rest."""


def reminder_clock_start() -> ColumnElement[datetime]:
    """When the current 14 days started: the last reminder, else the (re)sending, else the status change."""
    return func.coalesce(Mandate.last_reminder_at, Mandate.sent_to_client_at, Mandate.status_changed_at)


def issue_date(now: datetime) -> date:
    """The date printed on a document issued at `now`: the date in Belgium."""
    return now.astimezone(_BRUSSELS).date() if _BRUSSELS is not None else now.date()


def queue_due_reminders(
    database: Database,
    settings: Settings,
    *,
    now: datetime,
    render_pdf: MandateRenderer | None = None,
    limit: int = 200,
) -> ReminderReport:
    """Queue a reminder e-mail for each mandate due one at `now` (at most `limit` per call).

    The due mandates are read first; each PDF is rendered outside any transaction; then each reminder is
    written in its own short transaction, which re-checks under a row lock that nothing moved in between
    (another worker's reminder, a resend, an edit that made a new document version, an archive). One
    mandate that fails is logged and skipped; the others go on.
    """
    report = ReminderReport()
    has_email = and_(Client.email.is_not(None), Client.email != "")
    with database.read() as session:
        mailable = session.execute(_due(now).add_columns(Client).where(has_email).limit(limit)).all()
        unreachable = session.execute(_due(now).add_columns(Client).where(not_(has_email)).limit(limit)).all()
    report.more_due = len(mailable) == limit
    report.unreachable = [
        UnreachableClient(
            firm_id=client.firm_id,
            client_id=client.id,
            client_code=client.client_code,
            mandate_id=mandate.id,
            reminders_sent=mandate.reminders_sent,
        )
        for mandate, client in unreachable
    ]

    for mandate, client in mailable:
        try:
            render_pdf = render_pdf or _default_renderer()
            pdf = render_pdf(client, mandate, issued_on=issue_date(now))
            with database.write() as session:
                queued = _queue_if_still_due(session, settings, seen=mandate, pdf=pdf, now=now)
        except Exception as error:
            log.error("mandate %s: reminder not queued (%s)", mandate.id, type(error).__name__, exc_info=True)
            report.failed.append(mandate.id)
            continue
        if queued is not None:
            report.queued.append(queued)
    return report


def _due(now: datetime) -> Select[Mandate]:
    """Mandates due a reminder at `now`, oldest first; the caller adds the client and its condition."""
    return (
        select(Mandate)
        .join(Client, Client.id == Mandate.client_id)
        .join(Firm, Firm.id == Mandate.firm_id)
        .where(
            Mandate.status == REMINDED_STATUS,
            Firm.mandate_management == REMINDING_MODE,
            Mandate.reminders_sent < MAX_REMINDERS,
            reminder_clock_start() <= now - REMINDER_INTERVAL,
        )
        .order_by(reminder_clock_start(), Mandate.id)
    )


def _queue_if_still_due(
    session: Session, settings: Settings, *, seen: Mandate, pdf: bytes, now: datetime
) -> QueuedReminder | None:
    mandate = session.scalars(
        select(Mandate).where(Mandate.id == seen.id).with_for_update(skip_locked=True, of=Mandate)
    ).first()
    if mandate is None:  # another worker holds it right now
        return None
    unchanged = (
        mandate.status == REMINDED_STATUS
        and mandate.reminders_sent == seen.reminders_sent
        and mandate.last_reminder_at == seen.last_reminder_at
        and mandate.sent_to_client_at == seen.sent_to_client_at
        and mandate.document_version == seen.document_version
    )
    client = session.get_one(Client, mandate.client_id)
    if not unchanged or not deliverable(client):
        return None
    mandate.reminders_sent += 1
    mandate.last_reminder_at = now
    twikey_url = mandate.twikey_url if mandate.twikey_document_version == mandate.document_version else None
    message = queue_mandate_email(
        session,
        settings,
        client=client,
        mandate=mandate,
        pdf=pdf,
        twikey_url=twikey_url,
        kind="reminder",
        now=now,
        reminder_number=mandate.reminders_sent,
    )
    return QueuedReminder(
        mandate_id=mandate.id, client_id=client.id, number=mandate.reminders_sent, message_id=message.message_id
    )


def _default_renderer() -> MandateRenderer:
    # Imported on use: importing the mail package must not load the PDF machinery (fpdf, fonts).
    from server.mandates.documents import render_mandate_pdf

    return render_mandate_pdf
