"""Queries on client rows: reads, the version-guarded update, history. No rules and no side effects here
beyond the statement each function names; every query is scoped to a firm.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Row, case, func, select, true, update
from sqlalchemy.orm import Session, defer

from api_client.models import UNSIGNED_STATUSES
from server.models import Client, ClientHistory, Mandate, OutboxMessage


def get_client(session: Session, firm_id: int, client_id: int, *, for_update: bool = False) -> Client | None:
    """The firm's client, or None for a missing id and for another firm's client alike.

    `for_update` locks the row until the transaction ends on PostgreSQL (SQLite's write transactions are
    already serialised by `BEGIN IMMEDIATE`).
    """
    query = select(Client).where(Client.id == client_id, Client.firm_id == firm_id)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def mandates_of(session: Session, firm_id: int, client_id: int) -> list[Mandate]:
    """The client's mandates, oldest first, with their bank loaded."""
    query = select(Mandate).where(Mandate.client_id == client_id, Mandate.firm_id == firm_id).order_by(Mandate.id)
    return list(session.scalars(query))


def last_messages(session: Session, mandate_ids: Collection[int]) -> dict[int, OutboxMessage]:
    """The newest outbox message of each mandate, without its raw bytes."""
    if not mandate_ids:
        return {}
    newest = (
        select(func.max(OutboxMessage.id))
        .where(OutboxMessage.mandate_id.in_(mandate_ids))
        .group_by(OutboxMessage.mandate_id)
        .scalar_subquery()
    )
    rows = session.scalars(select(OutboxMessage).options(defer(OutboxMessage.raw)).where(OutboxMessage.id.in_(newest)))
    return {row.mandate_id: row for row in rows if row.mandate_id is not None}


def client_with_code_key(session: Session, firm_id: int, code_key: str, *, other_than: int) -> Client | None:
    """Another client of the firm whose folded client code is `code_key`."""
    query = select(Client).where(Client.firm_id == firm_id, Client.client_code_key == code_key, Client.id != other_than)
    return session.scalars(query.limit(1)).first()


def client_with_enterprise_number(session: Session, firm_id: int, number: str, *, other_than: int) -> Client | None:
    """Another client of the firm with this enterprise number."""
    query = select(Client).where(Client.firm_id == firm_id, Client.enterprise_number == number, Client.id != other_than)
    return session.scalars(query.limit(1)).first()


def update_client(session: Session, firm_id: int, client_id: int, *, version: int, values: Mapping[str, Any]) -> bool:
    """Write `values` and the next version if the row is still at `version`; False if it is not."""
    statement = (
        update(Client)
        .where(Client.id == client_id, Client.firm_id == firm_id, Client.version == version)
        .values(**values, version=version + 1)
        .execution_options(synchronize_session=False)
    )
    result = cast("CursorResult[Any]", session.execute(statement))
    return result.rowcount == 1


def touch_mandates(
    session: Session, firm_id: int, *, new_document: Collection[int], to_represent: Collection[int]
) -> dict[int, Row[int, int, bool]]:
    """Give unsigned mandates a new document version and mark them to be presented again, in one statement;
    the touched mandates' new `document_version` and `needs_representation`, by id.

    The status condition is repeated here so that a mandate signed by a concurrent transaction after the
    rules looked at it is left alone.
    """
    touched = set(new_document) | set(to_represent)
    if not touched:
        return {}
    statement = (
        update(Mandate)
        .where(Mandate.id.in_(touched), Mandate.firm_id == firm_id, Mandate.status.in_(UNSIGNED_STATUSES))
        .values(
            document_version=case(
                (Mandate.id.in_(list(new_document)), Mandate.document_version + 1), else_=Mandate.document_version
            ),
            needs_representation=case((Mandate.id.in_(list(to_represent)), true()), else_=Mandate.needs_representation),
        )
        .returning(Mandate.id, Mandate.document_version, Mandate.needs_representation)
        .execution_options(synchronize_session=False)
    )
    return {row.id: row for row in session.execute(statement)}


def add_history(
    session: Session, *, firm_id: int, client_id: int, user_id: int, at: datetime, changes: dict[str, Any]
) -> None:
    session.add(ClientHistory(firm_id=firm_id, client_id=client_id, user_id=user_id, at=at, changes=changes))


def history(session: Session, firm_id: int, client_id: int) -> list[ClientHistory]:
    """The client's saves, newest first, each with its user loaded."""
    query = (
        select(ClientHistory)
        .where(ClientHistory.client_id == client_id, ClientHistory.firm_id == firm_id)
        .order_by(ClientHistory.id.desc())
    )
    return list(session.scalars(query))
