"""Rapid e-mail filling through the real key path: ctrl+e, `@`, then for each client an address and Enter.

    .venv/bin/python bench/email_filling.py [--emails 100] [--quick] [--json FILE]

Issue 7, item 5: keystrokes beyond the typed addresses per e-mail (goal 1: the Enter), and the time the app
takes per e-mail from Enter until the next client's input is ready (the save, the move, the repaint). Runs
on a copy of the cached 2,000-client demo (the saves must not change it) in a 120x40 pseudo-terminal, and
checks in the database afterwards that every address was saved.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/x.py` as well as `-m bench.x`

from bench.figures import Figure, print_figures, write
from bench.tui_pty import CLIENT_ROW, Terminal, percentile
from bench.tui_startup import ensure_demo

DEMO_CLIENTS = 2000
SECTION = "5 e-mail filling"
FIGURES = {
    "emails_saved": ("e-mails saved (checked in the database)", "", None),
    "keys_beyond_addresses_per_email": ("keys beyond the typed address per e-mail", "keys", 1.0),
    "app_ms_per_email_p50": ("time in the app per e-mail p50 (Enter → next input ready)", "ms", None),
    "app_ms_per_email_p95": ("time in the app per e-mail p95", "ms", None),
    "wall_s_per_email_with_typing": ("wall time per e-mail, typing included", "s", None),
}


def measure(*, emails: int = 100) -> dict[str, float]:
    source = ensure_demo(DEMO_CLIENTS)
    with tempfile.TemporaryDirectory(prefix="codadesk-filling-") as folder:
        data_dir = Path(folder)
        for name in ("codadesk.db", "token", "schema.json"):
            if (source / name).exists():
                shutil.copy2(source / name, data_dir / name)
        terminal = Terminal(data_dir, DEMO_CLIENTS)
        terminal.start()
        terminal.read_until(CLIENT_ROW, seconds=120)
        terminal.settle(quiet=0.5)
        keys = 0
        typed = 0
        for key in ("ctrl+e", "@"):
            terminal.press(key)
            keys += 1
            terminal.settle(quiet=0.5)
        per_email: list[float] = []
        began = time.perf_counter()
        for index in range(emails):
            address = f"fill{index}@client.example"
            for character in address:
                terminal.press(character)
            typed += len(address)
            keys += len(address)
            sent = terminal.press("enter")
            keys += 1
            per_email.append(terminal.settle(quiet=0.3).last - sent)
        elapsed = time.perf_counter() - began
        status = terminal.quit()
        assert status == 0, f"codadesk ended with {status}"
        with closing(sqlite3.connect(data_dir / "codadesk.db")) as database:
            query = "SELECT count(*) FROM clients WHERE email LIKE 'fill%@client.example'"
            (saved,) = database.execute(query).fetchone()
    assert saved == emails, f"{saved} of {emails} addresses were saved"
    return {
        "emails_saved": float(saved),
        "keys_beyond_addresses_per_email": (keys - 2 - typed) / emails,
        "app_ms_per_email_p50": statistics.median(per_email) * 1000,
        "app_ms_per_email_p95": percentile(per_email, 0.95) * 1000,
        "wall_s_per_email_with_typing": elapsed / emails,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--emails", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="10 e-mails")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    emails = 10 if args.quick else args.emails
    values = measure(emails=emails)
    note = f"{emails} e-mails, 120x40 pty"
    figures = [
        Figure(SECTION, label, values[key], unit=unit, goal=goal, note=note if n == 0 else "")
        for n, (key, (label, unit, goal)) in enumerate(FIGURES.items())
    ]
    print("rapid e-mail filling in place (ctrl+e, @, then address + Enter each):")
    print_figures(figures)
    write(args.json, figures, emails=emails, values=values)


if __name__ == "__main__":
    main()
