"""Real parts for every TUI test: a seeded demo database, the real server in-process, the real app.

The demo database (`seed_demo`, 300 clients in each of two firms, seed 0) is built once per session and
copied for each test, so a test's saves are never seen by another and every picture starts from the same
data. The app talks to the server through `httpx.ASGITransport`: no port, no subprocess, no network.

    async def test_something(make_app: AppFactory, wait_until: WaitUntil) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: table_of(app).window.loaded_any, "the first page")
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from fastapi import FastAPI
from textual.pilot import Pilot

from api_client import Client
from server.config import Settings
from server.db import Database, migrate
from server.demo import DemoAccount, seed_demo
from server.main import create_app
from tui.app import CodadeskApp
from tui.config import Config

DEMO_CLIENTS = 300
"""Clients in each demo firm: three pages of the table, small enough to seed in about a second."""
BASE_URL = "http://codadesk.test"


@dataclass(frozen=True)
class DemoTemplate:
    """The seeded database every test starts from (never opened by a test itself)."""

    path: Path
    accounts: list[DemoAccount]


class ApiFactory(Protocol):
    def __call__(
        self, account: DemoAccount | None = None, *, language: str | None = None, max_retries: int = 0
    ) -> Client: ...


class AppFactory(Protocol):
    def __call__(
        self, *, api: Client | None = None, account: DemoAccount | None = None, config: Config | None = None
    ) -> CodadeskApp: ...


WaitUntil = Callable[[Pilot[Any], Callable[[], bool], str], Awaitable[None]]


class SwitchableTransport(httpx.AsyncBaseTransport):
    """The in-process server, with switches: `offline = True` refuses connections; `stall = s` answers
    nothing for `s` seconds and then times out, as a client's read timeout ends a server that hangs;
    `delay = s` answers every request `s` seconds late."""

    def __init__(self, app: FastAPI) -> None:
        self._inner = httpx.ASGITransport(app, raise_app_exceptions=False)
        self.offline = False
        self.stall: float | None = None
        self.delay = 0.0
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.offline:
            raise httpx.ConnectError("connection refused (the test took the server offline)", request=request)
        if self.stall is not None:
            await asyncio.sleep(self.stall)
            raise httpx.ReadTimeout("no answer (the test stalled the server)", request=request)
        if self.delay:
            await asyncio.sleep(self.delay)
        return await self._inner.handle_async_request(request)


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio: so do the pilot tests."""
    return "asyncio"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoTemplate:
    path = tmp_path_factory.mktemp("tui-demo") / "demo.db"
    url = f"sqlite:///{path}"
    migrate(url)
    database = Database(url)
    try:
        accounts = seed_demo(database, clients_per_firm=DEMO_CLIENTS, firms=2, seed=0)
    finally:
        database.dispose()
    return DemoTemplate(path, accounts)


@pytest.fixture
def demo_database(demo_template: DemoTemplate, tmp_path: Path) -> Iterator[Database]:
    """This test's own copy of the seeded demo database."""
    path = tmp_path / "codadesk.db"
    with closing(sqlite3.connect(demo_template.path)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)  # consistent even while the template's WAL holds pages
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def service_account(demo_template: DemoTemplate) -> DemoAccount:
    """The first demo firm's user: mode `service` (the service e-mails the mandates)."""
    return demo_template.accounts[0]


@pytest.fixture
def office_account(demo_template: DemoTemplate) -> DemoAccount:
    """The second demo firm's user: mode `firm` (the office manages its mandates)."""
    return demo_template.accounts[1]


@pytest.fixture
def server_app(demo_database: Database, tmp_path: Path) -> FastAPI:
    settings = Settings(database_url=str(demo_database.url), outbox_dir=tmp_path / "outbox")
    return create_app(settings, database=demo_database)


@pytest.fixture
def transport(server_app: FastAPI) -> SwitchableTransport:
    """The way to the server every client of this test takes; set `.offline` to cut it."""
    return SwitchableTransport(server_app)


@pytest.fixture
def make_api(transport: SwitchableTransport, service_account: DemoAccount) -> Iterator[ApiFactory]:
    """Clients of the in-process server, logged in as the service firm's user unless told otherwise."""
    made: list[Client] = []

    def make(account: DemoAccount | None = None, *, language: str | None = None, max_retries: int = 0) -> Client:
        client = Client(
            BASE_URL,
            token=(account or service_account).token,
            transport=transport,
            language=language,
            max_retries=max_retries,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        asyncio.run(client.aclose())


@pytest.fixture
def api(make_api: ApiFactory) -> Client:
    """A client of the in-process server as the service firm's user (to set up and check data)."""
    return make_api()


@pytest.fixture
def make_app(make_api: ApiFactory) -> AppFactory:
    """The codadesk app wired to the in-process server."""

    def make(
        *, api: Client | None = None, account: DemoAccount | None = None, config: Config | None = None
    ) -> CodadeskApp:
        return CodadeskApp(api or make_api(account), config=config or Config())

    return make


@pytest.fixture
def wait_until() -> WaitUntil:
    """Let the app run until `condition()` holds (requests run in workers); fail after 10 s saying `what`."""

    async def wait(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
        for _ in range(1000):
            if condition():
                return
            await pilot.pause(0.01)
        raise AssertionError(f"waited 10 s for {what}")

    return wait
