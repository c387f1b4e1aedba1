"""Queries on mandate rows and their outbox messages. No rules here; every query is scoped to a firm."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from server.models import Client, Mandate, OutboxMessage


def get_mandate(session: Session, firm_id: int, mandate_id: int, *, for_update: bool = False) -> Mandate | None:
    """The firm's mandate with its bank, or None for a missing id and for another firm's mandate alike.

    `for_update` locks the row until the transaction ends on PostgreSQL, so two actions on one mandate
    queue (SQLite's write transactions are already serialised by `BEGIN IMMEDIATE`).
    """
    query = select(Mandate).where(Mandate.id == mandate_id, Mandate.firm_id == firm_id)
    if for_update:
        # The bank is joined eagerly; PostgreSQL refuses FOR UPDATE on the nullable side of an outer join,
        # so lock the mandate's own row only. A row read earlier in the session is refreshed.
        query = query.with_for_update(of=Mandate).execution_options(populate_existing=True)
    return session.scalars(query).unique().one_or_none()


def get_client(session: Session, firm_id: int, client_id: int, *, for_share: bool = False) -> Client:
    """The mandate's client; it exists, as `mandates.client_id` is a foreign key within the same firm.

    `for_share` keeps the client from changing until the transaction ends (PostgreSQL `FOR SHARE`), so an
    e-mail goes to the address and with the data the transaction saw.
    """
    query = select(Client).where(Client.id == client_id, Client.firm_id == firm_id)
    if for_share:
        query = query.with_for_update(read=True).execution_options(populate_existing=True)
    return session.scalars(query).one()


def last_message(session: Session, mandate_id: int) -> OutboxMessage | None:
    """The newest e-mail queued about the mandate, without its bytes."""
    query = (
        select(OutboxMessage)
        .options(defer(OutboxMessage.raw))
        .where(OutboxMessage.mandate_id == mandate_id)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def mandate_emails_since(session: Session, mandate_id: int, since: datetime) -> tuple[int, datetime | None]:
    """How many mandate e-mails (not reminders) were queued for the mandate since `since`, and the oldest."""
    row = session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.mandate_id == mandate_id,
            OutboxMessage.kind == "mandate",
            OutboxMessage.created_at > since,
        )
    ).one()
    count, oldest = row
    return int(count), oldest
