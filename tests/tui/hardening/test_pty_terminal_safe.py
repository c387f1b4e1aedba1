"""The bytes a real `codadesk` writes to a real pseudo-terminal while it shows a client whose every field, history
entry, mandate and bank is hostile (`corpus.py`): the client screen scrolled end to end, the edit form with the
server's warnings and errors, the drop question, the action sheet and its archive question.

Every ESC in the output must start a complete sequence of the few kinds Textual draws with (cursor moves, colours,
the terminal modes it sets at start and end, the pointer's shape: OSC 22); none of the corpus's own sequences, no
other OSC (no 52, no 8), no DCS, no C1 or bidi character; and the corpus reads as text. The list's own pty test
(`tests/tui/list/test_pty.py`) covers a hostile name in the table."""

from __future__ import annotations

import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import anyio

from tests.tui.hardening.conftest import escapes
from tests.tui.hardening.corpus import HOSTILE_FIELDS, marker, plant_in_sqlite
from tests.tui.hardening.test_pty_drafts import drain_until
from tests.tui.list.test_pty import CLIENT_CODE, LEFT_ALTERNATE_SCREEN, Terminal, codadesk
from tui.embedded import open_embedded_client

PAGE_DOWN = b"\x1b[6~"
ESCAPE = b"\x1b"
CTRL_Q = b"\x11"

TEXTUAL_CSI = re.compile(
    r"\x1b\[(?:"
    r"[0-9;:]*m"  # colours and text styles
    r"|\d+;\d+H|\d*[ABCDGH]|\d*[JK]"  # cursor moves, erase to end of line / screen
    r"|\?[0-9;]+[hl]|\?[0-9;]+\$p"  # the modes Textual sets and queries (mouse, focus, sync, alt screen)
    r"|[<>=][0-9;]*u|\?u"  # the kitty keyboard protocol
    r")\Z"
)
"""The CSI sequences Textual writes. The corpus's own (`ESC[6n`, `ESC[2J`) are not among them."""
TEXTUAL_OSC = re.compile(r"\x1b\]22;[a-z-]+\x07\Z")
"""The one OSC Textual writes: the mouse pointer's shape (OSC 22)."""
SMUGGLED = (
    b"\x1b[31mRED",
    b"\x1b[6n",
    b"\x1b[2J",
    b"\x1b]52",
    b"\x1b]8;",
    b"\x1b]0;",
    b"\x1bP",
    "\u202e".encode(),
    "\u2066".encode(),
)
LITERAL = (b"[31mRED[0m", b"]52;c;?", b"]8;;https://evil.example", b"[link=https://evil.example]x[/link]")


def pause(terminal: Terminal, seconds: float) -> None:
    """Let the app take the keys so far (reading what it writes meanwhile)."""
    until = time.monotonic() + seconds
    drain_until(terminal, lambda: time.monotonic() >= until, seconds=seconds + 5, what="pause")


def first_client(data_dir: Path) -> int:
    """Seed the demo as a first start does; the first client of the first firm (the demo user's)."""

    async def seed() -> None:
        async with await open_embedded_client(data_dir=data_dir, demo_size=30):
            pass

    anyio.run(seed)
    with closing(sqlite3.connect(data_dir / "codadesk.db")) as database:
        (client_id,) = database.execute(
            "SELECT id FROM clients WHERE firm_id = (SELECT MIN(firm_id) FROM users) ORDER BY id LIMIT 1"
        ).fetchone()
    return int(client_id)


def test_a_hostile_client_reaches_the_terminal_as_text_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    plant_in_sqlite(data_dir / "codadesk.db", client_id=first_client(data_dir))
    with codadesk(tmp_path, data_dir=data_dir) as terminal:
        terminal.read_until(CLIENT_CODE, seconds=60)
        terminal.type(b"/")
        pause(terminal, 0.3)  # keys in the same read as "/" still go to the table (the focus moves after them)
        terminal.type(b"company_name")
        terminal.read_until(re.compile(rb"[^0-9,]1/1[^0-9,]"), seconds=30)  # one client found, under the cursor
        terminal.type(b"\r")  # leave the search for the table
        pause(terminal, 0.3)
        terminal.type(b"\r")  # open the client
        terminal.read_until(re.compile(rb"Client code"), seconds=30)
        pages = 0
        while pages < 20 and marker("history new").encode() not in terminal.seen:  # page through the whole record
            pages += 1
            terminal.type(PAGE_DOWN)
            pause(terminal, 0.3)  # a page scroll is animated: the next one starts from where it ended
        assert marker("history new").encode() in terminal.seen, "the history was never drawn"
        terminal.type(b"e")
        pause(terminal, 0.5)  # the title says "Editing" at its end, past the 10 KB name: cut off
        terminal.type(b"\x1b[F-X")  # into the client code: the check answers with errors that quote characters
        terminal.read_until(re.compile(rb"\xe2\x9c\x97"), seconds=30)  # the error mark under the field
        terminal.type(ESCAPE)
        terminal.read_until(re.compile(rb"Drop your unsaved changes"), seconds=20)
        terminal.type(b"y")
        terminal.read_until(re.compile(rb"Mandates"), seconds=20)
        terminal.type(b"m")
        terminal.read_until(re.compile(rb"Mandates of"), seconds=20)
        terminal.type(b"a")
        terminal.read_until(re.compile(rb"Archive the mandate at"), seconds=20)  # quoting the hostile bank
        terminal.type(b"n")
        terminal.type(ESCAPE)
        terminal.type(CTRL_Q)
        terminal.read_until(LEFT_ALTERNATE_SCREEN, seconds=30)
        assert terminal.process.wait(timeout=20) == 0, "no crash"

    output = terminal.seen
    for place in (*HOSTILE_FIELDS, "root", "user", "history old", "history new", "history field"):
        assert marker(place).encode() in output, f"{place} was never drawn"
    for literal in LITERAL:
        assert literal in output, f"{literal!r} does not read as text"
    for smuggled in SMUGGLED:
        assert smuggled not in output, f"{smuggled!r} reached the terminal"
    assert not re.search(rb"\xc2[\x80-\x9f]", output), "a C1 control reached the terminal"
    sequences, text = escapes(output.decode("utf-8"))
    controls = sorted({f"U+{ord(ch):04X}" for ch in text if ord(ch) < 0x20 and ch not in "\r\n"})
    assert controls == [], f"control characters outside escape sequences: {controls}"
    foreign = sorted(
        {s.text for s in sequences if not (TEXTUAL_CSI.match(s.text) if s.kind == "CSI" else TEXTUAL_OSC.match(s.text))}
    )
    assert foreign == [], f"escape sequences Textual does not write: {foreign[:8]}"
    print(f"{len(output):,} bytes, {len(sequences):,} escape sequences, all of Textual's own kinds ({pages} pages)")
