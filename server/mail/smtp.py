"""The two ways an outbox message leaves: over SMTP (`CODADESK_SMTP_URL`), or as an `.eml` file.

A transport sends one message's stored bytes and either returns, or raises a `DeliveryError` that says
whether trying again later can help. It never decides about retries: `server.mail.delivery` does.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
import tempfile
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from server.config import Settings

DEFAULT_TIMEOUT = 30.0
"""Seconds a connection, a command or a reply may take; well below the delivery lease (minutes)."""


@dataclass(frozen=True)
class OutgoingMessage:
    """What a transport needs of an outbox row."""

    outbox_id: int
    message_id: str
    to_addr: str
    raw: bytes


@dataclass(frozen=True)
class Delivered:
    """A message handed over: to the SMTP server, or written to `outbox_path`."""

    outbox_path: str | None = None


class DeliveryError(Exception):
    """The message did not leave. `permanent`: the server refused it for good (5xx); else try again later."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Transport(Protocol):
    def send(self, message: OutgoingMessage) -> Delivered:
        """Hand `message` over, or raise `DeliveryError`."""
        ...

    def close(self) -> None:
        """Let go of any connection; the next `send` opens a new one."""
        ...


# --- configuration ------------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SmtpConfig:
    """`smtp://[user:password@]host[:port][?starttls=true&timeout=30&cafile=/path/ca.pem]`, or `smtps://`.

    `smtps://` speaks TLS from the first byte (port 465 by default); `smtp://` with `starttls=true`
    upgrades the connection (usually port 587) and refuses to go on without TLS. `cafile` trusts a
    private certificate authority in addition to none other (a firm's own relay). The password is never
    part of the repr or of an error message.
    """

    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    cafile: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parse `CODADESK_SMTP_URL`; a `ValueError` says what is wrong without repeating the URL."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("CODADESK_SMTP_URL must start with smtp:// or smtps://")
        try:
            port = parts.port
        except ValueError:
            raise ValueError("CODADESK_SMTP_URL has an invalid port") from None
        if not parts.hostname:
            raise ValueError("CODADESK_SMTP_URL has no host")
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = set(options) - {"starttls", "timeout", "cafile"}
        if unknown:
            raise ValueError(f"CODADESK_SMTP_URL has unknown options: {', '.join(sorted(unknown))}")
        starttls = options.get("starttls", "false").lower()
        if starttls not in _TRUE | _FALSE:
            raise ValueError("CODADESK_SMTP_URL: starttls must be true or false")
        try:
            timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
        except ValueError:
            raise ValueError("CODADESK_SMTP_URL: timeout must be a number of seconds") from None
        implicit_tls = parts.scheme == "smtps"
        if implicit_tls and starttls in _TRUE:
            raise ValueError("CODADESK_SMTP_URL: smtps:// is TLS already; starttls applies to smtp:// only")
        return cls(
            host=parts.hostname,
            port=port or (465 if implicit_tls else 25),
            implicit_tls=implicit_tls,
            starttls=starttls in _TRUE,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            timeout=timeout,
            cafile=options.get("cafile") or None,
        )

    @property
    def encrypted(self) -> bool:
        return self.implicit_tls or self.starttls

    def describe(self) -> str:
        """The server as logs may show it: no password."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        tls = "?starttls=true" if self.starttls else ""
        return f"{scheme}://{user}{self.host}:{self.port}{tls}"


# --- SMTP -----------------------------------------------------------------------------------------------


class SmtpTransport:
    """Sends over one SMTP connection, opened on the first message and kept until `close` or an error."""

    def __init__(self, config: SmtpConfig, *, envelope_from: str, local_hostname: str | None = None) -> None:
        self.config = config
        self.envelope_from = envelope_from
        self.local_hostname = local_hostname
        self._connection: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        return f"SmtpTransport({self.config.describe()})"

    def send(self, message: OutgoingMessage) -> Delivered:
        connection = self._connect()
        options: list[str] = []
        if not message.to_addr.isascii():
            if not connection.has_extn("smtputf8"):
                self.close()
                raise DeliveryError(
                    "the SMTP server cannot deliver to an internationalised address (no SMTPUTF8)", permanent=True
                )
            options.append("SMTPUTF8")
        try:
            connection.sendmail(self.envelope_from, [message.to_addr], message.raw, mail_options=options)
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            code, reply = next(iter(error.recipients.values()))
            raise _refused(code, reply) from None
        except smtplib.SMTPResponseException as error:  # sender refused, data refused, ...
            self.close()
            raise _refused(error.smtp_code, error.smtp_error) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(f"connection lost: {_describe(error)}", permanent=False) from None
        return Delivered()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()

    def _connect(self) -> smtplib.SMTP:
        """The open connection, or a new one: TLS, then login, as configured.

        Every failure here is temporary: it is the server or its configuration (down, wrong password,
        untrusted certificate), not the message, so the message waits for the next attempt.
        """
        if self._connection is not None:
            return self._connection
        config = self.config
        context = ssl.create_default_context(cafile=config.cafile) if config.encrypted else None
        connection: smtplib.SMTP | None = None
        try:
            if config.implicit_tls:
                connection = smtplib.SMTP_SSL(
                    config.host,
                    config.port,
                    local_hostname=self.local_hostname,
                    timeout=config.timeout,
                    context=context,
                )
            else:
                connection = smtplib.SMTP(
                    config.host, config.port, local_hostname=self.local_hostname, timeout=config.timeout
                )
            connection.ehlo()
            if config.starttls:
                connection.starttls(context=context)
                connection.ehlo()
            if config.username is not None:
                connection.login(config.username, config.password or "")
        except smtplib.SMTPAuthenticationError as error:
            _close_quietly(connection)
            reply = _reply(error.smtp_code, error.smtp_error)
            raise DeliveryError(f"SMTP login refused: {reply}", permanent=False) from None
        except (smtplib.SMTPException, OSError) as error:
            _close_quietly(connection)
            raise DeliveryError(
                f"cannot reach the SMTP server {config.host}:{config.port}: {_describe(error)}", permanent=False
            ) from None
        self._connection = connection
        return connection


def _refused(code: int, reply: bytes | str) -> DeliveryError:
    # RFC 5321 §4.2.1: 4yz is a transient failure, 5yz a permanent one.
    return DeliveryError(_reply(code, reply), permanent=500 <= code < 600)


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}"[:1000]


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply(error.smtp_code, error.smtp_error)
    return f"{type(error).__name__}: {error}"[:1000]


def _close_quietly(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.close()


# --- .eml files -------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")


def eml_name(message_id: str) -> str:
    """A file name from a `Message-ID`: the same message always gets the same file."""
    return _UNSAFE.sub("_", message_id.strip("<>"))[:200] + ".eml"


class EmlFileTransport:
    """Writes each message to `<folder>/<message-id>.eml`, readable only by its owner.

    The file appears whole or not at all (written aside, then renamed), and writing the same message again
    replaces it with the same bytes: a retry never makes a second file.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __repr__(self) -> str:
        return f"EmlFileTransport({self.folder})"

    def send(self, message: OutgoingMessage) -> Delivered:
        target = (self.folder / eml_name(message.message_id)).resolve()
        try:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(message.raw)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise DeliveryError(f"cannot write {target}: {error.strerror or error}", permanent=False) from None
        return Delivered(outbox_path=str(target))

    def close(self) -> None:
        pass


def transport_for(settings: Settings) -> Transport:
    """SMTP when `CODADESK_SMTP_URL` is set, else `.eml` files in `settings.outbox_dir`."""
    if settings.smtp_url:
        envelope_from = parseaddr(settings.mail_from)[1] or settings.mail_from
        return SmtpTransport(SmtpConfig.from_url(settings.smtp_url), envelope_from=envelope_from)
    return EmlFileTransport(settings.outbox_dir)
