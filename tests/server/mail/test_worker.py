"""The `codadesk-server worker` loop: rounds, waking, stopping on SIGTERM, and logs that keep secrets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from server.clock import utcnow
from server.config import Settings
from server.db import Database
from server.mail.smtp import Delivered, EmlFileTransport, OutgoingMessage, SmtpConfig, SmtpTransport
from server.mail.worker import Worker, main
from server.models import Mandate
from tests.factories import FirmAccess, create_client, create_mandate
from tests.server.mail.conftest import QueueMail, outbox_row
from tests.server.mail.smtp_servers import PasswordCheck, Recorder, RunningServer
from tests.server.mail.test_reminders import FakeRenderer

StartSmtp = Callable[..., RunningServer]
ROOT = Path(__file__).resolve().parents[3]


def smtp_transport(server: RunningServer) -> SmtpTransport:
    return SmtpTransport(SmtpConfig.from_url(server.url), envelope_from="mandates@codadesk.invalid")


def test_a_message_queued_in_the_same_process_goes_out_at_once_not_at_the_next_poll(
    database: Database, settings: Settings, smtp: StartSmtp, queue_mail: QueueMail
) -> None:
    """The embedded server's case: the API and the worker share a process, and the worker polls hourly here."""
    recorder = Recorder()
    server = smtp(recorder)
    worker = Worker(database, settings, transport=smtp_transport(server), render_pdf=FakeRenderer(), poll_interval=3600)
    first = queue_mail(now=utcnow())
    thread = worker.start_thread()
    try:
        assert recorder.wait_for(first.message_id, timeout=20)
        assert worker.idle.wait(timeout=20)  # the round is over: the worker sleeps for an hour

        second = queue_mail(now=utcnow())  # its commit wakes the worker
        assert recorder.wait_for(second.message_id, timeout=20)
        assert recorder.count(first.message_id) == recorder.count(second.message_id) == 1
    finally:
        worker.stop()
        thread.join(timeout=20)
    assert not thread.is_alive()


def test_one_round_from_main_writes_eml_files_without_smtp(
    database: Database, settings: Settings, queue_mail: QueueMail
) -> None:
    row = queue_mail(now=utcnow() - timedelta(seconds=1))

    assert main(settings, once=True) == 0

    stored = outbox_row(database, row.id)
    assert stored.status == "sent"
    assert stored.outbox_path is not None
    assert Path(stored.outbox_path).read_bytes() == row.raw


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_worker_process_sends_logs_without_secrets_or_bodies_and_stops_on_sigterm(
    database: Database, settings: Settings, firm: FirmAccess, smtp: StartSmtp, queue_mail: QueueMail
) -> None:
    recorder, check = Recorder(), PasswordCheck("relay-user", "very-s3cret")
    # AUTH over plain text here (auth_require_tls=False): the STARTTLS path is tested in test_smtp.py.
    server = smtp(recorder, auth_required=True, auth_require_tls=False, authenticator=check)
    row = queue_mail(now=utcnow(), language="fr", company_name="Boulangerie Secrète")
    no_email_client = create_client(database, firm, email=None, enterprise_number=None, client_code="SANS-MAIL")
    unreachable = create_mandate(database, firm, no_email_client, status="sent_to_client")
    with database.write() as session:
        session.get_one(Mandate, unreachable).sent_to_client_at = utcnow() - timedelta(days=15)

    env = {
        **os.environ,
        "CODADESK_DATABASE_URL": settings.database_url,
        "CODADESK_SMTP_URL": f"smtp://relay-user:very-s3cret@{server.host}:{server.port}",
        "CODADESK_OUTBOX_DIR": str(settings.outbox_dir),
    }
    script = "import sys; from server.config import Settings; from server.mail.worker import main; "
    script += "sys.exit(main(Settings.from_env()))"
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert recorder.wait_for(row.message_id, timeout=60)
        # Even if the signal lands between the send and its record, the worker records it before it stops.
        process.send_signal(signal.SIGTERM)
        _stdout, stderr_bytes = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    stderr = stderr_bytes.decode()
    assert process.returncode == 0, stderr
    assert recorder.count(row.message_id) == 1
    assert check.logins
    assert outbox_row(database, row.id).status == "sent"
    assert "smtp://relay-user@127.0.0.1" in stderr  # says where it delivers...
    assert "s3cret" not in stderr  # ...without the password
    assert "Boulangerie" not in stderr  # nor any message content
    assert row.to_addr not in stderr
    assert "SIGTERM" in stderr
    assert "stopped" in stderr
    assert f"mandate {unreachable}: reminder 1/3 due but client {no_email_client} (code SANS-MAIL" in stderr


def test_a_stop_during_a_send_finishes_that_message_and_claims_no_other(
    database: Database, settings: Settings, queue_mail: QueueMail
) -> None:
    long_ago = utcnow() - timedelta(days=4000)  # older than any other test's rows: these come first
    rows = [queue_mail(now=long_ago + timedelta(seconds=n)) for n in range(3)]
    files = EmlFileTransport(settings.outbox_dir)

    class StopWhileSending:
        def send(self, message: OutgoingMessage) -> Delivered:
            worker.stop()  # SIGTERM arrives while this message is on its way
            return files.send(message)

        def close(self) -> None:
            pass

    worker = Worker(database, settings, transport=StopWhileSending(), reminders=False)
    report = worker.run_round()

    assert report.delivery.sent == [rows[0].message_id]
    assert [outbox_row(database, r.id).status for r in rows] == ["sent", "queued", "queued"]
