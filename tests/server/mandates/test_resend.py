"""Resending a mandate: 202, an outbox row in the same transaction as `sent_to_client`, and the hourly limit."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from server.config import Settings
from server.db import Database
from server.main import create_app
from server.models import Mandate, OutboxMessage
from tests.factories import FirmAccess
from tests.server.mandates.conftest import MandateAt, MovableClock, act, make_mandate


def outbox_of(database: Database, mandate: MandateAt) -> list[OutboxMessage]:
    with database.read() as session:
        query = select(OutboxMessage).where(OutboxMessage.mandate_id == mandate.mandate_id).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def stored(database: Database, mandate: MandateAt) -> Mandate:
    with database.read() as session:
        return session.scalars(select(Mandate).where(Mandate.id == mandate.mandate_id)).one()


def test_resend_queues_the_email_and_marks_the_mandate_sent(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(database, firm, status="in_preparation", email="compta@dupont.example", language="fr")
    with database.write() as session:
        session.execute(
            update(Mandate)
            .where(Mandate.id == mandate.mandate_id)
            .values(needs_representation=True, reminders_sent=2, last_reminder_at=clock.now)
        )

    answer = act(http, firm, mandate, "resend")

    assert answer.status_code == 202
    body = answer.json()
    assert body["mandate"]["status"] == "sent_to_client"
    assert body["mandate"]["needs_representation"] is False
    assert body["mandate"]["reminders_sent"] == 0
    assert body["mandate"]["status_changed_at"] == f"{clock.now:%Y-%m-%dT%H:%M:%SZ}"
    [row] = outbox_of(database, mandate)
    assert body["message_id"] == row.message_id
    assert body["mandate"]["delivery"]["message_id"] == row.message_id
    assert body["mandate"]["delivery"]["status"] == "queued"
    assert (row.kind, row.to_addr, row.status) == ("mandate", "compta@dupont.example", "queued")
    after = stored(database, mandate)
    assert after.sent_to_client_at == clock.now
    assert (after.reminders_sent, after.last_reminder_at, after.needs_representation) == (0, None, False)


def test_the_email_carries_the_current_document(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(database, firm, company_name="Dupont & Fils", language="fr")

    act(http, firm, mandate, "resend")

    [row] = outbox_of(database, mandate)
    message = email.message_from_bytes(row.raw, policy=default)
    assert isinstance(message, EmailMessage)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"mandate-{mandate.mandate_id}-v1.pdf"
    document = http.get(f"{mandate.path}/document", headers=firm.headers)
    assert attachment.get_content() == document.content


def test_resend_of_a_mandate_already_sent_restarts_it_without_changing_the_status_date(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(database, firm, status="sent_to_client")
    before = stored(database, mandate).status_changed_at

    act(http, firm, mandate, "resend")

    after = stored(database, mandate)
    assert after.status_changed_at == before
    assert after.sent_to_client_at == clock.now


def test_resend_is_limited_per_mandate_per_hour(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(database, firm)
    other = make_mandate(database, firm)
    for _ in range(5):
        assert act(http, firm, mandate, "resend").status_code == 202
        clock.advance(minutes=10)

    refused = act(http, firm, mandate, "resend")

    # The first of the five went at 09:00; it is 09:50, so one more may go at 10:00.
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "600"
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"] == "This mandate was already sent 5 times in the last hour; try again in 10 min"
    assert len(outbox_of(database, mandate)) == 5
    assert act(http, firm, other, "resend").status_code == 202, "the limit is per mandate"

    clock.advance(minutes=10, seconds=1)
    assert act(http, firm, mandate, "resend").status_code == 202
    assert len(outbox_of(database, mandate)) == 6


def test_the_limit_is_counted_in_the_database_not_in_a_process(
    database: Database, firm: FirmAccess, settings: Settings, clock: MovableClock
) -> None:
    """Two server processes share one database: each sees the other's sends (here: two app instances)."""
    mandate = make_mandate(database, firm)
    apps: list[FastAPI] = [create_app(settings, database=database) for _ in range(2)]
    for app in apps:
        app.state.clock = clock
    clients = [TestClient(app, raise_server_exceptions=False) for app in apps]

    codes = [act(clients[n % 2], firm, mandate, "resend").status_code for n in range(6)]

    assert codes == [202, 202, 202, 202, 202, 429]


def test_the_limit_follows_the_setting(database: Database, firm: FirmAccess, settings: Settings) -> None:
    mandate = make_mandate(database, firm)
    app = create_app(
        Settings(database_url=settings.database_url, outbox_dir=settings.outbox_dir, resend_limit_per_hour=1)
    )
    app.state.database = database
    with TestClient(app, raise_server_exceptions=False) as http:
        assert act(http, firm, mandate, "resend").status_code == 202
        assert act(http, firm, mandate, "resend").status_code == 429


def test_reminders_do_not_count_against_the_limit(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(database, firm)
    assert act(http, firm, mandate, "resend").status_code == 202
    with database.write() as session:
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.mandate_id == mandate.mandate_id)):
            row.kind = "reminder"

    codes = [act(http, firm, mandate, "resend").status_code for _ in range(5)]

    assert codes == [202] * 5


def test_stored_line_breaks_in_a_name_never_split_a_header(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    """Data written outside the API (an import) may hold CR/LF: the e-mail still goes, one header per line."""
    mandate = make_mandate(database, firm, company_name="Dupont\r\nBcc: thief@evil.example\r\n SRL", language="fr")

    answer = act(http, firm, mandate, "resend")

    assert answer.status_code == 202
    [row] = outbox_of(database, mandate)
    message = email.message_from_bytes(row.raw, policy=default)
    assert message["Bcc"] is None
    assert str(message["To"]) == f'"Dupont Bcc: thief@evil.example SRL" <{row.to_addr}>'
    headers = row.raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers


def test_a_stored_address_that_cannot_receive_mail_is_refused_naming_the_field(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(database, firm, email="compta at dupont", language="en")

    answer = act(http, firm, mandate, "resend")

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert "cannot receive mail" in error["message"]
    assert list(error["fields"]) == ["email"]
    assert outbox_of(database, mandate) == []
    assert stored(database, mandate).status == "in_preparation"
