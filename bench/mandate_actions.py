"""Cost of the mandate document and of the mandate actions, through the real app (ASGI, JSON).

    .venv/bin/python -m bench mandate_actions [--database URL] [--clients 20000] [--rounds 60] [--quick] [--json FILE]

Seeds one demo firm in mode `service` (into `--database`, or a fresh SQLite file in a temporary folder) and
prints the median and 95th percentile of: building a mandate PDF (fpdf2, cold and from the process's cache),
reading a mandate, downloading its document (cold), resending it (outbox row and status in one transaction,
with and without `Idempotency-Key`), replaying a resend, and archiving. Every action runs on a different
unsigned mandate, so none is served from another's work.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from api_client.models import UNSIGNED_STATUSES
from bench.figures import Figure, print_figures, write
from server.config import Settings
from server.db import Database, migrate
from server.demo import seed_demo
from server.main import create_app
from server.mandates import documents
from server.models import Bank, Client, Mandate


def measure(call: Callable[[int], object], rounds: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    samples = []
    for n in range(rounds):
        started = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


SECTION = "mandate actions"
FIGURES: list[Figure] = []


def report(name: str, figures: tuple[float, float]) -> None:
    FIGURES.append(Figure(SECTION, f"{name} p50", figures[0]))
    FIGURES.append(Figure(SECTION, f"{name} p95", figures[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database")
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="2,000 clients, 15 rounds")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    rounds = 15 if args.quick else args.rounds
    clients = 2000 if args.quick else args.clients
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    migrate(url)
    database = Database(url)
    started = time.perf_counter()
    [account] = seed_demo(database, clients_per_firm=clients, firms=1, seed=7)
    print(f"seeded {clients} clients in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
    with database.read() as session:
        rows = session.execute(
            select(Mandate.id, Client.id)
            .join(Client, Client.id == Mandate.client_id)
            .join(Bank, Bank.bic == Mandate.bank_bic)
            .where(
                Mandate.firm_id == account.firm_id,
                Mandate.status.in_(UNSIGNED_STATUSES),
                Client.email.is_not(None),
                Bank.channels.contains("paper"),
            )
            .order_by(Mandate.id)
            .limit(rounds * 5)
        ).all()
        sample_mandate = session.scalars(select(Mandate).where(Mandate.id == rows[0][0])).one()
        sample_client = session.scalars(select(Client).where(Client.id == rows[0][1])).one()
    if len(rows) < rounds * 5:
        raise SystemExit(f"only {len(rows)} unsigned mandates with e-mail and paper: seed more clients")
    groups = [[mandate_id for mandate_id, _ in rows[i * rounds : (i + 1) * rounds]] for i in range(5)]
    download_ids, resend_ids, keyed_ids, archive_ids, read_ids = groups

    def build_cold(n: int) -> None:
        documents._render.cache_clear()
        documents.render_mandate_pdf(sample_client, sample_mandate, issued_on=date(2026, 1, 5))

    report("PDF build (cold)", measure(build_cold, rounds))
    report(
        "PDF build (cached)",
        measure(
            lambda _n: documents.render_mandate_pdf(sample_client, sample_mandate, issued_on=date(2026, 1, 5)), rounds
        ),
    )

    settings = Settings(database_url=url, resend_limit_per_hour=1000)
    app = create_app(settings, database=database)
    headers = {"Authorization": f"Bearer {account.token}"}
    keys = [str(uuid.uuid4()) for _ in range(rounds)]
    with TestClient(app) as http:

        def call(method: str, path: str, expected: int, **kwargs: object) -> None:
            answer = http.request(method, f"/api/v1/mandates/{path}", **kwargs)  # type: ignore[arg-type]
            assert answer.status_code == expected, answer.text

        report("GET /me (harness cost)", measure(lambda _n: http.get("/api/v1/me", headers=headers), rounds))
        report("GET mandate", measure(lambda n: call("GET", f"{read_ids[n]}", 200, headers=headers), rounds))

        def download_cold(n: int) -> None:
            documents._render.cache_clear()
            call("GET", f"{download_ids[n]}/document", 200, headers=headers)

        report("GET document (cold PDF)", measure(download_cold, rounds))
        report("POST resend", measure(lambda n: call("POST", f"{resend_ids[n]}/resend", 202, headers=headers), rounds))
        report(
            "POST resend + Idempotency-Key",
            measure(
                lambda n: call("POST", f"{keyed_ids[n]}/resend", 202, headers={**headers, "Idempotency-Key": keys[n]}),
                rounds,
            ),
        )
        report(
            "POST resend replayed",
            measure(
                lambda n: call("POST", f"{keyed_ids[n]}/resend", 202, headers={**headers, "Idempotency-Key": keys[n]}),
                rounds,
            ),
        )
        report(
            "POST archive",
            measure(
                lambda n: call("POST", f"{archive_ids[n]}/archive", 200, headers=headers, json={"confirm": True}),
                rounds,
            ),
        )
    database.dispose()
    print_figures(FIGURES)
    write(args.json, FIGURES, clients=clients, rounds=rounds)


if __name__ == "__main__":
    main()
