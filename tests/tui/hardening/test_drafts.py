"""Drafts: what is typed on the client screen is on disk a moment after the last keystroke, offered back at the
next start, and gone once saved or dropped. The real app, the real server in-process, a real drafts folder."""

from __future__ import annotations

import json
import stat
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input

from api_client import Client as ApiClient
from server.auth import hash_token
from server.db import Database
from server.demo import DemoAccount
from server.models import ApiToken, User
from tests.tui.client.conftest import Story
from tests.tui.conftest import ApiFactory, WaitUntil
from tests.tui.hardening.conftest import OpenApp
from tui.drafts import Draft, DraftKeeper, DraftKey, DraftStore, server_folder_name
from tui.messages import MeLoaded
from tui.screens.client import ClientScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.restore_draft import RestoreDraftScreen

pytestmark = pytest.mark.anyio

CANARY = "cdk_CANARY-d7a1-never-in-a-draft"


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorter pauses than a human's, same order of events: checks after 50 ms, drafts after 200 ms of quiet."""
    monkeypatch.setattr(ClientScreen, "CHECK_DELAY", 0.05)
    monkeypatch.setattr(DraftKeeper, "DELAY", 0.2)


def draft_files(store: DraftStore) -> list[Path]:
    return sorted(store.folder.rglob("*.json")) if store.folder.exists() else []


def editing(app: Any) -> bool:
    screen = app.screen
    return isinstance(screen, ClientScreen) and screen.editing and screen.client is not None


def offered(app: Any, client_name: str = "") -> bool:
    """A draft's offer is on screen, composed (pushed is not enough: its text is not there yet)."""
    screen = app.screen
    return (
        isinstance(screen, RestoreDraftScreen) and bool(screen.query("#draft-question")) and client_name in screen.text
    )


def field_input(app: Any, field: str) -> Input:
    screen = app.screen
    assert isinstance(screen, ClientScreen)
    assert screen.form is not None
    return screen.form.field(field).query_one(Input)


async def type_into(pilot: Pilot[Any], field: str, text: str) -> None:
    """Put the cursor at the end of `field` and type `text`, key by key."""
    field_input(pilot.app, field).focus()
    await pilot.press("end", *text)


async def test_a_draft_is_written_a_moment_after_the_last_keystroke(
    open_app: OpenApp,
    wait_until: WaitUntil,
    story: Story,
    drafts: DraftStore,
    api: ApiClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(DraftKeeper, "DELAY", 0.5)  # the real pause
    keystrokes: list[float] = []
    written: list[float] = []
    typed, write = DraftKeeper.typed, drafts.write

    def keystroke(keeper: DraftKeeper) -> None:
        keystrokes.append(time.monotonic())
        typed(keeper)

    def timed(key: DraftKey, draft: Draft, generation: int | None = None) -> bool:
        done = write(key, draft, generation)
        written.append(time.monotonic())
        return done

    monkeypatch.setattr(DraftKeeper, "typed", keystroke)
    drafts.write = timed  # type: ignore[method-assign]
    app = open_app(lambda: ClientScreen(story.client_id, edit=True), drafts=drafts)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        await type_into(pilot, "city", "brugge")
        await type_into(pilot, "street", " bus 2")

        def has_everything() -> bool:
            files = draft_files(drafts)
            return bool(files) and "bus 2" in files[0].read_text(encoding="utf-8")

        await wait_until(pilot, has_everything, "the draft of the last keystroke")
        await wait_until(pilot, lambda: not app.screen.drafts.pending, "the pause")  # type: ignore[attr-defined]
    after = min(done for done in written if done > keystrokes[-1]) - keystrokes[-1]
    print(f"draft on disk {after * 1000:.0f} ms after the last keystroke (pause {DraftKeeper.DELAY} s)")
    (path,) = draft_files(drafts)
    client = await api.get_client(story.client_id)
    assert path == drafts.folder / server_folder_name("http://codadesk.test/api/v1") / str(story.firm_id) / (
        f"{story.client_id}.json"
    )
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["base_version"] == client.version
    assert saved["changes"] == {"street": "Kerkstraat 1 bus 2", "city": "Gentbrugge"}
    assert saved["base"] == {"street": "Kerkstraat 1", "city": "Gent"}, "only the fields the user changed"
    assert saved["client_name"] == "Acme NV"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (path.parent, path.parent.parent, drafts.folder):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file left beside it"


async def test_a_successful_save_removes_the_draft(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, drafts: DraftStore, api: ApiClient
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True), drafts=drafts)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        await type_into(pilot, "city", "brugge")
        await wait_until(pilot, lambda: bool(draft_files(drafts)), "the draft")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.editing, "the save")
        assert draft_files(drafts) == []
    assert (await api.get_client(story.client_id)).city == "Gentbrugge"


async def test_dropping_the_changes_removes_the_draft_and_keeping_them_does_not(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, drafts: DraftStore
) -> None:
    app = open_app(lambda: ClientScreen(story.client_id, edit=True), drafts=drafts)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        await type_into(pilot, "city", "brugge")
        await wait_until(pilot, lambda: bool(draft_files(drafts)), "the draft")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("n")  # keep editing
        await wait_until(pilot, lambda: editing(app), "the form again")
        assert len(draft_files(drafts)) == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")  # drop them
        await wait_until(pilot, lambda: not editing(app), "the record")
        assert draft_files(drafts) == []


async def test_no_draft_per_keystroke_and_quitting_right_after_one_keeps_it(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, drafts: DraftStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DraftKeeper, "DELAY", 30.0)  # the typing never pauses long enough before the quit
    writes: list[Draft] = []
    write = drafts.write

    def counted(key: DraftKey, draft: Draft, generation: int | None = None) -> bool:
        writes.append(draft)
        return write(key, draft, generation)

    drafts.write = counted  # type: ignore[method-assign]
    app = open_app(lambda: ClientScreen(story.client_id, edit=True), drafts=drafts)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        await type_into(pilot, "city", "brugge")
        assert writes == [], "six keystrokes, no pause: nothing written yet"
        await pilot.press("ctrl+q")
    assert len(writes) == 1, "the quit wrote the keystrokes still waiting for their pause"
    (path,) = draft_files(drafts)
    assert json.loads(path.read_text(encoding="utf-8"))["changes"] == {"city": "Gentbrugge"}


async def test_at_start_the_draft_is_offered_and_restored_in_edit_mode(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, drafts: DraftStore, api: ApiClient
) -> None:
    first = open_app(lambda: ClientScreen(story.client_id, edit=True), drafts=drafts)
    async with first.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(first), "the form")
        await type_into(pilot, "city", "brugge")
        await type_into(pilot, "representative_function", "ster")
        await wait_until(pilot, lambda: bool(draft_files(drafts)), "the draft")
        first.exit()  # as good as a crash for the draft: the pty test kills a real codadesk
    app = open_app(drafts=drafts)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: offered(app), "the offer")
        offer = app.screen
        assert isinstance(offer, RestoreDraftScreen)
        assert "An unsaved edit of Acme NV (ACME-01) from " in offer.text
        assert "City: Gent → Gentbrugge" in offer.text
        await pilot.press("r")
        await wait_until(pilot, lambda: editing(app), "the form, restored")
        assert field_input(app, "city").value == "Gentbrugge"
        assert field_input(app, "representative_function").value == "Zaakvoerderster"
        assert app.screen.form.changes() == {  # type: ignore[attr-defined]
            "city": "Gentbrugge",
            "representative_function": "Zaakvoerderster",
        }
        assert not app.screen.query_one("#client-conflict").display, "same version: no conflict to show"
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.editing, "the save")
        assert draft_files(drafts) == []
    saved = await api.get_client(story.client_id)
    assert (saved.city, saved.representative_function) == ("Gentbrugge", "Zaakvoerderster")


async def test_an_edit_of_this_run_is_not_offered_back_when_the_firm_arrives_late(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, drafts: DraftStore
) -> None:
    """On a slow server the user types before `/me` answers: their own draft in progress is no lost edit."""
    app = open_app(lambda: ClientScreen(story.client_id, edit=True), drafts=drafts)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app) and app.me is not None, "the form")
        await type_into(pilot, "city", "brugge")
        await wait_until(pilot, lambda: bool(draft_files(drafts)), "the draft")
        assert app.me is not None
        app.post_message(MeLoaded(app.me))  # the firm, as a late answer would bring it
        await pilot.pause()
        await pilot.pause()
        assert not isinstance(app.screen, RestoreDraftScreen)
        assert editing(app)
        assert field_input(app, "city").value == "Gentbrugge"


async def test_a_draft_of_a_client_changed_since_shows_theirs_and_yours(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, drafts: DraftStore, api: ApiClient
) -> None:
    before = await api.get_client(story.client_id)
    key = DraftKey("http://codadesk.test/api/v1", story.firm_id, story.client_id)
    drafts.write(
        key,
        Draft(
            firm_id=story.firm_id,
            client_id=story.client_id,
            client_code="ACME-01",
            client_name="Acme NV",
            base_version=before.version,
            base={"city": "Gent", "street": "Kerkstraat 1"},
            changes={"city": "Gentbrugge", "street": "Veldstraat 9"},
            saved_at=before.updated_at,
        ),
    )
    # Meanwhile a colleague moved the client to Brussel (a field the draft changed too) and set a phone number.
    await api.update_client(story.client_id, {"city": "Brussel", "postal_code": "1000"}, version=before.version)
    app = open_app(drafts=drafts)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: offered(app), "the offer")
        await pilot.press("r")
        await wait_until(pilot, lambda: editing(app), "the form")
        screen = app.screen
        assert isinstance(screen, ClientScreen)
        form = screen.form
        assert form is not None
        await wait_until(pilot, lambda: form.field("city").conflict is not None, "the choice on the city")
        assert screen.query_one("#client-conflict").display
        choice = form.field("city").conflict
        assert choice is not None
        assert (choice.theirs, choice.yours, choice.keep_mine) == ("Brussel", "Gentbrugge", True)
        assert form.field("street").conflict is None, "only the draft changed the street: kept, no question"
        assert field_input(app, "street").value == "Veldstraat 9"
        assert field_input(app, "postal_code").value == "1000", "only they changed it: theirs"
        choice.pick(mine=False)
        await wait_until(pilot, lambda: field_input(app, "city").value == "Brussel", "theirs picked")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.editing, "the save over the new version")
        assert draft_files(drafts) == []
    saved = await api.get_client(story.client_id)
    assert (saved.city, saved.postal_code, saved.street) == ("Brussel", "1000", "Veldstraat 9")


async def test_discard_removes_a_draft_and_later_keeps_it_for_the_next_start(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, drafts: DraftStore, api: ApiClient
) -> None:
    server = "http://codadesk.test/api/v1"
    for client_id, code, name, hour in (
        (story.client_id, "ACME-01", "Acme NV", 9),
        (story.newcomer_id, "NIEUW", "Nieuwkomer BV", 10),
    ):
        drafts.write(
            DraftKey(server, story.firm_id, client_id),
            Draft.model_validate(
                {
                    "firm_id": story.firm_id,
                    "client_id": client_id,
                    "client_code": code,
                    "client_name": name,
                    "base_version": 1,
                    "base": {"city": "X"},
                    "changes": {"city": "Y"},
                    "saved_at": f"2026-01-05T{hour:02d}:00:00Z",
                }
            ),
        )
    app = open_app(drafts=drafts)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: offered(app), "the first offer")
        assert "Nieuwkomer BV" in app.screen.text, "newest first"  # type: ignore[attr-defined]
        await pilot.press("d")
        await wait_until(
            pilot,
            lambda: offered(app, "Acme NV"),
            "the second offer",
        )
        assert [p.stem for p in draft_files(drafts)] == [str(story.client_id)]
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, RestoreDraftScreen), "the list")
    assert [p.stem for p in draft_files(drafts)] == [str(story.client_id)]


async def test_a_damaged_draft_is_skipped_and_the_app_starts(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, drafts: DraftStore
) -> None:
    folder = drafts.firm_folder("http://codadesk.test/api/v1", story.firm_id)
    folder.mkdir(parents=True)
    (folder / f"{story.client_id}.json").write_text('{"format": 1, "changes": {"token": "x"', encoding="utf-8")
    app = open_app(lambda: ClientScreen(story.client_id), drafts=drafts)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.me is not None and isinstance(app.screen, ClientScreen), "the start")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, RestoreDraftScreen)


async def test_a_draft_never_holds_the_token(
    open_app: OpenApp,
    wait_until: WaitUntil,
    story: Story,
    drafts: DraftStore,
    make_api: ApiFactory,
    demo_database: Database,
) -> None:
    with demo_database.write() as session:
        user = session.scalars(select(User).where(User.firm_id == story.firm_id)).one()
        session.add(ApiToken(user_id=user.id, token_hash=hash_token(CANARY), label="canary"))
    api = make_api(DemoAccount(story.firm_id, "Fiduciaire Peeters", "service", "marie@peeters.example", CANARY))
    app = open_app(lambda: ClientScreen(story.client_id, edit=True), drafts=drafts, api=api)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: editing(app), "the form")
        await type_into(pilot, "city", "brugge")
        await type_into(pilot, "email", ".be")
        await wait_until(pilot, lambda: bool(draft_files(drafts)), "the draft")
        await wait_until(pilot, lambda: not app.screen.drafts.pending, "the last draft")  # type: ignore[attr-defined]
    everything = b"".join(path.read_bytes() for path in drafts.folder.rglob("*") if path.is_file())
    assert b"Gentbrugge" in everything
    assert CANARY.encode() not in everything
    assert b"Bearer" not in everything


def test_an_older_write_never_lands_after_a_newer_one_or_a_removal(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    key = DraftKey("https://codadesk.example", 1, 7)

    def draft(city: str) -> Draft:
        return Draft(
            firm_id=1,
            client_id=7,
            client_code="C",
            client_name="N",
            base_version=1,
            base={"city": "A"},
            changes={"city": city},
            saved_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        )

    older, newer = store.reserve(key), store.reserve(key)
    assert store.write(key, draft("new"), newer)
    assert not store.write(key, draft("old"), older), "the slower, older write is dropped"
    assert store.load(key) == draft("new")
    late = store.reserve(key)
    store.remove(key)
    assert not store.write(key, draft("late"), late), "a write decided before the save does not bring it back"
    assert store.load(key) is None
    assert store.pending("https://codadesk.example", 1) == []
