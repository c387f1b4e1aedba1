"""Every field of a client, read-only: a label column and the values, server text shown literally."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from api_client.models import EDITABLE_FIELDS, Client
from tui.safe_text import clean
from tui.widgets.words import enterprise_number, field_label, language_name, say

SHOWN_FIELDS = (*EDITABLE_FIELDS, "delivery_folder")


def value_text(client: Client, field: str, language: str) -> str:
    value = client.value(field)
    if value is None or value == "":
        return say("empty", language)
    if field == "enterprise_number":
        return enterprise_number(value)
    if field == "language":
        return language_name(value, language)
    return clean(value)


class ClientDetails(Static):
    """The client's fields and delivery folder, one per line; a locked field says why after its value."""

    def show(self, client: Client, language: str = "en") -> None:
        labels = {field: field_label(field, language) for field in SHOWN_FIELDS}
        width = max(len(label) for label in labels.values()) + 2
        lines: list[Content] = []
        for field in SHOWN_FIELDS:
            parts: list[str | Content | tuple[str, str]] = [
                (labels[field].ljust(width), "dim"),
                value_text(client, field, language),
            ]
            lock = client.locks.get(field)
            if lock is not None:
                parts.append((f"  ({clean(lock.message)})", "italic dim"))
            lines.append(Content.assemble(*parts))
        self.update(Content("\n").join(lines))
