"""The real `codadesk` in a real pseudo-terminal, killed with SIGKILL in the middle of an edit: started again on
the same data folder, it offers the edit back, restores it in the form, and a save removes the draft."""

from __future__ import annotations

import json
import os
import re
import select
import stat
import time
from collections.abc import Callable
from pathlib import Path

from tests.tui.list.test_pty import CLIENT_CODE, LEFT_ALTERNATE_SCREEN, Terminal, codadesk

TYPED = "-KEPT7"
END = b"\x1b[F"
CTRL_S = b"\x13"
CTRL_Q = b"\x11"


def drain_until(terminal: Terminal, condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    """Keep reading what the app writes (a full pty would stall it) until `condition()` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        ready, _, _ = select.select([terminal.controller], [], [], 0.05)
        if ready:
            try:
                terminal.seen += os.read(terminal.controller, 65536)
            except OSError:
                break
    raise AssertionError(f"no {what} within {seconds} s; the terminal showed: {terminal.seen[-1500:]!r}")


def draft_files(data_dir: Path) -> list[Path]:
    folder = data_dir / "drafts"
    return sorted(folder.rglob("*.json")) if folder.exists() else []


def test_a_killed_codadesk_offers_the_edit_back_and_a_save_removes_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with codadesk(tmp_path, data_dir=data_dir) as terminal:
        terminal.read_until(CLIENT_CODE, seconds=90)
        terminal.type(b"\r")  # open the first client
        terminal.read_until(re.compile(rb"Delivery folder"), seconds=30)
        terminal.type(b"e")
        terminal.read_until(re.compile(rb"Editing"), seconds=30)
        terminal.type(END + TYPED.encode())  # into the client code, the first field
        drain_until(terminal, lambda: bool(draft_files(data_dir)), seconds=10, what="draft on disk")
        terminal.process.kill()  # SIGKILL: no handler runs, nothing is flushed
        assert terminal.process.wait(timeout=10) == -9
    (path,) = draft_files(data_dir)
    draft = json.loads(path.read_text(encoding="utf-8"))
    code = draft["base"]["client_code"]
    assert draft["changes"] == {"client_code": code + TYPED}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = (data_dir / "token").read_text(encoding="utf-8").strip()
    assert token.encode() not in path.read_bytes()

    with codadesk(tmp_path, data_dir=data_dir) as terminal:
        terminal.read_until(re.compile(rb"An unsaved edit of"), seconds=60)
        terminal.read_until(re.compile(re.escape(TYPED.encode())), seconds=10)  # the offer says what changed
        assert code.encode() in terminal.seen
        restored_from = len(terminal.seen)
        terminal.type(b"r")

        def restored() -> bool:  # the form, editing, with the typed text back in the input
            return all(text in terminal.seen[restored_from:] for text in (b"Editing", TYPED.encode()))

        drain_until(terminal, restored, seconds=30, what="form with the typed text")
        terminal.type(CTRL_S)
        drain_until(terminal, lambda: not draft_files(data_dir), seconds=20, what="draft removed by the save")
        terminal.read_until(re.compile(rb"Saved"), seconds=20)
        terminal.type(CTRL_Q)
        terminal.read_until(LEFT_ALTERNATE_SCREEN, seconds=20)
        assert terminal.process.wait(timeout=20) == 0
