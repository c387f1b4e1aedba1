"""The command palette (ctrl+p): the keys of the current screen, found by name.

Each command is a binding of the screen the palette was opened on (its focused widget, the screen, the
app), titled `area: verb` from the binding's id (`clients.fill_email` → `clients: type e-mails in place`).
So the palette offers exactly what makes sense here, and a screen gains commands by declaring bindings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

_NOT_COMMANDS = frozenset({"command_palette", "app.command_palette"})


@dataclass(frozen=True)
class ScreenCommand:
    title: str
    help: str
    run: Callable[[], Any]


def command_title(binding: Binding, fallback_area: str) -> str:
    """`area: verb`: the area is the binding id's first part (or the screen's), the verb its description."""
    area = binding.id.split(".", 1)[0] if binding.id and "." in binding.id else fallback_area
    return f"{area}: {binding.description[:1].lower()}{binding.description[1:]}"


def screen_commands(screen: Screen[Any]) -> Iterator[ScreenCommand]:
    """The enabled, described bindings active on `screen`, once each."""
    app = screen.app
    fallback_area = getattr(screen, "COMMAND_AREA", type(screen).__name__.removesuffix("Screen").lower())
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or not active.enabled or binding.action in _NOT_COMMANDS or binding.system:
            continue
        if binding.id is None and not binding.show:  # a widget's inner keys (an input's ctrl+w...): help lists them
            continue
        title = command_title(binding, fallback_area)
        if title in seen:
            continue
        seen.add(title)
        yield ScreenCommand(title, binding.tooltip, partial(app.run_action, binding.action, active.node))


class ScreenCommands(Provider):
    """Offers the current screen's keys as commands."""

    async def discover(self) -> Hits:
        for command in sorted(screen_commands(self.screen), key=lambda command: command.title):
            yield DiscoveryHit(command.title, command.run, help=command.help or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in screen_commands(self.screen):
            if (score := matcher.match(command.title)) > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, text=command.title, help=command.help)
