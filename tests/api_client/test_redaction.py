"""The token never shows: not in a repr, an error's message, repr or kept request, nor a log line."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from api_client import ApiConnectionError, ApiError, Client, InvalidResponseError, ServerError, UnauthorizedError
from tests.api_client.conftest import BASE_URL, FakeTime, error_answer, mock_client, real_transport

pytestmark = pytest.mark.anyio

CANARY = "cdk_CANARY-7f3a9c1e-do-not-print"


def assert_hidden(error: ApiError) -> None:
    """Everything a person or a log could see of `error` is free of the canary."""
    assert error.request is not None
    seen = [
        str(error),
        repr(error),
        error.message,
        repr(error.request),
        repr(error.request.headers),
        str(dict(error.request.headers)),
        str(error.args),
    ]
    if error.response is not None:
        seen += [repr(error.response), str(dict(error.response.request.headers))]
    if error.body is not None:
        seen += [repr(error.body)]
    for text in seen:
        assert CANARY not in text
    assert error.request.headers["Authorization"] == "[redacted]"
    assert error.__cause__ is None
    # An httpx exception holds the real request: it must not travel with ours.
    assert not isinstance(error.__context__, httpx.HTTPError)
    assert CANARY not in str(error.__context__)


def test_the_client_repr_hides_the_token() -> None:
    client = Client(BASE_URL, token=CANARY)
    assert CANARY not in repr(client)
    assert CANARY not in str(client)
    assert "[redacted]" in repr(client)


async def test_an_error_from_the_real_server_keeps_a_redacted_request(app: FastAPI) -> None:
    async with Client(BASE_URL, token=CANARY, transport=real_transport(app)) as api:
        with pytest.raises(UnauthorizedError) as caught:
            await api.me()
    assert_hidden(caught.value)


async def test_a_connection_error_keeps_a_redacted_request(fake_time: FakeTime) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused while sending {request.headers['Authorization']}", request=request)

    async with mock_client(refuse, fake_time, token=CANARY, max_retries=1) as api:
        with pytest.raises(ApiConnectionError) as caught:
            await api.me()
    assert_hidden(caught.value)


async def test_a_server_that_echoes_the_token_does_not_get_it_shown(fake_time: FakeTime) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return error_answer(500, "internal_error", f"failed for {request.headers['Authorization']}")

    async with mock_client(echo, fake_time, token=CANARY) as api:
        with pytest.raises(ServerError) as caught:
            await api.me()
    assert_hidden(caught.value)


async def test_an_answer_of_the_wrong_shape_keeps_no_token_either(fake_time: FakeTime) -> None:
    async with mock_client(lambda _: httpx.Response(200, json={"oops": True}), fake_time, token=CANARY) as api:
        with pytest.raises(InvalidResponseError) as caught:
            await api.me()
    assert_hidden(caught.value)
    assert caught.value.response is not None


async def test_no_log_line_carries_the_token(
    app: FastAPI, caplog: pytest.LogCaptureFixture, fake_time: FakeTime
) -> None:
    answers = iter([httpx.Response(503, headers={"Retry-After": "0"}), httpx.Response(401)])

    def flaky(request: httpx.Request) -> httpx.Response:
        return next(answers)

    caplog.set_level(logging.DEBUG)
    async with mock_client(flaky, fake_time, token=CANARY) as api:
        with pytest.raises(UnauthorizedError):
            await api.me()
    async with Client(BASE_URL, token=CANARY, transport=real_transport(app)) as api:
        with pytest.raises(UnauthorizedError):
            await api.me()
    assert any("trying again" in record.getMessage() for record in caplog.records), "the retry was logged"
    assert CANARY not in caplog.text
