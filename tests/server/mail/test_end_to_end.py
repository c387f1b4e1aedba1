"""The whole path a user sets off: resend through the API, the worker's rounds, reminders, the real PDF."""

from __future__ import annotations

import email
import io
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pypdf
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.config import Settings
from server.db import Database
from server.mail.worker import run_once
from server.models import OutboxMessage
from tests.factories import FirmAccess, create_client, create_mandate
from tests.server.mail.conftest import T0

DAY = timedelta(days=1)


class Clock:
    """The app's clock (`app.state.clock`), moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def read_eml(path: str) -> EmailMessage:
    message = email.message_from_bytes(Path(path).read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def kinds_of(database: Database, mandate_id: int) -> list[tuple[str, datetime]]:
    with database.read() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.mandate_id == mandate_id).order_by(OutboxMessage.id)
        )
        return [(row.kind, row.created_at) for row in rows]


def test_resend_then_worker_writes_the_eml_the_mandate_shows_where_and_reminders_follow_the_resends(
    app: FastAPI, http: TestClient, database: Database, settings: Settings, firm: FirmAccess
) -> None:
    clock = Clock(T0)
    app.state.clock = clock
    client_id = create_client(
        database, firm, company_name="Brasserie Élégante SRL", language="fr", email="compta@brasserie.example"
    )
    mandate_id = create_mandate(database, firm, client_id, status="in_preparation", bic="GEBABEBB")
    path = f"/api/v1/mandates/{mandate_id}"

    answer = http.post(f"{path}/resend", headers=firm.headers)
    assert answer.status_code == 202
    message_id = answer.json()["message_id"]
    assert answer.json()["mandate"]["delivery"]["status"] == "queued"

    run_once(database, settings, clock.now)

    delivery = http.get(path, headers=firm.headers).json()["delivery"]
    assert (delivery["message_id"], delivery["status"]) == (message_id, "sent")
    written = read_eml(delivery["outbox_path"])
    assert Path(delivery["outbox_path"]).parent == settings.outbox_dir.resolve()
    assert written["Message-ID"] == message_id
    assert written["To"].addresses[0].addr_spec == "compta@brasserie.example"
    (attachment,) = written.iter_attachments()
    document = pdf_text(attachment.get_content())
    assert "Brasserie Élégante SRL" in document
    assert "BE31 4354 1116 1155" in document

    # Day 13: nothing. Day 14: the first reminder, with the current document.
    run_once(database, settings, T0 + 13 * DAY)
    assert [k for k, _ in kinds_of(database, mandate_id)] == ["mandate"]
    run_once(database, settings, T0 + 14 * DAY)
    reminder = http.get(path, headers=firm.headers).json()
    assert reminder["reminders_sent"] == 1
    assert (reminder["delivery"]["kind"], reminder["delivery"]["status"]) == ("reminder", "sent")
    reminder_mail = read_eml(reminder["delivery"]["outbox_path"])
    assert reminder_mail["Subject"] == "Rappel 1/3 : mandat CODA à signer pour BNP Paribas Fortis"
    assert "Brasserie Élégante SRL" in pdf_text(next(reminder_mail.iter_attachments()).get_content())

    # A resend on day 20 restarts the count: nothing on day 28, the first reminder again on day 34.
    clock.now = T0 + 20 * DAY
    assert http.post(f"{path}/resend", headers=firm.headers).status_code == 202
    assert http.get(path, headers=firm.headers).json()["reminders_sent"] == 0
    for day in (28, 33, 34, 47, 48):
        run_once(database, settings, T0 + day * DAY)
    assert kinds_of(database, mandate_id) == [
        ("mandate", T0),
        ("reminder", T0 + 14 * DAY),
        ("mandate", T0 + 20 * DAY),
        ("reminder", T0 + 34 * DAY),
        ("reminder", T0 + 48 * DAY),
    ]

    # Archived: no more reminders.
    assert http.post(f"{path}/archive", json={"confirm": True}, headers=firm.headers).status_code == 200
    run_once(database, settings, T0 + 62 * DAY)
    assert len(kinds_of(database, mandate_id)) == 5
