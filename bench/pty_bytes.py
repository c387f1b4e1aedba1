"""Bytes codadesk writes to a real pseudo-terminal: what a user pays over a slow SSH link.

    .venv/bin/python bench/pty_bytes.py [--clients 100000] [--quick] [--json FILE]

At 120x40 and at 80x24 (issue 7, item 4): the first frame; a cursor move inside the page (goal ≤ 1.2 KB); a
cursor move that scrolls the table by one line and a page down (goal ≤ 8 KB); a search keystroke (its echo
and the results that replace the table); and 5 s of idling (goal 0: no cursor blink, no clock).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/x.py` as well as `-m bench.x`

from bench.tui_pty import CLIENT_ROW, Terminal
from bench.tui_startup import ensure_demo

SIZES = ((120, 40), (80, 24))
GOALS = {"cursor_move": 1200, "scroll_line": 8000, "page_down": 8000, "idle_5s": 0}


def average_bytes(terminal: Terminal, key: str, times: int) -> float:
    """Bytes per press of `key`, each press waited out before the next."""
    sizes = []
    for _ in range(times):
        terminal.press(key)
        sizes.append(len(terminal.settle(quiet=0.15).data))
    return statistics.mean(sizes)


def measure_size(folder: Path, clients: int, size: tuple[int, int], *, moves: int) -> dict[str, float]:
    terminal = Terminal(folder, clients, size=size)
    terminal.start()
    shown, _ = terminal.read_until(CLIENT_ROW, seconds=120)
    first_frame = len(shown) + len(terminal.settle(quiet=1.0).data)
    body = size[1] - 4  # search line, table header, footer; and one row of slack
    figures = {"first_frame": float(first_frame)}
    figures["cursor_move"] = average_bytes(terminal, "down", min(moves, body - 2))
    terminal.press("home")
    terminal.settle(quiet=0.3)
    for _ in range(body + 1):  # to the last visible row: each further move scrolls one line
        terminal.press("down")
    terminal.settle(quiet=0.5)
    figures["scroll_line"] = average_bytes(terminal, "down", moves)
    figures["page_down"] = average_bytes(terminal, "pagedown", moves // 2)
    terminal.press("home")
    terminal.settle(quiet=0.5)
    terminal.press("/")
    terminal.settle(quiet=0.3)
    typed = []
    for character in "arch":  # each: the echo, then (after the debounce) the results replacing the table
        terminal.press(character)
        typed.append(len(terminal.settle(quiet=0.6).data))
    figures["search_keystroke"] = statistics.mean(typed)
    terminal.press("escape")
    terminal.settle(quiet=0.5)
    figures["idle_5s"] = float(len(terminal.read_for(5.0)))
    status = terminal.quit()
    assert status == 0, f"codadesk ended with {status}"
    return figures


def measure(*, clients: int = 100_000, moves: int = 20) -> dict[str, dict[str, float]]:
    folder = ensure_demo(clients)
    return {f"{columns}x{rows}": measure_size(folder, clients, (columns, rows), moves=moves) for columns, rows in SIZES}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000, help="clients per demo firm (two firms)")
    parser.add_argument("--quick", action="store_true", help="a 2,000-client demo, fewer moves")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    clients, moves = (2000, 8) if args.quick else (args.clients, 20)
    figures = measure(clients=clients, moves=moves)
    print(f"bytes written to a pty by codadesk ({2 * clients:,}-client demo), per action:")
    print(f"  {'':<18}" + "".join(f"{size:>12}" for size in figures))
    for name in next(iter(figures.values())):
        goal = GOALS.get(name)
        row = "".join(f"{values[name]:12,.0f}" for values in figures.values())
        verdict = ""
        if goal is not None:
            met = all(values[name] <= goal for values in figures.values())
            verdict = f"   goal ≤ {goal:,}: {'met' if met else 'NOT met'}"
        print(f"  {name:<18}{row}{verdict}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
