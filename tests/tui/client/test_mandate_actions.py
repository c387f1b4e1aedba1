"""The mandate action sheet against the real server: each action, its refusals, and what the user sees."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from fastapi import FastAPI
from textual.pilot import Pilot
from textual.widgets import Input

from api_client import Client as ApiClient
from tests.tui.client.conftest import FakeTwikey, OpenApp, Story, deliver_outbox
from tests.tui.conftest import SwitchableTransport, WaitUntil
from tui.app import CodadeskApp
from tui.config import Config
from tui.screens.client import ClientScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.mandate_actions import MandateActionsScreen
from tui.widgets.action_outcome import ActionOutcome
from tui.widgets.mandate_action_list import MandateActionList

pytestmark = pytest.mark.anyio


def sheet_of(app: CodadeskApp) -> MandateActionsScreen:
    screen = app.screen
    assert isinstance(screen, MandateActionsScreen)
    return screen


def actions_text(sheet: MandateActionsScreen) -> str:
    return sheet.query_one(MandateActionList).text


def outcome_text(sheet: MandateActionsScreen) -> str:
    return sheet.query_one(ActionOutcome).text


def files_in(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def eml_file(outcome: str) -> str:
    """The `.eml` file the outcome names, read back."""
    return Path(outcome.split("written to ")[1].strip()).read_text(errors="replace")


async def open_sheet(app: CodadeskApp, pilot: Pilot[None], wait_until: WaitUntil) -> MandateActionsScreen:
    """From the client screen, `m` opens the sheet on all the client's mandates."""
    await wait_until(
        pilot, lambda: isinstance(app.screen, ClientScreen) and app.screen.client is not None, "the client"
    )
    await pilot.press("m")
    await wait_until(pilot, lambda: isinstance(app.screen, MandateActionsScreen), "the action sheet")
    return sheet_of(app)


async def select(pilot: Pilot[None], sheet: MandateActionsScreen, mandate_id: int) -> None:
    """Move the selection with the arrows to `mandate_id`."""
    while sheet.selected is not None and sheet.selected.id != mandate_id:
        before = sheet.selected.id
        await pilot.press("down")
        assert sheet.selected.id != before, f"mandate {mandate_id} is not in the sheet"


async def test_lists_each_mandate_and_dims_what_is_not_available(
    open_app: OpenApp, wait_until: WaitUntil, story: Story
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40)) as pilot:
        sheet = await open_sheet(app, pilot, wait_until)
        listed = "\n".join(str(option.prompt) for option in sheet.query_one("#sheet-mandates").options)  # type: ignore[attr-defined]
        assert "Belfius (GKCCBEBB)  Sent to client · document v1" in listed
        assert "BE71 0961 2345 6769, BE43 0689 9999 9501" in listed

        assert sheet.selected is not None
        assert sheet.selected.id == story.mandate_ids["GKCCBEBB"]
        text = actions_text(sheet)
        assert "This bank accepts no paper mandate" in text, "Belfius: no download, and why"
        assert "Twikey is not configured on this server" in text

        await select(pilot, sheet, story.mandate_ids["KREDBEBB"])
        text = actions_text(sheet)
        assert "This bank does not sign mandates through Twikey" in text
        assert "paper" not in text, "KBC takes paper: download is available"

        await select(pilot, sheet, story.mandate_ids["GEBABEBB"])
        assert "A mandate with a problem cannot be signed" in actions_text(sheet)

        await pilot.press("escape")
        assert isinstance(app.screen, ClientScreen)


async def test_download_writes_the_pdf_in_the_download_folder_and_says_where(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, downloads: Path
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40)) as pilot:
        sheet = await open_sheet(app, pilot, wait_until)
        await select(pilot, sheet, story.mandate_ids["KREDBEBB"])
        await pilot.press("d")
        await wait_until(pilot, lambda: "Saved the PDF to" in outcome_text(sheet), "the download")
        files = files_in(downloads)
        assert len(files) == 1
        assert files[0].read_bytes().startswith(b"%PDF-")
        assert str(files[0]) in outcome_text(sheet)


async def test_an_unavailable_action_says_why_and_does_nothing(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, downloads: Path
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        sheet = await open_sheet(app, pilot, wait_until)
        await pilot.press("d", "t")
        notices = [str(n.message) for n in app._notifications]
        assert any("This bank accepts no paper mandate" in n for n in notices)
        assert any("Twikey is not configured on this server" in n for n in notices)
        assert files_in(downloads) == []
        assert outcome_text(sheet) == ""


async def test_archive_asks_first_then_archives(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40)) as pilot:
        sheet = await open_sheet(app, pilot, wait_until)
        mandate_id = story.mandate_ids["GEBABEBB"]
        await select(pilot, sheet, mandate_id)
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        assert "BNP Paribas Fortis" in app.screen.question
        await pilot.press("n")
        assert app.screen is sheet
        assert (await api.mandate(mandate_id)).status == "problem", "no means nothing happens"

        await pilot.press("a")
        await pilot.press("y")
        await wait_until(pilot, lambda: outcome_text(sheet) == "Archived", "the archive")
        assert (await api.mandate(mandate_id)).status == "archived"
        assert sheet.selected is not None
        assert sheet.selected.status == "archived", "the sheet shows the mandate as it is now"
        assert "The mandate is archived" in actions_text(sheet)


async def test_resend_shows_the_message_id_then_where_the_eml_was_written(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, server_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MandateActionsScreen, "DELIVERY_CHECK_DELAY", 0.05)
    monkeypatch.setattr(MandateActionsScreen, "DELIVERY_CHECKS", 200)
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40)) as pilot:
        sheet = await open_sheet(app, pilot, wait_until)
        await select(pilot, sheet, story.mandate_ids["KREDBEBB"])
        await pilot.press("r")
        await wait_until(pilot, lambda: "Queued e-mail" in outcome_text(sheet), "the resend")
        assert sheet.selected is not None
        assert sheet.selected.status == "sent_to_client"
        delivery = sheet.selected.delivery
        assert delivery is not None
        assert delivery.message_id in outcome_text(sheet)

        deliver_outbox(server_app)  # the mail worker's round, with no SMTP server: an .eml file
        await wait_until(pilot, lambda: ".eml" in outcome_text(sheet), "the outbox file")
        assert "Message-ID" in eml_file(outcome_text(sheet))


async def test_a_failed_action_is_never_shown_as_done(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, transport: SwitchableTransport, downloads: Path
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        sheet = await open_sheet(app, pilot, wait_until)
        await select(pilot, sheet, story.mandate_ids["KREDBEBB"])
        transport.offline = True
        await pilot.press("d")
        await wait_until(pilot, lambda: "does not answer" in outcome_text(sheet), "the failure")
        assert "Saved" not in outcome_text(sheet)
        assert files_in(downloads) == []
        await pilot.press("r")
        await wait_until(pilot, lambda: sheet.busy is None, "the second failure")
        assert sheet.selected is not None
        assert sheet.selected.status == "available_online"
        assert "Queued" not in outcome_text(sheet)


class TestWithTwikey:
    @pytest.fixture
    def twikey(self) -> FakeTwikey:
        return FakeTwikey()

    async def test_sign_shows_the_link_and_copies_it(
        self, open_app: OpenApp, wait_until: WaitUntil, story: Story, twikey: FakeTwikey
    ) -> None:
        app = open_app(lambda: ClientScreen(story.client_id))
        async with app.run_test(size=(120, 40)) as pilot:
            sheet = await open_sheet(app, pilot, wait_until)
            assert sheet.selected is not None
            assert sheet.selected.bank.bic == "GKCCBEBB"
            await pilot.press("t")
            await wait_until(pilot, lambda: "Signing link" in outcome_text(sheet), "the Twikey link")
            assert "https://sign.twikey.test/acme/k0001" in outcome_text(sheet)
            assert app.clipboard == "https://sign.twikey.test/acme/k0001"
            assert twikey.invites[0]["companyName"] == "Acme NV"


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


async def test_save_then_each_action_on_the_impacted_mandates(
    open_app: OpenApp,
    wait_until: WaitUntil,
    story: Story,
    api: ApiClient,
    downloads: Path,
    server_app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole path: a printed field changes, the sheet opens on the re-presented mandates, each action works."""
    monkeypatch.setattr(ClientScreen, "CHECK_DELAY", 0.05)
    monkeypatch.setattr(MandateActionsScreen, "DELIVERY_CHECK_DELAY", 0.05)
    monkeypatch.setattr(MandateActionsScreen, "DELIVERY_CHECKS", 200)
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen) and app.screen.editing, "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        screen.form.field("street").query_one(Input).value = "Veldstraat 12"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, MandateActionsScreen), "the sheet after the save")
        sheet = sheet_of(app)
        assert "Mandates to present again: Acme NV" in str(sheet.query_one("#sheet-title").visual)
        assert [m.document_version for m in sheet.mandates] == [2, 2, 2]

        await select(pilot, sheet, story.mandate_ids["KREDBEBB"])
        await pilot.press("d")
        await wait_until(pilot, lambda: "Saved the PDF to" in outcome_text(sheet), "the download")
        (pdf,) = files_in(downloads)
        assert "Veldstraat 12" in pdf_text(pdf), "the document is built from the data just saved"

        await pilot.press("r")
        await wait_until(pilot, lambda: "Queued e-mail" in outcome_text(sheet), "the resend")
        deliver_outbox(server_app)
        await wait_until(pilot, lambda: ".eml" in outcome_text(sheet), "the outbox file")

        await select(pilot, sheet, story.mandate_ids["GEBABEBB"])
        await pilot.press("a", "y")
        await wait_until(pilot, lambda: outcome_text(sheet) == "Archived", "the archive")

        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen and not screen.editing, "the client again")
    client = await api.get_client(story.client_id)
    statuses = {m.id: m.status for m in client.mandates}
    assert statuses[story.mandate_ids["KREDBEBB"]] == "sent_to_client"
    assert statuses[story.mandate_ids["GEBABEBB"]] == "archived"
    assert client.street == "Veldstraat 12"


async def test_a_remapped_key_is_used_and_shown(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, downloads: Path
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id), config=Config(keymap={"mandates.download": "ctrl+d"}))
    async with app.run_test(size=(120, 40)) as pilot:
        sheet = await open_sheet(app, pilot, wait_until)
        await select(pilot, sheet, story.mandate_ids["KREDBEBB"])
        assert "^d" in actions_text(sheet)
        await pilot.press("d")
        await pilot.pause()
        assert outcome_text(sheet) == "", "the old key does nothing"
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: "Saved the PDF to" in outcome_text(sheet), "the download")


async def test_words_follow_the_language_setting(open_app: OpenApp, wait_until: WaitUntil, story: Story) -> None:
    app = open_app(lambda: ClientScreen(story.client_id), config=Config(language="nl"))
    async with app.run_test(size=(120, 40)) as pilot:
        sheet = await open_sheet(app, pilot, wait_until)
        listed = "\n".join(str(option.prompt) for option in sheet.query_one("#sheet-mandates").options)  # type: ignore[attr-defined]
        assert "Verzonden naar klant" in listed
        assert "Online beschikbaar" in listed
        text = actions_text(sheet)
        assert "Downloaden" in text
        assert "Deze bank" in text, "the server's reason, in the language asked for"
