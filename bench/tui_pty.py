"""The real `codadesk` command in a real pseudo-terminal, for the TUI benchmarks (`tui_startup`, `pty_bytes`).

Everything the app writes is read as the terminal would receive it; keys are sent as the terminal sends
them. Nothing here answers the app's terminal queries, as a slow SSH link would not in time either.
"""

from __future__ import annotations

import fcntl
import os
import re
import resource
import select
import socket
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

CODADESK = Path(sys.executable).parent / "codadesk"
CLIENT_ROW = re.compile(rb"[A-Z]{4}-\d{5}")
"""A demo client code: once one is on screen, the table shows rows."""

KEYS = {
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "pagedown": b"\x1b[6~",
    "pageup": b"\x1b[5~",
    "home": b"\x1b[H",
    "end": b"\x1b[F",
    "escape": b"\x1b",
    "enter": b"\r",
    "ctrl+e": b"\x05",
    "ctrl+q": b"\x11",
}


def demo_folder(clients: int) -> Path:
    """Where the embedded demo of `clients` clients per firm is kept between runs (shared with embedded_start)."""
    return platformdirs.user_cache_path("codadesk") / f"bench-embedded-{clients}"


@dataclass(frozen=True)
class Burst:
    """What the app wrote after a key, until it went quiet."""

    data: bytes
    first: float
    last: float


@dataclass
class Terminal:
    """`codadesk` running in a pseudo-terminal of `size` (columns, rows)."""

    data_dir: Path
    demo_size: int
    size: tuple[int, int] = (120, 40)
    server: str | None = None
    """A running server's URL: the TUI talks to it (token from the demo folder) instead of embedding one."""
    started: float = 0.0
    received: int = 0
    """Bytes the app wrote so far."""
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _controller: int = -1

    def start(self) -> None:
        controller, terminal = os.openpty()
        columns, rows = self.size
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        environment = {key: value for key, value in os.environ.items() if not key.startswith("CODADESK_")}
        environment.update(TERM="xterm-256color", COLORTERM="truecolor")
        command = [str(CODADESK), "--data-dir", str(self.data_dir), "--demo-size", str(self.demo_size)]
        if self.server is not None:
            environment["CODADESK_TOKEN"] = (self.data_dir / "token").read_text(encoding="utf-8").strip()
            environment["CODADESK_CONFIG_DIR"] = str(self.data_dir / "no-config")
            command = [str(CODADESK), "--server", self.server]
        self.started = time.perf_counter()
        self._process = subprocess.Popen(
            command, stdin=terminal, stdout=terminal, stderr=terminal, env=environment, start_new_session=True
        )
        os.close(terminal)
        self._controller = controller

    def read_until(self, wanted: re.Pattern[bytes], *, seconds: float) -> tuple[bytes, float]:
        """Read until `wanted` appears; returns what was read and when (perf_counter) it appeared."""
        seen = b""
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            chunk = self._read(0.05)
            seen += chunk
            if chunk and wanted.search(seen):
                return seen, time.perf_counter()
        raise TimeoutError(f"{wanted.pattern!r} did not appear within {seconds} s; last: {seen[-300:]!r}")

    def settle(self, *, quiet: float = 0.1, seconds: float = 10.0) -> Burst:
        """Read until the app writes nothing for `quiet` s: the bytes, when the first and the last came."""
        seen = b""
        first = last = time.perf_counter()
        deadline = last + seconds
        while time.perf_counter() < deadline:
            chunk = self._read(quiet)
            if not chunk:
                break
            if not seen:
                first = time.perf_counter()
            seen += chunk
            last = time.perf_counter()
        return Burst(seen, first, last)

    def read_for(self, seconds: float) -> bytes:
        seen = b""
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            seen += self._read(min(left, 0.1))
        return seen

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the app has used so far: a figure the machine's other load barely moves."""
        assert self._process is not None
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """The largest resident size the app has reached so far (VmHWM), in MB of 2**20 bytes."""
        assert self._process is not None
        for line in Path(f"/proc/{self._process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def press(self, key: str) -> float:
        """Send a key as a terminal does; returns when it was sent."""
        os.write(self._controller, KEYS.get(key, key.encode()))
        return time.perf_counter()

    def quit(self) -> int:
        """ctrl+q, then the exit status."""
        assert self._process is not None
        self.press("ctrl+q")
        try:
            deadline = time.perf_counter() + 30
            while self._process.poll() is None and time.perf_counter() < deadline:
                self._read(0.05)  # what it writes while leaving, so that it never waits on a full pty
            return self._process.wait(timeout=1)
        finally:
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
            os.close(self._controller)

    def _read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self._controller], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self._controller, 1 << 16)
        except OSError:
            return b""
        self.received += len(chunk)
        return chunk


@contextmanager
def served(data_dir: Path, port: int = 8765) -> Iterator[str]:
    """`codadesk-server serve` on the demo's database, in its own process, for as long as the block runs."""
    server = subprocess.Popen(
        [
            *(str(CODADESK.parent / "codadesk-server"), "serve"),
            *("--database", f"sqlite:///{data_dir / 'codadesk.db'}", "--host", "127.0.0.1", "--port", str(port)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def children_peak_rss_mb() -> float:
    """The largest resident size any finished child process reached (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
