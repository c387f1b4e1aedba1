"""Latency of reading, checking and saving one client in a large firm, through the real app (ASGI, JSON).

    .venv/bin/python bench/client_save.py [--database URL] [--clients 100000] [--rounds 200]

With `--database` of an already seeded database it uses its largest firm; otherwise it seeds `--clients`
clients into it (or into a fresh SQLite file in a temporary folder). It prints the median and 95th
percentile of reading, checking and saving a client (a printed field that re-presents unsigned mandates, so
the save writes the client, its mandates and a history row), twice: calling the service directly (the
server's own cost) and through HTTP with `TestClient` (plus `GET /me` as the harness's own cost per request).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from server.auth import issue_token, principal_for
from server.clients.service import ClientService
from server.config import Settings
from server.db import Database, migrate
from server.demo import seed_demo
from server.main import create_app
from server.models import Client, User


def measure(call: Callable[[int], object], rounds: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    samples = []
    for n in range(rounds):
        started = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def existing_firm(database: Database) -> tuple[int, str] | None:
    """The firm with the most clients in an already seeded database, and a fresh token of one of its users."""
    with database.write() as session:
        row = session.execute(
            select(Client.firm_id, func.count()).group_by(Client.firm_id).order_by(func.count().desc()).limit(1)
        ).first()
        if row is None:
            return None
        user = session.scalars(select(User).where(User.firm_id == row[0]).limit(1)).one()
        print(f"using firm {row[0]} with {row[1]} clients")
        return row[0], issue_token(session, user, label="bench")


def report(where: str, name: str, figures: tuple[float, float]) -> None:
    print(f"{where:<8} {name:<11} median {figures[0]:6.2f} ms   p95 {figures[1]:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    migrate(url)
    database = Database(url)
    found = existing_firm(database) if args.database else None
    if found is None:
        started = time.perf_counter()
        [account] = seed_demo(database, clients_per_firm=args.clients, firms=1, seed=1)
        found = account.firm_id, account.token
        print(f"seeded {args.clients} clients in {time.perf_counter() - started:.1f} s")
    firm_id, token = found
    with database.read() as session:
        ids = list(session.scalars(select(Client.id).where(Client.firm_id == firm_id)))
    picks = random.Random(0).sample(ids, args.rounds)
    headers = {"Authorization": f"Bearer {token}"}
    with database.read() as session:
        principal = principal_for(session, token)
    assert principal is not None
    service = ClientService(database, principal, "en", twikey_configured=False)
    versions = {client_id: service.get(client_id).version for client_id in picks}
    report("service", "read", measure(lambda n: service.get(picks[n]), args.rounds))
    report("service", "check", measure(lambda n: service.check(picks[n], {"street": f"Bench {n}"}), args.rounds))

    def save_directly(n: int) -> None:
        result = service.save(picks[n], {"street": f"Benchstraat {n}"}, f'"{versions[picks[n]]}"')
        versions[picks[n]] = result.client.version

    report("service", "save", measure(save_directly, args.rounds))

    app = create_app(Settings(database_url=url), database=database)
    with TestClient(app) as http:

        def read(n: int) -> None:
            http.get(f"/api/v1/clients/{picks[n]}", headers=headers)

        def check(n: int) -> None:
            http.post(f"/api/v1/clients/{picks[n]}/check", json={"street": f"Bench {n}"}, headers=headers)

        def save(n: int) -> None:
            client_id = picks[n]
            answer = http.patch(
                f"/api/v1/clients/{client_id}",
                json={"street": f"Benchstraat {n} b"},
                headers={**headers, "If-Match": f'"{versions[client_id]}"'},
            )
            assert answer.status_code == 200, answer.text
            versions[client_id] = answer.json()["client"]["version"]

        report("http", "GET /me", measure(lambda _n: http.get("/api/v1/me", headers=headers), args.rounds))
        report("http", "GET client", measure(read, args.rounds))
        report("http", "POST check", measure(check, args.rounds))
        report("http", "PATCH save", measure(save, args.rounds))
    database.dispose()


if __name__ == "__main__":
    main()
