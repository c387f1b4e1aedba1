"""Who changed what in a client, from what to what, newest first."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from api_client.models import HistoryEntry
from tui.safe_text import clean
from tui.widgets.words import enterprise_number, field_label, say

TIME_FORMAT = "%Y-%m-%d %H:%M"


def shown(field: str, value: str | None, language: str) -> str:
    """A stored value as a user reads it; empty is a dash."""
    if value is None or value == "":
        return say("empty", language)
    return enterprise_number(value) if field == "enterprise_number" else clean(value)


def entry_content(entry: HistoryEntry, language: str = "en") -> Content:
    """`2026-01-05 10:00  An Peeters` then one line per field: `City: Gent → Brussel`."""
    when = entry.at.astimezone().strftime(TIME_FORMAT)
    lines = [Content.assemble((when, "dim"), "  ", (clean(entry.user.name), "bold"))]
    for field, (old, new) in entry.changes.items():
        lines.append(
            Content.assemble(
                "  ",
                field_label(field, language),
                ": ",
                (shown(field, old, language), "dim"),
                " → ",
                shown(field, new, language),
            )
        )
    return Content("\n").join(lines)


class HistoryList(Static):
    """The client's history as the server gives it (newest first)."""

    def show(self, entries: Sequence[HistoryEntry] | None, language: str = "en") -> None:
        if entries is None:
            self.update(Content.styled(say("loading", language), "italic dim"))
        elif not entries:
            self.update(Content.styled(say("no_history", language), "italic dim"))
        else:
            self.update(Content("\n").join(entry_content(e, language) for e in entries))
