"""Acting once while the network loses answers: 1,000 answers lost after the server committed, one e-mail per resend.

Between `api_client.Client` and the real app (in-process, `httpx.ASGITransport`) sits a network that lets
each request reach the app, lets the app act and answer, and then loses the answer: the client sees a
connection error, as when a connection breaks while the answer is on its way. The client sends the resend
again under the same `Idempotency-Key`; the server must replay its first answer instead of e-mailing again.
Each resend loses a different number of answers in a row (the first, acting answer, then replays), so
both "the act was lost" and "the replay was lost too" happen hundreds of times.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select

from api_client import Client
from server.config import Settings
from server.db import Database
from server.main import create_app
from server.models import OutboxMessage
from tests.api_client.conftest import BASE_URL, FakeTime, real_transport
from tests.factories import FirmAccess, add_user, create_client, create_mandate

pytestmark = pytest.mark.anyio

LOST_IN_A_ROW = (1, 4, 15, 30, 50)
"""Answers lost before one arrives, resend after resend (20 on average)."""
RESENDS = 50
DROPS = RESENDS * sum(LOST_IN_A_ROW) // len(LOST_IN_A_ROW)


@dataclasses.dataclass(frozen=True)
class Exchange:
    """A request that reached the server and the answer the server gave (lost or delivered)."""

    key: str | None
    status: int
    body: bytes
    replayed: bool


class LosingNetwork(httpx.AsyncBaseTransport):
    """The real app behind a network that loses the next `lose` answers after the app has answered them."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = real_transport(app)
        self.lose = 0
        self.lost = 0
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        self.exchanges.append(Exchange(request.headers.get("Idempotency-Key"), response.status_code, body, replayed))
        if self.lose:
            self.lose -= 1
            self.lost += 1
            raise httpx.ReadError("connection reset while the answer was on its way", request=request)
        return response


def emails_of(database: Database, mandate_ids: list[int]) -> list[str]:
    with database.read() as session:
        query = select(OutboxMessage.message_id).where(OutboxMessage.mandate_id.in_(mandate_ids))
        return list(session.scalars(query))


@pytest.fixture
def unlimited_app(settings: Settings, database: Database) -> FastAPI:
    """The real app with the hourly resend limit out of the way (it is tested in test_bounds)."""
    return create_app(dataclasses.replace(settings, resend_limit_per_hour=100_000), database=database)


@pytest.fixture
def mandate_ids(database: Database, firm: FirmAccess) -> Iterator[list[int]]:
    """Two mandates of one client with an e-mail; their queued e-mails are removed afterwards."""
    client_id = create_client(database, firm, email="compta@dupont.example", language="fr")
    ids = [create_mandate(database, firm, client_id, status="sent_to_client") for _ in range(2)]
    yield ids
    with database.write() as session:  # no other test's mail worker should spend time on these
        session.execute(delete(OutboxMessage).where(OutboxMessage.mandate_id.in_(ids)))


async def test_a_thousand_lost_answers_send_each_email_once(
    unlimited_app: FastAPI, database: Database, firm: FirmAccess, mandate_ids: list[int], fake_time: FakeTime
) -> None:
    network = LosingNetwork(unlimited_app)
    results = []
    began = time.perf_counter()
    async with Client(
        BASE_URL,
        token=firm.token,
        transport=network,
        max_retries=max(LOST_IN_A_ROW),
        retry_budget=10**9,
        sleep=fake_time.sleep,
        clock=fake_time.monotonic,
    ) as api:
        for number in range(RESENDS):
            network.lose = LOST_IN_A_ROW[number % len(LOST_IN_A_ROW)]
            first = len(network.exchanges)
            result = await api.resend_mandate(mandate_ids[number % len(mandate_ids)])
            acted, *repeats = network.exchanges[first:]
            assert len(repeats) == LOST_IN_A_ROW[number % len(LOST_IN_A_ROW)]
            assert acted.key
            assert {r.key for r in repeats} == {acted.key}, "every attempt carries the same key"
            assert (acted.status, acted.replayed) == (202, False)
            assert all((r.status, r.body, r.replayed) == (202, acted.body, True) for r in repeats)
            assert result.message_id == json.loads(acted.body)["message_id"], "the caller gets the first answer"
            results.append(result.message_id)
    elapsed = time.perf_counter() - began

    assert network.lost == DROPS == 1000
    queued = emails_of(database, mandate_ids)
    assert sorted(queued) == sorted(results), "one e-mail per resend, the one each answer names"
    assert len(set(queued)) == RESENDS
    print(f"\nacting once: {DROPS} answers lost over {RESENDS} resends, {len(queued)} e-mails, {elapsed:.1f} s")


async def test_a_key_is_the_users_and_the_requests(
    app: FastAPI, database: Database, firm: FirmAccess, mandate_ids: list[int]
) -> None:
    """After a lost answer: another body under the key is 422; a colleague's same key is their own action."""
    network = LosingNetwork(app)
    network.lose = 1
    async with Client(BASE_URL, token=firm.token, transport=network) as api:
        await api.resend_mandate(mandate_ids[0])
    key = network.exchanges[0].key
    assert key is not None
    path = f"/api/v1/mandates/{mandate_ids[0]}/resend"
    colleague = add_user(database, firm)

    async with httpx.AsyncClient(transport=real_transport(app), base_url=BASE_URL) as http:
        other_body = await http.post(path, headers={**firm.headers, "Idempotency-Key": key}, json={"again": True})
        other_path = await http.post(
            f"/api/v1/mandates/{mandate_ids[1]}/resend", headers={**firm.headers, "Idempotency-Key": key}
        )
        theirs = await http.post(path, headers={**colleague.headers, "Idempotency-Key": key})

    for refused in (other_body, other_path):
        assert refused.status_code == 422
        assert list(refused.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert theirs.status_code == 202
    assert "Idempotent-Replayed" not in theirs.headers
    assert len(emails_of(database, mandate_ids)) == 2, "the user's resend once, the colleague's once"
    with database.read() as session:
        assert session.scalar(select(func.count()).where(OutboxMessage.mandate_id == mandate_ids[1])) == 0
