"""How long `codadesk` without a server takes to be ready on an already-seeded demo: `open_embedded_client()`
until the first `me()` is answered, each run in a fresh Python process as a user starting the app sees it.

    .venv/bin/python -m bench embedded_start [--clients 100000] [--runs 7] [--data-dir DIR] [--quick] [--json FILE]

The demo (two firms of `--clients` clients each) is seeded once into `--data-dir` (default: a folder in the
user's cache, kept for the next run) and that first start is timed too; then every run starts on it. Printed:
the median and worst of the imports (the server's modules, which `open_embedded_client` imports on first
call), of "ready" (from calling `open_embedded_client`, imports done, to the first answer) and of the whole
process start to the first answer, which is what a user waits for.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import platformdirs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/x.py` as well as `-m bench.x`

from bench.figures import Figure, print_figures, write

ROOT = Path(__file__).resolve().parents[1]
SECTION = "embedded start"

ONE_START = """
import json, sys, time
began = time.perf_counter()
import anyio
from tui.embedded import open_embedded_client
# Imported here only to tell the two costs apart; open_embedded_client would import it all the same.
import server.main, server.mail.worker
imported = time.perf_counter()

async def start() -> dict[str, float | bool]:
    called = time.perf_counter()
    async with await open_embedded_client(data_dir=sys.argv[1], demo_size=int(sys.argv[2])) as api:
        await api.me()
        answered = time.perf_counter()
        return {
            "import_ms": (imported - began) * 1000,
            "ready_ms": (answered - called) * 1000,
            "process_ms": (answered - began) * 1000,
            "seeded": api.startup.seeded,
            "migrated": api.startup.migrated,
        }

print(json.dumps(anyio.run(start)))
"""


def start_once(data_dir: Path, clients: int) -> dict[str, float | bool]:
    completed = subprocess.run(
        [sys.executable, "-c", ONE_START, str(data_dir), str(clients)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    result: dict[str, float | bool] = json.loads(completed.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000, help="clients per demo firm (two firms)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="where the seeded demo is kept between runs")
    parser.add_argument("--quick", action="store_true", help="the 2,000-client demo, 2 runs")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    clients, runs = (2000, 2) if args.quick else (args.clients, args.runs)
    data_dir = args.data_dir or platformdirs.user_cache_path("codadesk") / f"bench-embedded-{clients}"

    if not (data_dir / "token").exists():
        began = time.perf_counter()
        first = start_once(data_dir, clients)
        print(f"first start (migrate + seed {2 * clients} clients): {time.perf_counter() - began:.1f} s")
        assert first["seeded"], "a first start seeds"

    samples = [start_once(data_dir, clients) for _ in range(runs)]
    assert not any(run["seeded"] or run["migrated"] for run in samples), "a seeded demo is never rebuilt"
    size = (data_dir / "codadesk.db").stat().st_size / 1e6
    note = f"{2 * clients:,}-client demo ({size:.0f} MB), {runs} runs"
    figures = []
    for key, label in (
        ("import_ms", "imports (server, FastAPI, SQLAlchemy)"),
        ("ready_ms", "open_embedded_client → first me()"),
        ("process_ms", "whole process start → first answer"),
    ):
        values = [float(run[key]) for run in samples]
        figures.append(Figure(SECTION, f"{label} median", statistics.median(values), note=note))
        figures.append(Figure(SECTION, f"{label} worst", max(values), note=note))
    print("embedded start on a seeded demo, each run a fresh Python process:")
    print_figures(figures)
    write(args.json, figures, clients=clients, runs=samples)


if __name__ == "__main__":
    main()
