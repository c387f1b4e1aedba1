"""f1: every key of the screen beneath, read from its bindings (so a remapped key shows as remapped)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.commands import command_title


class HelpScreen(ModalScreen[None]):
    """The keys of `screen`: what each does, and the longer word on it where there is one."""

    COMMAND_AREA = "help"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close help", id="help.close", tooltip="Back to where you were."),
    ]

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self._keys = key_table(screen)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-panel") as panel:
            panel.border_title = "Keys"
            panel.border_subtitle = "escape closes"
            yield Static(self._keys, id="help-keys")


def key_table(screen: Screen[Any]) -> Text:
    """One line per key active on `screen`: key, `area: verb`, and the tooltip."""
    app = screen.app
    area = getattr(screen, "COMMAND_AREA", type(screen).__name__.removesuffix("Screen").lower())
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.system:
            continue
        key = app.get_key_display(binding)
        title = command_title(binding, area)
        if (key, title) in seen:
            continue
        seen.add((key, title))
        rows.append((key, title, binding.tooltip))
    rows.sort(key=lambda row: (row[1].startswith("app:"), row[1]))
    width = max((len(key) for key, _, _ in rows), default=0)
    text = Text(no_wrap=False, end="")
    for index, (key, title, tooltip) in enumerate(rows):
        if index:
            text.append("\n")
        text.append(key.ljust(width), style="bold")
        text.append("  ")
        text.append(title)
        if tooltip:
            text.append(f"  {tooltip}", style="dim")
    return text
