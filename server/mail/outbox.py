"""The outbox: e-mails written in the same transaction as the change that causes them.

A resend commits the mandate's new status and its e-mail together, or neither; the worker
(`server.mail.worker`) delivers the rows afterwards. The row keeps the whole message, so every attempt sends
the same bytes with the same `Message-ID`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from server.config import Settings
from server.mail.compose import MailKind, compose_mandate_email
from server.models import Client, Firm, Mandate, OutboxMessage

_listeners: list[Callable[[], None]] = []
_listeners_lock = threading.Lock()


def on_queued(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after each commit that queued an e-mail, in this process; returns the unsubscriber.

    A worker in the same process (the embedded server) uses it to deliver at once instead of at its next
    poll. The callback runs in the committing thread: it must only signal (e.g. set an Event).
    """
    with _listeners_lock:
        _listeners.append(callback)

    def unsubscribe() -> None:
        with _listeners_lock:
            if callback in _listeners:
                _listeners.remove(callback)

    return unsubscribe


def _notify(_session: Session) -> None:
    with _listeners_lock:
        listeners = list(_listeners)
    for callback in listeners:
        callback()


def queue_mandate_email(
    session: Session,
    settings: Settings,
    *,
    client: Client,
    mandate: Mandate,
    pdf: bytes,
    twikey_url: str | None,
    kind: MailKind,
    now: datetime,
    reminder_number: int | None = None,
) -> OutboxMessage:
    """Compose the e-mail about `mandate` in the client's language and add it to the caller's transaction.

    Nothing is sent here: the row is `queued`, due at `now`, and the worker delivers it once the caller's
    transaction has committed. The caller changes the mandate itself (status, reminder counters).

    Args:
        session: the caller's open write transaction.
        settings: gives the `From` address.
        client: the recipient; must have an e-mail address.
        mandate: the mandate the e-mail is about (`mandate.bank` is loaded on access).
        pdf: the current mandate document.
        twikey_url: the signing link when the bank signs through Twikey.
        kind: `mandate` for a (re)send, `reminder` for a reminder.
        now: when it is queued: the message's `Date` and the row's first due time.
        reminder_number: which reminder this is; by default the one after `mandate.reminders_sent`.

    Raises:
        ValueError: the client has no e-mail address.
    """
    if kind not in ("mandate", "reminder"):
        raise ValueError(f"unknown e-mail kind {kind!r}")
    firm_name = session.execute(select(Firm.name).where(Firm.id == client.firm_id)).scalar_one()
    composed = compose_mandate_email(
        mail_from=settings.mail_from,
        client=client,
        mandate=mandate,
        firm_name=firm_name,
        pdf=pdf,
        twikey_url=twikey_url,
        kind=kind,
        now=now,
        reminder_number=reminder_number if reminder_number is not None else mandate.reminders_sent + 1,
    )
    message = OutboxMessage(
        firm_id=client.firm_id,
        client_id=client.id,
        mandate_id=mandate.id,
        kind=kind,
        message_id=composed.message_id,
        to_addr=composed.to_addr,
        subject=composed.subject[:300],
        raw=composed.raw,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    if _listeners and not event.contains(session, "after_commit", _notify):
        event.listen(session, "after_commit", _notify)
    return message
