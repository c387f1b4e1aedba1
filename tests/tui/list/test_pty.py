"""The real `codadesk` command in a real pseudo-terminal: it starts on the embedded demo, shows clients, and
ctrl+q ends it with exit status 0."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

CLIENT_CODE = re.compile(rb"[A-Z]{4}-\d{5}")


def read_until(fd: int, wanted: re.Pattern[bytes], *, seconds: float) -> bytes:
    """What the app wrote to the terminal, up to and including the first match of `wanted`."""
    seen = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if wanted.search(seen):
                return seen
    raise AssertionError(f"no {wanted.pattern!r} within {seconds} s; the terminal showed: {seen[-2000:]!r}")


def test_codadesk_shows_clients_and_quits_with_ctrl_q(tmp_path: Path) -> None:
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("CODADESK_", "TEXTUAL"))}
    environment.update(TERM="xterm-256color", CODADESK_CONFIG_DIR=str(tmp_path / "config"))
    command = [str(Path(sys.executable).parent / "codadesk"), "--data-dir", str(tmp_path / "data"), "--demo-size", "30"]
    process = subprocess.Popen(
        command, stdin=terminal, stdout=terminal, stderr=terminal, env=environment, start_new_session=True
    )
    os.close(terminal)
    try:
        shown = read_until(controller, CLIENT_CODE, seconds=60)
        assert b"Enterprise no." in shown
        os.write(controller, b"\x11")  # ctrl+q
        read_until(controller, re.compile(rb"\x1b\[\?1049l"), seconds=20)  # the terminal's own screen is back
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
