"""`CODADESK_SMTP_URL`: parsing, STARTTLS and login against a real server, and the password kept secret."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from server.config import Settings
from server.db import Database
from server.mail.smtp import SmtpConfig
from server.mail.worker import run_once
from tests.server.mail.conftest import T0, QueueMail, outbox_row, with_smtp
from tests.server.mail.smtp_servers import PasswordCheck, Recorder, RunningServer, make_self_signed_certificate

StartSmtp = Callable[..., RunningServer]
PASSWORD = "s3cret pass/word"
ENCODED_PASSWORD = "s3cret%20pass%2Fword"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(smtp: StartSmtp, certificate: tuple[Path, Path]) -> tuple[RunningServer, Recorder, PasswordCheck]:
    """A server that, like a real submission server, demands STARTTLS and then a login."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder, check = Recorder(), PasswordCheck("office@firm.example", PASSWORD)
    server = smtp(
        recorder,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=check,
    )
    return server, recorder, check


def test_a_url_gives_host_port_tls_and_login() -> None:
    config = SmtpConfig.from_url(f"smtp://office%40firm.example:{ENCODED_PASSWORD}@mail.firm.example:587?starttls=true")
    assert (config.host, config.port, config.starttls, config.implicit_tls) == ("mail.firm.example", 587, True, False)
    assert (config.username, config.password) == ("office@firm.example", PASSWORD)
    assert SmtpConfig.from_url("smtps://relay.example").port == 465
    assert SmtpConfig.from_url("smtp://relay.example").port == 25
    assert SmtpConfig.from_url("smtp://relay.example:2525?timeout=5&cafile=/etc/ca.pem").timeout == 5.0


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"http://user:{ENCODED_PASSWORD}@host:25", "must start with smtp://"),
        (f"smtp://user:{ENCODED_PASSWORD}@:25", "no host"),
        (f"smtp://user:{ENCODED_PASSWORD}@host:99999", "invalid port"),
        (f"smtp://user:{ENCODED_PASSWORD}@host:25?starttls=maybe", "starttls must be true or false"),
        (f"smtp://user:{ENCODED_PASSWORD}@host:25?tls=true", "unknown options: tls"),
        (f"smtps://user:{ENCODED_PASSWORD}@host?starttls=true", "TLS already"),
    ],
)
def test_a_wrong_url_is_refused_without_repeating_the_password(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as refused:
        SmtpConfig.from_url(url)
    assert "s3cret" not in str(refused.value)


def test_the_password_is_in_no_repr_and_no_description() -> None:
    url = f"smtp://office:{ENCODED_PASSWORD}@mail.firm.example:587?starttls=true"
    config = SmtpConfig.from_url(url)
    for text in (repr(config), config.describe(), repr(Settings(smtp_url=url))):
        assert "s3cret" not in text
    assert config.describe() == "smtp://office@mail.firm.example:587?starttls=true"


def test_starttls_and_login_deliver_to_a_server_that_requires_both(
    database: Database,
    settings: Settings,
    queue_mail: QueueMail,
    tls_server: tuple[RunningServer, Recorder, PasswordCheck],
    certificate: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, recorder, check = tls_server
    url = (
        f"smtp://office%40firm.example:{ENCODED_PASSWORD}@127.0.0.1:{server.port}?starttls=true&cafile={certificate[0]}"
    )
    row = queue_mail()

    with caplog.at_level(logging.DEBUG):
        report = run_once(database, with_smtp(settings, url), T0)

    assert row.message_id in report.delivery.sent
    assert recorder.count(row.message_id) == 1
    assert check.logins
    assert set(check.logins) == {"office@firm.example"}
    assert "s3cret" not in caplog.text


def test_without_starttls_the_server_refuses_and_the_message_waits(
    database: Database,
    settings: Settings,
    queue_mail: QueueMail,
    tls_server: tuple[RunningServer, Recorder, PasswordCheck],
) -> None:
    server, recorder, _check = tls_server
    row = queue_mail()

    run_once(
        database,
        with_smtp(settings, f"smtp://office%40firm.example:{ENCODED_PASSWORD}@{server.host}:{server.port}"),
        T0,
    )

    stored = outbox_row(database, row.id)
    assert stored.status == "queued"  # a configuration problem, not the message's: it is tried again later
    assert stored.next_attempt_at == T0 + timedelta(minutes=1)
    assert recorder.count(row.message_id) == 0


def test_a_wrong_password_keeps_the_message_queued_and_says_why_without_the_password(
    database: Database,
    settings: Settings,
    queue_mail: QueueMail,
    tls_server: tuple[RunningServer, Recorder, PasswordCheck],
    certificate: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, recorder, _check = tls_server
    url = f"smtp://office%40firm.example:wrong-s3cret@127.0.0.1:{server.port}?starttls=true&cafile={certificate[0]}"
    row = queue_mail()

    with caplog.at_level(logging.DEBUG):
        run_once(database, with_smtp(settings, url), T0)

    stored = outbox_row(database, row.id)
    assert stored.status == "queued"
    assert stored.last_error is not None
    assert stored.last_error.startswith("SMTP login refused: 535")
    assert "s3cret" not in stored.last_error
    assert "s3cret" not in caplog.text
    assert recorder.count(row.message_id) == 0


def test_an_untrusted_certificate_is_not_accepted(
    database: Database,
    settings: Settings,
    queue_mail: QueueMail,
    tls_server: tuple[RunningServer, Recorder, PasswordCheck],
) -> None:
    server, recorder, _check = tls_server
    row = queue_mail()

    # No cafile: the self-signed certificate is not trusted, so no password is sent to this server.
    run_once(database, with_smtp(settings, f"smtp://u:p@127.0.0.1:{server.port}?starttls=true"), T0)

    stored = outbox_row(database, row.id)
    assert stored.status == "queued"
    assert stored.last_error is not None
    assert "CERTIFICATE_VERIFY_FAILED" in stored.last_error
    assert recorder.count(row.message_id) == 0


def test_implicit_tls_smtps_delivers(
    database: Database,
    settings: Settings,
    queue_mail: QueueMail,
    smtp: StartSmtp,
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()
    server = smtp(recorder, ssl_context=context)
    row = queue_mail()

    run_once(database, with_smtp(settings, f"smtps://127.0.0.1:{server.port}?cafile={cert}"), T0)

    assert recorder.count(row.message_id) == 1
