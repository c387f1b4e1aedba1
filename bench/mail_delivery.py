"""How fast the outbox fills and empties: queueing mandate e-mails, delivering them over SMTP and as `.eml`.

    .venv/bin/python -m bench mail_delivery [--database URL] [--messages 300] [--workers 1,2] [--quick] [--json FILE]

It creates a firm with `--messages` clients and mandates in `--database` (default: a fresh SQLite file in a
temporary folder; give an empty, migrated PostgreSQL database to measure that), queues one mandate e-mail
each (a 40 KB PDF attached), and delivers them to a local aiosmtpd server that accepts everything, with 1,
then 2 workers side by side (each claim its own transaction, SKIP LOCKED on PostgreSQL), then once more as
`.eml` files. It prints messages per second and checks that every message arrived exactly once.
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from bench.figures import Figure, print_figures, write
from server.clients.folding import fold, search_text
from server.config import Settings
from server.db import Database, migrate
from server.mail.delivery import deliver_due
from server.mail.outbox import queue_mandate_email
from server.mail.smtp import EmlFileTransport, SmtpConfig, SmtpTransport
from server.models import Client, Firm, Mandate

SECTION = "mail delivery"
PDF = b"%PDF-1.4\n" + os.urandom(40_000) + b"\n%%EOF\n"


class Accept:
    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for line in bytes(envelope.original_content).split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.ids[line.split(b":", 1)[1].strip().decode()] += 1
                break
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def queue_batch(database: Database, settings: Settings, count: int, now: datetime) -> tuple[list[str], float]:
    with database.write() as session:
        firm = Firm(name="Bench firm", mandate_management="service", delivery_root="/data/coda")
        session.add(firm)
        session.flush()
        mandates = []
        for n in range(count):
            code = f"B{n:06d}-{int(now.timestamp())}"
            client = Client(
                firm_id=firm.id,
                client_code=code,
                client_code_key=fold(code),
                company_name=f"Bench client {n}",
                name_key=fold(f"Bench client {n}"),
                email=f"client{n}@bench.example",
                language=("fr", "nl", "de", "en")[n % 4],
                search_text=search_text(
                    company_name=f"Bench client {n}", client_code=code, email=None, enterprise_number=None
                ),
            )
            session.add(client)
            session.flush()
            mandate = Mandate(
                firm_id=firm.id, client_id=client.id, bank_bic="GEBABEBB", ibans=["BE31435411161155"], status="x"
            )
            session.add(mandate)
            mandates.append((client, mandate))
        session.flush()
    started = time.perf_counter()
    ids = []
    for client, mandate in mandates:
        # One transaction per e-mail, as a resend commits it.
        with database.write() as session:
            session.add_all([client, mandate])
            row = queue_mandate_email(
                session,
                settings,
                client=client,
                mandate=mandate,
                pdf=PDF,
                twikey_url=None,
                kind="mandate",
                now=now,
            )
            ids.append(row.message_id)
    return ids, time.perf_counter() - started


def deliver(database: Database, transports: list[Any], now: datetime) -> float:
    start = threading.Barrier(len(transports))

    def work(n: int, transport: Any) -> None:
        start.wait()
        deliver_due(database, transport, clock=lambda: now, worker_id=f"bench-{n}", limit=1_000_000)

    threads = [threading.Thread(target=work, args=(n, t)) for n, t in enumerate(transports)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an empty, migrated database URL (default: a temporary SQLite file)")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, comma-separated")
    parser.add_argument("--quick", action="store_true", help="50 messages")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    messages = 50 if args.quick else args.messages
    figures: list[Figure] = []

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        if not args.database:
            migrate(url)
        database = Database(url)
        settings = Settings(database_url=url, outbox_dir=Path(folder) / "outbox")
        handler = Accept()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            # Each batch is due at its own instant, later than the previous batch, so rounds never mix.
            base = datetime(2030, 1, 1, tzinfo=UTC)
            print(f"{database.url.get_backend_name()}, {messages} messages of {len(PDF) // 1000} KB PDF")
            for step, workers in enumerate(int(w) for w in args.workers.split(",")):
                now = base + timedelta(days=step)
                ids, queue_seconds = queue_batch(database, settings, messages, now)
                transports = [
                    SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}"), envelope_from="bench@x.example")
                    for _ in range(workers)
                ]
                seconds = deliver(database, transports, now)
                twice = [i for i in ids if handler.ids[i] != 1]
                note = f"{messages} messages, {database.url.get_backend_name()}"
                figures += [
                    Figure(SECTION, f"queue (batch {step + 1})", messages / queue_seconds, unit="/s", note=note),
                    Figure(SECTION, f"SMTP delivery, {workers} worker(s)", messages / seconds, unit="/s", note=note),
                    Figure(SECTION, f"SMTP, {workers} worker(s): not delivered exactly once", len(twice), unit=""),
                ]
            now = base + timedelta(days=100)
            ids, _ = queue_batch(database, settings, messages, now)
            seconds = deliver(database, [EmlFileTransport(settings.outbox_dir)], now)
            files = len(list(settings.outbox_dir.glob("*.eml")))
            figures += [
                Figure(SECTION, ".eml files, 1 worker", messages / seconds, unit="/s"),
                Figure(SECTION, ".eml files written", files, unit="", note=f"of {messages}"),
            ]
        finally:
            controller.stop()
            database.dispose()
    print_figures(figures)
    write(args.json, figures, messages=messages, workers=args.workers)


if __name__ == "__main__":
    main()
