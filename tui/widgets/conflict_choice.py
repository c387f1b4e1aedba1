"""The choice, after a conflicting save, between the value someone else saved and the one typed here."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import RadioButton, RadioSet

from tui.safe_text import clean

EMPTY = "∅"
"""How an empty value reads in the choice, so that "theirs: (nothing)" is visible."""


class ConflictChoice(Widget, can_focus=False):
    """Two radio buttons: keep theirs (saved meanwhile) or keep yours (typed here, chosen at first).

    Arrows move between the two, Enter or Space picks; the field fills its input with the value picked.
    """

    @dataclass
    class Chosen(Message):
        """The user picked one of the two values."""

        choice: ConflictChoice
        """The choice that changed."""
        value: str
        """The value picked."""
        mine: bool
        """True when the value picked is the one typed here."""

        @property
        def control(self) -> ConflictChoice:
            return self.choice

    def __init__(
        self,
        theirs: str,
        yours: str,
        *,
        theirs_label: str = "Theirs",
        yours_label: str = "Yours",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Initialise the choice.

        Args:
            theirs: The value saved meanwhile (server data: shown literally).
            yours: The value typed here.
            theirs_label: The word for "their value".
            yours_label: The word for "your value".
        """
        super().__init__(name=name, id=id, classes=classes)
        self.theirs = theirs
        self.yours = yours
        self._theirs_label = theirs_label
        self._yours_label = yours_label
        self._mine = True

    def compose(self) -> ComposeResult:
        with RadioSet(compact=True):
            yield RadioButton(_line(self._theirs_label, self.theirs), classes="conflict-theirs", compact=True)
            yield RadioButton(_line(self._yours_label, self.yours), value=True, classes="conflict-yours", compact=True)

    @property
    def keep_mine(self) -> bool:
        """True while the value typed here is the one kept."""
        return self._mine

    def pick(self, *, mine: bool) -> None:
        """Pick a value as if the user had pressed its button."""
        button = self.query_one(".conflict-yours" if mine else ".conflict-theirs", RadioButton)
        button.value = True

    @on(RadioSet.Changed)
    def _changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        mine = event.pressed.has_class("conflict-yours")
        if mine == self._mine:
            return
        self._mine = mine
        self.post_message(self.Chosen(self, self.yours if mine else self.theirs, mine))


def _line(label: str, value: str) -> Content:
    shown = clean(value) if value else EMPTY
    return Content.assemble((f"{label}: ", "bold"), shown)
