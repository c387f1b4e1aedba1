"""One client: every field, the delivery folder, the mandates and the history; `e` edits it in place."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, RadioSet, Static

from api_client.errors import ApiConnectionError, ApiError, DuplicateError, StaleVersionError, ValidationError
from api_client.models import CheckResult, Client, HistoryEntry, SaveResult
from tui.drafts import Draft, DraftKeeper, restore_into
from tui.safe_text import clean
from tui.screens.confirm import ConfirmScreen
from tui.screens.mandate_actions import MandateActionsScreen, api_of, ui_language
from tui.widgets.client_details import ClientDetails
from tui.widgets.client_form import ClientForm
from tui.widgets.field import Field
from tui.widgets.history_list import HistoryList
from tui.widgets.mandate_summary import MandateList
from tui.widgets.words import enterprise_number, say


class ClientScreen(Screen[None]):
    """A client's record, mandates and history; in edit mode, a form checked by the server as the user types.

    Every request runs in a worker and comes back as one of the messages below, so the screen never waits on
    the network. Nothing typed is lost: a refused save keeps the inputs, a conflicting one offers theirs or
    yours per field.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit", id="client.edit", tooltip="Edit this client's data"),
        Binding("ctrl+s", "save", "Save", id="client.save", tooltip="Save the changes"),
        Binding("m", "mandates", "Mandates", id="client.mandates", tooltip="Act on this client's mandates"),
        Binding("ctrl+r", "reload", "Reload", id="client.reload", tooltip="Read the client again from the server"),
        Binding("escape", "leave", "Back", id="client.leave", tooltip="Leave editing (asks first) or go back"),
    ]

    CHECK_DELAY = 0.3
    """Seconds of quiet typing before the server checks the form (newest keystroke wins)."""

    editing: reactive[bool] = reactive(False, bindings=True)
    """True while the form is shown."""
    busy: reactive[bool] = reactive(False, bindings=True)
    """True while a save is on its way."""

    @dataclass
    class Loaded(Message):
        """The client (and its history) arrived from the server."""

        client: Client
        history: list[HistoryEntry] | None

    @dataclass
    class Checked(Message):
        """The server checked what the form would change."""

        sequence: int
        result: CheckResult

    @dataclass
    class Saved(Message):
        """The server saved the changes."""

        result: SaveResult

    @dataclass
    class SaveRefused(Message):
        """The server refused the save, or did not answer."""

        error: ApiError

    @dataclass
    class RequestFailed(Message):
        """A read or check failed; `during` says which."""

        error: ApiError
        during: str

    def __init__(
        self,
        client_id: int,
        *,
        edit: bool = False,
        draft: Draft | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Initialise the screen.

        Args:
            client_id: The client to show.
            edit: Open the form as soon as the client has arrived.
            draft: An unsaved edit kept from an earlier run: the form opens with its values (see `tui.drafts`).
        """
        super().__init__(name=name, id=id, classes=classes)
        self.client_id = client_id
        self.client: Client | None = None
        self.history: list[HistoryEntry] | None = None
        self._edit_on_load = edit or draft is not None
        self._draft = draft
        self.drafts = DraftKeeper(self, client_id, lambda: self.form)
        """Keeps what is typed on disk a moment after each keystroke, until it is saved or dropped."""
        self._check_sequence = 0
        self._last_checked: dict[str, str | None] | None = None
        self._form: ClientForm | None = None
        self._building = asyncio.Lock()

    # --- layout ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        language = self.language
        yield Static(Content.styled(say("loading", language), "italic"), id="client-title")
        with VerticalScroll(id="client-body"):
            yield Static("", id="client-conflict")
            yield ClientDetails(id="client-details")
            yield Static(say("mandates", language), classes="section-title")
            yield MandateList(id="client-mandates")
            yield Static(say("history", language), classes="section-title")
            yield HistoryList(id="client-history")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#client-conflict").display = False
        self.query_one(HistoryList).show(None, self.language)
        self.query_one("#client-body").focus()  # arrows and page keys scroll the record
        self.load()

    @property
    def language(self) -> str:
        return ui_language(self.app)

    @property
    def form(self) -> ClientForm | None:
        """The form while editing; None otherwise (it stays built, hidden, for the next `e`)."""
        return self._form if self.editing else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return self.client is not None and not self.editing
        if action == "save":
            return None if self.busy else self.editing
        if action == "mandates":
            return self.client is not None and bool(self.client.mandates) and not self.editing
        return True

    # --- requests (workers) ---------------------------------------------------------------------------

    @work(exclusive=True, group="client-load")
    async def load(self) -> None:
        """Read the client and its history."""
        api = api_of(self.app)
        try:
            client = await api.get_client(self.client_id)
        except ApiError as error:
            self.post_message(self.RequestFailed(error, "load"))
            return
        try:
            history: list[HistoryEntry] | None = await api.client_history(self.client_id)
        except ApiError as error:
            history = None
            self.post_message(self.RequestFailed(error, "history"))
        self.post_message(self.Loaded(client, history))

    @staticmethod
    async def typing_pause(seconds: float) -> None:
        """How a check waits for quiet typing; tests replace it to decide when the quiet is over."""
        await asyncio.sleep(seconds)

    @work(exclusive=True, group="client-check")
    async def check(self, changes: dict[str, str | None], sequence: int) -> None:
        """Ask the server what `changes` would do, after a pause in typing; a newer check cancels this one."""
        await self.typing_pause(self.CHECK_DELAY)
        try:
            result = await api_of(self.app).check_client(self.client_id, changes)
        except ApiError as error:
            self.post_message(self.RequestFailed(error, "check"))
            return
        self.post_message(self.Checked(sequence, result))

    @work(exclusive=True, group="client-save")
    async def save(self, changes: dict[str, str | None], version: int) -> None:
        try:
            result = await api_of(self.app).update_client(self.client_id, changes, version=version)
        except ApiError as error:
            self.post_message(self.SaveRefused(error))
            return
        self.post_message(self.Saved(result))

    # --- answers --------------------------------------------------------------------------------------

    @on(Loaded)
    async def _loaded(self, message: Loaded) -> None:
        self.client = message.client
        if message.history is not None or self.history is None:
            self.history = message.history
        self._show_client()
        if self._edit_on_load:
            self._edit_on_load = False
            await self._open_form()
            if self._draft is not None:
                await self._restore_draft(self._draft)
        elif self._form is None:
            # Build the form while the user reads (about 0.3 s of CPU): `e` then only shows it.
            self.call_after_refresh(self._build_form)
        self.refresh_bindings()

    @on(Checked)
    def _checked(self, message: Checked) -> None:
        form = self.form
        if form is None or message.sequence != self._check_sequence:
            return  # a newer keystroke or a save made this answer stale
        form.show_results(message.result.errors, message.result.warnings)

    @on(Saved)
    async def _saved(self, message: Saved) -> None:
        self.busy = False
        result = message.result
        self.client = result.client
        self._check_sequence += 1
        self.drafts.discard()
        await self._close_form()
        self._show_client()
        self.notify(say("saved", self.language), markup=False)
        self.load()
        if result.impacted_mandates:
            self.app.push_screen(
                MandateActionsScreen(result.impacted_mandates, client_name=result.client.company_name),
                callback=self._sheet_closed,
            )

    @on(SaveRefused)
    async def _refused(self, message: SaveRefused) -> None:
        self.busy = False
        form = self.form
        error = message.error
        if form is None:
            return
        self._check_sequence += 1  # an answer to an older check must not wipe these errors
        self._last_checked = None
        if isinstance(error, StaleVersionError):
            await self._show_conflict(form, error.current)
        elif isinstance(error, ValidationError | DuplicateError):
            fields = error.fields
            form.show_results(fields, fallback="" if fields else error.message)
        else:
            self._notify_error(error)

    @on(RequestFailed)
    def _failed(self, message: RequestFailed) -> None:
        if message.during == "check":
            return  # the save will say it; a failing check must not flood the user with notices
        if message.during == "load" and self.client is None:
            # Nothing to show yet: say why where the client would be (escape still goes back).
            self.query_one("#client-title", Static).update(
                Content.styled(clean(message.error.message), "bold $text-error")
            )
        self._notify_error(message.error)

    @on(Field.Changed)
    def _typed(self, event: Field.Changed) -> None:
        self._check_form()
        self.drafts.typed()

    def on_unmount(self) -> None:
        self.drafts.flush()  # quitting within the pause after a keystroke keeps that keystroke too

    def _check_form(self) -> None:
        """Have the server check what the form would change now, unless it checked exactly that already."""
        form = self.form
        if form is None:
            return
        changes = form.changes()
        if changes == self._last_checked:
            return
        self._last_checked = changes
        self._check_sequence += 1
        if not changes:
            self.workers.cancel_group(self, "client-check")
            form.clear_results()
            return
        self.check(changes, self._check_sequence)

    # --- actions --------------------------------------------------------------------------------------

    async def action_edit(self) -> None:
        if self.client is not None and not self.editing:
            await self._open_form()

    def action_save(self) -> None:
        form = self.form
        if form is None or self.busy or self.client is None:
            return
        changes = form.changes()
        if not changes:
            self.notify(say("nothing_to_save", self.language), markup=False)
            return
        self.busy = True
        self._check_sequence += 1
        self.workers.cancel_group(self, "client-check")
        self.save(changes, form.base.version)

    def action_mandates(self) -> None:
        if self.client is not None and self.client.mandates:
            name = self.client.company_name
            title = say("client_mandates", self.language, name=clean(name))
            self.app.push_screen(
                MandateActionsScreen(self.client.mandates, client_name=name, title=title),
                callback=self._sheet_closed,
            )

    async def action_reload(self) -> None:
        form = self.form
        if form is None:
            self.load()
        elif form.dirty:
            self.app.push_screen(
                ConfirmScreen(
                    say("reload_question", self.language),
                    yes=say("reload", self.language),
                    no=say("keep_editing", self.language),
                ),
                callback=self._reload_answered,
            )
        else:
            await self._reload_answered(True)

    async def action_leave(self) -> None:
        form = self.form
        if form is None:
            self.dismiss()
            return
        if not form.dirty:
            self.drafts.discard()
            await self._close_form()
            return
        self.app.push_screen(
            ConfirmScreen(
                say("drop_changes", self.language),
                yes=say("drop", self.language),
                no=say("keep_editing", self.language),
            ),
            callback=self._drop_answered,
        )

    async def _drop_answered(self, drop: bool | None) -> None:
        if drop:
            self.drafts.discard()
            await self._close_form()

    async def _reload_answered(self, reload: bool | None) -> None:
        if reload:
            self.drafts.discard()
            await self._close_form()
            self._edit_on_load = True
            self.load()

    def _sheet_closed(self, _result: None) -> None:
        self.load()

    # --- helpers --------------------------------------------------------------------------------------

    async def _build_form(self) -> ClientForm:
        """The form, built hidden on first need; afterwards the same one, reset to the client as stored."""
        async with self._building:
            assert self.client is not None
            if self._form is None:
                form = ClientForm(self.client, language=self.language, id="client-form")
                form.display = False
                await self.query_one("#client-body").mount(form, after=self.query_one(ClientDetails))
                self._form = form
            return self._form

    async def _open_form(self) -> None:
        assert self.client is not None
        form = await self._build_form()
        await form.reset(self.client)
        self._last_checked = {}
        form.display = True
        self.query_one(ClientDetails).display = False
        self.editing = True
        self._show_title()
        form.focus_first()

    async def _close_form(self) -> None:
        self._check_sequence += 1
        self.workers.cancel_group(self, "client-check")
        if self._form is not None:
            self._form.display = False
        self.query_one(ClientDetails).display = True
        self.query_one("#client-conflict").display = False
        self.editing = False
        self._last_checked = None
        self._show_client()
        self.query_one("#client-body").focus()

    def _show_client(self) -> None:
        client = self.client
        if client is None:
            return
        self._show_title()
        self.query_one(ClientDetails).show(client, self.language)
        self.query_one(MandateList).show(client.mandates, self.language)
        self.query_one(HistoryList).show(self.history, self.language)

    def _show_title(self) -> None:
        client = self.client
        if client is None:
            return
        parts: list[str | tuple[str, str]] = [(clean(client.company_name), "bold"), f"  {clean(client.client_code)}"]
        if client.enterprise_number:
            parts.append(f"  {enterprise_number(client.enterprise_number)}")
        if self.editing:
            parts.append((f"  — {say('editing', self.language)}", "$text-accent"))
        self.query_one("#client-title", Static).update(Content.assemble(*parts))

    async def _restore_draft(self, draft: Draft) -> None:
        """Type the draft's values back; if the client changed since, show theirs and yours as after a 412."""
        self._draft = None
        form = self.form
        if form is None or self.client is None:
            return
        self.drafts.adopt()
        if await restore_into(form, draft, self.client):
            await self._show_conflict(form, self.client)

    async def _show_conflict(self, form: ClientForm, current: Client) -> None:
        self.client = current
        conflicted = await form.rebase(current)
        banner = self.query_one("#client-conflict", Static)
        banner.update(Content.styled(say("conflict", self.language), "bold $text-warning"))
        banner.display = True
        self._show_title()
        self.query_one(MandateList).show(current.mandates, self.language)
        self._check_form()  # the warnings were about the old record
        if conflicted:
            choice = form.field(conflicted[0]).conflict
            if choice is not None:
                choice.query_one(RadioSet).focus()

    def _notify_error(self, error: ApiError) -> None:
        offline = isinstance(error, ApiConnectionError)
        text = say("offline", self.language) if offline else clean(error.message)
        self.notify(text, severity="error", markup=False)
