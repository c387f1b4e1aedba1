"""Delivering the outbox: claim a due row, send it outside any transaction, record what happened.

A row moves `queued` → `sending` (claimed by one worker, in a short transaction) → `sent`, or back to
`queued` with a later `next_attempt_at` after a temporary failure, or to `failed`. Several workers may run:
on PostgreSQL the claim takes its row `FOR UPDATE SKIP LOCKED`, so two workers never take the same one; on
SQLite the write transaction starts with `BEGIN IMMEDIATE` (see `server.db`), so claims queue up.

A worker that dies after sending but before recording it leaves its row `sending`; once the claim is older
than the lease, another worker takes the row and sends it again, with the same bytes and so the same
`Message-ID`, which lets the recipient's mail system recognise the duplicate. That is the only way a row is
sent twice.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from server.clock import Clock
from server.db import Database
from server.mail.smtp import DeliveryError, OutgoingMessage, Transport
from server.models import OutboxMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How long a claim lasts and how retries are spaced.

    With the defaults a message is tried 10 times over about 4 hours (1, 2, 4, ... minutes, at most an hour
    apart), which outlasts greylisting and a relay's maintenance window; then it is `failed` and the office
    sees it on the mandate.
    """

    lease: timedelta = timedelta(minutes=5)
    """A `sending` row whose claim is older than this was left by a worker that died: take it over."""
    max_attempts: int = 10
    first_retry: timedelta = timedelta(minutes=1)
    max_retry: timedelta = timedelta(hours=1)

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: doubling from `first_retry`, capped."""
        delay: timedelta = self.first_retry * (2 ** min(max(attempts - 1, 0), 30))
        return min(delay, self.max_retry)


DEFAULT_POLICY = DeliveryPolicy()


@dataclass(frozen=True)
class ClaimedMessage(OutgoingMessage):
    """An outbox row this worker has claimed, with the attempt it is on."""

    attempts: int = 0
    claimed_by: str = ""


@dataclass
class DeliveryReport:
    """What one delivery pass did, by `Message-ID`."""

    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def new_worker_id() -> str:
    """Who claimed a row, for the operator: host, process and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:100]


def due_condition(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """Rows a worker may take at `now`: queued and due, or `sending` under an expired claim."""
    return or_(
        and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at <= now - lease),
    )


def claim_next(
    session: Session, *, worker_id: str, now: datetime, policy: DeliveryPolicy = DEFAULT_POLICY
) -> ClaimedMessage | None:
    """Take the next due row for `worker_id` in the caller's transaction, or None when nothing is due.

    A row taken over from a dead worker that has already used all its attempts is marked `failed` instead:
    it may have been sent, and nobody can tell.
    """
    while True:
        row = session.scalars(
            select(OutboxMessage)
            .where(due_condition(now, policy.lease))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        if row.status == "sending":
            log.warning("outbox %s: claim by %s expired unconfirmed; taking it over", row.id, row.claimed_by)
            if row.attempts >= policy.max_attempts:
                row.status = "failed"
                row.last_error = f"delivery not confirmed after {row.attempts} attempts"
                session.flush()
                continue
        row.status = "sending"
        row.claimed_by = worker_id
        row.claimed_at = now
        row.attempts += 1
        session.flush()
        return ClaimedMessage(
            outbox_id=row.id,
            message_id=row.message_id,
            to_addr=row.to_addr,
            raw=row.raw,
            attempts=row.attempts,
            claimed_by=worker_id,
        )


def mark_sent(session: Session, claimed: ClaimedMessage, *, now: datetime, outbox_path: str | None) -> bool:
    """Record that `claimed` left; False if its claim was taken over meanwhile (the lease ran out)."""
    result = session.execute(
        update(OutboxMessage)
        .where(_still_ours(claimed))
        .values(status="sent", sent_at=now, outbox_path=outbox_path, last_error=None)
    )
    return _one_row(cast(CursorResult[Any], result).rowcount, claimed)


def mark_not_sent(
    session: Session,
    claimed: ClaimedMessage,
    *,
    now: datetime,
    error: DeliveryError,
    policy: DeliveryPolicy = DEFAULT_POLICY,
) -> str:
    """Record a failed attempt: `queued` again after a backoff, or `failed`. Returns the new status."""
    give_up = error.permanent or claimed.attempts >= policy.max_attempts
    values: dict[str, object] = {"last_error": error.reason[:1000], "claimed_by": None, "claimed_at": None}
    if give_up:
        status = "failed"
        values["status"] = status
    else:
        status = "queued"
        values.update(status=status, next_attempt_at=now + policy.retry_delay(claimed.attempts))
    result = session.execute(update(OutboxMessage).where(_still_ours(claimed)).values(**values))
    _one_row(cast(CursorResult[Any], result).rowcount, claimed)
    return status


def deliver_due(
    database: Database,
    transport: Transport,
    *,
    clock: Clock,
    worker_id: str,
    policy: DeliveryPolicy = DEFAULT_POLICY,
    limit: int = 500,
    keep_going: Callable[[], bool] = lambda: True,
) -> DeliveryReport:
    """Send the rows due now, one claim at a time, until none is due, `limit` were tried or `keep_going()`
    turns false (a worker asked to stop finishes the message in hand and claims no other).

    Each claim and each outcome is its own short transaction; the sending happens between them, outside
    any. An error while recording the outcome propagates: the row stays claimed until the lease ends.
    """
    report = DeliveryReport()
    try:
        for _ in range(limit):
            if not keep_going():
                break
            with database.write() as session:
                claimed = claim_next(session, worker_id=worker_id, now=clock(), policy=policy)
            if claimed is None:
                break
            try:
                delivered = transport.send(claimed)
            except DeliveryError as error:
                with database.write() as session:
                    status = mark_not_sent(session, claimed, now=clock(), error=error, policy=policy)
                (report.failed if status == "failed" else report.retrying).append(claimed.message_id)
                log.warning(
                    "outbox %s %s: attempt %d failed (%s), now %s",
                    claimed.outbox_id,
                    claimed.message_id,
                    claimed.attempts,
                    error.reason,
                    status,
                )
                continue
            with database.write() as session:
                mark_sent(session, claimed, now=clock(), outbox_path=delivered.outbox_path)
            report.sent.append(claimed.message_id)
            where = f" to {delivered.outbox_path}" if delivered.outbox_path else ""
            log.info("outbox %s %s: sent%s", claimed.outbox_id, claimed.message_id, where)
    finally:
        transport.close()
    return report


def next_due_at(database: Database, *, policy: DeliveryPolicy = DEFAULT_POLICY) -> datetime | None:
    """When the earliest row becomes due (a queued row's next attempt, or a claim's expiry), if any."""
    with database.read() as session:
        queued = session.scalar(
            select(OutboxMessage.next_attempt_at)
            .where(OutboxMessage.status == "queued")
            .order_by(OutboxMessage.next_attempt_at)
            .limit(1)
        )
        claimed = session.scalar(
            select(OutboxMessage.claimed_at)
            .where(OutboxMessage.status == "sending")
            .order_by(OutboxMessage.claimed_at)
            .limit(1)
        )
    candidates = [t for t in (queued, None if claimed is None else claimed + policy.lease) if t is not None]
    return min(candidates, default=None)


def _still_ours(claimed: ClaimedMessage) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.id == claimed.outbox_id,
        OutboxMessage.status == "sending",
        OutboxMessage.claimed_by == claimed.claimed_by,
    )


def _one_row(rowcount: int, claimed: ClaimedMessage) -> bool:
    if rowcount == 1:
        return True
    log.warning("outbox %s: another worker took it over before this one recorded the outcome", claimed.outbox_id)
    return False
