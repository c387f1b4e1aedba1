"""The client list: search as you type, the missing-e-mail toggle, and e-mails typed in place, one Enter each.

Filling e-mails (SPEC §7): `@` opens an input on the row's e-mail cell; Enter saves and, at once, opens the
next client without an e-mail further down (fetching pages when needed). A refused address stays as typed
with the server's reason under it; someone else's save (412) reloads the row and keeps the typed text.
Nothing typed while a save is on its way is lost: the text carries over to the next row, and an Enter pressed
meanwhile saves it as soon as the row opens, so a fast typist never waits for the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from rich.cells import cell_len
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Footer, Input, Label

from api_client import ApiError, Client, DuplicateError, StaleVersionError, ValidationError
from api_client.models import ClientPage, ClientSummary, Mandate
from tui.messages import ClientChangedMeanwhile, ClientsLoaded, EmailRefused, EmailSaved, RequestFailed
from tui.result_window import ClientQuery, PageRequest, summary_of
from tui.safe_text import clean
from tui.widgets.client_table import ClientTable
from tui.widgets.search_bar import SearchBar, SearchInput

if TYPE_CHECKING:
    from tui.app import CodadeskApp


class EmailInput(Input):
    """The input laid over a row's e-mail cell while e-mails are typed in place.

    Enter is handled here, in order with the typed characters: a key binding would run later, in the app,
    and a fast typist's next characters could already be in the input by then.
    """

    def __init__(self, on_enter: Callable[[str], None], *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True, select_on_focus=False)
        self.cursor_blink = False
        self._enter = on_enter

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._enter(self.value)


class ClientListScreen(Screen[None]):
    """The firm's clients, searchable, with the e-mails typed in place."""

    COMMAND_AREA = "clients"
    AUTO_FOCUS = "ClientTable"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="clients.search", tooltip="Type to narrow the table."),
        Binding(
            "ctrl+e",
            "toggle_missing_email",
            "Missing e-mail",
            id="clients.missing_email",
            priority=True,
            tooltip="Show only the clients without an e-mail address, or all of them again.",
        ),
        Binding(
            "ctrl+o",
            "open_impacted",
            "Mandates",
            id="clients.impacted_mandates",
            priority=True,
            tooltip="Open the action sheet of the mandates the last e-mail saved affects.",
        ),
        Binding("escape", "leave_email", "Stop typing e-mails", id="clients.stop_email", tooltip="Keep what is saved."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._editing: int | None = None
        """The row whose e-mail is being typed, or None."""
        self._saving = False
        self._queued_enters: list[int] = []
        """Where in the input Enter was pressed while a save was on its way: each ends the next address."""
        self._seeking_from: int | None = None
        """Looking for the next client without an e-mail after this row (its page is on its way)."""
        self._carry = ""
        self._impacted: tuple[ClientSummary, list[Mandate]] | None = None
        self._missing_count: str | None = None
        self._counted_text: str | None = None
        """The search text whose missing-e-mail count is shown (or on its way)."""

    @property
    def api(self) -> Client:
        return cast("CodadeskApp", self.app).api

    def compose(self) -> ComposeResult:
        yield SearchBar(id="search-bar")
        with Container(id="table-area"):
            yield ClientTable(self._fetch_page, id="clients")
            yield EmailInput(self._enter_pressed, id="email-editor")
            yield Label("", id="email-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.table, "scroll_y", self._place_editor, init=False)
        self.watch(self.table, "cursor_row", self._show_counts, init=False)
        if cast("CodadeskApp", self.app).connected:
            self.start()
        else:
            self.table.note = "Opening the server…"

    def start(self) -> None:
        """Show the first page; the app calls this once its server is open."""
        self.table.note = ClientTable.LOADING
        self.table.show(self.query_one(SearchBar).client_query)

    @property
    def table(self) -> ClientTable:
        return self.query_one(ClientTable)

    async def _fetch_page(self, request: PageRequest) -> ClientPage:
        query = request.query
        return await self.api.search_clients(
            query.text,
            missing_email=query.missing_email,
            cursor=request.cursor,
            offset=request.offset,
            limit=request.limit,
        )

    # --- search -------------------------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.leave_email()
        self.query_one(SearchBar).focus_search()

    def on_key(self, event: events.Key) -> None:
        """A letter typed on the table searches: no key lost, and no `/` needed.

        Keys that arrive in the same read as `/` reach the table before the focus has moved: a fast typist's
        first letters would otherwise be lost. Bound keys (`@`, `/`, ...) and space keep their meaning.
        """
        if self.focused is not self.table or not event.is_printable or not event.character:
            return
        if event.character == " " or event.key in self.active_bindings:
            return
        event.stop()
        event.prevent_default()
        self.leave_email()
        search = self.query_one(SearchInput)
        search.focus()
        search.cursor_position = len(search.value)
        search.insert_text_at_cursor(event.character)

    def action_toggle_missing_email(self) -> None:
        self.query_one(SearchBar).toggle_missing_email()

    @on(SearchBar.QueryChanged)
    def _query_changed(self, event: SearchBar.QueryChanged) -> None:
        self.leave_email()
        self.table.show(event.query, typed=event.typed)

    @on(SearchInput.Left)
    def _search_left(self) -> None:
        self.table.focus()

    @work(exclusive=True, group="missing-count")
    async def _count_missing(self, query: ClientQuery) -> None:
        self._missing_count = None
        try:
            page = await self.api.search_clients(query.text, missing_email=True, limit=1)
        except ApiError:
            return  # the table's own request reports the failure
        self._missing_count = f"{page.total:,}+" if page.total_capped else f"{page.total:,}"
        self._show_counts()

    def on_clients_loaded(self, message: ClientsLoaded) -> None:
        text = message.request.query.text
        if message.request.page == 0 and text != self._counted_text:
            # Counted after the results, not beside them: the table's answer comes first; a search typed on
            # before this count returns cancels it (only the text matters: the toggle changes no count).
            self._counted_text = text
            self._count_missing(message.request.query)
        self._show_counts()
        if self._seeking_from is not None:
            self._open_next_missing(self._seeking_from)

    def _show_counts(self) -> None:
        window = self.table.window
        if not window.loaded_any:
            position = ""
        elif window.row_count == 0:
            position = "no client"
        else:
            position = f"{self.table.cursor_row + 1:,}/{window.count_label()}"
        self.query_one(SearchBar).show_counts(missing=self._missing_count, position=position)

    # --- opening a client ---------------------------------------------------------------------------------

    @on(ClientTable.Opened)
    def _open_client(self, event: ClientTable.Opened) -> None:
        from tui.screens.client import ClientScreen  # loaded when first opened: a shorter start

        self.app.push_screen(ClientScreen(event.client.id))

    # --- e-mails typed in place ---------------------------------------------------------------------------

    @property
    def editor(self) -> EmailInput:
        return self.query_one(EmailInput)

    @on(ClientTable.EmailRequested)
    def _email_requested(self, event: ClientTable.EmailRequested) -> None:
        self._edit_email(event.row, event.client.email or "")

    def _edit_email(self, row: int, value: str) -> None:
        self._editing = row
        self._show_error("")
        editor = self.editor
        editor.value = value
        editor.cursor_position = len(value)
        self.table.move_cursor(row)
        editor.add_class("-open")
        self._place_editor()
        editor.focus()
        if self._queued_enters:  # the address for this row was typed, and its Enter pressed, ahead of time
            self._submit(value[: self._queued_enters.pop(0)])

    def _place_editor(self) -> None:
        """Lay the input over the e-mail cell of the row being typed, and the error line under it."""
        if self._editing is None:
            return
        cell = self.table.email_cell(self._editing)
        editor = self.editor
        error = self.query_one("#email-error", Label)
        if cell is None:  # the row scrolled away: keep the input and what it holds, out of sight
            editor.styles.offset = (0, -10)
            error.styles.offset = (0, -10)
            return
        editor.styles.offset = (cell.x, cell.y)
        editor.styles.width = cell.width
        area = self.table.size
        width = min(cell_len(str(error.render())) + 2, area.width)
        below = cell.y + 1 if cell.y + 1 < area.height else cell.y - 1
        error.styles.width = width
        error.styles.offset = (max(0, min(cell.x, area.width - width)), below)

    def _show_error(self, message: str) -> None:
        error = self.query_one("#email-error", Label)
        error.update(clean(message, max_length=200))
        error.set_class(bool(message), "-open")
        self._place_editor()

    def leave_email(self) -> None:
        """Stop typing e-mails; what was saved stays saved."""
        if self._editing is None:
            return
        self._editing = None
        self._seeking_from = None
        self._queued_enters.clear()
        self._show_error("")
        self.editor.remove_class("-open")
        self.table.focus()

    def action_leave_email(self) -> None:
        if self._editing is not None:
            self.leave_email()
        elif isinstance(self.focused, SearchInput):
            self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_email":
            return self._editing is not None
        if action == "open_impacted":
            return self._impacted is not None
        return True

    def _enter_pressed(self, value: str) -> None:
        if self._saving:  # a fast typist: this Enter ends the next address, saved as soon as this save is done
            self._queued_enters.append(len(value))
            return
        self._submit(value)

    def _submit(self, text: str) -> None:
        """Save `text` (the start of what the input holds) as the e-mail of the row being typed."""
        row = self._editing
        client = self.table.window.row(row) if row is not None else None
        if row is None or client is None:
            return
        if text.strip() == (client.email or ""):  # nothing to save: on to the next one
            self._carry = self.editor.value[len(text) :]
            self._queued_enters = [at - len(text) for at in self._queued_enters]
            self._open_next_missing(row)
            return
        self._saving = True
        self._save_email(row, client, text)

    @work(group="email-save")
    async def _save_email(self, row: int, client: ClientSummary, typed: str) -> None:
        try:
            address = typed.strip() or None
            result = await self.api.update_client(client.id, {"email": address}, version=client.version)
        except StaleVersionError as error:
            self.post_message(ClientChangedMeanwhile(row, typed, error.current))
        except (ValidationError, DuplicateError) as error:
            messages = [message for values in error.fields.values() for message in values]
            self.post_message(EmailRefused(row, typed, messages[0] if messages else error.message))
        except ApiError as error:
            self.post_message(RequestFailed("saving the e-mail", error))
        else:
            self.post_message(EmailSaved(row, typed, result))

    def on_email_saved(self, message: EmailSaved) -> None:
        self._saving = False
        saved = summary_of(message.result.client)
        self.table.replace_row(message.row, saved)
        if message.result.impacted_mandates:
            self._offer_impacted(saved, list(message.result.impacted_mandates))
        value = self.editor.value
        # What was typed after Enter, while the save was on its way, belongs to the next client.
        self._carry = value[len(message.typed) :] if value.startswith(message.typed) else ""
        self._queued_enters = [at - len(message.typed) for at in self._queued_enters]
        if self._editing == message.row:
            self._open_next_missing(message.row)

    def on_email_refused(self, message: EmailRefused) -> None:
        self._saving = False
        self._queued_enters.clear()
        if self._editing == message.row:
            self._show_error(message.message)

    def on_client_changed_meanwhile(self, message: ClientChangedMeanwhile) -> None:
        self._saving = False
        self._queued_enters.clear()
        self.table.replace_row(message.row, summary_of(message.current))
        if self._editing == message.row:
            self._show_error("Someone else changed this client meanwhile; it is reloaded. Enter saves your e-mail.")

    def on_request_failed(self, message: RequestFailed) -> None:
        if message.action == "saving the e-mail":
            self._saving = False
            self._queued_enters.clear()
            if self._editing is not None:
                self._show_error("Not saved: the server did not answer. Enter tries again.")

    def _open_next_missing(self, after: int) -> None:
        """Open the next client without an e-mail after row `after`, fetching its page first if needed."""
        found, page = self.table.window.find_after(after, lambda row: row.email is None)
        if found is not None:
            self._seeking_from = None
            self._edit_email(found, self._carry)
        elif page is not None:
            self._seeking_from = after
            self.table.fetch_page(page)
        else:
            self.leave_email()
            self.notify("No client without an e-mail below this one.", timeout=4)

    # --- impacted mandates --------------------------------------------------------------------------------

    def _offer_impacted(self, client: ClientSummary, mandates: list[Mandate]) -> None:
        self._impacted = (client, mandates)
        self.refresh_bindings()
        bindings = [active.binding for active in self.active_bindings.values()]
        key = next((self.app.get_key_display(b) for b in bindings if b.id == "clients.impacted_mandates"), "ctrl+o")
        count = len(mandates)
        noun = "mandate" if count == 1 else "mandates"
        self.notify(
            f"{clean(client.company_name, max_length=60)}: {count} {noun} to present again. {key} opens them.",
            title="Mandates",
            markup=False,
            timeout=10,
        )

    def action_open_impacted(self) -> None:
        if self._impacted is None:
            return
        from tui.screens.mandate_actions import MandateActionsScreen  # loaded when first needed

        client, mandates = self._impacted
        self.app.push_screen(MandateActionsScreen(mandates, client_name=client.company_name))
