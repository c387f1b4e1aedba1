"""The client screen against the real server: what a user sees, and each step of editing a client."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Input, RadioSet

from api_client import Client as ApiClient
from server.db import Database
from server.models import Client
from tests.tui.client.conftest import OpenApp, Story
from tests.tui.conftest import SwitchableTransport, WaitUntil
from tui.commands import screen_commands
from tui.config import Config
from tui.screens.client import ClientScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.mandate_actions import MandateActionsScreen
from tui.widgets.client_details import ClientDetails
from tui.widgets.history_list import HistoryList
from tui.widgets.mandate_summary import MandateList

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The debounce stays (a newer keystroke still cancels an older check), just shorter than a human pause."""
    monkeypatch.setattr(ClientScreen, "CHECK_DELAY", 0.05)


def screen_text(screen: ClientScreen) -> str:
    parts = [
        str(screen.query_one("#client-title").visual),
        str(screen.query_one(ClientDetails).visual),
        str(screen.query_one(MandateList).visual),
        str(screen.query_one(HistoryList).visual),
    ]
    return "\n".join(parts)


def loaded(app: object) -> bool:
    screen = getattr(app, "screen", None)
    return isinstance(screen, ClientScreen) and screen.client is not None and screen.history is not None


def editing(app: object) -> bool:
    return loaded(app) and getattr(app, "screen").editing  # noqa: B009


def typed(screen: ClientScreen, field: str) -> Input:
    form = screen.form
    assert form is not None
    return form.field(field).query_one(Input)


async def test_shows_every_field_mandate_and_history(open_app: OpenApp, wait_until: WaitUntil, story: Story) -> None:
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: loaded(app), "the client")
        text = screen_text(app.screen)  # type: ignore[arg-type]
        for expected in (
            "Acme NV",
            "ACME-01",
            "0403.019.261",
            "The enterprise number cannot be changed",
            "boekhouding@acme.example",
            "Dutch",
            "Kerkstraat 1",
            "9000",
            "Gent",
            "An Peeters",
            "Zaakvoerder",
            "+32 9 123 45 67",
            "/data/coda/ACME-01/CODA",
            "Belfius (GKCCBEBB)",
            "Sent to client",
            "KBC (KREDBEBB)",
            "Available online",
            "BE71 0961 2345 6769, BE43 0689 9999 9501",
            "Problem",
            "Active",
            "document v1",
            "Marie Dubois",
            "City: Brussel → Gent",
            "E-mail: — → boekhouding@acme.example",
        ):
            assert expected in text, expected
        history = str(app.screen.query_one(HistoryList).visual)
        assert history.index("2026-01-04 17:05") < history.index("2026-01-03 15:30"), "newest first, local time"


async def test_statuses_and_labels_follow_the_language_setting(
    api: ApiClient, open_app: OpenApp, wait_until: WaitUntil, story: Story
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id), config=Config(language="fr"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: loaded(app), "the client")
        text = screen_text(app.screen)  # type: ignore[arg-type]
        assert "Envoyé au client" in text
        assert "Dispo. en ligne" in text
        assert "Problème" in text
        assert "Numéro d'entreprise" in text


async def test_l1_enterprise_number_set_its_input_is_disabled_and_says_why(
    open_app: OpenApp, wait_until: WaitUntil, story: Story
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: loaded(app), "the client")
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        number = screen.form.field("enterprise_number")
        assert number.locked
        assert number.query_one(Input).disabled
        assert number.query_one(Input).value == "0403.019.261"
        assert "The enterprise number cannot be changed" in number.messages
        assert not screen.form.field("company_name").locked
        assert screen.focused is typed(screen, "client_code"), "the first editable input has the focus"


async def test_l2_no_enterprise_number_the_name_is_disabled_and_says_why(
    open_app: OpenApp, wait_until: WaitUntil, story: Story
) -> None:
    app = open_app(lambda: ClientScreen(story.newcomer_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        name = screen.form.field("company_name")
        assert name.locked
        assert name.query_one(Input).disabled
        assert "Enter the enterprise number first" in name.messages
        assert not screen.form.field("enterprise_number").locked


async def test_warnings_appear_under_their_field_while_typing(
    open_app: OpenApp, wait_until: WaitUntil, story: Story
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        form = screen.form
        await pilot.press("end", "-", "B")
        await wait_until(pilot, lambda: "ACME-01-B" in form.field("client_code").messages, "the folder warning")
        code_messages = form.field("client_code").messages
        assert "/data/coda/ACME-01/CODA" in code_messages
        assert "/data/coda/ACME-01-B/CODA" in code_messages

        typed(screen, "street").focus()
        await pilot.press("end", "b", "i", "s")
        await wait_until(pilot, lambda: "3 unsigned" in form.field("street").messages, "the mandates warning")
        assert "/data/coda/ACME-01-B/CODA" in form.field("client_code").messages, "earlier warnings stay"


async def test_a_bad_value_shows_its_error_under_the_field_and_keeps_the_text(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        form = screen.form
        postal = typed(screen, "postal_code")
        postal.focus()
        postal.value = ""
        await pilot.press("9", "9")
        await wait_until(pilot, lambda: bool(form.field("postal_code").errors), "the check's error")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.busy, "the save's answer")
        assert form.field("postal_code").errors, "the save's 422 is shown under the field"
        assert postal.value == "99", "what was typed is kept"
        assert screen.editing
        assert (await api.get_client(story.client_id)).postal_code == "9000", "nothing was saved"


async def test_a_taken_client_code_shows_the_duplicate_under_the_field(
    open_app: OpenApp, wait_until: WaitUntil, story: Story
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        code = typed(screen, "client_code")
        code.value = "NIEUW"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(screen.form and screen.form.field("client_code").errors), "409")
        assert code.value == "NIEUW"
        assert screen.editing


async def test_save_opens_the_sheet_on_the_impacted_mandates(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        street = typed(screen, "street")
        street.value = "Kerkstraat 2"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, MandateActionsScreen), "the action sheet")
        sheet = app.screen
        assert isinstance(sheet, MandateActionsScreen)
        assert {m.bank.bic for m in sheet.mandates} == {"GKCCBEBB", "KREDBEBB", "GEBABEBB"}
        assert all(m.document_version == 2 and m.needs_representation for m in sheet.mandates)
        assert (await api.get_client(story.client_id)).street == "Kerkstraat 2"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen and not screen.editing, "back on the client")
        await wait_until(pilot, lambda: "Kerkstraat 2" in screen_text(screen), "the saved value")
        await wait_until(pilot, lambda: "Street: Kerkstraat 1 → Kerkstraat 2" in screen_text(screen), "history")


async def test_escape_asks_before_dropping_changes(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        await pilot.press("end", "X")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.screen is screen
        assert screen.editing
        assert typed(screen, "client_code").value == "ACME-01X", "keeping on editing keeps the text"
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: not screen.editing, "the form to close")
        assert "ACME-01X" not in screen_text(screen)
        assert (await api.get_client(story.client_id)).client_code == "ACME-01"
        await pilot.press("escape")
        assert app.screen is not screen, "escape without changes leaves the screen"


async def test_a_conflict_shows_theirs_and_yours_and_saves_the_merge(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        form = screen.form
        typed(screen, "city").value = "Gent-Centrum"
        typed(screen, "street").value = "Veldstraat 9"
        typed(screen, "phone").value = "+32 9 000 00 00"

        # Someone else saves the same client meanwhile: city and phone differently, the e-mail too.
        behind = await api.get_client(story.client_id)
        await api.update_client(
            story.client_id,
            {"city": "Gentbrugge", "phone": "+32 9 999 99 99", "email": "info@acme.example"},
            version=behind.version,
        )

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(form.field("city").conflict), "the conflict")
        assert screen.query_one("#client-conflict").display
        city, phone = form.field("city").conflict, form.field("phone").conflict
        assert city is not None
        assert phone is not None
        assert (city.theirs, city.yours) == ("Gentbrugge", "Gent-Centrum")
        assert form.field("street").conflict is None, "only they or only I changed it: no question"
        assert typed(screen, "email").value == "info@acme.example", "their change to an untouched field is taken"
        assert typed(screen, "street").value == "Veldstraat 9", "my change to a field they left is kept"
        assert isinstance(screen.focused, RadioSet), "the first choice has the focus"

        phone.pick(mine=False)  # keep theirs for the phone, mine (the default) for the city
        await pilot.pause()
        assert typed(screen, "phone").value == "+32 9 999 99 99"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.editing, "the merged save")

    saved = await api.get_client(story.client_id)
    assert (saved.city, saved.street, saved.phone, saved.email) == (
        "Gent-Centrum",
        "Veldstraat 9",
        "+32 9 999 99 99",
        "info@acme.example",
    )
    assert saved.version == behind.version + 2


async def test_after_a_conflict_reload_drops_what_was_typed_after_asking(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        typed(screen, "city").value = "Gent-Centrum"
        behind = await api.get_client(story.client_id)
        await api.update_client(story.client_id, {"city": "Gentbrugge"}, version=behind.version)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(screen.form and screen.form.field("city").conflict), "conflict")
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: editing(app) and typed(screen, "city").value == "Gentbrugge",
            "the reloaded form",
        )
        assert screen.form is not None
        assert not screen.form.dirty
        assert screen.form.field("city").conflict is None


HOSTILE = (
    "ACME [/bold] [link=https://evil.example]NV[/link] [@click=app.quit]x[/] \x1b[31mred\x1b]52;c;?\x07 \u202egnp.exe"
)


async def test_hostile_text_is_shown_literally_and_never_reaches_the_terminal(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, demo_database: Database
) -> None:
    with demo_database.write() as session:
        client = session.get(Client, story.client_id)
        assert client is not None
        client.company_name = HOSTILE
        client.street = HOSTILE
        client.representative_name = "[b]An[/b] \x9b6n Peeters"
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: loaded(app), "the client")
        text = screen_text(app.screen)  # type: ignore[arg-type]
        assert "ACME [/bold] [link=https://evil.example]NV[/link] [@click=app.quit]x[/]" in text
        assert "[b]An[/b]" in text
        for unsafe in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert unsafe not in text
        await pilot.press("e")
        await wait_until(pilot, lambda: editing(app), "the form")
        street = typed(app.screen, "street")  # type: ignore[arg-type]
        assert "[link=https://evil.example]" in street.value
        assert "\x1b" not in street.value
        assert app.screen.form is not None  # type: ignore[attr-defined]
        assert not app.screen.form.dirty, "cleaning what is shown is not a change"  # type: ignore[attr-defined]
        await pilot.press("m")  # typed into the client code: the app is alive and nothing was clicked
        assert app.is_running


async def test_saving_offline_keeps_the_form_and_says_so(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, transport: SwitchableTransport
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        typed(screen, "city").value = "Gentbrugge"
        transport.offline = True
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: any("does not answer" in str(n.message) for n in app._notifications), "notice")
        assert screen.editing
        assert typed(screen, "city").value == "Gentbrugge"
        assert not any(str(n.message) == "Saved" for n in app._notifications)
        transport.offline = False
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.editing, "the save once back online")


async def test_reload_while_editing_without_changes_takes_the_new_version(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        behind = await api.get_client(story.client_id)
        await api.update_client(story.client_id, {"city": "Gentbrugge"}, version=behind.version)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: editing(app) and typed(screen, "city").value == "Gentbrugge", "new data")
        typed(screen, "street").value = "Veldstraat 1"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.editing, "a save without conflict")
    assert (await api.get_client(story.client_id)).street == "Veldstraat 1"


async def test_keys_have_ids_and_words_for_help_and_the_palette(
    open_app: OpenApp, wait_until: WaitUntil, story: Story
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: loaded(app), "the client")
        screen = app.screen
        titles = {command.title: command.help for command in screen_commands(screen)}
        assert titles["client: edit"] == "Edit this client's data"
        assert "client: mandates" in titles
        assert "client: save" not in titles, "nothing to save outside the form"
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "e")
        await wait_until(pilot, lambda: editing(app), "the form")
        titles = {command.title: command.help for command in screen_commands(app.screen)}
        assert "client: save" in titles
        assert "client: edit" not in titles


async def test_a_conflict_on_a_field_now_locked_keeps_theirs_and_unlocks_the_name(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.newcomer_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        form = screen.form
        typed(screen, "enterprise_number").value = "0417497106"
        behind = await api.get_client(story.newcomer_id)
        await api.update_client(story.newcomer_id, {"enterprise_number": "0202239951"}, version=behind.version)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.field("enterprise_number").conflict is not None, "the conflict")
        number = form.field("enterprise_number")
        choice = number.conflict
        assert choice is not None
        assert (choice.theirs, choice.yours) == ("0202.239.951", "0417497106"), "what was typed stays visible"
        assert choice.disabled
        assert number.locked
        assert typed(screen, "enterprise_number").value == "0202.239.951"
        assert "The enterprise number cannot be changed" in number.messages
        assert not form.field("company_name").locked, "their number unlocked the name (L2 no longer holds)"


async def test_checks_wait_for_quiet_typing_and_the_newest_keystroke_wins(
    open_app: OpenApp,
    wait_until: WaitUntil,
    story: Story,
    transport: SwitchableTransport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quiet = asyncio.Event()

    async def until_quiet(_seconds: float) -> None:
        await quiet.wait()

    monkeypatch.setattr(ClientScreen, "typing_pause", staticmethod(until_quiet))
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        code = screen.form.field("client_code")
        await pilot.press("end", "-", "N", "E", "W")
        checks = [r for r in transport.requests if r.url.path.endswith("/check")]
        assert checks == [], "no check while the user is typing"
        quiet.set()
        await wait_until(pilot, lambda: "ACME-01-NEW/CODA" in code.messages, "the newest check")
        checks = [r for r in transport.requests if r.url.path.endswith("/check")]
        assert len(checks) == 1, "the older keystrokes' checks were cancelled"
        assert b"ACME-01-NEW" in checks[0].content


async def test_the_language_is_picked_with_the_arrows_and_warned_about(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        assert screen.form is not None
        language = screen.form.field("language")
        language.focus_input()
        await pilot.press("right")
        await wait_until(pilot, lambda: "German instead of Dutch" in language.messages, "the language warning")
        await pilot.press("left", "left")
        await wait_until(pilot, lambda: "French instead of Dutch" in language.messages, "the newest pick's warning")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.editing, "the save")
    assert (await api.get_client(story.client_id)).language == "fr"
