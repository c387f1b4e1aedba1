"""`Idempotency-Key` on the acting POSTs: a repeat replays the first answer byte for byte and acts once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from server import idempotency
from server.db import Database
from server.mandates import service as mandate_service
from server.models import Client, IdempotencyRecord, OutboxMessage
from tests.factories import FirmAccess, add_user
from tests.server.mandates.conftest import MandateAt, MovableClock, act, make_mandate


def outbox_count(database: Database, mandate: MandateAt) -> int:
    with database.read() as session:
        query = select(func.count(OutboxMessage.id)).where(OutboxMessage.mandate_id == mandate.mandate_id)
        return int(session.scalar(query) or 0)


def test_a_repeated_resend_replays_the_first_answer_and_sends_once(
    http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock
) -> None:
    mandate = make_mandate(database, firm)
    first = act(http, firm, mandate, "resend", key="resend-1")
    clock.advance(minutes=3)

    again = act(http, firm, mandate, "resend", key="resend-1")

    assert (again.status_code, again.content) == (first.status_code, first.content) == (202, first.content)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert outbox_count(database, mandate) == 1


def test_a_repeated_archive_replays_even_with_other_spacing_and_language(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    mandate = make_mandate(database, firm)
    headers = {**firm.headers, "Idempotency-Key": "archive-1", "Content-Type": "application/json"}
    first = http.post(f"{mandate.path}/archive", headers=headers, content=b'{"confirm":true}')

    again = http.post(
        f"{mandate.path}/archive",
        headers={**headers, "Accept-Language": "nl"},
        content=b'{ "confirm" : true }\n',
    )

    assert first.status_code == 200
    assert (again.status_code, again.content) == (200, first.content)


def test_the_same_key_for_another_request_is_422_naming_the_header(
    http: TestClient, database: Database, firm: FirmAccess
) -> None:
    mandate = make_mandate(database, firm)
    other = make_mandate(database, firm)
    assert act(http, firm, mandate, "resend", key="k").status_code == 202

    for answer in (
        act(http, firm, other, "resend", key="k"),
        act(http, firm, mandate, "archive", json_body={"confirm": True}, key="k"),
    ):
        assert answer.status_code == 422
        error = answer.json()["error"]
        assert list(error["fields"]) == ["Idempotency-Key"]
        assert error["message"] == "This Idempotency-Key was already used for a different request"
    assert outbox_count(database, other) == 0
    assert http.get(mandate.path, headers=firm.headers).json()["status"] == "sent_to_client"


def test_a_different_body_under_the_same_key_is_422(http: TestClient, database: Database, firm: FirmAccess) -> None:
    mandate = make_mandate(database, firm)
    assert act(http, firm, mandate, "archive", json_body={"confirm": True}, key="a").status_code == 200

    answer = act(http, firm, mandate, "archive", json_body={"confirm": True, "note": "x"}, key="a")

    assert answer.status_code == 422
    assert list(answer.json()["error"]["fields"]) == ["Idempotency-Key"]


def test_keys_belong_to_their_user(http: TestClient, database: Database, firm: FirmAccess) -> None:
    colleague = add_user(database, firm)
    mandate = make_mandate(database, firm)

    mine = act(http, firm, mandate, "resend", key="shared-key")
    theirs = act(http, colleague, mandate, "resend", key="shared-key")

    assert mine.status_code == theirs.status_code == 202
    assert mine.json()["message_id"] != theirs.json()["message_id"]
    assert "Idempotent-Replayed" not in theirs.headers
    assert outbox_count(database, mandate) == 2


def test_a_refusal_is_not_stored_so_a_retry_can_succeed(http: TestClient, database: Database, firm: FirmAccess) -> None:
    mandate = make_mandate(database, firm, email=None)
    assert act(http, firm, mandate, "resend", key="retry").status_code == 409
    with database.write() as session:
        session.execute(update(Client).where(Client.id == mandate.client_id).values(email="new@client.example"))

    answer = act(http, firm, mandate, "resend", key="retry")

    assert answer.status_code == 202
    assert outbox_count(database, mandate) == 1


def test_a_key_lives_a_day(http: TestClient, database: Database, firm: FirmAccess, clock: MovableClock) -> None:
    mandate = make_mandate(database, firm)
    first = act(http, firm, mandate, "resend", key="daily")
    clock.advance(hours=23)
    assert act(http, firm, mandate, "resend", key="daily").content == first.content

    clock.advance(hours=1, seconds=1)
    later = act(http, firm, mandate, "resend", key="daily")

    assert later.status_code == 202
    assert later.content != first.content
    assert outbox_count(database, mandate) == 2
    with database.read() as session:
        rows = session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.user_id == firm.user_id)).all()
    assert len(rows) == 1, "the expired record was replaced"


@pytest.mark.parametrize("key", ["", " ", "x" * 201, "clé"], ids=["empty", "blank", "too long", "not ascii"])
def test_an_unusable_key_is_422(http: TestClient, database: Database, firm: FirmAccess, key: str) -> None:
    mandate = make_mandate(database, firm)
    headers = {**firm.headers, "Idempotency-Key": key}

    answer = http.post(f"{mandate.path}/resend", headers={k: v.encode() for k, v in headers.items()})

    assert answer.status_code == 422
    assert list(answer.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert outbox_count(database, mandate) == 0


def test_concurrent_duplicates_act_once(
    http: TestClient, database: Database, firm: FirmAccess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests with one key at once: the second waits for the first's transaction, then replays it."""
    mandate = make_mandate(database, firm)
    inside_first = threading.Event()
    release_first = threading.Event()
    second_started = threading.Event()
    queue = mandate_service.queue_mandate_email
    run = idempotency.run

    def held_queue(*args: Any, **kwargs: Any) -> Any:
        message = queue(*args, **kwargs)
        if not inside_first.is_set():
            inside_first.set()
            assert release_first.wait(10)
        return message

    def noted_run(*args: Any, **kwargs: Any) -> Any:
        if inside_first.is_set():
            second_started.set()
        return run(*args, **kwargs)

    monkeypatch.setattr(mandate_service, "queue_mandate_email", held_queue)
    monkeypatch.setattr(mandate_service.idempotency, "run", noted_run)
    answers: dict[str, httpx.Response] = {}

    def send(name: str) -> Callable[[], None]:
        def target() -> None:
            answers[name] = act(http, firm, mandate, "resend", key="same-time")

        return target

    first = threading.Thread(target=send("first"))
    first.start()
    assert inside_first.wait(10), "the first request holds its transaction open"
    second = threading.Thread(target=send("second"))
    second.start()
    assert second_started.wait(10)
    time.sleep(0.2)  # let the second reach the point where it waits on the first (lock or unique key)
    release_first.set()
    first.join(10)
    second.join(10)

    assert answers["first"].status_code == answers["second"].status_code == 202
    assert answers["second"].content == answers["first"].content
    assert outbox_count(database, mandate) == 1
