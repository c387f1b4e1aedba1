"""The TUI on the embedded demo, timed as a user feels it, through a real pseudo-terminal.

    .venv/bin/python bench/tui_startup.py [--clients 100000] [--runs 5] [--quick] [--json FILE]

Figures (issue 7, item 3): process start → the app on screen, and → the first frame showing client rows
(goal ≤ 0.5 s); cursor key → repaint done (goal ≤ 16 ms); search keystroke → its echo, and → the results
table repainted (goal ≤ 50 ms p95: the search runs on each keystroke, there is no debounce); peak RSS of the
app's process (goal ≤ 90 MB; the largest VmHWM of the timed starts, the seeding start excluded).
The demo (two firms of `--clients` clients) is seeded once into the user's cache and kept.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/x.py` as well as `-m bench.x`

from bench.figures import Figure, print_figures, write
from bench.tui_pty import CLIENT_ROW, Terminal, demo_folder, percentile, served

SEARCH_TERMS = (*"archi", *"\x7f" * 5, *"bakker", *"\x7f" * 6, *"meuse")
"""Keystrokes typed into the search box, each waited for: words, then backspaces back to the whole list
(21 samples, so that p95 is not just the slowest one)."""
SHELL = re.compile(rb"Search: name")
"""The search box's placeholder: the app is on screen (its server may still be opening)."""
SECTION = "3 TUI"
GOALS = {"first_frame_p50_ms": 500, "cursor_repaint_p95_ms": 16, "search_results_p95_ms": 50, "peak_rss_mb": 90}


def ensure_demo(clients: int) -> Path:
    """The seeded demo folder; the first time, a start of codadesk seeds it (minutes for 100,000)."""
    folder: Path = demo_folder(clients)
    if not (folder / "token").exists():
        print(f"seeding the embedded demo ({2 * clients:,} clients) into {folder} ...", flush=True)
        began = time.perf_counter()
        terminal = Terminal(folder, clients)
        terminal.start()
        terminal.read_until(CLIENT_ROW, seconds=3600)
        terminal.quit()
        print(f"  seeded in {time.perf_counter() - began:.0f} s", flush=True)
    return folder


def measure(
    *, clients: int = 100_000, runs: int = 5, moves: int = 40, search_quiet: float = 0.5, server: str | None = None
) -> dict[str, float]:
    """Start codadesk `runs` times; in the first run, time `moves` cursor keys and a typed search (each
    keystroke's answer ends when the app has written nothing for `search_quiet` s).

    With `server`, the TUI talks to that running server instead of embedding one in its process.
    """
    folder = ensure_demo(clients)
    first_frames: list[float] = []
    first_frame_cpu: list[float] = []
    shells: list[float] = []
    moves_ms: list[float] = []
    echo_ms: list[float] = []
    results_ms: list[float] = []
    peaks: list[float] = []
    for run in range(runs):
        terminal = Terminal(folder, clients, server=server)
        terminal.start()
        _, painted = terminal.read_until(SHELL, seconds=120)
        shells.append(painted - terminal.started)
        _, shown = terminal.read_until(CLIENT_ROW, seconds=120)
        first_frames.append(shown - terminal.started)
        first_frame_cpu.append(terminal.cpu_seconds())
        if run == 0:
            terminal.settle(quiet=0.5)
            for _ in range(moves):
                sent = terminal.press("down")
                burst = terminal.settle(quiet=0.05)
                if burst.data:
                    moves_ms.append((burst.last - sent) * 1000)
            terminal.press("/")
            terminal.settle(quiet=0.3)
            for character in SEARCH_TERMS:
                sent = terminal.press(character)
                burst = terminal.settle(quiet=search_quiet)
                echo_ms.append((burst.first - sent) * 1000)
                results_ms.append((burst.last - sent) * 1000)
        peaks.append(terminal.peak_rss_mb())
        status = terminal.quit()
        assert status == 0, f"codadesk ended with {status}"
    return {
        "app_on_screen_p50_ms": statistics.median(shells) * 1000,
        "first_frame_p50_ms": statistics.median(first_frames) * 1000,
        "first_frame_max_ms": max(first_frames) * 1000,
        "first_frame_cpu_p50_ms": statistics.median(first_frame_cpu) * 1000,
        "cursor_repaint_p50_ms": statistics.median(moves_ms),
        "cursor_repaint_p95_ms": percentile(moves_ms, 0.95),
        "search_echo_p50_ms": statistics.median(echo_ms),
        "search_echo_p95_ms": percentile(echo_ms, 0.95),
        "search_results_p50_ms": statistics.median(results_ms),
        "search_results_p95_ms": percentile(results_ms, 0.95),
        "peak_rss_mb": max(peaks),
    }


FIGURES = {
    "app_on_screen_p50_ms": ("process start → app on screen p50", "ms"),
    "first_frame_p50_ms": ("process start → first frame with rows p50", "ms"),
    "first_frame_max_ms": ("process start → first frame with rows, worst", "ms"),
    "first_frame_cpu_p50_ms": ("CPU used until the first frame with rows p50", "ms"),
    "cursor_repaint_p50_ms": ("cursor key → repaint p50", "ms"),
    "cursor_repaint_p95_ms": ("cursor key → repaint p95", "ms"),
    "search_echo_p50_ms": ("search keystroke → echo p50", "ms"),
    "search_echo_p95_ms": ("search keystroke → echo p95", "ms"),
    "search_results_p50_ms": ("search keystroke → repainted table p50", "ms"),
    "search_results_p95_ms": ("search keystroke → repainted table p95", "ms"),
    "peak_rss_mb": ("peak RSS", "MB"),
}


def figures_of(values: dict[str, float], note: str) -> list[Figure]:
    return [
        Figure(SECTION, label, values[key], unit=unit, goal=GOALS.get(key), note=note if n == 0 else "")
        for n, (key, (label, unit)) in enumerate(FIGURES.items())
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000, help="clients per demo firm (two firms)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a 2,000-client demo, two runs, 20 cursor moves")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--remote", action="store_true", help="run `codadesk-server serve` apart: the TUI process alone is measured"
    )
    args = parser.parse_args()
    clients, runs, moves, quiet = (2000, 2, 20, 0.2) if args.quick else (args.clients, args.runs, 40, 0.5)
    if args.remote:
        with served(ensure_demo(clients)) as url:
            values = measure(clients=clients, runs=runs, moves=moves, search_quiet=quiet, server=url)
    else:
        values = measure(clients=clients, runs=runs, moves=moves, search_quiet=quiet)
    where = "a server in another process" if args.remote else "the embedded demo"
    note = f"{where}, {2 * clients:,} clients, {runs} starts, 120x40 pty"
    figures = figures_of(values, note)
    print(f"codadesk on {note}:")
    print_figures(figures)
    write(args.json, figures, clients=clients, runs=runs, moves=moves, remote=args.remote, values=values)


if __name__ == "__main__":
    main()
