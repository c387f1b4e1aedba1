"""Delivering the outbox over a real SMTP server: exactly once, retries, failures, crashes, two workers."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest

from server.config import Settings
from server.db import Database
from server.mail.delivery import DeliveryPolicy, claim_next, deliver_due, mark_sent
from server.mail.smtp import SmtpConfig, SmtpTransport
from server.mail.worker import run_once
from tests.server.mail.conftest import FAKE_PDF, T0, QueueMail, outbox_row, with_smtp
from tests.server.mail.smtp_servers import (
    AlwaysBusy,
    GreylistingRecorder,
    Recorder,
    RefusingRecipient,
    RunningServer,
    free_port,
)

StartSmtp = Callable[..., RunningServer]
POLICY = DeliveryPolicy()


def test_every_queued_message_arrives_exactly_once_with_its_pdf(
    database: Database, settings: Settings, smtp: StartSmtp, queue_mail: QueueMail
) -> None:
    recorder = Recorder()
    server = smtp(recorder)
    rows = [queue_mail(language=lang) for lang in ("fr", "nl", "de", "en", "fr")]

    report = run_once(database, with_smtp(settings, server.url), T0)
    again = run_once(database, with_smtp(settings, server.url), T0 + timedelta(hours=1))

    assert {r.message_id for r in rows} <= set(report.delivery.sent)
    assert not {r.message_id for r in rows} & set(again.delivery.sent)
    for row in rows:
        assert recorder.count(row.message_id) == 1
        received = recorder.by_id(row.message_id)
        assert received.data == row.raw  # the stored bytes, unchanged
        assert received.rcpt_tos == [row.to_addr]
        assert received.mail_from == "mandates@codadesk.invalid"
        (attachment,) = received.message.iter_attachments()
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content() == FAKE_PDF
        stored = outbox_row(database, row.id)
        assert (stored.status, stored.sent_at, stored.attempts, stored.last_error) == ("sent", T0, 1, None)
        assert stored.outbox_path is None


def test_a_greylisting_server_gets_the_message_once_after_a_computed_backoff(
    database: Database, settings: Settings, smtp: StartSmtp, queue_mail: QueueMail
) -> None:
    recorder = GreylistingRecorder()
    smtp_settings = with_smtp(settings, smtp(recorder).url)
    row = queue_mail()

    run_once(database, smtp_settings, T0)
    after_first = outbox_row(database, row.id)
    assert after_first.status == "queued"
    assert after_first.next_attempt_at == T0 + POLICY.first_retry
    assert after_first.last_error is not None
    assert after_first.last_error.startswith("451 4.7.1 Greylisted")
    assert recorder.count(row.message_id) == 0

    run_once(database, smtp_settings, T0 + POLICY.first_retry - timedelta(seconds=1))  # not due yet
    assert recorder.attempts[row.message_id] == 1

    run_once(database, smtp_settings, T0 + POLICY.first_retry)
    assert recorder.attempts[row.message_id] == 2
    assert recorder.count(row.message_id) == 1
    sent = outbox_row(database, row.id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)


def test_a_permanent_refusal_marks_the_message_failed_with_the_servers_words(
    database: Database, settings: Settings, smtp: StartSmtp, queue_mail: QueueMail
) -> None:
    smtp_settings = with_smtp(settings, smtp(RefusingRecipient()).url)
    row = queue_mail()

    report = run_once(database, smtp_settings, T0)
    run_once(database, smtp_settings, T0 + timedelta(days=1))

    assert row.message_id in report.delivery.failed
    failed = outbox_row(database, row.id)
    assert failed.status == "failed"
    assert failed.attempts == 1  # never tried again
    assert failed.last_error is not None
    assert failed.last_error.startswith("550 5.1.1")
    assert "User unknown" in failed.last_error


def test_retries_back_off_exponentially_and_end_in_failed(
    database: Database, settings: Settings, smtp: StartSmtp, queue_mail: QueueMail
) -> None:
    recorder = AlwaysBusy()
    smtp_settings = with_smtp(settings, smtp(recorder).url)
    policy = DeliveryPolicy(max_attempts=4, first_retry=timedelta(minutes=1), max_retry=timedelta(minutes=3))
    row = queue_mail()

    now = T0
    waits = []
    for _ in range(4):
        run_once(database, smtp_settings, now, policy=policy)
        stored = outbox_row(database, row.id)
        if stored.status == "failed":
            break
        waits.append(stored.next_attempt_at - now)
        now = stored.next_attempt_at

    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=3)]
    assert recorder.attempts[row.message_id] == 4
    failed = outbox_row(database, row.id)
    assert (failed.status, failed.attempts) == ("failed", 4)
    assert failed.last_error is not None
    assert failed.last_error.startswith("451")


def test_an_unreachable_server_is_a_temporary_failure(
    database: Database, settings: Settings, queue_mail: QueueMail
) -> None:
    row = queue_mail()

    run_once(database, with_smtp(settings, f"smtp://127.0.0.1:{free_port()}"), T0)

    stored = outbox_row(database, row.id)
    assert stored.status == "queued"
    assert stored.next_attempt_at == T0 + POLICY.first_retry
    assert stored.last_error is not None
    assert "cannot reach the SMTP server 127.0.0.1" in stored.last_error


def test_a_worker_that_dies_between_send_and_mark_is_taken_over_after_the_lease_with_the_same_message_id(
    database: Database, settings: Settings, smtp: StartSmtp, queue_mail: QueueMail, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    smtp_settings = with_smtp(settings, smtp(recorder).url)
    row = queue_mail()

    def crash(*_args: object, **_kwargs: object) -> bool:
        raise RuntimeError("worker killed before recording the send")

    with monkeypatch.context() as patched:
        patched.setattr("server.mail.delivery.mark_sent", crash)
        with pytest.raises(RuntimeError, match="worker killed"):
            run_once(database, smtp_settings, T0, worker_id="dead-worker")
    assert recorder.count(row.message_id) == 1
    assert outbox_row(database, row.id).status == "sending"

    run_once(database, smtp_settings, T0 + POLICY.lease - timedelta(seconds=1), worker_id="second-worker")
    assert recorder.count(row.message_id) == 1  # the claim still holds: nobody sends it

    run_once(database, smtp_settings, T0 + POLICY.lease, worker_id="second-worker")
    run_once(database, smtp_settings, T0 + 3 * POLICY.lease, worker_id="third-worker")

    copies = [r for r in recorder.received if r.message_id == row.message_id]
    assert len(copies) == 2
    assert copies[0].data == copies[1].data == row.raw
    stored = outbox_row(database, row.id)
    assert (stored.status, stored.claimed_by, stored.attempts) == ("sent", "second-worker", 2)


def test_a_late_worker_cannot_overwrite_the_outcome_of_the_worker_that_took_its_row_over(
    database: Database, settings: Settings, queue_mail: QueueMail
) -> None:
    row = queue_mail()
    with database.write() as session:
        slow = claim_next(session, worker_id="slow", now=T0)
    assert slow is not None
    assert slow.outbox_id == row.id
    with database.write() as session:
        fast = claim_next(session, worker_id="fast", now=T0 + POLICY.lease)
    assert fast is not None
    assert fast.outbox_id == row.id

    with database.write() as session:
        assert mark_sent(session, slow, now=T0 + POLICY.lease, outbox_path=None) is False
    assert outbox_row(database, row.id).status == "sending"
    with database.write() as session:
        assert mark_sent(session, fast, now=T0 + POLICY.lease, outbox_path=None) is True
    assert outbox_row(database, row.id).status == "sent"


def test_while_one_worker_holds_a_claim_another_takes_the_next_row_not_the_same(
    database: Database, settings: Settings, queue_mail: QueueMail
) -> None:
    """PostgreSQL: SKIP LOCKED lets the second worker pass the locked row at once. SQLite: the second claim
    waits for the first transaction (BEGIN IMMEDIATE), then sees the row taken."""
    first_row, second_row = queue_mail(now=T0 - timedelta(minutes=2)), queue_mail(now=T0 - timedelta(minutes=1))
    other: list[int | None] = []
    other_done = threading.Event()

    def second_worker() -> None:
        with database.write() as session:
            claimed = claim_next(session, worker_id="B", now=T0)
            other.append(None if claimed is None else claimed.outbox_id)
        other_done.set()

    with database.write() as session:
        mine = claim_next(session, worker_id="A", now=T0)
        assert mine is not None
        assert mine.outbox_id == first_row.id
        thread = threading.Thread(target=second_worker)
        thread.start()
        if not database.is_sqlite:
            # Not a timing assertion: B must finish while A's transaction is still open, however long it takes.
            assert other_done.wait(timeout=10)
    thread.join(timeout=30)

    assert other == [second_row.id]


def test_two_workers_at_once_never_send_one_row_twice(
    database: Database, settings: Settings, smtp: StartSmtp, queue_mail: QueueMail
) -> None:
    recorder = Recorder()
    server = smtp(recorder)
    rows = [queue_mail() for _ in range(24)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        transport = SmtpTransport(SmtpConfig.from_url(server.url), envelope_from="mandates@codadesk.invalid")
        try:
            start.wait(timeout=10)
            deliver_due(database, transport, clock=lambda: T0, worker_id=name)
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)

    assert errors == []
    sent = Counter(r.message_id for r in recorder.received)
    assert {row.message_id: sent[row.message_id] for row in rows} == {row.message_id: 1 for row in rows}
    assert all(outbox_row(database, row.id).status == "sent" for row in rows)


def test_without_smtp_each_message_becomes_an_eml_file_and_the_row_says_where(
    database: Database, settings: Settings, queue_mail: QueueMail
) -> None:
    assert settings.smtp_url is None
    row = queue_mail(language="nl", company_name="Bakkerij Janssens")

    run_once(database, settings, T0)
    run_once(database, settings, T0 + timedelta(hours=1))  # nothing is written twice

    stored = outbox_row(database, row.id)
    assert stored.status == "sent"
    assert stored.outbox_path is not None
    path = settings.outbox_dir.resolve() / (row.message_id.strip("<>") + ".eml")
    assert stored.outbox_path == str(path)
    assert path.read_bytes() == row.raw
    assert (path.stat().st_mode & 0o777) == 0o600  # client data: for the owner only
    assert [p.name for p in settings.outbox_dir.iterdir() if p.name.startswith(".")] == []  # no leftovers


def test_an_unwritable_outbox_folder_is_a_temporary_failure(
    database: Database, settings: Settings, queue_mail: QueueMail
) -> None:
    settings.outbox_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.outbox_dir.write_text("a file where the folder should be")
    row = queue_mail()

    run_once(database, settings, T0)

    stored = outbox_row(database, row.id)
    assert stored.status == "queued"
    assert stored.last_error is not None
    assert "cannot write" in stored.last_error


def test_the_default_backoff_doubles_from_a_minute_up_to_an_hour_over_about_four_hours() -> None:
    delays = [POLICY.retry_delay(attempt) for attempt in range(1, POLICY.max_attempts)]

    assert [d // timedelta(minutes=1) for d in delays] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert timedelta(hours=3) < sum(delays, timedelta()) < timedelta(hours=5)


def test_a_server_that_never_answers_is_a_temporary_failure_after_the_timeout(
    database: Database, settings: Settings, queue_mail: QueueMail
) -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        row = queue_mail()

        run_once(database, with_smtp(settings, f"smtp://127.0.0.1:{port}?timeout=0.2"), T0)

    stored = outbox_row(database, row.id)
    assert stored.status == "queued"
    assert stored.last_error is not None
    assert "timed out" in stored.last_error


def test_a_row_whose_workers_keep_dying_ends_failed_instead_of_being_sent_forever(
    database: Database, settings: Settings, queue_mail: QueueMail
) -> None:
    policy = DeliveryPolicy(max_attempts=2)
    row = queue_mail(now=T0 - timedelta(days=365))  # older than any other test's rows: claimed first
    now = T0 - timedelta(days=365)
    for attempt in (1, 2):
        with database.write() as session:
            claimed = claim_next(session, worker_id=f"doomed-{attempt}", now=now, policy=policy)
        assert claimed is not None
        assert (claimed.outbox_id, claimed.attempts) == (row.id, attempt)
        now += policy.lease  # the worker dies; its claim runs out

    with database.write() as session:
        claimed = claim_next(session, worker_id="third", now=now, policy=policy)
    assert claimed is None or claimed.outbox_id != row.id
    stored = outbox_row(database, row.id)
    assert stored.status == "failed"
    assert stored.last_error == "delivery not confirmed after 2 attempts"
