"""`codadesk-server worker`: queues due reminders and delivers the outbox, round after round.

Each round: queue the reminders that are due, deliver the outbox rows that are due, then wait until the
next row is due or the poll interval ends, whichever comes first (new rows from the API are picked up at
the next poll). SIGTERM and SIGINT end the wait at once and the worker stops after the message it is
sending. Several workers may run against one database (see `server.mail.delivery`).

Logs name rows by outbox id and `Message-ID`; they never hold a message body, an address book, or the SMTP
password.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType

from sqlalchemy.exc import StatementError

from server.clock import Clock, utcnow
from server.config import Settings
from server.db import Database
from server.mail.delivery import DEFAULT_POLICY, DeliveryPolicy, DeliveryReport, deliver_due, new_worker_id, next_due_at
from server.mail.outbox import on_queued
from server.mail.reminders import MandateRenderer, ReminderReport, queue_due_reminders
from server.mail.smtp import EmlFileTransport, SmtpTransport, Transport, transport_for

log = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS = 5.0
"""The longest a new outbox row waits for a worker that is idle."""
DEFAULT_REMINDER_CHECK_SECONDS = 600.0
"""Reminders are counted in days: looking for due ones every 10 minutes is plenty."""
MAX_ERROR_BACKOFF_SECONDS = 300.0


@dataclass(frozen=True)
class RoundReport:
    reminders: ReminderReport
    delivery: DeliveryReport


def run_once(
    database: Database,
    settings: Settings,
    now: datetime,
    *,
    transport: Transport | None = None,
    render_pdf: MandateRenderer | None = None,
    policy: DeliveryPolicy = DEFAULT_POLICY,
    worker_id: str | None = None,
) -> RoundReport:
    """One round at the instant `now`: queue the reminders due, then deliver every row due."""
    reminders = queue_due_reminders(database, settings, now=now, render_pdf=render_pdf)
    delivery = deliver_due(
        database,
        transport or transport_for(settings),
        clock=lambda: now,
        worker_id=worker_id or new_worker_id(),
        policy=policy,
    )
    return RoundReport(reminders=reminders, delivery=delivery)


class Worker:
    """The loop behind `codadesk-server worker`; also usable in a thread (the embedded server)."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        transport: Transport | None = None,
        render_pdf: MandateRenderer | None = None,
        policy: DeliveryPolicy = DEFAULT_POLICY,
        poll_interval: float = DEFAULT_POLL_SECONDS,
        reminder_check_interval: float = DEFAULT_REMINDER_CHECK_SECONDS,
        worker_id: str | None = None,
        reminders: bool = True,
    ) -> None:
        """A worker on `database`; nothing runs until `run()` or `start_thread()`.

        Args:
            database: where the outbox and the mandates are.
            settings: the SMTP server or outbox folder, and the `From` address.
            clock: the time (tests pass a fixed or moving one).
            transport: SMTP or `.eml` files; by default from `settings` (`CODADESK_SMTP_URL`).
            render_pdf: the mandate document for reminders; by default `render_mandate_pdf`.
            policy: the claim lease and the retry backoff.
            poll_interval: the longest wait between rounds, in seconds.
            reminder_check_interval: seconds between two looks for due reminders.
            worker_id: the name written in `claimed_by`; by default host, process and a random tag.
            reminders: False only delivers what is queued (the embedded server leaves reminders to
                `codadesk-server worker`).
        """
        self.reminders = reminders
        self.database = database
        self.settings = settings
        self.clock = clock
        self.transport = transport or transport_for(settings)
        self.render_pdf = render_pdf
        self.policy = policy
        self.poll_interval = poll_interval
        self.reminder_check_interval = timedelta(seconds=reminder_check_interval)
        self.worker_id = worker_id or new_worker_id()
        self.idle = threading.Event()
        """Set while the loop waits between rounds (nothing being claimed or sent)."""
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._next_reminder_check: datetime | None = None
        self._unreachable_logged: set[tuple[int, int]] = set()

    def stop(self) -> None:
        """Ask the loop to end; it does after the message it is sending, if any."""
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """Start the next round now (e.g. right after a resend queued a message)."""
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run_round(self) -> RoundReport:
        """Reminders when their check is due, then delivery of every due row."""
        now = self.clock()
        reminders = ReminderReport()
        if self.reminders and (self._next_reminder_check is None or now >= self._next_reminder_check):
            try:
                reminders = queue_due_reminders(self.database, self.settings, now=now, render_pdf=self.render_pdf)
            except Exception as error:
                # Reminders failing (a document that cannot be rendered, ...) must not hold up the outbox.
                log.error("reminders failed (%s)", _safe_error(error), exc_info=not isinstance(error, StatementError))
                self._next_reminder_check = now + self.reminder_check_interval
            else:
                self._log_reminders(reminders)
                # A backlog (a worker that was down) is worked off round after round, not every 10 minutes.
                self._next_reminder_check = now if reminders.more_due else now + self.reminder_check_interval
        delivery = deliver_due(
            self.database,
            self.transport,
            clock=self.clock,
            worker_id=self.worker_id,
            policy=self.policy,
            keep_going=lambda: not self._stop.is_set(),
        )
        return RoundReport(reminders=reminders, delivery=delivery)

    def run(self) -> None:
        """Rounds until `stop()`; a failed round (database down, ...) is logged and retried with backoff."""
        log.info("mail worker %s started, delivering %s", self.worker_id, _describe_transport(self.transport))
        # E-mails queued by this process (the embedded server) go out at once, not at the next poll.
        unsubscribe = on_queued(self.wake)
        try:
            self._loop()
        finally:
            unsubscribe()
        log.info("mail worker %s stopped", self.worker_id)

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()  # before the round: a wake-up during it starts the next one at once
            try:
                self.run_round()
                failures = 0
                timeout = self._seconds_until_next_due()
            except Exception as error:
                failures += 1
                timeout = min(self.poll_interval * 2**failures, MAX_ERROR_BACKOFF_SECONDS)
                # SQLAlchemy's message lists the statement's parameters, which may hold a whole e-mail.
                log.error(
                    "mail worker round failed (%s); next try in %.0f s",
                    _safe_error(error),
                    timeout,
                    exc_info=not isinstance(error, StatementError),
                )
            self.idle.set()
            self._wake.wait(timeout)
            self.idle.clear()

    def start_thread(self) -> threading.Thread:
        """Run the loop in a daemon thread (the embedded server); `stop()` then `join()` it."""
        thread = threading.Thread(target=self.run, name=f"mail-worker-{self.worker_id}", daemon=True)
        thread.start()
        return thread

    def _seconds_until_next_due(self) -> float:
        due = next_due_at(self.database, policy=self.policy)
        wait = self.poll_interval
        if due is not None:
            wait = min(wait, (due - self.clock()).total_seconds())
        return max(wait, 0.0)

    def _log_reminders(self, report: ReminderReport) -> None:
        for reminder in report.queued:
            log.info("mandate %s: reminder %d/3 queued (%s)", reminder.mandate_id, reminder.number, reminder.message_id)
        if report.failed:
            log.error("reminders not queued for mandates %s; tried again later", report.failed)
        for client in report.unreachable:
            # Once per process and reminder, not every round: the office needs one line it can act on.
            key = (client.mandate_id, client.reminders_sent)
            if key in self._unreachable_logged:
                continue
            self._unreachable_logged.add(key)
            log.warning(
                "mandate %s: reminder %d/3 due but client %s (code %s, firm %s) has no e-mail address",
                client.mandate_id,
                client.reminders_sent + 1,
                client.client_id,
                client.client_code,
                client.firm_id,
            )


def main(
    settings: Settings,
    *,
    poll_interval: float = DEFAULT_POLL_SECONDS,
    once: bool = False,
) -> int:
    """`codadesk-server worker [--once]`: run until SIGTERM/SIGINT (or one round with `once`); exit code."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    database = Database(settings.database_url, pool_size=2)
    # Keep statement parameters (message bytes, addresses) out of any database error this process logs.
    database.engine.hide_parameters = True
    try:
        worker = Worker(database, settings, poll_interval=poll_interval)
        if once:
            report = worker.run_round()
            delivery = report.delivery
            log.info(
                "one round: %d reminder(s) queued, %d sent, %d to retry, %d failed",
                len(report.reminders.queued),
                len(delivery.sent),
                len(delivery.retrying),
                len(delivery.failed),
            )
            return 1 if delivery.failed else 0
        with _stop_on_signals(worker):
            worker.run()
        return 0
    finally:
        database.dispose()


@contextmanager
def _stop_on_signals(worker: Worker) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only; whoever runs us there stops us
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the current message", signal.Signals(signum).name)
        worker.stop()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _describe_transport(transport: Transport) -> str:
    if isinstance(transport, SmtpTransport):
        return f"over {transport.config.describe()}"
    if isinstance(transport, EmlFileTransport):
        return f"as .eml files in {transport.folder.resolve()} (no CODADESK_SMTP_URL)"
    return repr(transport)


def _safe_error(error: BaseException) -> str:
    if isinstance(error, StatementError) and error.orig is not None:
        return f"{type(error).__name__}: {' '.join(str(error.orig).split())[:500]}"
    return f"{type(error).__name__}: {error}"[:500]
