"""f1: every key of the screen beneath, read from its bindings (so a remapped key shows as remapped)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
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


def key_table(screen: Screen[Any]) -> Table:
    """Every key active on `screen`: the keys, `area: verb`, and the word on it. Keys doing one thing share a row."""
    app = screen.app
    area = getattr(screen, "COMMAND_AREA", type(screen).__name__.removesuffix("Screen").lower())
    keys: dict[str, list[str]] = {}
    words: dict[str, str] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.system:
            continue
        # Textual's own keys (tab, copy) have no id: named as Textual describes them.
        title = f"{area}: {binding.description.lower()}" if binding.id is None else command_title(binding, area)
        key = app.get_key_display(binding)
        if key not in keys.setdefault(title, []):
            keys[title].append(key)
        words.setdefault(title, binding.tooltip)
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column("keys", style="bold", no_wrap=True)
    table.add_column("command", no_wrap=True)
    table.add_column("what it does", style="dim", ratio=1)
    for title in sorted(keys, key=lambda title: (title.startswith("app:"), title)):
        table.add_row(", ".join(keys[title]), title, words[title])
    return table
