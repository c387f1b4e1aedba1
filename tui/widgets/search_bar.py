"""The line above the client table: the search box, the missing-e-mail toggle with its count, the position."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Checkbox, Input, Label

from tui.result_window import ClientQuery

PLACEHOLDER = "Search: name, code, e-mail, number"


class SearchInput(Input):
    """The search box: escape, enter and down hand the keyboard back to the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,down", "leave", "Back to the table", id="clients.leave_search", show=False),
    ]

    @dataclass
    class Left(Message):
        """The user is done typing the search."""

        input: SearchInput

        @property
        def control(self) -> SearchInput:
            return self.input

    def action_leave(self) -> None:
        self.post_message(self.Left(self))

    async def action_submit(self) -> None:
        self.post_message(self.Left(self))


class SearchBar(Horizontal):
    """Search box, toggle and counts. Posts `QueryChanged` on every keystroke and every toggle."""

    @dataclass
    class QueryChanged(Message):
        """The user changed what the table should show; `typed` is True while typing in the box."""

        bar: SearchBar
        query: ClientQuery
        typed: bool

        @property
        def control(self) -> SearchBar:
            return self.bar

    def compose(self) -> ComposeResult:
        search = SearchInput(placeholder=PLACEHOLDER, id="search", select_on_focus=False)
        search.cursor_blink = False
        yield search
        yield Checkbox("Missing e-mail only", id="missing-email", compact=True)
        yield Label("", id="result-count")

    @property
    def client_query(self) -> ClientQuery:
        """What the box and the toggle ask for now."""
        return ClientQuery(self.query_one(SearchInput).value.strip(), self.query_one(Checkbox).value)

    def focus_search(self) -> None:
        self.query_one(SearchInput).focus()

    def toggle_missing_email(self) -> None:
        checkbox = self.query_one(Checkbox)
        checkbox.value = not checkbox.value

    def show_counts(self, *, missing: str | None, position: str) -> None:
        """Update the toggle's count (`missing`: `45`, `1,000+`, None while unknown) and the position."""
        label = "Missing e-mail only" if missing is None else f"Missing e-mail only ({missing})"
        checkbox = self.query_one(Checkbox)
        if str(checkbox.label) != label:
            checkbox.label = label
        self.query_one("#result-count", Label).update(position, layout=False)  # fixed width: no layout pass

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.QueryChanged(self, self.client_query, typed=True))

    @on(Checkbox.Changed, "#missing-email")
    def _toggled(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.post_message(self.QueryChanged(self, self.client_query, typed=False))
