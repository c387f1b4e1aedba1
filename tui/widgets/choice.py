"""A one-line pick among a few values: `‹ Dutch ›`, changed with the arrows or the space bar.

Lighter than Textual's `Select` (no overlay, no option list), which matters in a form of a dozen fields that
must open at once; and it never takes more than one line, even at 80x24.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from tui.safe_text import clean


class Choice(Widget, can_focus=True):
    """One value among a few (label, value) pairs; left/right (or space) moves to the previous/next one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous", show=False),
        Binding("right,space", "move(1)", "Next", show=False),
    ]

    DEFAULT_CSS = """
    Choice {
        height: 1;
    }
    """

    index: reactive[int] = reactive(0)
    """Which of the choices is picked."""

    @dataclass
    class Changed(Message):
        """The user picked another value."""

        choice: Choice
        """The widget that changed."""
        value: str
        """The value picked."""

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(
        self,
        choices: Sequence[tuple[str, str]],
        value: str,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Initialise the choice.

        Args:
            choices: (label, value) pairs, in the order the arrows go through them.
            value: The value picked at first; one not among the choices is added (shown as it is).
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._choices = [(clean(label), choice) for label, choice in choices]
        values = [choice for _, choice in self._choices]
        if value not in values:
            self._choices.append((clean(value), value))
            values.append(value)
        self.set_reactive(Choice.index, values.index(value))

    @property
    def value(self) -> str:
        return self._choices[self.index][1]

    @value.setter
    def value(self, value: str) -> None:
        for index, (_, choice) in enumerate(self._choices):
            if choice == value:
                self.index = index
                return
        raise ValueError(f"{value!r} is not one of the choices")

    def watch_index(self, index: int) -> None:
        self.post_message(self.Changed(self, self._choices[index][1]))

    def render(self) -> Content:
        label = self._choices[self.index][0]
        return Content.assemble(("‹ ", "dim"), label, (" ›", "dim"))

    def action_move(self, step: int) -> None:
        self.index = (self.index + step) % len(self._choices)
