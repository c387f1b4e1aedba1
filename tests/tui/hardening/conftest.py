"""Real parts for the TUI hardening tests: the story firm of `tests/tui/client`, the app with a drafts folder, a
transport that can hold requests for as long as a test wants, and helpers that read what the app would draw.

    app = open_app(lambda: ClientScreen(story.client_id, edit=True), drafts=drafts)
    async with app.run_test(size=(120, 40)) as pilot: ...
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from fastapi import FastAPI
from rich.segment import Segment
from textual._compositor import LayoutUpdate
from textual.app import App
from textual.screen import Screen

from api_client import Client as ApiClient
from server.db import Database
from server.demo import DemoAccount
from tests.tui.client.conftest import Story, write_story
from tests.tui.conftest import ApiFactory, SwitchableTransport
from tui.app import CodadeskApp
from tui.config import Config
from tui.drafts import DraftStore


class HeldTransport(SwitchableTransport):
    """`SwitchableTransport` plus a hold: while `held`, requests wait (a server answering after 30 s or never)
    until the test calls `time_out()`, which ends each waiting request with the read timeout a client gets."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(app)
        self.held = False
        self.waiting = 0
        """Requests waiting for an answer right now."""
        self._timeout = asyncio.Event()

    def hold(self) -> None:
        self.held = True
        self._timeout = asyncio.Event()

    def time_out(self) -> None:
        """Every held request times out; later requests are answered again."""
        self.held = False
        self._timeout.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.held:
            return await super().handle_async_request(request)
        self.requests.append(request)
        self.waiting += 1
        try:
            await self._timeout.wait()
        finally:
            self.waiting -= 1
        raise httpx.ReadTimeout("no answer within the client's timeout (the test held the request)", request=request)


@pytest.fixture
def transport(server_app: FastAPI) -> HeldTransport:
    return HeldTransport(server_app)


@pytest.fixture
def story(demo_database: Database) -> Story:
    """The client screen's story firm (mode `service`): Acme NV with four mandates and a history, a newcomer."""
    return write_story(demo_database)


@pytest.fixture
def story_account(story: Story) -> DemoAccount:
    return DemoAccount(story.firm_id, "Fiduciaire Peeters", "service", "marie@peeters.example", story.token)


@pytest.fixture
def api(make_api: ApiFactory, story_account: DemoAccount) -> ApiClient:
    """A client of the in-process server as the story firm's user (to set up and check data)."""
    return make_api(story_account)


@pytest.fixture
def drafts(tmp_path: Path) -> DraftStore:
    """An empty drafts folder in this test's data folder."""
    return DraftStore.in_data_dir(tmp_path / "data")


class HardeningApp(CodadeskApp):
    """The real app; `first` is pushed over the client list as it starts."""

    def __init__(
        self,
        api: ApiClient,
        first: Callable[[], Screen[Any]] | None,
        *,
        config: Config | None = None,
        drafts: DraftStore | None = None,
    ) -> None:
        super().__init__(api, config=config or Config(), drafts=drafts)
        self._first = first

    def on_mount(self) -> None:
        # CodadeskApp.on_mount (which pushes the client list) runs after this one: go on top later.
        if self._first is not None:
            first = self._first
            self.call_later(lambda: self.push_screen(first()))


class OpenApp(Protocol):
    def __call__(
        self,
        first: Callable[[], Screen[Any]] | None = None,
        *,
        drafts: DraftStore | None = None,
        api: ApiClient | None = None,
        config: Config | None = None,
    ) -> HardeningApp: ...


@pytest.fixture
def open_app(make_api: ApiFactory, story_account: DemoAccount) -> OpenApp:
    def build(
        first: Callable[[], Screen[Any]] | None = None,
        *,
        drafts: DraftStore | None = None,
        api: ApiClient | None = None,
        config: Config | None = None,
    ) -> HardeningApp:
        return HardeningApp(api or make_api(story_account), first, config=config, drafts=drafts)

    return build


# --- what the app draws --------------------------------------------------------------------------------


def full_update(app: App[Any]) -> LayoutUpdate:
    """Everything the current screen would draw (the screens beneath a modal included), as Textual draws it."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    assert isinstance(update, LayoutUpdate)
    return update


def drawn_segments(app: App[Any]) -> list[Segment]:
    """The styled pieces of text on screen now."""
    return [segment for line in full_update(app).strips for strip in line for segment in strip]


def drawn_text(app: App[Any]) -> str:
    """The screen as the user reads it, line by line."""
    return "\n".join("".join(strip.text for strip in line) for line in full_update(app).strips)


def terminal_output(app: App[Any]) -> str:
    """What the app would write to a terminal to draw the current screen whole: text and escape sequences."""
    return full_update(app).render_segments(app.console)


@dataclass(frozen=True)
class Escape:
    """One escape sequence in terminal output."""

    kind: str
    """`CSI`, `OSC`, `DCS` or `ESC` (a two-byte sequence)."""
    text: str


_SEQUENCE = re.compile(
    r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"  # CSI: parameters, intermediates, final
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC, ended by BEL or ST
    r"|\x1bP[^\x1b]*\x1b\\"  # DCS
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"  # two-byte and nF escapes (ESC 7, ESC =, ESC ( B)
)


def escapes(output: str) -> tuple[list[Escape], str]:
    """The escape sequences in `output`, and the text left once they are taken out.

    Raises:
        AssertionError: An ESC that starts no complete sequence (a torn or smuggled one).
    """
    found: list[Escape] = []
    text: list[str] = []
    position = 0
    while (start := output.find("\x1b", position)) != -1:
        text.append(output[position:start])
        match = _SEQUENCE.match(output, start)
        assert match is not None, f"an ESC that starts no sequence: {output[start : start + 40]!r}"
        sequence = match.group()
        kind = {"[": "CSI", "]": "OSC", "P": "DCS"}.get(sequence[1], "ESC")
        found.append(Escape(kind, sequence))
        position = match.end()
    text.append(output[position:])
    return found, "".join(text)
