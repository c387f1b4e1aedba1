"""The e-mail a client receives: its language, its headers, its attachment, and the outbox row behind it."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from server.config import Settings
from server.db import Database
from server.mail.outbox import queue_mandate_email
from server.models import Client, Mandate, OutboxMessage
from tests.factories import FirmAccess, create_client, create_mandate
from tests.server.mail.conftest import FAKE_PDF, T0


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def queue(
    database: Database,
    settings: Settings,
    client_id: int,
    mandate_id: int,
    *,
    kind: str = "mandate",
    twikey_url: str | None = None,
) -> OutboxMessage:
    with database.write() as session:
        client = session.get_one(Client, client_id)
        mandate = session.get_one(Mandate, mandate_id)
        return queue_mandate_email(
            session,
            settings,
            client=client,
            mandate=mandate,
            pdf=FAKE_PDF,
            twikey_url=twikey_url,
            kind=kind,  # type: ignore[arg-type]
            now=T0,
        )


def test_the_client_receives_a_mime_message_with_the_pdf_and_the_headers_fixed_at_queue_time(
    database: Database, settings: Settings, client_id: int, mandate_id: int
) -> None:
    row = queue(database, settings, client_id, mandate_id)

    message = parse(row.raw)
    assert message["From"] == settings.mail_from
    assert message["To"].addresses[0].addr_spec == "compta@dupont.example"
    assert message["Message-ID"] == row.message_id
    assert row.message_id.startswith("<")
    assert row.message_id.endswith("@codadesk.invalid>")
    assert parsedate_to_datetime(message["Date"]) == T0
    assert message["Subject"] == row.subject == "Mandat CODA à signer pour BNP Paribas Fortis"
    text_part = message.get_body(preferencelist=("plain",))
    assert text_part is not None
    assert text_part["Content-Language"] == "fr"
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_filename() == f"mandate-{mandate_id}-v1.pdf"
    assert attachments[0].get_content() == FAKE_PDF
    text = body_text(message)
    assert "BE31 4354 1116 1155" in text
    assert "BE68 5390 0754 7034" in text
    assert "GEBABEBB" in text
    assert "An Peeters" in text  # the representative is greeted


def test_the_row_is_queued_due_now_and_only_exists_if_the_callers_transaction_commits(
    database: Database, settings: Settings, client_id: int, mandate_id: int
) -> None:
    row = queue(database, settings, client_id, mandate_id)
    assert (row.status, row.attempts, row.next_attempt_at, row.kind) == ("queued", 0, T0, "mandate")
    assert (row.client_id, row.mandate_id, row.to_addr) == (client_id, mandate_id, "compta@dupont.example")

    def queue_then_fail() -> None:
        with database.write() as session:
            queue_mandate_email(
                session,
                settings,
                client=session.get_one(Client, client_id),
                mandate=session.get_one(Mandate, mandate_id),
                pdf=FAKE_PDF,
                twikey_url=None,
                kind="mandate",
                now=T0,
            )
            raise RuntimeError("the caller's change failed")

    with pytest.raises(RuntimeError, match="caller's change failed"):
        queue_then_fail()
    with database.read() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.mandate_id == mandate_id)).all()
    assert [r.message_id for r in rows] == [row.message_id]


def test_every_message_gets_its_own_message_id(
    database: Database, settings: Settings, client_id: int, mandate_id: int
) -> None:
    first = queue(database, settings, client_id, mandate_id)
    second = queue(database, settings, client_id, mandate_id)
    assert first.message_id != second.message_id


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("fr", "Mandat CODA à signer pour Belfius", "Signez en ligne"),
        ("nl", "CODA-mandaat te ondertekenen voor Belfius", "Onderteken online"),
        ("de", "CODA-Mandat für Belfius zu unterzeichnen", "Unterzeichnen Sie online"),
        ("en", "CODA mandate to sign for Belfius", "Sign online"),
    ],
)
def test_the_email_speaks_the_clients_language_and_carries_the_twikey_link(
    database: Database, settings: Settings, firm: FirmAccess, language: str, subject: str, words: str
) -> None:
    client_id = create_client(database, firm, language=language, email="finance@müller.example")
    mandate_id = create_mandate(database, firm, client_id, status="sent_to_client", bic="GKCCBEBB")
    url = "https://codabox.twikey.com/s/abc123"

    row = queue(database, settings, client_id, mandate_id, twikey_url=url)

    message = parse(row.raw)
    assert message["Subject"] == subject
    text = body_text(message)
    assert words in text
    assert url in text
    assert "Test firm" in text  # who asks for the signature


def test_a_paper_bank_without_a_link_asks_for_a_hand_signed_pdf(
    database: Database, settings: Settings, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, language="nl", representative_name="")
    mandate_id = create_mandate(database, firm, client_id, status="sent_to_client", bic="BBRUBEBB")

    text = body_text(parse(queue(database, settings, client_id, mandate_id).raw))

    assert text.startswith("Geachte heer, geachte mevrouw,")
    assert f"mandate-{mandate_id}-v1.pdf" in text
    assert "met de hand" in text
    assert "twikey" not in text.lower()


def test_a_reminder_says_which_one_it_is_and_when_the_mandate_was_sent(
    database: Database, settings: Settings, firm: FirmAccess
) -> None:
    client_id = create_client(database, firm, language="de")
    mandate_id = create_mandate(database, firm, client_id, status="sent_to_client", bic="KREDBEBB")
    with database.write() as session:
        mandate = session.get_one(Mandate, mandate_id)
        mandate.sent_to_client_at = T0
        mandate.reminders_sent = 1
        row = queue_mandate_email(
            session,
            settings,
            client=session.get_one(Client, client_id),
            mandate=mandate,
            pdf=FAKE_PDF,
            twikey_url=None,
            kind="reminder",
            now=T0,
        )

    message = parse(row.raw)
    assert message["Subject"] == "Erinnerung 2/3: CODA-Mandat für KBC zu unterzeichnen"
    assert message["Auto-Submitted"] == "auto-generated"
    text = body_text(message)
    assert "05.01.2026" in text
    assert "Banking-App" in text  # KBC's app procedure


def test_a_client_without_an_email_cannot_be_mailed(database: Database, settings: Settings, firm: FirmAccess) -> None:
    client_id = create_client(database, firm, email=None)
    mandate_id = create_mandate(database, firm, client_id, status="in_preparation")
    with pytest.raises(ValueError, match="no e-mail"):
        queue(database, settings, client_id, mandate_id)
