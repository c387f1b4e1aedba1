"""`python -m bench` (`make bench`): every benchmark of issue 7, one script per figure, each in its own process.

    .venv/bin/python -m bench [--quick] [--list] [--compare FILE] [NAME ...] [script options]

NAME picks scripts (`search`, `client_save`, ...); none runs them all, in the order of issue 7 and then the
others. `--quick` gives each its short form (under a minute in all, once the cached databases exist). Each
script writes its figures to `bench/results/<name>[-quick].json`; at the end one table shows every figure
next to its goal, met or NOT met, and the value of the previous run. A run of all scripts writes that table
as `bench/results/summary.json` (`summary-quick.json` with `--quick`), the previous run's file being the one
compared with (`--compare FILE`: a kept summary instead). Benchmarks never fail on time: the exit code is
non-zero only when a script itself broke, and the table still shows what the others measured. Other options
go to every script run (`python -m bench search --backends sqlite --rounds 50`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.figures import Figure, read, table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"

ORDER = ("search", "client_save", "tui_startup", "pty_bytes", "email_filling")
"""Issue 7's figures 1-5; the other scripts follow in name order."""


def scripts() -> list[str]:
    """The runnable benchmark scripts: modules here with a `__main__` block (helpers have none)."""
    found = sorted(
        path.stem
        for path in HERE.glob("*.py")
        if not path.stem.startswith("_") and 'if __name__ == "__main__"' in path.read_text(encoding="utf-8")
    )
    return [name for name in ORDER if name in found] + [name for name in found if name not in ORDER]


def result_path(name: str, *, quick: bool) -> Path:
    return RESULTS / f"{name}{'-quick' if quick else ''}.json"


def command(name: str, *, quick: bool, extra: list[str]) -> list[str]:
    args = [sys.executable, "-m", f"bench.{name}", "--json", str(result_path(name, quick=quick))]
    return args + (["--quick"] if quick else []) + extra


def git_commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    return commit + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def previous_figures(path: Path) -> dict[str, Figure] | None:
    if not path.exists():
        return None
    try:
        return {figure.key: figure for figure in read(path)}
    except (ValueError, KeyError, TypeError) as error:
        print(f"(could not read {path}: {error})", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run codadesk's benchmarks.")
    parser.add_argument("names", nargs="*", metavar="NAME", help="scripts to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="each script's short form")
    parser.add_argument("--list", action="store_true", help="list the scripts and exit")
    parser.add_argument(
        "--compare", type=Path, metavar="FILE", help="a summary JSON to compare with (default: the previous run's)"
    )
    args, extra = parser.parse_known_args(argv)
    available = scripts()
    if args.list:
        print("\n".join(available))
        return 0
    unknown = [name for name in args.names if name not in available]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; --list shows them")
    RESULTS.mkdir(exist_ok=True)
    summary_path = RESULTS / f"summary{'-quick' if args.quick else ''}.json"
    compared = args.compare or summary_path
    previous = previous_figures(compared)
    names = args.names or available
    load_before = os.getloadavg()
    started = time.perf_counter()
    figures: list[Figure] = []
    seconds: dict[str, float] = {}
    broken: dict[str, int] = {}
    for name in names:
        print(f"\n=== {name} {'(quick) ' if args.quick else ''}" + "=" * 60, flush=True)
        print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: other work slows every figure)")
        target = result_path(name, quick=args.quick)
        target.unlink(missing_ok=True)  # a script that breaks leaves no figures of an earlier run behind
        begun = time.perf_counter()
        finished = subprocess.run(command(name, quick=args.quick, extra=extra), cwd=ROOT, check=False)
        seconds[name] = round(time.perf_counter() - begun, 1)
        print(f"--- {name}: {seconds[name]:.0f} s", flush=True)
        if finished.returncode != 0:
            broken[name] = finished.returncode
        if target.exists():
            figures += read(target)
        if finished.returncode != 0 or not target.exists():
            why = f"the script broke (exit {finished.returncode})" if finished.returncode else "no figures written"
            figures.append(Figure(name, "(script)", None, unit="", note=f"{why}: see its output above"))
    total = time.perf_counter() - started
    load_after = os.getloadavg()

    title = f"codadesk benchmarks{' (quick)' if args.quick else ''}"
    print(
        f"\n=== {title}: {total:.0f} s on {os.cpu_count()} cores, load average {load_before[0]:.1f} -> "
        f"{load_after[0]:.1f} " + "=" * 30
    )
    if previous is None:
        print(f"(no {compared}: nothing to compare with)")
    else:
        print(f"(the previous column: {compared})")
    print(table(figures, previous))
    missed = [figure for figure in figures if figure.met is False]
    goals = [figure for figure in figures if figure.met is not None]
    print(f"\ngoals met: {len(goals) - len(missed)} of {len(goals)}")
    print("seconds per script: " + ", ".join(f"{name} {value:.0f}" for name, value in seconds.items()))
    if args.names:
        print(f"(only some scripts ran: {summary_path.name} is written by a run of all of them)")
    else:
        summary: dict[str, Any] = {
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "commit": git_commit(),
            "cores": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": load_after,
            "quick": args.quick,
            "seconds": {"total": round(total, 1), **seconds},
            "broken": broken,
            "figures": [figure.as_dict() for figure in figures],
        }
        summary_path.write_text(json.dumps(summary, indent=1), encoding="utf-8")
        print(f"figures written to {summary_path}")
    if broken:
        print(f"these scripts failed: {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
