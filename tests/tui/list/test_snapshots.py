"""Pictures of the client list as a user sees it, at 120x40 and at 80x24 (an SSH session's default).

Each class is one feature; each test a short story told in `run_before`, then the picture. The demo data is
seeded with a fixed seed and fixed dates, so the pictures only change when the screen does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Label

from tests.tui.conftest import AppFactory, WaitUntil
from tui.app import CodadeskApp
from tui.screens.client_list import ClientListScreen
from tui.screens.help import HelpScreen
from tui.widgets.client_table import ClientTable

SIZES = pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
SnapCompare = Callable[..., bool]


def settled(app: CodadeskApp) -> bool:
    """The list shows the first page of its query, and the missing-e-mail count is known."""
    screen = app.screen_stack[1] if len(app.screen_stack) > 1 else None
    if not isinstance(screen, ClientListScreen):
        return False
    table = screen.query_one(ClientTable)
    counted = "(" in str(screen.query_one(Checkbox).label)
    return table.window.loaded_any and table._next is None and counted


class TestClientList:
    @SIZES
    def test_the_first_page(
        self, snap_compare: SnapCompare, make_app: AppFactory, wait_until: WaitUntil, size: tuple[int, int]
    ) -> None:
        """The search line (empty, with the missing count), the table's header and first rows, the cursor on
        the first row, the footer with enter, @, /, ctrl+e."""
        app = make_app()

        async def run_before(pilot: Pilot[None]) -> None:
            await wait_until(pilot, lambda: settled(app), "the first page")

        assert snap_compare(app, terminal_size=size, run_before=run_before)


class TestSearch:
    @SIZES
    def test_results_replace_the_table(
        self, snap_compare: SnapCompare, make_app: AppFactory, wait_until: WaitUntil, size: tuple[int, int]
    ) -> None:
        """`apotheek` typed in the search box: only pharmacies, the count says how many, the box has focus."""
        app = make_app()

        async def run_before(pilot: Pilot[None]) -> None:
            await wait_until(pilot, lambda: settled(app), "the first page")
            await pilot.press("slash", *"apotheek")
            table = app.screen.query_one(ClientTable)
            await wait_until(pilot, lambda: settled(app) and table.window.query.text == "apotheek", "the search")

        assert snap_compare(app, terminal_size=size, run_before=run_before)


class TestMissingEmail:
    @SIZES
    def test_only_clients_without_an_email(
        self, snap_compare: SnapCompare, make_app: AppFactory, wait_until: WaitUntil, size: tuple[int, int]
    ) -> None:
        """ctrl+e: the toggle is on, every row says `missing` in the e-mail column."""
        app = make_app()

        async def run_before(pilot: Pilot[None]) -> None:
            await wait_until(pilot, lambda: settled(app), "the first page")
            await pilot.press("ctrl+e")
            table = app.screen.query_one(ClientTable)
            await wait_until(pilot, lambda: settled(app) and table.window.query.missing_email, "the filter")

        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @SIZES
    def test_a_refused_address_stays_with_the_reason(
        self, snap_compare: SnapCompare, make_app: AppFactory, wait_until: WaitUntil, size: tuple[int, int]
    ) -> None:
        """`@` then `no-at` and enter: the input over the first row's e-mail cell keeps `no-at`, and the
        server's reason shows under it on a red line."""
        app = make_app()

        async def run_before(pilot: Pilot[None]) -> None:
            await wait_until(pilot, lambda: settled(app), "the first page")
            await pilot.press("ctrl+e")
            table = app.screen.query_one(ClientTable)
            await wait_until(pilot, lambda: settled(app) and table.window.query.missing_email, "the filter")
            await pilot.press("@", *"no-at", "enter")
            error = app.screen.query_one("#email-error", Label)
            await wait_until(pilot, lambda: error.has_class("-open"), "the refusal")

        assert snap_compare(app, terminal_size=size, run_before=run_before)


class TestHelp:
    @SIZES
    def test_f1_lists_the_keys_of_the_list(
        self, snap_compare: SnapCompare, make_app: AppFactory, wait_until: WaitUntil, size: tuple[int, int]
    ) -> None:
        """f1 over the list: a panel listing each key (arrows, page keys, home/end, enter, @, /, ctrl+e,
        ctrl+p, ctrl+q) with `clients: ...` / `app: ...` and a word on each."""
        app = make_app()

        async def run_before(pilot: Pilot[None]) -> None:
            await wait_until(pilot, lambda: settled(app), "the first page")
            await pilot.press("f1")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")

        assert snap_compare(app, terminal_size=size, run_before=run_before)
