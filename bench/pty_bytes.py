"""Bytes codadesk writes to a real pseudo-terminal: what a user pays over a slow SSH link.

    .venv/bin/python bench/pty_bytes.py [--clients 100000] [--quick] [--json FILE]

At 120x40 and at 80x24 (issue 7, item 4): the first frame; a cursor move inside the page (goal ≤ 1.2 KB); a
cursor move that scrolls the table by one line and a page down (goal ≤ 8 KB); a search keystroke (its echo
and the results that replace the table); and 5 s of idling (goal 0: no cursor blink, no clock). `--quick`
watches the idle app for 1 s only (the figure's note says so) and makes fewer moves.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/x.py` as well as `-m bench.x`

from bench.figures import Figure, print_figures, write
from bench.tui_pty import CLIENT_ROW, Terminal
from bench.tui_startup import ensure_demo

SIZES = ((120, 40), (80, 24))
GOALS = {"cursor_move": 1200, "scroll_line": 8000, "page_down": 8000, "idle": 0}
SECTION = "4 pty bytes"
LABELS = {
    "first_frame": "first frame",
    "cursor_move": "per cursor move",
    "scroll_line": "per scrolling move (one line)",
    "page_down": "per page down",
    "search_keystroke": "per search keystroke",
    "idle": "idle",
}


def average_bytes(terminal: Terminal, key: str, times: int, quiet: float) -> float:
    """Bytes per press of `key`, each press waited out (`quiet` s without output) before the next."""
    sizes = []
    for _ in range(times):
        terminal.press(key)
        sizes.append(len(terminal.settle(quiet=quiet).data))
    return statistics.mean(sizes)


def measure_size(
    folder: Path, clients: int, size: tuple[int, int], *, moves: int, idle: float, quick: bool
) -> dict[str, float]:
    """Bytes per action at `size`. An action's output ends when the app has been quiet for a while: shorter
    waits in quick mode (the app answers a key in a few ms; a search in under 0.1 s)."""
    settle, key, search = (0.3, 0.1, 0.3) if quick else (0.5, 0.15, 0.6)
    terminal = Terminal(folder, clients, size=size)
    terminal.start()
    shown, _ = terminal.read_until(CLIENT_ROW, seconds=120)
    first_frame = len(shown) + len(terminal.settle(quiet=2 * settle).data)
    body = size[1] - 4  # search line, table header, footer; and one row of slack
    figures = {"first_frame": float(first_frame)}
    figures["cursor_move"] = average_bytes(terminal, "down", min(moves, body - 2), key)
    terminal.press("home")
    terminal.settle(quiet=settle)
    for _ in range(body + 1):  # to the last visible row: each further move scrolls one line
        terminal.press("down")
    terminal.settle(quiet=settle)
    figures["scroll_line"] = average_bytes(terminal, "down", moves, key)
    figures["page_down"] = average_bytes(terminal, "pagedown", moves // 2, key)
    terminal.press("home")
    terminal.settle(quiet=settle)
    terminal.press("/")
    terminal.settle(quiet=settle)
    typed = []
    for character in "arch":  # each: the echo, then the results replacing the table
        terminal.press(character)
        typed.append(len(terminal.settle(quiet=search).data))
    figures["search_keystroke"] = statistics.mean(typed)
    terminal.press("escape")
    terminal.settle(quiet=settle)
    figures["idle"] = float(len(terminal.read_for(idle)))
    status = terminal.quit()
    assert status == 0, f"codadesk ended with {status}"
    return figures


def measure(
    *, clients: int = 100_000, moves: int = 20, idle: float = 5.0, quick: bool = False
) -> dict[str, dict[str, float]]:
    folder = ensure_demo(clients)
    return {
        f"{columns}x{rows}": measure_size(folder, clients, (columns, rows), moves=moves, idle=idle, quick=quick)
        for columns, rows in SIZES
    }


def figures_of(values: dict[str, dict[str, float]], *, idle: float, clients: int) -> list[Figure]:
    found = []
    for size, figures in values.items():
        for name, value in figures.items():
            note = f"{2 * clients:,}-client demo" if name == "first_frame" else ""
            if name == "idle":
                note = f"{idle:g} s window" + ("" if idle >= 5 else " (quick; the full run watches 5 s)")
            found.append(Figure(SECTION, f"{size} {LABELS[name]}", value, unit="B", goal=GOALS.get(name), note=note))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000, help="clients per demo firm (two firms)")
    parser.add_argument("--quick", action="store_true", help="a 2,000-client demo, fewer moves, 1 s of idling")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    clients, moves, idle = (2000, 6, 1.0) if args.quick else (args.clients, 20, 5.0)
    values = measure(clients=clients, moves=moves, idle=idle, quick=args.quick)
    figures = figures_of(values, idle=idle, clients=clients)
    print("bytes written to a pty by codadesk, per action:")
    print_figures(figures)
    write(args.json, figures, clients=clients, moves=moves, idle_seconds=idle, values=values)


if __name__ == "__main__":
    main()
