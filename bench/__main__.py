"""`python -m bench` (`make bench`): every benchmark of issue 7, one script per figure, each in its own process.

    .venv/bin/python -m bench [--quick] [--list] [NAME ...] [script options]

NAME picks scripts (`search`, `client_save`, ...); none runs them all, in the order of issue 7 and then the
others. `--quick` gives each its short form (under a minute in all, once the cached databases exist). A
script that takes `--json` writes its figures to `bench/results/<name>.json`. Benchmarks print figures next
to their goals; they never fail on time. The exit code is non-zero only when a script itself broke. Other
options go to every script run (`python -m bench search --backends sqlite --rounds 50`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"

ORDER = ("search", "client_save", "tui_startup", "pty_bytes", "email_filling")
"""Issue 7's figures 1-5; the other scripts follow in name order."""

QUICK_ARGS: dict[str, list[str]] = {
    "client_save": ["--clients", "20000", "--rounds", "50"],
    "embedded_start": ["--clients", "2000", "--runs", "2"],
    "mail_delivery": ["--messages", "50"],
    "mandate_actions": ["--clients", "2000", "--rounds", "20"],
}
"""Short forms of the scripts that have no `--quick` of their own."""


def scripts() -> list[str]:
    """The runnable benchmark scripts: modules here with a `__main__` block (helpers have none)."""
    found = sorted(
        path.stem
        for path in HERE.glob("*.py")
        if not path.stem.startswith("_") and 'if __name__ == "__main__"' in path.read_text(encoding="utf-8")
    )
    return [name for name in ORDER if name in found] + [name for name in found if name not in ORDER]


def command(name: str, *, quick: bool, extra: list[str]) -> list[str]:
    source = (HERE / f"{name}.py").read_text(encoding="utf-8")
    args = [sys.executable, "-m", f"bench.{name}"]
    if quick:
        args += ["--quick"] if '"--quick"' in source else QUICK_ARGS.get(name, [])
    if '"--json"' in source and name != "search":
        args += ["--json", str(RESULTS / f"{name}{'-quick' if quick else ''}.json")]
    return args + extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run codadesk's benchmarks.")
    parser.add_argument("names", nargs="*", metavar="NAME", help="scripts to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="each script's short form")
    parser.add_argument("--list", action="store_true", help="list the scripts and exit")
    args, extra = parser.parse_known_args(argv)
    available = scripts()
    if args.list:
        print("\n".join(available))
        return 0
    unknown = [name for name in args.names if name not in available]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; --list shows them")
    RESULTS.mkdir(exist_ok=True)
    broken = []
    started = time.perf_counter()
    for name in args.names or available:
        print(f"\n=== {name} {'(quick) ' if args.quick else ''}" + "=" * 60, flush=True)
        load = os.getloadavg()[0]
        print(f"(load average {load:.1f} on {os.cpu_count()} cores: other work on the machine slows every figure)")
        begun = time.perf_counter()
        finished = subprocess.run(command(name, quick=args.quick, extra=extra), cwd=ROOT, check=False)
        print(f"--- {name}: {time.perf_counter() - begun:.0f} s", flush=True)
        if finished.returncode != 0:
            broken.append(name)
    print(f"\nall benchmarks: {time.perf_counter() - started:.0f} s; figures in {RESULTS}")
    if broken:
        print(f"these scripts failed: {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
