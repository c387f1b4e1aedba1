"""A yes/no question that answers `True` or `False`, driven by the keyboard."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.safe_text import clean


class ConfirmScreen(ModalScreen[bool]):
    """Asks one question: `y` (or Enter on the first button) answers yes, `n` or Escape answers no.

    The question may quote server data (a bank name, an IBAN): it is shown literally, never as markup.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Answer yes"),
        Binding("n", "answer(False)", "No", id="confirm.no", tooltip="Answer no"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel", tooltip="Answer no and close"),
    ]

    def __init__(
        self,
        question: str,
        *,
        yes: str = "Yes",
        no: str = "No",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Initialise the question.

        Args:
            question: What the user is asked; shown literally.
            yes: Label of the button that answers yes.
            no: Label of the button that answers no.
        """
        super().__init__(name=name, id=id, classes=classes)
        self.question = question
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(Content(clean(self.question)), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(Content(f"{clean(self.yes_label)} (y)"), variant="primary", id="confirm-yes")
                yield Button(Content(f"{clean(self.no_label)} (n)"), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
