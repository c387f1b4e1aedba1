"""At start: "An unsaved edit of <client> from <time>": restore it (the client screen, editing, with the typed
values back), discard it, or decide later (it stays on disk and is offered again at the next start)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.drafts import Draft, DraftKey, DraftStore
from tui.safe_text import clean
from tui.screens.mandate_actions import ui_language
from tui.widgets.words import field_label, say

Answer = Literal["restore", "discard"]
"""What the user chose; None (escape) decides later."""

TIME_FORMAT = "%Y-%m-%d %H:%M"
SHOWN_FIELDS = 6
"""Changed fields listed in the offer; more are counted."""


class RestoreDraftScreen(ModalScreen[Answer | None]):
    """Offers one draft: `r` restores it, `d` discards it, escape leaves it for later."""

    AUTO_FOCUS = "#draft-restore"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "answer('restore')", "Restore", id="drafts.restore", tooltip="Go on with the unsaved edit"),
        Binding("d", "answer('discard')", "Discard", id="drafts.discard", tooltip="Throw the unsaved edit away"),
        Binding("escape", "later", "Later", id="drafts.later", tooltip="Keep the edit for the next start"),
    ]

    def __init__(
        self, draft: Draft, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        """Initialise the offer.

        Args:
            draft: The unsaved edit to offer (its client's name and values are server or user text: shown literally).
        """
        super().__init__(name=name, id=id, classes=classes)
        self.draft = draft

    def compose(self) -> ComposeResult:
        language = ui_language(self.app)
        with Vertical(id="draft-dialog"):
            yield Static(Content(offer_text(self.draft, language)), id="draft-question")
            yield Static(changes_content(self.draft, language), id="draft-changes")
            with Horizontal(id="draft-buttons"):
                yield Button(Content(f"{say('draft_restore', language)} (r)"), variant="primary", id="draft-restore")
                yield Button(Content(f"{say('draft_discard', language)} (d)"), id="draft-discard")
                yield Button(Content(f"{say('draft_later', language)} (esc)"), id="draft-later")

    @property
    def text(self) -> str:
        """What the offer says, as plain text."""
        return "\n".join(str(self.query_one(f"#draft-{part}", Static).visual) for part in ("question", "changes"))

    @on(Button.Pressed, "#draft-restore")
    def _restore(self) -> None:
        self.dismiss("restore")

    @on(Button.Pressed, "#draft-discard")
    def _discard(self) -> None:
        self.dismiss("discard")

    @on(Button.Pressed, "#draft-later")
    def _later(self) -> None:
        self.dismiss(None)

    def action_answer(self, answer: Answer) -> None:
        self.dismiss(answer)

    def action_later(self) -> None:
        self.dismiss(None)


def offer_text(draft: Draft, language: str) -> str:
    when = draft.saved_at.astimezone().strftime(TIME_FORMAT)
    name = clean(draft.client_name, max_length=60)
    return say("draft_offer", language, name=name, code=clean(draft.client_code, max_length=40), time=when)


def changes_content(draft: Draft, language: str) -> Content:
    """`City: Gent → Gentbrugge`, one line per changed field (the first few)."""
    lines = []
    for field, typed in list(draft.changes.items())[:SHOWN_FIELDS]:
        before = clean(draft.base.get(field), max_length=30) or "—"
        lines.append(
            Content.assemble(
                (f"{field_label(field, language)}: ", "bold"), (before, "dim"), " → ", clean(typed, max_length=40)
            )
        )
    if len(draft.changes) > SHOWN_FIELDS:
        lines.append(Content(say("draft_more", language, count=len(draft.changes) - SHOWN_FIELDS)))
    return Content("\n").join(lines)


def offer_drafts(app: App[Any], store: DraftStore, server: str, firm_id: int, *, written_before: datetime) -> None:
    """Offer this server's and firm's drafts, newest first, one at a time; a restore opens the client to edit
    (the others wait for the next start). Only drafts older than this run: on a slow server the user may be
    typing (and drafting) before the firm is known, and their own edit in progress is not a lost one."""
    older = [draft for draft in store.pending(server, firm_id) if draft.saved_at < written_before]
    _offer(app, store, server, older)


def _offer(app: App[Any], store: DraftStore, server: str, drafts: list[Draft]) -> None:
    if not drafts:
        return
    draft, rest = drafts[0], drafts[1:]

    def answered(answer: Answer | None) -> None:
        if answer == "restore":
            from tui.screens.client import ClientScreen

            app.push_screen(ClientScreen(draft.client_id, draft=draft))
            return
        if answer == "discard":
            try:
                store.remove(DraftKey(server, draft.firm_id, draft.client_id))
            except OSError as error:
                app.notify(f"The draft could not be removed ({error.strerror}).", severity="error", markup=False)
        _offer(app, store, server, rest)

    app.push_screen(RestoreDraftScreen(draft), callback=answered)
