"""The app is on screen before its server is open: the embedded server opens behind it."""

from __future__ import annotations

import asyncio

import pytest

from api_client import Client
from tests.tui.conftest import ApiFactory, WaitUntil
from tests.tui.list.test_client_list import line, shown, table_of
from tui.app import CodadeskApp
from tui.embedded import EmbeddedStartError

pytestmark = pytest.mark.anyio


async def test_the_table_says_it_is_opening_then_shows_clients(make_api: ApiFactory, wait_until: WaitUntil) -> None:
    opened = asyncio.Event()

    async def connect() -> Client:
        await opened.wait()
        return make_api()

    app = CodadeskApp(connect=connect)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.connected
        assert "Opening the server…" in line(table_of(app), 0)
        opened.set()
        await wait_until(pilot, lambda: shown(app) and app.me is not None, "the first page and who I am")
        assert table_of(app).window.row_count == 300


async def test_a_server_that_cannot_open_ends_the_app_saying_why() -> None:
    async def connect() -> Client:
        raise EmbeddedStartError("The demo database in /x could not be prepared (OperationalError)")

    app = CodadeskApp(connect=connect)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
    assert app.return_code == 2
    assert not app.connected
