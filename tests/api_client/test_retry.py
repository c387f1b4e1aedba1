"""Retries, with faults the real server cannot produce on demand (`httpx.MockTransport`).

What a user notices: a blip (a dropped connection, a restarting server) is ridden out without an error; a
save is never sent twice; an action acts once however often it is retried; and nothing hangs for long.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from api_client import (
    ApiConnectionError,
    ApiTimeoutError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UpstreamError,
)
from api_client._retry import Repeat, RetryPolicy, may_repeat, parse_retry_after
from tests.api_client.conftest import FakeTime, error_answer, mock_client

pytestmark = pytest.mark.anyio

ME = {
    "user": {"id": 1, "name": "An", "email": "an@firm.example"},
    "firm": {"id": 1, "name": "Firm", "mandate_management": "service", "delivery_root": "/coda"},
}


def mandate_body(mandate_id: int = 7) -> dict[str, object]:
    return {
        "id": mandate_id,
        "client_id": 3,
        "kind": "coda",
        "bank": {"bic": "GEBABEBB", "name": "BNP Paribas Fortis", "channels": ["twikey", "paper"]},
        "ibans": ["BE31435411161155"],
        "status": "sent_to_client",
        "needs_representation": False,
        "document_version": 1,
        "status_changed_at": "2026-01-05T09:00:00Z",
        "actions": [
            {"action": "download", "available": True},
            {"action": "sign_twikey", "available": True},
            {"action": "archive", "available": True},
            {"action": "resend", "available": True},
        ],
    }


def client_body(**fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": 3,
        "version": 4,
        "client_code": "ACME",
        "company_name": "Acme NV",
        "enterprise_number": "0403019261",
        "email": None,
        "language": "nl",
        "street": "Kerkstraat 1",
        "postal_code": "9000",
        "city": "Gent",
        "country": "BE",
        "representative_name": "An Peeters",
        "representative_function": "Zaakvoerder",
        "phone": None,
        "delivery_folder": "/coda/ACME/CODA",
        "locks": {},
        "mandates": [],
        "created_at": "2026-01-05T09:00:00Z",
        "updated_at": "2026-01-05T09:00:00Z",
    }
    return {**body, **fields}


class Script:
    """A server that answers from a list, one entry per request; an exception entry is raised (a fault)."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_a_dropped_connection_on_a_read_is_ridden_out(fake_time: FakeTime) -> None:
    server = Script(httpx.ReadError("connection reset"), httpx.Response(200, json=ME))
    async with mock_client(server, fake_time) as api:
        me = await api.me()
    assert me.user.name == "An"
    assert len(server.requests) == 2
    assert len(fake_time.sleeps) == 1


async def test_503_waits_the_seconds_retry_after_says(fake_time: FakeTime) -> None:
    server = Script(
        httpx.Response(503, headers={"Retry-After": "3"}, text="maintenance"),
        httpx.Response(200, json=ME),
    )
    async with mock_client(server, fake_time) as api:
        await api.me()
    assert fake_time.sleeps == [3.0]


async def test_retry_after_as_an_http_date_is_honoured(fake_time: FakeTime) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    server = Script(httpx.Response(429, headers={"Retry-After": when}), httpx.Response(200, json=ME))
    async with mock_client(server, fake_time) as api:
        await api.me()
    assert len(fake_time.sleeps) == 1
    assert 3.0 <= fake_time.sleeps[0] <= 5.0


async def test_429_is_retried_then_reported_with_its_retry_after(fake_time: FakeTime) -> None:
    answer = error_answer(429, "rate_limited", "Too many requests")
    answer.headers["Retry-After"] = "1"
    server = Script(*[answer] * 4)
    async with mock_client(server, fake_time, max_retries=3) as api:
        with pytest.raises(RateLimitedError) as caught:
            await api.me()
    assert caught.value.retry_after == 1.0
    assert len(server.requests) == 4, "the first attempt and three retries"
    assert fake_time.sleeps == [1.0, 1.0, 1.0]


async def test_a_wait_longer_than_the_budget_is_left_to_the_user(fake_time: FakeTime) -> None:
    answer = error_answer(429, "rate_limited", "Too many resends for this mandate")
    answer.headers["Retry-After"] = "3600"
    server = Script(answer)
    async with mock_client(server, fake_time, retry_budget=20) as api:
        with pytest.raises(RateLimitedError) as caught:
            await api.resend_mandate(7)
    assert caught.value.retry_after == 3600.0
    assert fake_time.sleeps == [], "an hour's wait is not spent inside a call"


async def test_backoff_grows_and_is_jittered_within_bounds(fake_time: FakeTime) -> None:
    server = Script(*[httpx.Response(502, text="bad gateway")] * 4)
    async with mock_client(server, fake_time, max_retries=3) as api:
        with pytest.raises(ServerError) as caught:
            await api.me()
    assert caught.value.status_code == 502
    policy = RetryPolicy()
    for retry, waited in enumerate(fake_time.sleeps, start=1):
        ceiling = policy.base_delay * 2 ** (retry - 1)
        assert ceiling / 2 <= waited <= ceiling
    assert len(fake_time.sleeps) == 3


async def test_retries_stop_at_the_total_time_budget(fake_time: FakeTime) -> None:
    server = Script(*[httpx.ConnectError("refused")] * 10)
    async with mock_client(server, fake_time, max_retries=9, retry_budget=2.0) as api:
        with pytest.raises(ApiConnectionError) as caught:
            await api.me()
    assert sum(fake_time.sleeps) <= 2.0
    assert len(server.requests) < 10
    assert caught.value.sent is False


async def test_max_retries_zero_never_repeats(fake_time: FakeTime) -> None:
    server = Script(httpx.Response(503))
    async with mock_client(server, fake_time, max_retries=0) as api:
        with pytest.raises(ServerError):
            await api.me()
    assert len(server.requests) == 1


async def test_a_client_error_is_not_repeated(fake_time: FakeTime) -> None:
    server = Script(error_answer(404, "not_found", "No such client"))
    async with mock_client(server, fake_time) as api:
        with pytest.raises(NotFoundError):
            await api.get_client(9)
    assert len(server.requests) == 1


async def test_a_save_whose_answer_was_lost_is_not_sent_again(fake_time: FakeTime) -> None:
    server = Script(httpx.ReadError("connection reset after the request was sent"))
    async with mock_client(server, fake_time) as api:
        with pytest.raises(ApiConnectionError) as caught:
            await api.update_client(3, {"email": "a@b.example"}, version=4)
    assert len(server.requests) == 1
    assert caught.value.sent is True, "the TUI must reload to learn whether the save was applied"


async def test_a_save_answered_503_is_not_sent_again(fake_time: FakeTime) -> None:
    server = Script(httpx.Response(503, headers={"Retry-After": "1"}))
    async with mock_client(server, fake_time) as api:
        with pytest.raises(ServerError):
            await api.update_client(3, {"email": "a@b.example"}, version=4)
    assert len(server.requests) == 1


async def test_a_save_that_never_left_is_sent_once_the_server_is_back(fake_time: FakeTime) -> None:
    saved = {"client": client_body(email="a@b.example", version=5), "warnings": [], "impacted_mandates": []}
    server = Script(httpx.ConnectError("refused"), httpx.Response(200, json=saved))
    async with mock_client(server, fake_time) as api:
        result = await api.update_client(3, {"email": "a@b.example"}, version=4)
    assert result.client.version == 5
    assert len(server.requests) == 2
    assert [r.headers["If-Match"] for r in server.requests] == ['"4"', '"4"']


async def test_an_action_is_retried_with_one_idempotency_key(fake_time: FakeTime) -> None:
    server = Script(
        httpx.ReadTimeout("no answer"),
        httpx.Response(503),
        httpx.Response(202, json={"mandate": mandate_body(), "message_id": "<m1@codadesk>"}),
    )
    async with mock_client(server, fake_time) as api:
        result = await api.resend_mandate(7)
    assert result.message_id == "<m1@codadesk>"
    keys = {r.headers["Idempotency-Key"] for r in server.requests}
    assert len(server.requests) == 3
    assert len(keys) == 1


async def test_each_call_gets_its_own_idempotency_key(fake_time: FakeTime) -> None:
    answer = httpx.Response(200, json={"mandate": mandate_body()})
    server = Script(answer, answer)
    async with mock_client(server, fake_time) as api:
        await api.archive_mandate(7)
        await api.archive_mandate(7)
    first, second = (r.headers["Idempotency-Key"] for r in server.requests)
    assert first != second


async def test_a_twikey_failure_is_the_servers_answer_and_not_repeated(fake_time: FakeTime) -> None:
    server = Script(error_answer(502, "twikey_error", "Twikey did not answer"))
    async with mock_client(server, fake_time) as api:
        with pytest.raises(UpstreamError):
            await api.sign_twikey(7)
    assert len(server.requests) == 1


async def test_a_check_is_retried_because_it_writes_nothing(fake_time: FakeTime) -> None:
    checked = {"errors": {}, "warnings": [], "impacted_mandates": []}
    server = Script(httpx.RemoteProtocolError("peer closed"), httpx.Response(200, json=checked))
    async with mock_client(server, fake_time) as api:
        result = await api.check_client(3, {"city": "Gent"})
    assert result.errors == {}
    assert len(server.requests) == 2


async def test_a_slow_server_is_reported_as_a_timeout(fake_time: FakeTime) -> None:
    server = Script(*[httpx.ReadTimeout("timed out")] * 4)
    async with mock_client(server, fake_time, timeout=2.5) as api:
        with pytest.raises(ApiTimeoutError) as caught:
            await api.me()
    assert "2.5 s" in caught.value.message
    assert caught.value.code == "timeout"
    assert len(server.requests) == 4


def test_which_failures_may_be_repeated() -> None:
    rows = [
        # repeat, status, sent, from_server, expected
        (Repeat.SAFE, None, True, False, True),
        (Repeat.WITH_KEY, None, True, False, True),
        (Repeat.NEVER, None, True, False, False),
        (Repeat.NEVER, None, False, False, True),
        (Repeat.SAFE, 503, True, False, True),
        (Repeat.SAFE, 503, True, True, True),
        (Repeat.SAFE, 504, True, False, True),
        (Repeat.SAFE, 502, True, False, True),
        (Repeat.SAFE, 502, True, True, False),
        (Repeat.SAFE, 500, True, True, False),
        (Repeat.SAFE, 409, True, True, False),
        (Repeat.WITH_KEY, 429, True, True, True),
        (Repeat.NEVER, 429, True, True, False),
        (Repeat.NEVER, 503, True, False, False),
    ]
    for repeat, status, sent, from_server, expected in rows:
        got = may_repeat(repeat, status=status, sent=sent, from_server=from_server)
        assert got is expected, (repeat, status, sent, from_server)


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after(" 7 ", now=now) == 7.0
    assert parse_retry_after("Mon, 05 Jan 2026 09:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 05 Jan 2026 08:00:00 GMT", now=now) == 0.0, "a date in the past: now"
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("-5", now=now) is None
    assert parse_retry_after(None, now=now) is None
