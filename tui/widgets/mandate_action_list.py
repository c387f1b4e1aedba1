"""The four actions of one mandate with their keys; an unavailable one is dimmed and says why."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from api_client.models import ActionName, Mandate, MandateAction
from tui.safe_text import clean
from tui.widgets.words import action_label, reason_text, say

ACTION_KEYS: dict[ActionName, str] = {"download": "d", "sign_twikey": "t", "archive": "a", "resend": "r"}
"""The default key of each action; the sheet's bindings use the same ones (remappable by binding id)."""


def reason_of(entry: MandateAction, language: str) -> str:
    """Why the action is not available, in words: the server's message, else the TUI's own wording."""
    if entry.message:
        return clean(entry.message)
    return reason_text(entry.reason, language)


class MandateActionList(Vertical, can_focus=False):
    """`d Download`, `t Sign with Twikey`, `a Archive`, `r Resend` for the selected mandate.

    One row per action: the key and the action's name, then (dimmed actions only) the reason, which wraps in
    its own column so a long reason stays readable at 80 columns.
    """

    def compose(self) -> ComposeResult:
        for name in ACTION_KEYS:
            with Horizontal(classes="action-row", id=f"action-{name}"):
                yield Static("", classes="action-name")
                yield Static("", classes="action-reason")

    def show(
        self, mandate: Mandate | None, language: str = "en", *, keys: dict[str, str] | None = None, busy: str = ""
    ) -> None:
        """Show the actions of `mandate`; `busy` names the action on its way (shown as working)."""
        keys = keys or {}
        for name, default_key in ACTION_KEYS.items():
            row = self.query_one(f"#action-{name}", Horizontal)
            row.display = mandate is not None
            if mandate is None:
                continue
            entry = mandate.action(name)
            key = keys.get(name, default_key)
            label = action_label(name, language)
            reason = ""
            if entry.available:
                title = Content.assemble((f" {key} ", "bold reverse"), " ", label)
                if busy == name:
                    reason = say("working", language)
            else:
                title = Content.assemble((f" {key} ", "dim"), " ", (label, "dim"))
                reason = reason_of(entry, language)
            row.set_class(not entry.available, "-unavailable")
            row.query_one(".action-name", Static).update(title)
            row.query_one(".action-reason", Static).update(Content(reason))

    @property
    def text(self) -> str:
        """What the rows say, as plain text (one line per action)."""
        lines = []
        for row in self.query(".action-row").results(Horizontal):
            name = row.query_one(".action-name", Static).visual
            reason = row.query_one(".action-reason", Static).visual
            lines.append(f"{name}  {reason}".rstrip())
        return "\n".join(lines)
