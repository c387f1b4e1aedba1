"""Hostile text in every field the TUI shows, through the real server: the app does not crash, shows the text
literally (brackets visible, no link, no click), and what it would write to the terminal holds no escape
sequence but the cursor moves and colours Textual draws with (see `test_pty_terminal_safe.py` for the bytes of
a real `codadesk` in a real pseudo-terminal)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from textual.pilot import Pilot
from textual.widgets import Input

from server.db import Database
from server.models import Bank, Client, OutboxMessage
from tests.tui.client.conftest import Story
from tests.tui.conftest import WaitUntil
from tests.tui.hardening.conftest import OpenApp, drawn_segments, drawn_text, escapes, terminal_output
from tests.tui.hardening.corpus import FORBIDDEN_ON_SCREEN, HOSTILE_FIELDS, LONG, hostile, marker, plant
from tui.safe_text import clean
from tui.screens.client import ClientScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.mandate_actions import MandateActionsScreen
from tui.widgets.action_outcome import ActionOutcome
from tui.widgets.words import iban

pytestmark = pytest.mark.anyio

MARKUP_TOKENS = ("[bold]B[/bold]", "[link=https://evil.example]x[/link]", "[@click=app.quit]q[/]", "[/]")
"""Pieces of the corpus without spaces: a line never wraps inside one, so each reads whole on screen."""
TALL = (160, 300)
"""A tall terminal: the two 10 KB fields wrap over dozens of lines and every other field must still be seen."""


async def assert_safe(pilot: Pilot[Any], *, markers: tuple[str, ...] = (), literal: bool = True) -> str:
    """The screen shows no control or bidi character, no link and no click of the data's; what the app would
    write holds only Textual's own sequences (cursor moves `H`, colours `m`); `markers` are on screen."""
    app = pilot.app
    await pilot.pause()  # the layout of what just arrived
    assert app.is_running
    text = drawn_text(app)
    unsafe = sorted({f"U+{ord(ch):04X}" for ch in text if ch in FORBIDDEN_ON_SCREEN})
    assert not unsafe, f"control or bidi characters on screen: {unsafe}"
    for place in markers:
        assert marker(place) in text, f"{place} is not on screen"
    if literal:
        for token in MARKUP_TOKENS:
            assert token in text, f"{token} does not read literally"
    for segment in drawn_segments(app):
        style = segment.style
        if style is None:
            continue
        assert style.link is None, f"a link on {segment.text!r}"
        click = style.meta.get("@click") if style.meta else None
        assert click is None or "quit" not in str(click), f"a click that quits on {segment.text!r}"
    sequences, rest = escapes(terminal_output(app))
    own = {sequence.text for sequence in sequences if sequence.kind != "CSI" or sequence.text[-1] not in "mH"}
    assert not own, f"escape sequences Textual does not draw with: {sorted(own)[:5]}"
    assert not any(ch in FORBIDDEN_ON_SCREEN for ch in rest.replace("\n", "").replace("\r", ""))
    return text


def client_screen(app: Any) -> ClientScreen:
    screen = app.screen
    assert isinstance(screen, ClientScreen)
    return screen


async def test_every_field_of_the_client_screen_reads_literally(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, demo_database: Database
) -> None:
    plant(demo_database, firm_id=story.firm_id, client_id=story.client_id, bics=story.mandate_ids)
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=TALL) as pilot:
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ClientScreen) and app.screen.history is not None,
            "the client and its history",
        )
        screen = client_screen(app)
        assert screen.client is not None
        assert len(screen.client.company_name) == LONG
        places = (
            *HOSTILE_FIELDS,
            "root",  # the delivery folder: the firm's root and the client code
            "bank GKCCBEBB",
            "bank KREDBEBB",
            "bank GEBABEBB",
            "user",
            "history old",
            "history new",
            "history number",
            "history field",
        )
        text = await assert_safe(pilot, markers=places)
        planted_iban = hostile(f"iban {story.mandate_ids['KREDBEBB']}")
        assert iban(clean(planted_iban))[:40] in text, "IBANs read in groups of four, cleaned"
        await pilot.press("e")
        await wait_until(pilot, lambda: screen.editing, "the form")
        form = screen.form
        assert form is not None
        for field in HOSTILE_FIELDS:
            value = form.field(field).query_one(Input).value
            assert marker(field) in value
            assert not any(ch in FORBIDDEN_ON_SCREEN for ch in value), f"{field}'s input holds a control character"
        assert not form.dirty, "cleaning what is shown is not a change"
        await assert_safe(pilot, literal=False)  # an input shows a window of its value: the markers are checked above

        # Warnings quote the old and new delivery folders (the firm's hostile root); the check says so.
        form.field("city").query_one(Input).value = "Gent"
        form.field("client_code").query_one(Input).value = "ACME-02"
        await wait_until(pilot, lambda: "ACME-02" in form.field("client_code").messages, "the folder warning")
        assert marker("root") in form.field("client_code").messages
        await assert_safe(pilot, markers=("root",), literal=False)

        # A duplicate code: the error quotes the other client's hostile name.
        form.field("client_code").query_one(Input).value = "DUP-1"
        await wait_until(pilot, lambda: marker("duplicate") in form.field("client_code").messages, "the duplicate")
        await assert_safe(pilot, markers=("duplicate",), literal=False)

        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await assert_safe(pilot, literal=False)
        await pilot.press("y")
        await wait_until(pilot, lambda: not screen.editing, "the record again")
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await assert_safe(pilot, literal=False)
        await pilot.press("escape")
        assert app.is_running


async def test_the_action_sheet_its_question_and_its_outcomes_read_literally(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, demo_database: Database
) -> None:
    plant(demo_database, firm_id=story.firm_id, client_id=story.client_id, bics=story.mandate_ids)
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(160, 60)) as pilot:
        await wait_until(
            pilot, lambda: isinstance(app.screen, ClientScreen) and app.screen.client is not None, "client"
        )
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MandateActionsScreen), "the sheet")
        sheet = app.screen
        assert isinstance(sheet, MandateActionsScreen)
        await assert_safe(pilot, markers=("company_name", "bank GKCCBEBB"), literal=True)
        while sheet.selected is not None and sheet.selected.id != story.mandate_ids["KREDBEBB"]:
            await pilot.press("down")
        await pilot.press("a")  # the question quotes the bank and the IBANs
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the archive question")
        await assert_safe(pilot, markers=("bank KREDBEBB",))
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is sheet, "the sheet again")

        # A resend to the hostile name and address: the server refuses an address it cannot write as a recipient
        # (a 422 naming `email`; CR and LF in the names are written on one header line); the sheet says why, never
        # that it was done.
        await pilot.press("r")
        await wait_until(pilot, lambda: sheet.busy is None, "the resend's answer")
        outcome = sheet.query_one(ActionOutcome)
        assert outcome.text.startswith("Resend: ")
        assert "Queued" not in outcome.text
        assert "cannot receive mail" in outcome.text
        await assert_safe(pilot, literal=False)

        # With a good name and address the resend is queued; its delivery then fails with a hostile error.
        with demo_database.write() as session:
            client = session.get_one(Client, story.client_id)
            client.company_name, client.email = "Acme NV", "boekhouding@acme.example"
            session.execute(update(Bank).where(Bank.bic == "KREDBEBB").values(name="KBC Bank"))
        await pilot.press("r")
        await wait_until(pilot, lambda: sheet.busy is None and "Queued" in outcome.text, "the resend")
        with demo_database.write() as session:
            for message in session.scalars(
                select(OutboxMessage).where(OutboxMessage.mandate_id == story.mandate_ids["KREDBEBB"])
            ):
                message.status = "failed"
                message.last_error = hostile("mail error")
        await wait_until(pilot, lambda: marker("mail error") in outcome.text, "the failed delivery")
        await assert_safe(pilot, markers=("mail error",), literal=True)
        await pilot.press("escape")
        assert app.is_running
