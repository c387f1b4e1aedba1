"""Fixtures of the mail tests: clients with mandates, a fixed clock, a stand-in PDF, real SMTP servers."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from server.config import Settings
from server.db import Database
from server.mail.outbox import queue_mandate_email
from server.models import Client, Mandate, OutboxMessage
from tests.factories import FirmAccess, create_client, create_mandate
from tests.server.mail.smtp_servers import RunningServer, start_server

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
"""The tests' "now": a Monday morning; tests move it forward, they never sleep."""

FAKE_PDF = b"%PDF-1.4\n% a stand-in mandate document\n%%EOF\n"

_addresses = itertools.count(1)

QueueMail = Callable[..., OutboxMessage]


@pytest.fixture
def client_id(database: Database, firm: FirmAccess) -> int:
    return create_client(database, firm, email="compta@dupont.example", language="fr", company_name="Dupont SRL")


@pytest.fixture
def mandate_id(database: Database, firm: FirmAccess, client_id: int) -> int:
    return create_mandate(
        database, firm, client_id, status="sent_to_client", ibans=["BE31435411161155", "BE68539007547034"]
    )


@pytest.fixture
def queue_mail(database: Database, settings: Settings, firm: FirmAccess) -> QueueMail:
    """Queue a mandate e-mail to a new client with its own address, as a resend does."""

    def queue(*, now: datetime = T0, kind: str = "mandate", **client_fields: Any) -> OutboxMessage:
        client_fields.setdefault("email", f"client{next(_addresses)}@example.be")
        client_fields.setdefault("enterprise_number", None)  # unique per firm; not printed in these tests
        client_id = create_client(database, firm, **client_fields)
        mandate_id = create_mandate(database, firm, client_id, status="sent_to_client")
        with database.write() as session:
            return queue_mandate_email(
                session,
                settings,
                client=session.get_one(Client, client_id),
                mandate=session.get_one(Mandate, mandate_id),
                pdf=FAKE_PDF,
                twikey_url=None,
                kind=kind,  # type: ignore[arg-type]
                now=now,
            )

    return queue


@pytest.fixture
def smtp() -> Iterator[Callable[..., RunningServer]]:
    """Start real SMTP servers on 127.0.0.1 (a free port each); all are stopped after the test."""
    servers: list[RunningServer] = []

    def start(handler: Any, **options: Any) -> RunningServer:
        server = start_server(handler, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.controller.stop()


def with_smtp(settings: Settings, url: str) -> Settings:
    return dataclasses.replace(settings, smtp_url=url)


def outbox_row(database: Database, outbox_id: int) -> OutboxMessage:
    with database.read() as session:
        return session.get_one(OutboxMessage, outbox_id)
