"""Fixtures of the client tests: the real app behind the client, and a clock that tests move instead of sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api_client import Client
from tests.factories import FirmAccess
from tests.server.mandates.conftest import fake_twikey  # noqa: F401 - the mandate tests' fake Twikey, reused

BASE_URL = "http://codadesk.test"


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio: so do these tests."""
    return "asyncio"


@dataclass
class FakeTime:
    """A monotonic clock that only `sleep` moves: retries wait without the test waiting."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def real_transport(app: FastAPI) -> httpx.ASGITransport:
    """The server in-process; its 500s come back as answers, as they would over a network."""
    return httpx.ASGITransport(app, raise_app_exceptions=False)


@pytest.fixture
async def api(app: FastAPI, firm: FirmAccess, fake_time: FakeTime) -> AsyncIterator[Client]:
    """A client of the real server, logged in as `firm`'s user."""
    async with Client(
        BASE_URL,
        token=firm.token,
        transport=real_transport(app),
        sleep=fake_time.sleep,
        clock=fake_time.monotonic,
    ) as client:
        yield client


Handler = Callable[[httpx.Request], httpx.Response]


def mock_client(handler: Handler, fake_time: FakeTime, **options: Any) -> Client:
    """A client whose server is `handler`: for faults the real server cannot produce on demand."""
    options.setdefault("token", "cdk_mock")
    return Client(
        BASE_URL,
        transport=httpx.MockTransport(handler),
        sleep=fake_time.sleep,
        clock=fake_time.monotonic,
        **options,
    )


def error_answer(status: int, code: str, message: str = "", **extra: Any) -> httpx.Response:
    """An answer in SPEC §6's error shape."""
    error: dict[str, Any] = {"code": code, "message": message or code, **extra}
    return httpx.Response(status, json={"error": error})
