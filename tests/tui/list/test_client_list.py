"""The client list against the real server in-process: search, the toggle, moving, e-mails typed in place."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import update
from textual.message import Message
from textual.widgets import Checkbox, Label

from api_client import Client
from api_client.models import ClientSummary
from server.clients.folding import fold, search_text
from server.db import Database
from server.models import Client as ClientRow
from tests.tui.conftest import AppFactory, SwitchableTransport, WaitUntil
from tui.app import CodadeskApp
from tui.messages import ClientsLoaded, RequestFailed
from tui.screens.client_list import ClientListScreen, EmailInput
from tui.widgets.client_table import ClientTable
from tui.widgets.search_bar import SearchInput

pytestmark = pytest.mark.anyio


def table_of(app: CodadeskApp) -> ClientTable:
    return app.screen.query_one(ClientTable)


def shown(app: CodadeskApp) -> bool:
    """The list is on screen with the first page of its current query."""
    if not isinstance(app.screen, ClientListScreen):
        return False
    table = table_of(app)
    position = str(app.screen.query_one("#result-count", Label).render())
    return table.window.loaded_any and table._next is None and position.endswith(table.window.count_label())


def line(table: ClientTable, row: int) -> str:
    """The text the table draws for `row` (which must be on screen)."""
    return table.render_line(row - table.scroll_offset.y + 1).text


async def all_rows(api: Client, q: str = "", *, missing_email: bool = False) -> list[ClientSummary]:
    rows: list[ClientSummary] = []
    cursor = None
    while True:
        page = await api.search_clients(q, missing_email=missing_email, cursor=cursor, limit=200)
        rows.extend(page.items)
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor


async def test_the_table_shows_the_firms_clients_in_order(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    expected = await all_rows(api)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        table = table_of(app)
        assert table.window.row_count == len(expected) == 300
        assert table.has_focus
        first = line(table, 0)
        assert expected[0].client_code in first
        assert expected[0].company_name in first
        assert str(app.screen.query_one("#result-count", Label).render()) == "1/300"


async def test_typing_narrows_the_table_to_what_the_server_finds(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    expected = await all_rows(api, "apotheek")
    assert 0 < len(expected) < 300
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press("slash")
        assert isinstance(app.focused, SearchInput)
        await pilot.press(*"apotheek")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.text == "apotheek", "the search")
        assert table.window.row_count == len(expected)
        assert [table.window.row(i) for i in range(len(expected))] == expected
        await pilot.press("escape")
        assert table.has_focus


async def test_a_search_goes_out_at_the_first_keystroke_and_a_fast_typist_keeps_one_in_flight(
    make_app: AppFactory, api: Client, transport: SwitchableTransport, wait_until: WaitUntil
) -> None:
    """No fixed debounce: the table follows the typing as fast as the server answers; typing ahead of a slow
    server sends the newest text when the answer on its way arrives, not one request per key."""
    expected = await all_rows(api, "apotheek")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        transport.delay = 0.3
        transport.requests.clear()
        await pilot.press("slash", *"apotheek")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.text == "apotheek", "the search")
        searched = [
            request.url.params.get("q") for request in transport.requests if request.url.path.endswith("/clients")
        ]
        assert searched[0] == "a", "the first keystroke is searched at once"
        assert searched[-1] == "apotheek"
        assert len(searched) < 8, f"typed ahead of a slow server, the keys are not each sent: {searched}"
        assert table.window.row_count == len(expected)


async def test_letters_typed_on_the_table_go_to_the_search_box(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    """Type-ahead: no `/` needed, and letters that reach the table before a `/`'s focus move are not lost."""
    expected = await all_rows(api, "apotheek")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press(*"apo")
        search = app.screen.query_one(SearchInput)
        assert app.focused is search
        assert search.value == "apo"
        await pilot.press(*"theek")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.text == "apotheek", "the search")
        assert table.window.row_count == len(expected)
        await pilot.press("escape")
        assert table.has_focus
        await pilot.press("@")
        assert isinstance(app.focused, EmailInput), "a bound key keeps its meaning"


async def test_an_older_search_never_replaces_a_newer_one(
    make_app: AppFactory, api: Client, transport: SwitchableTransport, wait_until: WaitUntil
) -> None:
    expected = await all_rows(api, "ar")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press("slash", "a")
        await pilot.pause(0.05)  # the search for "a" is on its way...
        await pilot.press("r")  # ...when the user types on
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.text == "ar", "the search")
        await pilot.pause(0.2)  # time for any late answer to "a" to arrive (and be dropped)
        assert table.window.query.text == "ar"
        assert table.window.row_count == len(expected)


async def test_ctrl_e_shows_only_clients_missing_an_email_with_their_count(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    missing = await all_rows(api, missing_email=True)
    assert 0 < len(missing) < 300
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        toggle = app.screen.query_one(Checkbox)
        await wait_until(pilot, lambda: f"({len(missing)})" in str(toggle.label), "the missing count")
        await pilot.press("ctrl+e")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.missing_email, "the filtered table")
        assert toggle.value
        assert table.window.row_count == len(missing)
        assert all(table.window.row(i) == row for i, row in enumerate(missing[:100]))
        assert "missing" in line(table, 0)
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: shown(app) and not table.window.query.missing_email, "all clients again")
        assert table.window.row_count == 300


async def test_home_end_and_page_keys_move_through_the_whole_result_set(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    expected = await all_rows(api)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        table = table_of(app)
        await pilot.press("end")
        await wait_until(pilot, lambda: table.current is not None and table.cursor_row == 299, "the last row")
        assert table.current == expected[-1]
        assert expected[-1].company_name in line(table, 299)
        await pilot.press("home")
        assert (table.cursor_row, table.scroll_offset.y) == (0, 0)
        for _ in range(4):
            await pilot.press("pagedown")
        assert table.cursor_row == 4 * table.body_height
        await wait_until(pilot, lambda: table.current is not None, "the row past the first page")
        assert table.cursor_row > 100
        assert table.current == expected[table.cursor_row]
        await pilot.press("pageup", "up", "down", "down")
        assert table.cursor_row == 3 * table.body_height + 1
        await wait_until(pilot, lambda: table.current is not None, "the row")
        assert table.current == expected[table.cursor_row]


def on_row(table: ClientTable, editor: EmailInput, row: int) -> bool:
    """The e-mail input is open, empty, on `row`."""
    return table.cursor_row == row and editor.value == ""


async def five_missing(api: Client) -> list[ClientSummary]:
    return (await all_rows(api, missing_email=True))[:5]


async def test_five_emails_are_filled_with_one_enter_each(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    targets = await five_missing(api)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press("ctrl+e")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.missing_email, "the filtered table")
        await pilot.press("@")
        editor = app.screen.query_one(EmailInput)
        assert app.focused is editor
        for index, target in enumerate(targets):
            assert table.current == target
            address = f"b{index}@c{target.id}.be"
            await pilot.press(*address, "enter")  # the address and one Enter: nothing else
            await wait_until(pilot, partial(on_row, table, editor, index + 1), "the next row")
            assert app.focused is editor
    for index, target in enumerate(targets):
        assert (await api.get_client(target.id)).email == f"b{index}@c{target.id}.be"


async def test_filling_skips_clients_that_have_an_email(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    everyone = await all_rows(api)
    first_missing = next(i for i, row in enumerate(everyone) if row.email is None)
    second_missing = next(i for i, row in enumerate(everyone) if row.email is None and i > first_missing)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        table = table_of(app)
        table.move_cursor(first_missing)
        await pilot.press("@", *"i@f.be", "enter")
        await wait_until(pilot, lambda: table.cursor_row == second_missing, "the next client without an e-mail")
    assert (await api.get_client(everyone[first_missing].id)).email == "i@f.be"


async def test_a_bad_address_keeps_what_was_typed_and_says_why(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    target = (await five_missing(api))[0]
    says = (await api.check_client(target.id, {"email": "no-at"})).errors["email"][0]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press("ctrl+e")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.missing_email, "the filtered table")
        await pilot.press("@", *"no-at", "enter")
        error = app.screen.query_one("#email-error", Label)
        await wait_until(pilot, lambda: error.has_class("-open"), "the error")
        assert str(error.render()) == says
        editor = app.screen.query_one(EmailInput)
        assert editor.value == "no-at"
        assert app.focused is editor
        assert table.cursor_row == 0
    assert (await api.get_client(target.id)).email is None


async def test_escape_leaves_without_saving(make_app: AppFactory, api: Client, wait_until: WaitUntil) -> None:
    target = (await five_missing(api))[0]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press("ctrl+e")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.missing_email, "the filtered table")
        await pilot.press("@", *"half@typ", "escape")
        editor = app.screen.query_one(EmailInput)
        assert not editor.display
        assert app.focused is table
        await pilot.press("down")
        assert table.cursor_row == 1
    assert (await api.get_client(target.id)).email is None


async def test_someone_elses_save_reloads_the_row_and_keeps_the_typed_text(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    target = (await five_missing(api))[0]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press("ctrl+e")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.missing_email, "the filtered table")
        await api.update_client(target.id, {"phone": "+32 9 123 45 67"}, version=target.version)  # the colleague
        await pilot.press("@", *"me@c.be", "enter")
        error = app.screen.query_one("#email-error", Label)
        await wait_until(pilot, lambda: error.has_class("-open"), "the conflict notice")
        assert "Someone else changed this client" in str(error.render())
        assert app.screen.query_one(EmailInput).value == "me@c.be"
        assert table.window.row(0) is not None
        assert table.window.row(0).version == target.version + 1  # type: ignore[union-attr]
        await pilot.press("enter")
        await wait_until(pilot, lambda: table.cursor_row == 1, "the save over the new version")
    saved = await api.get_client(target.id)
    assert (saved.email, saved.phone) == ("me@c.be", "+32 9 123 45 67")


async def test_untrusted_names_show_literally(
    make_app: AppFactory, api: Client, demo_database: Database, wait_until: WaitUntil
) -> None:
    target = (await api.search_clients(limit=1)).items[0]
    hostile = "ACME [/bold] NV [link=https://evil.example]x[/link] \x1b[31mRED\x1b]52;c;?\x07 [@click=app.quit]\u202e"
    with demo_database.write() as session:
        session.execute(
            update(ClientRow)
            .where(ClientRow.id == target.id)
            .values(
                company_name=hostile,
                name_key=fold(hostile),
                search_text=search_text(
                    company_name=hostile,
                    client_code=target.client_code,
                    email=target.email,
                    enterprise_number=target.enterprise_number,
                ),
            )
        )
    app = make_app()
    async with app.run_test(size=(250, 40)) as pilot:
        await pilot.press("slash", *target.client_code)
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.text == target.client_code, "the search")
        drawn = line(table, 0)
        assert "ACME [/bold] NV [link=https://evil.example]x[/link] [31mRED]52;c;? [@click=app.quit]" in drawn
        assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e" for ch in drawn)
        await pilot.press("escape", "enter")  # clicking nothing, quitting nothing
        assert app.is_running


async def test_offline_shows_a_notice_and_keys_still_move(
    make_app: AppFactory, transport: SwitchableTransport, wait_until: WaitUntil
) -> None:
    seen: list[Message] = []
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        transport.offline = True
        table = table_of(app)
        await pilot.press("end")  # the last page is not held: a request that fails
        await wait_until(pilot, lambda: any(isinstance(m, RequestFailed) for m in seen), "the failure")
        await wait_until(pilot, lambda: bool(app._notifications), "the notice")
        notices = [notification.message for notification in app._notifications]
        assert any(notice.startswith("Offline: loading clients failed") for notice in notices)
        await pilot.press("home", "down", "down")
        assert table.cursor_row == 2
        transport.offline = False
        await pilot.press("end")
        await wait_until(pilot, lambda: table.cursor_row == 299 and table.current is not None, "the last row")
    assert any(isinstance(m, ClientsLoaded) for m in seen)


async def test_a_click_at_the_bottom_of_the_scrollbar_shows_the_last_rows(
    make_app: AppFactory, api: Client, wait_until: WaitUntil
) -> None:
    expected = await all_rows(api)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        table = table_of(app)
        await pilot.click(ClientTable, offset=(table.size.width - 1, table.size.height - 1))
        assert table.scroll_offset.y == 300 - table.body_height
        last = 299
        await wait_until(pilot, lambda: table.window.row(last) is not None, "the last page")
        assert expected[-1].company_name in line(table, last)
        await pilot.click(ClientTable, offset=(table.size.width - 1, 1))
        assert table.scroll_offset.y == 0


async def test_a_server_that_does_not_answer_never_holds_the_keys(
    make_app: AppFactory, transport: SwitchableTransport, wait_until: WaitUntil
) -> None:
    seen: list[Message] = []
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        transport.stall = 1.0
        table = table_of(app)
        await pilot.press("end")  # the last page is asked for, and no answer comes
        await pilot.press("home", "down", "down")
        assert table.cursor_row == 2
        assert not any(isinstance(m, RequestFailed) for m in seen)  # the keys moved while the request hung
        await wait_until(pilot, lambda: any(isinstance(m, RequestFailed) for m in seen), "the timeout")
        notices = [notification.message for notification in app._notifications]
        assert any("the server did not answer" in notice for notice in notices)


async def test_addresses_typed_ahead_of_a_slow_save_each_land_on_their_own_client(
    make_app: AppFactory, api: Client, transport: SwitchableTransport, wait_until: WaitUntil
) -> None:
    targets = await five_missing(api)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: shown(app), "the first page")
        await pilot.press("ctrl+e")
        table = table_of(app)
        await wait_until(pilot, lambda: shown(app) and table.window.query.missing_email, "the filtered table")
        await pilot.press("@")
        transport.delay = 0.3  # each save takes longer than typing the next address
        await pilot.press(*"a1@x.be", "enter", *"a2@x.be", "enter", *"a3@x.be", "enter", *"a4")
        editor = app.screen.query_one(EmailInput)
        third = 2
        await wait_until(pilot, lambda: getattr(table.window.row(third), "email", None) == "a3@x.be", "three saves")
        assert table.cursor_row == 3
        assert editor.value == "a4"  # the fourth address, still being typed, waits on the fourth client
    saved = [(await api.get_client(target.id)).email for target in targets[:4]]
    assert saved == ["a1@x.be", "a2@x.be", "a3@x.be", None]
