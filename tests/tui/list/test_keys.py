"""Keys of the client list: Enter opens the client, the impacted-mandates notice, help, the palette, remapping."""

from __future__ import annotations

import pytest

from api_client import Client
from api_client.models import ClientSummary
from tests.tui.conftest import AppFactory, WaitUntil
from tests.tui.list.test_client_list import all_rows, shown, table_of
from tui.app import CodadeskApp
from tui.commands import screen_commands
from tui.config import Config
from tui.screens.client import ClientScreen
from tui.screens.client_list import ClientListScreen, EmailInput
from tui.screens.help import HelpScreen, key_table
from tui.screens.mandate_actions import MandateActionsScreen
from tui.widgets.search_bar import SearchInput

pytestmark = pytest.mark.anyio


def notices(app: CodadeskApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_enter_opens_the_client_and_escape_comes_back_to_the_same_row(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    expected = await all_rows(api)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press("down", "down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen), "the client screen")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.client_id == expected[2].id
        await wait_until(pilot, lambda: screen.client is not None, "the client")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientListScreen), "the list again")
        assert table_of(app).cursor_row == 2
        assert table_of(app).has_focus


async def missing_with_mandates_in_preparation(api: Client) -> ClientSummary:
    """A client without an e-mail whose mandates wait for one (mode `service`)."""
    for row in await all_rows(api, missing_email=True):
        client = await api.get_client(row.id)
        if any(mandate.status == "in_preparation" for mandate in client.mandates):
            return row
    raise AssertionError("the demo has no client whose mandates wait for an e-mail")


async def test_a_save_that_impacts_mandates_offers_the_sheet_without_taking_the_keyboard(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    target = await missing_with_mandates_in_preparation(api)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press("slash", *target.client_code, "escape")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.text == target.client_code, "the client")
        await pilot.press("@", *"a@b.be", "enter")
        await wait_until(pilot, lambda: any("to present again" in notice for notice in notices(app)), "the notice")
        notice = next(notice for notice in notices(app) if "to present again" in notice)
        assert "^o opens them" in notice
        assert not isinstance(app.screen, MandateActionsScreen)  # the filling goes on undisturbed
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, MandateActionsScreen), "the action sheet")
        sheet = app.screen
        assert isinstance(sheet, MandateActionsScreen)
        client = await api.get_client(target.id)
        assert {mandate.id for mandate in sheet.mandates} <= {mandate.id for mandate in client.mandates}
        assert sheet.mandates
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientListScreen), "the list again")


async def test_f1_lists_every_key_of_the_list(make_app: AppFactory, wait_until: WaitUntil) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        rows = {
            str(row[1]): str(row[0])
            for row in zip(*(column.cells for column in key_table(app.screen).columns), strict=True)
        }
        assert rows["clients: type e-mail"] == "@"
        assert rows["clients: missing e-mail"] == "^e"
        assert rows["clients: search"] == "/"
        assert rows["clients: last client"] == "end"
        assert rows["app: quit"] == "^q"
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ClientListScreen)


async def test_the_palette_offers_what_the_list_can_do(make_app: AppFactory, wait_until: WaitUntil) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        titles = {command.title for command in screen_commands(app.screen)}
        assert {"clients: search", "clients: missing e-mail", "clients: type e-mail", "clients: open"} <= titles
        assert {"app: help", "app: quit"} <= titles
        assert not any(title.startswith(("client:", "mandates:")) for title in titles)
        await pilot.press("ctrl+p", *"missing", "enter")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.missing_email, "the filter from the palette")


async def test_a_key_remapped_in_the_config_file_works(make_app: AppFactory, wait_until: WaitUntil) -> None:
    app = make_app(config=Config(keymap={"clients.fill_email": "f4"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press("@")
        assert not app.screen.query_one(EmailInput).display
        assert app.screen.query_one(SearchInput).value == "@", "unbound, @ is a letter typed ahead into the search"
        await pilot.press("backspace", "escape", "f4")
        assert app.focused is app.screen.query_one(EmailInput)
