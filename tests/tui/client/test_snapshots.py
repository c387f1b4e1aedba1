"""Pictures of the client screen, the action sheet and the confirm dialog, at 120x40 and at 80x24.

Each class is one state a user sees; `run_before` is the short story that leads there. Regenerate with
`pytest tests/tui/client/test_snapshots.py --snapshot-update` and look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from api_client import Client as ApiClient
from tests.tui.client.conftest import OpenApp, Story
from tests.tui.conftest import WaitUntil
from tui.screens.client import ClientScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.mandate_actions import MandateActionsScreen

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]
SnapCompare = Callable[..., bool]
Before = Callable[[Pilot[Any]], Awaitable[None]]


def client_screen(pilot: Pilot[Any]) -> ClientScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ClientScreen)
    return screen


def field_input(pilot: Pilot[Any], field: str) -> Input:
    form = client_screen(pilot).form
    assert form is not None
    return form.field(field).query_one(Input)


async def loaded(pilot: Pilot[Any], wait_until: WaitUntil) -> None:
    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, ClientScreen) and screen.client is not None and screen.history is not None

    await wait_until(pilot, ready, "the client")


async def editing(pilot: Pilot[Any], wait_until: WaitUntil) -> None:
    await loaded(pilot, wait_until)
    await wait_until(pilot, lambda: client_screen(pilot).editing, "the form")


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ClientScreen, "CHECK_DELAY", 0.05)


@pytest.mark.parametrize("size", SIZES)
class TestClientView:
    def test_every_field_mandates_and_history(
        self, snap_compare: SnapCompare, open_app: OpenApp, wait_until: WaitUntil, story: Story, size: tuple[int, int]
    ) -> None:
        """Acme NV: fields with the enterprise number as 0403.019.261 and why it is locked, the delivery folder,
        four mandates (bank, BIC, status in words, document v1, IBANs by four), the history newest first; the
        footer offers e, m, ctrl+r and escape."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await loaded(pilot, wait_until)

        assert snap_compare(open_app(lambda: ClientScreen(story.client_id)), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
class TestEditing:
    def test_a_lock_and_warnings_while_typing(
        self, snap_compare: SnapCompare, open_app: OpenApp, wait_until: WaitUntil, story: Story, size: tuple[int, int]
    ) -> None:
        """The form: the enterprise number disabled with "The enterprise number cannot be changed"; under the
        client code the two delivery folders (ACME-01 and ACME-01-B); under the street "3 unsigned mandate(s)
        must be presented to the client again"; the title says Editing and the footer offers ctrl+s."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await editing(pilot, wait_until)
            await pilot.press("end", "-", "B")
            field_input(pilot, "street").focus()
            await pilot.press("end", "b", "i", "s")
            form = client_screen(pilot).form
            assert form is not None
            await wait_until(pilot, lambda: "unsigned" in form.field("street").messages, "the warnings")
            field_input(pilot, "client_code").focus()

        app = open_app(lambda: ClientScreen(story.client_id, edit=True))
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    def test_no_enterprise_number_locks_the_name(
        self, snap_compare: SnapCompare, open_app: OpenApp, wait_until: WaitUntil, story: Story, size: tuple[int, int]
    ) -> None:
        """Nieuwkomer BV: the company name disabled with "Enter the enterprise number first"; a number typed in
        shows that it cannot be changed after saving."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await editing(pilot, wait_until)
            field_input(pilot, "enterprise_number").focus()
            await pilot.press(*"0417497106")
            form = client_screen(pilot).form
            assert form is not None
            await wait_until(pilot, lambda: "after saving" in form.field("enterprise_number").messages, "warning")

        app = open_app(lambda: ClientScreen(story.newcomer_id, edit=True))
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    def test_a_refused_value_shows_its_error_and_keeps_the_text(
        self, snap_compare: SnapCompare, open_app: OpenApp, wait_until: WaitUntil, story: Story, size: tuple[int, int]
    ) -> None:
        """After ctrl+s with postal code "99": the error in red under the postal code, "99" still in the input,
        the form still open."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await editing(pilot, wait_until)
            postal = field_input(pilot, "postal_code")
            postal.focus()
            postal.value = "99"
            await pilot.press("ctrl+s")
            screen = client_screen(pilot)
            form = screen.form
            assert form is not None
            await wait_until(pilot, lambda: not screen.busy and bool(form.field("postal_code").errors), "the error")

        app = open_app(lambda: ClientScreen(story.client_id, edit=True))
        assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
class TestConflict:
    def test_theirs_and_yours_per_field(
        self,
        snap_compare: SnapCompare,
        open_app: OpenApp,
        wait_until: WaitUntil,
        story: Story,
        api: ApiClient,
        size: tuple[int, int],
    ) -> None:
        """Someone saved city "Gentbrugge" while this user typed "Gent-Centrum": a banner explains, and under
        the city a choice "Theirs: Gentbrugge" / "Yours: Gent-Centrum" (yours picked, focused)."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await editing(pilot, wait_until)
            field_input(pilot, "city").value = "Gent-Centrum"
            behind = await api.get_client(story.client_id)
            await api.update_client(story.client_id, {"city": "Gentbrugge"}, version=behind.version)
            await pilot.press("ctrl+s")
            form = client_screen(pilot).form
            assert form is not None
            await wait_until(pilot, lambda: form.field("city").conflict is not None, "the conflict")
            await pilot.pause()

        app = open_app(lambda: ClientScreen(story.client_id, edit=True))
        assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
class TestActionSheet:
    def test_dimmed_actions_say_why(
        self, snap_compare: SnapCompare, open_app: OpenApp, wait_until: WaitUntil, story: Story, size: tuple[int, int]
    ) -> None:
        """The sheet over the client: four mandates, Belfius selected; download dimmed "This bank accepts no
        paper mandate", Twikey dimmed "Twikey is not configured on this server", archive and resend available."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await loaded(pilot, wait_until)
            await pilot.press("m")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, MandateActionsScreen), "the sheet")

        assert snap_compare(open_app(lambda: ClientScreen(story.client_id)), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
class TestConfirm:
    def test_unsaved_changes(
        self, snap_compare: SnapCompare, open_app: OpenApp, wait_until: WaitUntil, story: Story, size: tuple[int, int]
    ) -> None:
        """Escape with a changed client code: "Drop your unsaved changes?" with "Drop them (y)" focused and
        "Keep editing (n)", over the form."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await editing(pilot, wait_until)
            await pilot.press("end", "X", "escape")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), "the question")

        app = open_app(lambda: ClientScreen(story.client_id, edit=True))
        assert snap_compare(app, terminal_size=size, run_before=run_before)
