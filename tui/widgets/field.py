"""One editable field of a client: its label, its input, and the messages under it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from tui.safe_text import clean
from tui.widgets.choice import Choice
from tui.widgets.conflict_choice import ConflictChoice

ERROR_STYLE = "bold $text-error"
WARNING_STYLE = "$text-warning"
LOCK_STYLE = "italic dim"


class Field(Widget, can_focus=False):
    """A labelled input for one client field, with the lock, errors and warnings that concern it below.

    A locked field has its input disabled and says why (the server's `locks` message). Errors and warnings
    are plain lines under the input; a conflict (someone else saved the field meanwhile) adds a choice between
    their value and the one typed here, which fills the input with the value chosen.
    """

    @dataclass
    class Changed(Message):
        """The user changed the value of the field."""

        field: Field
        """The field that changed."""
        value: str
        """The value now in the input."""

        @property
        def control(self) -> Field:
            return self.field

    def __init__(
        self,
        field_name: str,
        label: str,
        value: str,
        *,
        lock: str | None = None,
        choices: Sequence[tuple[str, str]] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Initialise the field.

        Args:
            field_name: The client field it edits (`company_name`, ...).
            label: What the label says (the TUI's own words).
            value: The value shown at first (the stored one).
            lock: Why the field cannot be changed, or None when it can.
            choices: (label, value) pairs to pick from instead of typing; `value` must be one of them.
        """
        super().__init__(name=name, id=id, classes=classes)
        self.field_name = field_name
        self.label = label
        self._initial = value
        self._choices = list(choices) if choices is not None else None
        self._lock = lock
        self._errors: list[str] = []
        self._warnings: list[Content] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(Content(self.label), classes="field-label")
            if self._choices is not None:
                yield Choice(self._choices, self._initial, disabled=self._lock is not None, classes="field-input")
            else:
                yield Input(
                    self._initial,
                    compact=True,
                    disabled=self._lock is not None,
                    select_on_focus=False,
                    classes="field-input",
                )
        yield Static("", classes="field-messages")

    def on_mount(self) -> None:
        self._render_messages()

    @property
    def locked(self) -> bool:
        """True when the input is disabled by a lock."""
        return self._lock is not None

    @property
    def value(self) -> str:
        """The value in the input now."""
        if self._choices is not None:
            return self.query_one(Choice).value
        return self.query_one(Input).value

    def set_value(self, value: str) -> None:
        """Put `value` in the input as if the user had typed it (a `Changed` follows)."""
        if self._choices is not None:
            self.query_one(Choice).value = value
        else:
            self.query_one(Input).value = value

    def set_lock(self, lock: str | None) -> None:
        """Lock the input with the reason given, or unlock it with None."""
        if lock == self._lock:
            return
        self._lock = lock
        self.query_one(".field-input").disabled = lock is not None
        for choice in self.query(ConflictChoice):
            choice.disabled = lock is not None  # a locked field keeps theirs: "yours" stays visible, not choosable
        self._render_messages()

    def show(self, *, errors: Sequence[str] = (), warnings: Sequence[Content] = ()) -> None:
        """Replace the messages under the input: errors first, then warnings."""
        cleaned = [clean(e) for e in errors]
        if cleaned == self._errors and list(warnings) == self._warnings:
            return  # restyling a dozen fields on every answer is what makes typing feel slow
        self._errors = cleaned
        self._warnings = list(warnings)
        self._render_messages()

    @property
    def errors(self) -> list[str]:
        """The error messages shown under the input."""
        return list(self._errors)

    @property
    def messages(self) -> str:
        """Every message under the input, as plain text (for tests and the help screen)."""
        return Content("\n").join(self._lines()).plain

    async def show_conflict(self, theirs: str, yours: str, *, theirs_label: str, yours_label: str) -> None:
        """Offer a choice between the value saved meanwhile and the one typed here (kept at first)."""
        await self.clear_conflict()
        choice = ConflictChoice(theirs, yours, theirs_label=theirs_label, yours_label=yours_label)
        await self.mount(choice)
        self.add_class("-conflict")

    async def clear_conflict(self) -> None:
        if self.has_class("-conflict"):
            self.remove_class("-conflict")
            await self.query(ConflictChoice).remove()

    @property
    def conflict(self) -> ConflictChoice | None:
        """The open conflict choice, if any."""
        found = self.query(ConflictChoice)
        return found.first() if found else None

    def focus_input(self) -> None:
        self.query_one(".field-input").focus()

    def _lines(self) -> list[Content]:
        lines: list[Content] = []
        if self._lock is not None:
            lines.append(Content.styled(clean(self._lock), LOCK_STYLE))
        lines.extend(Content.styled(f"✗ {error}", ERROR_STYLE) for error in self._errors)
        lines.extend(Content.assemble(("! ", WARNING_STYLE), warning) for warning in self._warnings)
        return lines

    def _render_messages(self) -> None:
        lines = self._lines()
        messages = self.query_one(".field-messages", Static)
        messages.update(Content("\n").join(lines))
        messages.display = bool(lines)
        self.set_class(bool(self._errors), "-error")
        self.set_class(bool(self._warnings) and not self._errors, "-warning")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, event.value))

    @on(Choice.Changed)
    def _picked(self, event: Choice.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, event.value))

    @on(ConflictChoice.Chosen)
    def _chosen(self, event: ConflictChoice.Chosen) -> None:
        event.stop()
        self.set_value(event.value)
