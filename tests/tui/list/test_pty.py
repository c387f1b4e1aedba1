"""The real `codadesk` command in a real pseudo-terminal: it starts on the embedded demo, shows clients, and
ctrl+q ends it with exit status 0; hostile text in the data reaches the terminal as text, never as commands."""

from __future__ import annotations

import fcntl
import os
import re
import select
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import anyio

from server.clients.folding import fold, search_text
from tui.embedded import open_embedded_client

CLIENT_CODE = re.compile(rb"[A-Z]{4}-\d{5}")
LEFT_ALTERNATE_SCREEN = re.compile(rb"\x1b\[\?1049l")
HOSTILE = (
    "Evil \x1b[31mRED\x1b[0m \x1b]52;c;Y2FuYXJ5\x07 \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ "
    "\x9b2J [@click=app.quit] \u202eNV"
)
"""A company name with SGR, an OSC 52 clipboard write, an OSC 8 link, a C1 CSI, markup and a bidi override."""


class Terminal:
    """`codadesk` on a 120x40 pseudo-terminal; what it wrote so far is in `seen`."""

    def __init__(self, controller: int, process: subprocess.Popen[bytes]) -> None:
        self.controller = controller
        self.process = process
        self.seen = b""

    def read_until(self, wanted: re.Pattern[bytes], *, seconds: float) -> None:
        start = len(self.seen)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.controller], [], [], 0.1)
            if ready:
                try:
                    self.seen += os.read(self.controller, 65536)
                except OSError:  # the app closed the terminal
                    break
                if wanted.search(self.seen, start):
                    return
        raise AssertionError(f"no {wanted.pattern!r} within {seconds} s; the terminal showed: {self.seen[-2000:]!r}")

    def type(self, keys: bytes) -> None:
        os.write(self.controller, keys)


@contextmanager
def codadesk(tmp_path: Path, *, data_dir: Path) -> Iterator[Terminal]:
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("CODADESK_", "TEXTUAL"))}
    environment.update(TERM="xterm-256color", CODADESK_CONFIG_DIR=str(tmp_path / "config"))
    command = [str(Path(sys.executable).parent / "codadesk"), "--data-dir", str(data_dir), "--demo-size", "30"]
    process = subprocess.Popen(
        command, stdin=terminal, stdout=terminal, stderr=terminal, env=environment, start_new_session=True
    )
    os.close(terminal)
    try:
        yield Terminal(controller, process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)


def test_codadesk_shows_clients_and_quits_with_ctrl_q(tmp_path: Path) -> None:
    with codadesk(tmp_path, data_dir=tmp_path / "data") as terminal:
        terminal.read_until(CLIENT_CODE, seconds=60)
        assert b"Enterprise no." in terminal.seen
        terminal.type(b"\x11")  # ctrl+q
        terminal.read_until(LEFT_ALTERNATE_SCREEN, seconds=20)  # the terminal's own screen is back
        assert terminal.process.wait(timeout=20) == 0


def plant_hostile_name(data_dir: Path) -> str:
    """Seed the demo, then give one client a hostile name behind the server's back (as a legacy import
    could); the client's code, to search for it."""

    async def seed() -> None:
        async with await open_embedded_client(data_dir=data_dir, demo_size=30):
            pass

    anyio.run(seed)
    with closing(sqlite3.connect(data_dir / "codadesk.db")) as database, database:
        client_id, code, email, number = database.execute(
            "SELECT id, client_code, email, enterprise_number FROM clients ORDER BY id LIMIT 1"
        ).fetchone()
        folded = search_text(company_name=HOSTILE, client_code=code, email=email, enterprise_number=number)
        database.execute(
            "UPDATE clients SET company_name = ?, name_key = ?, search_text = ? WHERE id = ?",
            (HOSTILE, fold(HOSTILE), folded, client_id),
        )
    return str(code)


def test_hostile_text_in_the_data_reaches_the_terminal_as_text_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    code = plant_hostile_name(data_dir)
    with codadesk(tmp_path, data_dir=data_dir) as terminal:
        terminal.read_until(CLIENT_CODE, seconds=60)
        terminal.type(b"/" + code.encode())
        terminal.read_until(re.compile(rb"Evil \[31mRED"), seconds=30)
        terminal.type(b"\x11")
        terminal.read_until(LEFT_ALTERNATE_SCREEN, seconds=20)
        assert terminal.process.wait(timeout=20) == 0
    shown = terminal.seen
    assert b"]52;c;Y2FuYXJ5" in shown  # the text is there, as text...
    assert b"\x1b]52" not in shown  # ...but no clipboard write, no link, no colour from the data
    assert b"\x1b]8;" not in shown
    assert b"\x1b[31mRED" not in shown
    assert not re.search(rb"\xc2[\x80-\x9f]", shown)  # no C1 control (U+0080-U+009F) from the data either
    assert "\u202e".encode() not in shown
