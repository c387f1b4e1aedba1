"""Real SMTP servers for the mail tests (aiosmtpd on 127.0.0.1), with handlers that behave like real ones."""

from __future__ import annotations

import email
import socket
import subprocess
import threading
from collections import Counter
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class Recorder:
    """Accepts every message and keeps it."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.attempts: Counter[str] = Counter()
        """DATA commands seen per Message-ID, accepted or not."""
        self._lock = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = bytes(envelope.original_content)
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), data)
        with self._lock:
            self.attempts[received.message_id] += 1
            reply = self.reply_to(received)
            if reply.startswith("250"):
                self.received.append(received)
                self._lock.notify_all()
        return reply

    def wait_for(self, message_id: str, timeout: float) -> bool:
        """Wait until the message with `message_id` has arrived (other tests' leftovers may come first)."""
        with self._lock:
            return self._lock.wait_for(lambda: any(r.message_id == message_id for r in self.received), timeout)

    def reply_to(self, received: Received) -> str:
        return "250 2.0.0 Ok: queued"

    def count(self, message_id: str) -> int:
        with self._lock:
            return sum(1 for r in self.received if r.message_id == message_id)

    def by_id(self, message_id: str) -> Received:
        with self._lock:
            (found,) = [r for r in self.received if r.message_id == message_id]
        return found


class GreylistingRecorder(Recorder):
    """Answers 451 to the first try of each message, then accepts it, as greylisting servers do."""

    def reply_to(self, received: Received) -> str:
        if self.attempts[received.message_id] == 1:
            return "451 4.7.1 Greylisted, please try again later"
        return super().reply_to(received)


class AlwaysBusy(Recorder):
    """Answers 421/451 forever: the server is overloaded."""

    def reply_to(self, received: Received) -> str:
        return "451 4.3.2 System not accepting network messages"


class RefusingRecipient(Recorder):
    """The mailbox does not exist: 550 at RCPT TO."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        return "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown"


class PasswordCheck:
    """An aiosmtpd authenticator that accepts one user and password, and remembers who logged in."""

    def __init__(self, user: str, password: str) -> None:
        self.user = user.encode()
        self.password = password.encode()
        self.logins: list[str] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (self.user, self.password):
            self.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@dataclass
class RunningServer:
    host: str
    port: int
    controller: Controller

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(handler: Any, **smtp_options: Any) -> RunningServer:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    return RunningServer("127.0.0.1", port, controller)


def make_self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made with the `openssl` command (no Python package needed)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
