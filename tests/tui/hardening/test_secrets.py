"""The token stays secret: refused in a file others may read (every group and other bit, the config's token file
and the demo's), and a canary token never shows on any screen of a tour through the app, in a notice, in a log
line, in the traceback Textual prints when a worker crashes, or in a draft (`test_drafts.py`).

What exists elsewhere: `tests/tui/list/test_config.py` (0644 token file and 0640 config refused by name, files
written 0600, `codadesk --server` refuses before starting), `tests/api_client/test_redaction.py` (the client's
repr, errors and log lines), `tests/api_client/test_embedded.py` (the demo's token file 0600, 0644 refused)."""

from __future__ import annotations

import io
import logging
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from rich.console import Console
from sqlalchemy import select, update
from textual.command import CommandPalette
from textual.worker import WorkerFailed

from server.auth import hash_token
from server.db import Database
from server.demo import DemoAccount
from server.models import ApiToken, User
from tests.tui.client.conftest import Story
from tests.tui.conftest import ApiFactory, WaitUntil
from tests.tui.hardening.conftest import HeldTransport, OpenApp, drawn_text
from tui.__main__ import main
from tui.config import Config, ConfigError, resolve_token
from tui.drafts import Draft, DraftKey, DraftStore
from tui.embedded import open_embedded_client
from tui.screens.client import ClientScreen
from tui.screens.client_list import ClientListScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.mandate_actions import MandateActionsScreen
from tui.screens.restore_draft import RestoreDraftScreen
from tui.widgets.client_table import ClientTable

CANARY = "cdk_CANARY-5e1f-never-on-screen-or-in-a-log"
SERVER = "http://codadesk.test/api/v1"


@pytest.mark.parametrize("bit", [0o040, 0o020, 0o010, 0o004, 0o002, 0o001])
def test_a_token_file_with_any_group_or_other_permission_is_refused(tmp_path: Path, bit: int) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(CANARY, encoding="utf-8")
    token_file.chmod(0o600 | bit)
    with pytest.raises(ConfigError, match="other users can read it") as refused:
        resolve_token(Config(token_file=token_file), {})
    assert CANARY not in str(refused.value)
    token_file.chmod(0o400)  # read-only for its owner: fine
    assert resolve_token(Config(token_file=token_file), {}) == CANARY


def test_codadesk_refuses_a_demo_token_file_others_can_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"

    async def first_start() -> None:
        async with await open_embedded_client(data_dir=data_dir, demo_size=3):
            pass

    anyio.run(first_start)
    token_file = data_dir / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600, "written owner-only"
    token = token_file.read_text(encoding="utf-8").strip()
    token_file.chmod(0o644)
    monkeypatch.setenv("CODADESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CODADESK_TOKEN", raising=False)
    assert main(["--data-dir", str(data_dir)]) == 2
    error = " ".join(capsys.readouterr().err.split())  # the message is wrapped to the terminal's width
    assert f"{token_file} can be read by other users" in error
    assert f"chmod 600 {token_file}" in error
    assert token not in error


# --- a canary token through the app -----------------------------------------------------------------------


@pytest.fixture
def canary_api(make_api: ApiFactory, story: Story, demo_database: Database) -> Any:
    """A client of the server whose token is the canary (a real token of the story firm's user)."""
    with demo_database.write() as session:
        user = session.scalars(select(User).where(User.firm_id == story.firm_id)).one()
        session.add(ApiToken(user_id=user.id, token_hash=hash_token(CANARY), label="canary"))
    return make_api(DemoAccount(story.firm_id, "Fiduciaire Peeters", "service", "marie@peeters.example", CANARY))


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record of every logger, from DEBUG up (httpx and httpcore describe each request there)."""
    with caplog.at_level(logging.DEBUG):
        yield caplog


@pytest.mark.anyio
async def test_a_canary_token_never_shows_on_any_screen_nor_in_a_log_line(
    open_app: OpenApp,
    wait_until: WaitUntil,
    story: Story,
    canary_api: Any,
    transport: HeldTransport,
    demo_database: Database,
    tmp_path: Path,
    every_log: pytest.LogCaptureFixture,
) -> None:
    drafts = DraftStore.in_data_dir(tmp_path / "data")
    newcomer = Draft(
        firm_id=story.firm_id,
        client_id=story.newcomer_id,
        client_code="NIEUW",
        client_name="Nieuwkomer BV",
        base_version=1,
        base={"city": "Bruxelles"},
        changes={"city": "Brussel"},
        saved_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
    )
    drafts.write(DraftKey(SERVER, story.firm_id, story.newcomer_id), newcomer)
    app = open_app(drafts=drafts, api=canary_api)
    seen: list[str] = []

    async def look(what: str) -> None:
        await pilot.pause()
        text = drawn_text(app)
        seen.append(what)
        assert CANARY not in text, f"the token is on screen: {what}"
        assert "Bearer" not in text, f"an Authorization header is on screen: {what}"
        assert CANARY not in f"{app.title} {app.sub_title}"

    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, RestoreDraftScreen) and bool(app.screen.query("#draft-question")),
            "the offer of a draft",
        )
        await look("the offer of a draft")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientListScreen), "the list")
        await look("the list")
        await pilot.press("slash")
        await pilot.press(*"acme")
        table = app.screen.query_one(ClientTable)
        await wait_until(pilot, lambda: table.window.query.text == "acme" and table.window.row_count == 1, "Acme")
        await look("a search")
        await pilot.press("enter", "enter")  # back to the table, then open the client
        await wait_until(pilot, lambda: isinstance(app.screen, ClientScreen) and app.screen.history is not None, "Acme")
        screen = client_screen(app)
        await look("the client")
        await pilot.press("e")
        await wait_until(pilot, lambda: screen.editing, "the form")
        assert screen.form is not None
        screen.form.field("city").set_value("Gentbrugge")
        await wait_until(pilot, lambda: bool(screen.form and screen.form.field("city").messages), "the warnings")
        await look("the form with warnings")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await look("the drop question")
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is screen and not screen.editing, "the client")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MandateActionsScreen), "the sheet")
        await look("the action sheet")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the archive question")
        await look("the archive question")
        await pilot.press("n", "escape")
        await wait_until(pilot, lambda: app.screen is screen, "the client")
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await look("help")
        await pilot.press("escape", "ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await look("the palette")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "the client")
        transport.offline = True
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: any("answer" in str(n.message) for n in app._notifications), "offline")
        await look("the offline notice")
        transport.offline = False
        with demo_database.write() as session:  # the token is revoked: the server refuses it (401)
            canary_row = ApiToken.token_hash == hash_token(CANARY)
            session.execute(update(ApiToken).where(canary_row).values(revoked_at=datetime.now(UTC)))
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(app._notifications) >= 2, "the refusal")
        await look("the refused token")
    assert len(seen) == 12
    assert transport.requests, "the tour went through the server"
    assert all(request.headers["Authorization"] == f"Bearer {CANARY}" for request in transport.requests)
    logged = "\n".join(f"{record.name} {record.getMessage()} {record.args!r}" for record in every_log.records)
    assert any(record.name == "httpx" for record in every_log.records), "each request was logged"
    assert CANARY not in logged
    assert CANARY not in every_log.text


def client_screen(app: Any) -> ClientScreen:
    screen = app.screen
    assert isinstance(screen, ClientScreen)
    return screen


class Exploding(HeldTransport):
    """The in-process server; with `explode`, reading a client's history raises an error no one expects."""

    explode = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.explode and request.url.path.endswith("/history"):
            raise RuntimeError("a bug below the client")
        return await super().handle_async_request(request)


@pytest.fixture
def transport(server_app: FastAPI) -> Exploding:
    return Exploding(server_app)


@pytest.mark.anyio
async def test_a_crash_in_a_worker_prints_a_traceback_without_the_token(
    open_app: OpenApp, wait_until: WaitUntil, story: Story, canary_api: Any, transport: Exploding
) -> None:
    transport.explode = True
    app = open_app(lambda: ClientScreen(story.client_id), api=canary_api)
    printed = io.StringIO()
    app.error_console = Console(file=printed, width=200, force_terminal=False, color_system=None)
    with pytest.raises(WorkerFailed, match="a bug below the client"):
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: not app.is_running, "the crash")
    traceback = printed.getvalue()
    assert "RuntimeError: a bug below the client" in traceback
    assert "locals" in traceback.lower() or "│" in traceback, "Textual's traceback shows each frame's locals"
    assert "client_history" in traceback, "the frames of the request are in it"
    assert CANARY not in traceback
    assert "Bearer" not in traceback
