"""The four actions of one mandate with their keys; an unavailable one is dimmed and says why."""

from __future__ import annotations

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


class MandateActionList(Static):
    """`d Download`, `t Sign with Twikey`, `a Archive`, `r Resend` for the selected mandate."""

    def show(
        self, mandate: Mandate | None, language: str = "en", *, keys: dict[str, str] | None = None, busy: str = ""
    ) -> None:
        """Show the actions of `mandate`; `busy` names the action on its way (shown as working)."""
        if mandate is None:
            self.update("")
            return
        keys = keys or {}
        labels = {name: action_label(name, language) for name in ACTION_KEYS}
        width = max(len(label) for label in labels.values()) + 2
        lines: list[Content] = []
        for name, default_key in ACTION_KEYS.items():
            entry = mandate.action(name)
            key = keys.get(name, default_key)
            if entry.available:
                parts: list[str | tuple[str, str]] = [(f" {key} ", "bold reverse"), " ", labels[name].ljust(width)]
                if busy == name:
                    parts.append((say("working", language), "italic $text-accent"))
            else:
                parts = [
                    (f" {key} ", "$text-disabled"),
                    " ",
                    (labels[name].ljust(width), "$text-disabled"),
                    (reason_of(entry, language), "italic $text-muted"),
                ]
            lines.append(Content.assemble(*parts))
        self.update(Content("\n").join(lines))
