"""Save with impact check (issue 7, item 2): PATCH of a client with 3 unsigned mandates, on SQLite and PostgreSQL.

    .venv/bin/python -m bench client_save [--quick] [--backends sqlite,postgresql] [--rounds N] [--json FILE]

Each backend gets one demo firm in mode `service` (100,000 clients; `--quick`: 20,000), built once and kept:
SQLite in `bench/.cache/save-<n>.db`, PostgreSQL as the database `codadesk_bench_save_<n>`. The
saves change a printed field (`street`), so each one writes the client, gives its three unsigned mandates a
new document to present and adds a history row: the whole impact check.

Printed, through the real app in-process (`create_app` behind `httpx.ASGITransport`, token check and JSON
included): GET /me (the harness's floor), GET client, POST check, PATCH save p50/p95 (goal p95 ≤ 10 ms), and
the service's own save without HTTP. Then, on PostgreSQL, saves per second with 8 concurrent clients (goal
≥ 1,000/s): 8 asyncio tasks, each PATCHing its own clients through the in-process ASGI app (one Python
process: the GIL and the thread pool are shared, as in one server worker); and the same 8 tasks against a
real `codadesk-server serve` (uvicorn, one worker process, then two) over TCP on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from api_client.models import UNSIGNED_STATUSES
from bench.figures import Figure, print_figures, write
from bench.search import CACHE, PG_SERVER, _fresh, _settle
from server.auth import issue_token, principal_for
from server.clients.service import ClientService
from server.config import Settings
from server.db import Database, migrate
from server.demo import seed_demo
from server.main import create_app
from server.models import Client, Mandate, User

SECTION = "2 save"
GOAL_P95_MS = 10.0
GOAL_PER_SECOND = 1000.0
CONCURRENCY = 8
SERVER = Path(sys.executable).parent / "codadesk-server"
SERVED_WORKERS = (1, 2)
"""Server processes of the served figure: this machine has 2 cores (PostgreSQL shares them)."""


# --- the databases ---------------------------------------------------------------------------------------


def database_url(backend: str, clients: int) -> str:
    """A migrated database with one demo firm of `clients` clients in mode `service`; built the first time."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        url = f"sqlite:///{CACHE / f'save-{clients}.db'}"
    else:
        name = f"codadesk_bench_save_{clients}"
        url = make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    marker = CACHE / f"save-{backend}-{clients}.built"
    if not marker.exists():
        started = time.perf_counter()
        print(f"building the {backend} save database: one firm of {clients:,} clients ...", flush=True)
        _fresh(backend, url)
        migrate(url)
        database = Database(url)
        try:
            seed_demo(database, clients_per_firm=clients, firms=1, seed=1)
            _settle(database)
        finally:
            database.dispose()
        marker.write_text(json.dumps({"seconds": round(time.perf_counter() - started)}))
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    migrate(url)
    return url


def three_unsigned(database: Database) -> tuple[str, list[int], int]:
    """A fresh token of the firm's user, the ids of its clients with exactly 3 unsigned mandates, and its size."""
    with database.write() as session:
        user = session.scalars(select(User).order_by(User.id).limit(1)).one()
        token = issue_token(session, user, label="bench")
        firm_id = user.firm_id
        size = session.scalar(select(func.count()).where(Client.firm_id == firm_id)) or 0
        unsigned = (
            select(Mandate.client_id)
            .where(Mandate.firm_id == firm_id, Mandate.status.in_(UNSIGNED_STATUSES))
            .group_by(Mandate.client_id)
            .having(func.count() == 3)
            .order_by(Mandate.client_id)
        )
        ids = list(session.scalars(unsigned))
    return token, ids, size


# --- measuring -------------------------------------------------------------------------------------------


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def timed(call: Callable[[int], Awaitable[object]], rounds: int) -> list[float]:
    for n in range(3):
        await call(n)
    samples = []
    for n in range(rounds):
        started = time.perf_counter()
        await call(n)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


class Saver:
    """PATCHes of `street` on a set of clients, keeping each client's version."""

    def __init__(self, http: httpx.AsyncClient, token: str, versions: dict[int, int]) -> None:
        self.http, self.versions = http, versions
        self.headers = {"Authorization": f"Bearer {token}"}
        self.count = 0

    async def save(self, client_id: int) -> None:
        self.count += 1
        answer = await self.http.patch(
            f"/api/v1/clients/{client_id}",
            json={"street": f"Benchstraat {self.count} {random.randrange(1000)}"},
            headers={**self.headers, "If-Match": f'"{self.versions[client_id]}"'},
        )
        if answer.status_code != 200:
            raise RuntimeError(f"PATCH {client_id}: {answer.status_code} {answer.text[:300]}")
        body = answer.json()
        self.versions[client_id] = body["client"]["version"]
        assert len(body["client"]["mandates"]) == 3, "the client must keep its 3 mandates"


async def concurrently(http: httpx.AsyncClient, token: str, ids: list[int], saves: int) -> float:
    """Saves per second of CONCURRENCY tasks, each saving its own clients in turn, `saves` in all."""
    versions = {client_id: (await _version(http, token, client_id)) for client_id in ids}
    groups = [ids[n::CONCURRENCY] for n in range(CONCURRENCY)]
    each = saves // CONCURRENCY

    async def task(own: list[int]) -> None:
        saver = Saver(http, token, versions)
        for n in range(each):
            await saver.save(own[n % len(own)])

    await asyncio.gather(*(task(group[:1]) for group in groups))  # warm up every connection
    started = time.perf_counter()
    await asyncio.gather(*(task(group) for group in groups))
    return each * CONCURRENCY / (time.perf_counter() - started)


async def _version(http: httpx.AsyncClient, token: str, client_id: int) -> int:
    answer = await http.get(f"/api/v1/clients/{client_id}", headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    version: int = answer.json()["version"]
    return version


def measure(backend: str, clients: int, rounds: int, saves: int, served: bool) -> dict[str, Any]:
    url = database_url(backend, clients)
    database = Database(url)
    try:
        token, ids, size = three_unsigned(database)
        if len(ids) < CONCURRENCY:
            raise SystemExit(f"only {len(ids)} clients with 3 unsigned mandates in the {backend} firm")
        print(f"\n{backend}: firm of {size:,} clients, {len(ids)} of them with 3 unsigned mandates", flush=True)
        rng = random.Random(0)
        picks = [rng.choice(ids) for _ in range(rounds + 3)]
        with database.read() as session:
            principal = principal_for(session, token)
        assert principal is not None
        service = ClientService(database, principal, "en", twikey_configured=False)
        versions = {client_id: service.get(client_id).version for client_id in ids}

        def save_directly(n: int) -> None:
            client_id = picks[n]
            result = service.save(client_id, {"street": f"Bench {n} {time.time_ns()}"}, f'"{versions[client_id]}"')
            versions[client_id] = result.client.version

        raw: dict[str, Any] = {"firm_clients": size, "clients_with_3_unsigned": len(ids), "ms": {}}

        async def run() -> None:
            async def direct(n: int) -> None:
                save_directly(n)

            raw["ms"]["service save"] = await timed(direct, rounds)
            app = create_app(Settings(database_url=url), database=database)
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                saver = Saver(http, token, versions)

                async def me(_n: int) -> None:
                    (await http.get("/api/v1/me", headers=headers)).raise_for_status()

                async def read(n: int) -> None:
                    (await http.get(f"/api/v1/clients/{picks[n]}", headers=headers)).raise_for_status()

                async def check(n: int) -> None:
                    answer = await http.post(
                        f"/api/v1/clients/{picks[n]}/check", json={"street": f"Bench {n}"}, headers=headers
                    )
                    answer.raise_for_status()

                async def save(n: int) -> None:
                    await saver.save(picks[n])

                raw["ms"]["GET /me (floor)"] = await timed(me, rounds)
                raw["ms"]["GET client"] = await timed(read, rounds)
                raw["ms"]["POST check"] = await timed(check, rounds)
                raw["ms"]["PATCH save"] = await timed(save, rounds)
                if backend == "postgresql":
                    raw["in_process_per_second"] = await concurrently(http, token, ids, saves)

        asyncio.run(run())
        if backend == "postgresql" and served:
            raw["served_per_second"] = {
                workers: against_server(url, token, ids, saves, workers=workers) for workers in SERVED_WORKERS
            }
        return raw
    finally:
        database.dispose()


def against_server(url: str, token: str, ids: list[int], saves: int, *, workers: int) -> float:
    """The same concurrent saves against `codadesk-server serve --workers N` (uvicorn) in its own processes."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(
        [
            str(SERVER),
            "serve",
            "--database",
            url,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            f"{workers}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("codadesk-server serve did not start") from None
                time.sleep(0.1)

        async def run() -> float:
            limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as http:
                return await concurrently(http, token, ids, saves)

        return asyncio.run(run())
    finally:
        server.terminate()
        server.wait(timeout=30)


def figures_of(backend: str, raw: dict[str, Any]) -> list[Figure]:
    found = []
    for name, samples in raw["ms"].items():
        p50, p95 = p50_p95(samples)
        is_goal = name == "PATCH save"
        label = "PATCH save, 3 unsigned mandates" if is_goal else name
        if name == "service save":
            label = "service save alone (no HTTP)"
        found.append(Figure(SECTION, f"{backend} {label} p50", p50))
        found.append(Figure(SECTION, f"{backend} {label} p95", p95, goal=GOAL_P95_MS if is_goal else None))
    how = f"{CONCURRENCY} asyncio tasks, each PATCHing its own clients"
    if "in_process_per_second" in raw:
        found.append(
            Figure(
                SECTION,
                f"{backend} concurrent saves, {CONCURRENCY} clients, in-process ASGI",
                raw["in_process_per_second"],
                unit="/s",
                goal=GOAL_PER_SECOND,
                compare=">=",
                note=f"{how} through the app in one process",
            )
        )
    for workers, per_second in raw.get("served_per_second", {}).items():
        found.append(
            Figure(
                SECTION,
                f"{backend} concurrent saves, {CONCURRENCY} clients, codadesk-server serve --workers {workers}",
                per_second,
                unit="/s",
                goal=GOAL_PER_SECOND,
                compare=">=",
                note=f"{how} over TCP to uvicorn ({workers} worker process{'es' if workers > 1 else ''})",
            )
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench client_save", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 20,000-client firm, fewer rounds, no served server")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=None, help="clients in the firm (default 100,000)")
    parser.add_argument("--rounds", type=int, default=None, help="requests per figure (default 200, quick 30)")
    parser.add_argument("--saves", type=int, default=None, help="concurrent saves (default 1600, quick 160)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    clients = args.clients or (20_000 if args.quick else 100_000)
    rounds = args.rounds or (30 if args.quick else 200)
    saves = args.saves or (160 if args.quick else 1600)
    report: dict[str, Any] = {"clients": clients, "rounds": rounds, "saves": saves, "backends": {}}
    figures: list[Figure] = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        raw = measure(backend, clients, rounds, saves, served=not args.quick)
        figures += figures_of(backend, raw)
        report["backends"][backend] = raw
    print()
    print_figures(figures)
    write(args.json, figures, **report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
