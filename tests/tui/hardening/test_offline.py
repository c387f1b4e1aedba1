"""With the server down (connections refused) or answering after 30 s (requests held until the test ends them with
the client's read timeout), the keys still repaint while a request is pending, an offline notice shows, and a
failed save, archive, resend or download is never shown as done.

Key → repaint is measured here: from just before the pilot posts a key to the first frame Textual draws that shows
its effect, while a request hangs (the figure is printed; timing is not asserted, the order of events is).

What exists elsewhere: `tests/tui/list/test_client_list.py` (offline list: notice, keys move; a stalled page never
holds the keys), `tests/tui/client/test_client_screen.py` (an offline save keeps the form),
`tests/tui/client/test_mandate_actions.py` (offline download and resend never shown as done)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from textual.pilot import Pilot
from textual.widgets import Input

from api_client import Client as ApiClient
from server.db import Database
from server.models import OutboxMessage
from tests.tui.client.conftest import Story
from tests.tui.conftest import WaitUntil
from tests.tui.hardening.conftest import HeldTransport, OpenApp
from tui.screens.client import ClientScreen
from tui.screens.client_list import ClientListScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.mandate_actions import MandateActionsScreen
from tui.widgets.action_outcome import ActionOutcome
from tui.widgets.client_table import ClientTable

pytestmark = pytest.mark.anyio

OFFLINE = "does not answer"
"""The client screen's and the sheet's offline words ("The server does not answer: nothing was changed")."""


@dataclass
class Frames:
    """Every frame the app draws, with what `probe` read at that moment and whether a request was pending."""

    probe: Callable[[], object]
    transport: HeldTransport
    drawn: list[tuple[float, object, int]] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)

    def watch(self, app: Any) -> None:
        display = app._display

        def recorded(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.drawn.append((time.perf_counter(), self.probe(), self.transport.waiting))
            display(screen, renderable)

        app._display = recorded

    async def key(self, pilot: Pilot[Any], key: str, expected: object, wait_until: WaitUntil) -> None:
        """Press `key`; the delay until a frame shows `expected`, drawn while a request was pending."""
        start = time.perf_counter()
        count = len(self.drawn)
        await pilot.press(key)
        await wait_until(pilot, lambda: any(seen == expected for _, seen, _ in self.drawn[count:]), f"{key} drawn")
        when, _, pending = next(frame for frame in self.drawn[count:] if frame[1] == expected)
        assert pending, "the frame was drawn while the request was still pending"
        self.delays.append(when - start)

    def report(self, what: str) -> str:
        ms = sorted(delay * 1000 for delay in self.delays)
        line = f"{what}: key -> repaint p50 {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms over {len(ms)} keys"
        print(line)
        return line


def notices(app: Any) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def test_a_stalled_page_leaves_the_list_repainting_then_says_offline(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, transport: HeldTransport, demo_database: Database
) -> None:
    app = open_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ClientListScreen), "the list")
        table = app.screen.query_one(ClientTable)
        await wait_until(pilot, lambda: table.window.loaded_any and table.window.row_count > 1, "the clients")
        frames = Frames(lambda: table.cursor_row, transport)
        frames.watch(app)
        transport.hold()
        await pilot.press("slash", "z")  # a search the server will not answer
        await wait_until(pilot, lambda: transport.waiting > 0, "the search on its way")
        await pilot.press("escape")  # back to the table, whose rows stay until an answer comes
        for row in (1, 0, 1, 0, 1, 0):
            await frames.key(pilot, "down" if row else "up", row, wait_until)
        assert not any(OFFLINE in n or "did not answer" in n for n in notices(app)), "still waiting"
        transport.time_out()
        await wait_until(pilot, lambda: any("did not answer" in n for n in notices(app)), "the offline notice")
    frames.report("list, search pending")


async def test_a_stalled_save_keeps_the_form_typing_and_is_never_shown_saved(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, transport: HeldTransport, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen) and app.screen.editing, "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        city = screen.form.field("city").query_one(Input)
        city.focus()
        await pilot.press("end", *"brugge")
        frames = Frames(lambda: city.value, transport)
        frames.watch(app)
        transport.hold()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: transport.waiting > 0 and screen.busy, "the save on its way")
        for key, shown in (("space", " "), ("1", " 1"), ("2", " 12"), ("backspace", " 1"), ("backspace", " ")):
            await frames.key(pilot, key, f"Gentbrugge{shown}", wait_until)
        await frames.key(pilot, "backspace", "Gentbrugge", wait_until)
        assert screen.busy, "the save is still on its way"
        transport.time_out()
        await wait_until(pilot, lambda: any(OFFLINE in n for n in notices(app)), "the offline notice")
        assert screen.editing
        assert city.value == "Gentbrugge"
        assert "Saved" not in notices(app)
    frames.report("client form, save pending")
    assert (await api.get_client(story.client_id)).city == "Gent", "nothing was saved"


@pytest.mark.parametrize("failure", ["down", "stalled"])
@pytest.mark.parametrize("action", ["download", "archive", "resend"])
async def test_a_failed_action_is_never_shown_as_done(
    open_app: OpenApp,
    wait_until: WaitUntil,
    story: Story,
    transport: HeldTransport,
    api: ApiClient,
    demo_database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    failure: str,
) -> None:
    downloads = tmp_path / "Downloads"
    monkeypatch.setenv("CODADESK_DOWNLOAD_DIR", str(downloads))
    mandate_id = story.mandate_ids["KREDBEBB"]
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen) and app.screen.client is not None, "it")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MandateActionsScreen), "the sheet")
        sheet = app.screen
        assert isinstance(sheet, MandateActionsScreen)
        while sheet.selected is not None and sheet.selected.id != mandate_id:
            await pilot.press("down")
        index = [m.id for m in sheet.mandates].index(mandate_id)
        outcome = sheet.query_one(ActionOutcome)
        frames = Frames(lambda: sheet.selected.id if sheet.selected else None, transport)
        frames.watch(app)
        if failure == "down":
            transport.offline = True
        else:
            transport.hold()
        await pilot.press(action[0])
        if action == "archive":
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
            await pilot.press("y")
        if failure == "stalled":
            await wait_until(pilot, lambda: transport.waiting > 0, "the action on its way")
            other = sheet.mandates[index - 1 if index else index + 1].id
            away, back = ("up", "down") if index else ("down", "up")
            for key, mandate in ((away, other), (back, mandate_id)) * 2:
                await frames.key(pilot, key, mandate, wait_until)
            assert sheet.busy is not None, "still on its way"
            transport.time_out()
        await wait_until(pilot, lambda: sheet.busy is None, "the failure")
        assert OFFLINE in outcome.text
        for done in ("Saved", "Queued", "Archived", "written to", ".pdf"):
            assert done not in outcome.text
            assert not any(done in n for n in notices(app))
        assert sheet.selected is not None
        assert sheet.selected.status == "available_online"
    if failure == "stalled":
        frames.report(f"action sheet, {action} pending")
    transport.offline = False
    assert (await api.mandate(mandate_id)).status == "available_online", "the server did nothing"
    with demo_database.read() as session:
        queued = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.mandate_id == mandate_id)
        assert session.scalar(queued) == 0, "no e-mail queued"
    assert not downloads.exists() or list(downloads.iterdir()) == [], "no file, not even a partial one"


async def test_a_server_down_from_the_start_leaves_the_app_usable_and_says_so(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, transport: HeldTransport
) -> None:
    transport.offline = True
    app = open_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: any(n.startswith("Offline:") for n in notices(app)), "the offline notice")
        assert any("signing in failed" in n for n in notices(app))
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help, offline")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientListScreen), "the list again")
        transport.offline = False
        await pilot.press("slash", "a", "escape")  # a new search once the server is back
        table = app.screen.query_one(ClientTable)
        await wait_until(pilot, lambda: table.window.loaded_any, "clients, once the server answers")
