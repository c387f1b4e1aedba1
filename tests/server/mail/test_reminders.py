"""Reminders: 14 days after sending, at most 3, 14 days apart, mode `service` only, with a moved clock."""

from __future__ import annotations

import email
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from server.config import Settings
from server.db import Database
from server.mail.reminders import queue_due_reminders
from server.mail.worker import run_once
from server.models import Client, Mandate, OutboxMessage
from tests.factories import FirmAccess, create_client, create_mandate
from tests.server.mail.conftest import T0

DAY = timedelta(days=1)


@dataclass
class FakeRenderer:
    """Stands in for `render_mandate_pdf` and remembers what it was asked to render."""

    calls: list[tuple[str, int, int, date]] = field(default_factory=list)

    def __call__(self, client: Client, mandate: Mandate, *, issued_on: date) -> bytes:
        self.calls.append((client.company_name, mandate.id, mandate.document_version, issued_on))
        return f"%PDF-1.4 {client.company_name} v{mandate.document_version}".encode()


@pytest.fixture
def renderer() -> FakeRenderer:
    return FakeRenderer()


def sent_mandate(database: Database, firm: FirmAccess, *, sent_at: datetime = T0, **client_fields: object) -> int:
    """A mandate e-mailed to the client at `sent_at` (as a resend leaves it)."""
    client_fields.setdefault("enterprise_number", None)
    client_id = create_client(database, firm, **client_fields)
    mandate_id = create_mandate(database, firm, client_id, status="sent_to_client")
    with database.write() as session:
        mandate = session.get_one(Mandate, mandate_id)
        mandate.sent_to_client_at = sent_at
        mandate.status_changed_at = sent_at
    return mandate_id


def reminders_of(database: Database, mandate_id: int) -> list[OutboxMessage]:
    with database.read() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.mandate_id == mandate_id, OutboxMessage.kind == "reminder")
                .order_by(OutboxMessage.id)
            )
        )


def remind(database: Database, settings: Settings, renderer: FakeRenderer, day: int) -> None:
    queue_due_reminders(database, settings, now=T0 + day * DAY, render_pdf=renderer)


def update_mandate(database: Database, mandate_id: int, **values: object) -> None:
    with database.write() as session:
        mandate = session.get_one(Mandate, mandate_id)
        for name, value in values.items():
            setattr(mandate, name, value)


def test_reminders_come_on_days_14_28_and_42_and_then_stop(
    database: Database, settings: Settings, firm: FirmAccess, renderer: FakeRenderer
) -> None:
    mandate_id = sent_mandate(database, firm, language="fr", company_name="Dupont SRL")
    expected_by_day = {13: 0, 14: 1, 15: 1, 27: 1, 28: 2, 41: 2, 42: 3, 56: 3, 70: 3, 365: 3}

    seen = {}
    for day in expected_by_day:
        remind(database, settings, renderer, day)
        seen[day] = len(reminders_of(database, mandate_id))

    assert seen == expected_by_day
    rows = reminders_of(database, mandate_id)
    assert [r.subject for r in rows] == [
        "Rappel 1/3 : mandat CODA à signer pour BNP Paribas Fortis",
        "Rappel 2/3 : mandat CODA à signer pour BNP Paribas Fortis",
        "Rappel 3/3 : mandat CODA à signer pour BNP Paribas Fortis",
    ]
    assert [r.created_at for r in rows] == [T0 + 14 * DAY, T0 + 28 * DAY, T0 + 42 * DAY]
    with database.read() as session:
        mandate = session.get_one(Mandate, mandate_id)
    assert (mandate.reminders_sent, mandate.last_reminder_at) == (3, T0 + 42 * DAY)
    # Each reminder carries the mandate's current document, rendered on the day it was written.
    mine = [call for call in renderer.calls if call[1] == mandate_id]
    assert [call[3] for call in mine] == [(T0 + d * DAY).date() for d in (14, 28, 42)]


def test_the_reminder_carries_the_current_document_and_the_link_of_that_version(
    database: Database, settings: Settings, firm: FirmAccess, renderer: FakeRenderer
) -> None:
    mandate_id = sent_mandate(database, firm, language="en", company_name="Old Name BV")
    link = "https://codabox.twikey.com/s/current"
    update_mandate(database, mandate_id, document_version=2, twikey_url=link, twikey_document_version=2)

    remind(database, settings, renderer, 14)

    (row,) = reminders_of(database, mandate_id)
    message = email.message_from_bytes(row.raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == f"mandate-{mandate_id}-v2.pdf"
    assert attachment.get_content() == b"%PDF-1.4 Old Name BV v2"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert link in body.get_content()
    assert "05/01/2026" in body.get_content()  # when it was sent


def test_a_resend_restarts_the_count(
    database: Database, settings: Settings, firm: FirmAccess, renderer: FakeRenderer
) -> None:
    mandate_id = sent_mandate(database, firm)
    remind(database, settings, renderer, 14)
    remind(database, settings, renderer, 28)
    assert len(reminders_of(database, mandate_id)) == 2

    # What a resend leaves (the mandates service resets these in the resend's transaction).
    update_mandate(database, mandate_id, sent_to_client_at=T0 + 30 * DAY, reminders_sent=0, last_reminder_at=None)

    remind(database, settings, renderer, 42)  # would have been reminder 3 under the old count
    assert len(reminders_of(database, mandate_id)) == 2
    for day in (44, 58, 72, 86, 100):
        remind(database, settings, renderer, day)
    subjects = [r.subject for r in reminders_of(database, mandate_id)][2:]
    assert [s.split(":")[0] for s in subjects] == ["Herinnering 1/3", "Herinnering 2/3", "Herinnering 3/3"]
    assert [r.created_at for r in reminders_of(database, mandate_id)][2:] == [T0 + d * DAY for d in (44, 58, 72)]


@pytest.mark.parametrize("status", ["archived", "signed", "active", "in_preparation", "available_online", "problem"])
def test_only_mandates_sent_to_the_client_are_reminded(
    database: Database, settings: Settings, firm: FirmAccess, renderer: FakeRenderer, status: str
) -> None:
    mandate_id = sent_mandate(database, firm)
    update_mandate(database, mandate_id, status=status)

    remind(database, settings, renderer, 14)

    assert reminders_of(database, mandate_id) == []


def test_archiving_stops_the_reminders(
    database: Database, settings: Settings, firm: FirmAccess, renderer: FakeRenderer
) -> None:
    mandate_id = sent_mandate(database, firm)
    remind(database, settings, renderer, 14)
    update_mandate(database, mandate_id, status="archived")

    remind(database, settings, renderer, 28)
    remind(database, settings, renderer, 42)

    assert len(reminders_of(database, mandate_id)) == 1


def test_a_client_without_an_email_is_listed_not_mailed_until_it_has_one(
    database: Database, settings: Settings, firm: FirmAccess, renderer: FakeRenderer
) -> None:
    mandate_id = sent_mandate(database, firm, email=None, client_code="NOMAIL-1")

    report = queue_due_reminders(database, settings, now=T0 + 14 * DAY, render_pdf=renderer)

    (listed,) = [u for u in report.unreachable if u.mandate_id == mandate_id]
    assert (listed.client_code, listed.firm_id, listed.reminders_sent) == ("NOMAIL-1", firm.firm_id, 0)
    assert all(q.mandate_id != mandate_id for q in report.queued)
    assert reminders_of(database, mandate_id) == []
    assert all(call[1] != mandate_id for call in renderer.calls)  # no document made for nobody

    with database.write() as session:
        client = session.get_one(Client, session.get_one(Mandate, mandate_id).client_id)
        client.email = "enfin@client.example"
    report = queue_due_reminders(database, settings, now=T0 + 15 * DAY, render_pdf=renderer)
    assert [q.number for q in report.queued if q.mandate_id == mandate_id] == [1]
    assert [r.to_addr for r in reminders_of(database, mandate_id)] == ["enfin@client.example"]


def test_a_firm_that_manages_its_own_mandates_gets_no_reminders_sent_to_its_clients(
    database: Database, settings: Settings, office_firm: FirmAccess, renderer: FakeRenderer
) -> None:
    mandate_id = sent_mandate(database, office_firm)

    for day in (14, 28, 42):
        remind(database, settings, renderer, day)

    assert reminders_of(database, mandate_id) == []


def test_two_workers_reminding_at_once_queue_one_reminder(
    database: Database, settings: Settings, firm: FirmAccess, renderer: FakeRenderer
) -> None:
    mandate_ids = [sent_mandate(database, firm) for _ in range(6)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait(timeout=10)
            remind(database, settings, renderer, 14)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert [len(reminders_of(database, m)) for m in mandate_ids] == [1] * 6


def test_the_worker_round_queues_and_delivers_the_reminder(
    database: Database, settings: Settings, firm: FirmAccess, renderer: FakeRenderer
) -> None:
    mandate_id = sent_mandate(database, firm, language="de")

    report = run_once(database, settings, T0 + 14 * DAY, render_pdf=renderer)

    (reminder,) = [q for q in report.reminders.queued if q.mandate_id == mandate_id]
    assert reminder.message_id in report.delivery.sent
    (row,) = reminders_of(database, mandate_id)
    assert row.status == "sent"
    assert row.outbox_path is not None
    written = email.message_from_bytes(Path(row.outbox_path).read_bytes(), policy=policy.default)
    assert written["Subject"] == "Erinnerung 1/3: CODA-Mandat für BNP Paribas Fortis zu unterzeichnen"


LONG_AGO = T0 - timedelta(days=3650)
"""A base older than any other test's rows, so a `limit` of a few picks this test's mandates first."""


def test_clients_without_email_do_not_hold_up_the_reminders_of_others(
    database: Database, settings: Settings, firm: FirmAccess, renderer: FakeRenderer
) -> None:
    silent = [sent_mandate(database, firm, sent_at=LONG_AGO, email=None) for _ in range(3)]
    mailable = [sent_mandate(database, firm, sent_at=LONG_AGO + DAY) for _ in range(3)]

    report = queue_due_reminders(database, settings, now=LONG_AGO + 15 * DAY, render_pdf=renderer, limit=2)

    assert [q.mandate_id for q in report.queued] == mailable[:2]
    assert report.more_due
    assert [u.mandate_id for u in report.unreachable] == silent[:2]
    report = queue_due_reminders(database, settings, now=LONG_AGO + 15 * DAY, render_pdf=renderer, limit=2)
    assert [q.mandate_id for q in report.queued] == mailable[2:]
    assert not report.more_due


def test_a_document_that_fails_to_render_does_not_stop_the_other_reminders(
    database: Database, settings: Settings, firm: FirmAccess, renderer: FakeRenderer
) -> None:
    broken, fine = sent_mandate(database, firm, sent_at=LONG_AGO), sent_mandate(database, firm, sent_at=LONG_AGO)

    def render(client: Client, mandate: Mandate, *, issued_on: date) -> bytes:
        if mandate.id == broken:
            raise RuntimeError("font missing")
        return renderer(client, mandate, issued_on=issued_on)

    report = queue_due_reminders(database, settings, now=LONG_AGO + 14 * DAY, render_pdf=render, limit=2)

    assert report.failed == [broken]
    assert [q.mandate_id for q in report.queued] == [fine]
    assert reminders_of(database, broken) == []
    report = queue_due_reminders(database, settings, now=LONG_AGO + 14 * DAY, render_pdf=renderer, limit=2)
    assert [q.mandate_id for q in report.queued] == [broken]
