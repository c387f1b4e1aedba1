"""The codadesk terminal app: the shell that holds the screens, the API client and the keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType

from api_client import ApiConnectionError, ApiError, Client, ServerError, UnauthorizedError
from api_client.models import Me
from tui.commands import ScreenCommands
from tui.config import Config
from tui.drafts import DraftStore
from tui.embedded import EmbeddedStartError
from tui.messages import Connected, MeLoaded, RequestFailed
from tui.safe_text import clean
from tui.screens.client_list import ClientListScreen
from tui.screens.help import HelpScreen
from tui.screens.restore_draft import offer_drafts

STYLES = Path(__file__).resolve().parent.parent / "styles"


class CodadeskApp(App[None]):
    """Keep the firm's client master data right, from the keyboard.

    Args:
        api: The client of the server to talk to (a team server, or the embedded one); the caller closes it.
        connect: Instead of `api`: opens the client once the app is on screen (the embedded server takes a
            second or two to import and open, minutes to seed on a first start: the user sees the app
            meanwhile). The app's caller closes `app.api` afterwards.
        config: The user's settings (keymap, mouse).
        drafts: Where edits in progress are kept on disk and offered back at start; None keeps none.
    """

    TITLE = "codadesk"
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        STYLES / "app.tcss",
        STYLES / "client_list.tcss",
        STYLES / "client.tcss",
        STYLES / "mandate_actions.tcss",
        STYLES / "confirm.tcss",
        STYLES / "restore_draft.tcss",
    ]
    COMMANDS: ClassVar[set[type[ScreenCommands]]] = {ScreenCommands}  # type: ignore[assignment]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, tooltip="Leave codadesk."),
        Binding("f1", "help", "Help", id="app.help", tooltip="Every key of this screen."),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            id="app.palette",
            show=False,  # the footer shows the palette key at its right end already
            priority=True,
            tooltip="Find a command of this screen by name.",
        ),
    ]

    def __init__(
        self,
        api: Client | None = None,
        *,
        connect: Callable[[], Awaitable[Client]] | None = None,
        config: Config | None = None,
        drafts: DraftStore | None = None,
    ) -> None:
        super().__init__()
        if (api is None) == (connect is None):
            raise ValueError("give the app either an api client or a way to connect, not both")
        self._api = api
        self._connect = connect
        self.config = config or Config()
        self.drafts = drafts
        """Unsaved edits on disk (`tui.drafts`); None when this app keeps none."""
        self._started_at = datetime.now(UTC)
        """Drafts written after this are the user's edits of this run, not ones to offer back."""
        self.me: Me | None = None
        """Who is signed in and the firm's settings, once the server said so."""

    @property
    def api(self) -> Client:
        """The server's client; every request runs in a worker. Set once connected (see `connected`)."""
        if self._api is None:
            raise RuntimeError("codadesk is not connected to its server yet")
        return self._api

    @property
    def connected(self) -> bool:
        return self._api is not None

    @property
    def opened_api(self) -> Client | None:
        """The client `connect` opened, for the caller to close; None if it never opened."""
        return self._api if self._connect is not None else None

    def on_mount(self) -> None:
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        self.push_screen(ClientListScreen())
        if self._api is None:
            # After the first frame: the server's imports would otherwise hold the GIL while the app paints.
            self.call_after_refresh(self._open_connection)
        else:
            self._load_me()

    @work(exclusive=True, group="connect")
    async def _open_connection(self) -> None:
        assert self._connect is not None
        try:
            api = await self._connect()
        except (EmbeddedStartError, OSError) as error:  # the user can act on it: said plainly, no traceback
            # After the first frame: ending while the list screen still mounts would pull widgets from under it.
            self.call_after_refresh(self.exit, return_code=2, message=f"codadesk: {error}")
            return
        self.post_message(Connected(api))

    def on_connected(self, message: Connected) -> None:
        self._api = message.api
        self._load_me()
        for screen in self.screen_stack:
            if isinstance(screen, ClientListScreen):
                screen.start()

    @work(exclusive=True, group="me")
    async def _load_me(self) -> None:
        try:
            me = await self.api.me()
        except ApiError as error:
            self.post_message(RequestFailed("signing in", error))
            return
        self.post_message(MeLoaded(me))

    def on_me_loaded(self, message: MeLoaded) -> None:
        self.me = message.me
        self.sub_title = clean(message.me.firm.name, max_length=60)
        if self.drafts is not None:
            offer_drafts(self, self.drafts, str(self.api.base_url), message.me.firm.id, written_before=self._started_at)

    def on_request_failed(self, message: RequestFailed) -> None:
        """The last resort for a failed request: a notice; screens handle the ones they can say better."""
        self.notify(describe_failure(message.action, message.error), severity="error", markup=False, timeout=8)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # A blinking cursor writes to the terminal twice a second forever: costly over SSH, noisy in recordings.
        widget = event.widget
        if getattr(widget, "cursor_blink", False):
            widget.cursor_blink = False  # type: ignore[attr-defined]

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def describe_failure(action: str, error: ApiError) -> str:
    """A one-line notice for a failed request, in words a user can act on."""
    if isinstance(error, ApiConnectionError):
        return f"Offline: {action} failed; the server did not answer. What is on screen may be out of date."
    if isinstance(error, UnauthorizedError):
        return f"{action.capitalize()} failed: the server does not accept your token."
    if isinstance(error, ServerError):
        return f"{action.capitalize()} failed: the server had a problem ({error.status_code}). Try again later."
    return f"{action.capitalize()} failed: {clean(error.message, max_length=200)}"
