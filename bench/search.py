"""Server search in a firm of 100,000 clients inside 1,000,000 (issue 7, item 1), on SQLite and PostgreSQL.

    .venv/bin/python -m bench search [--quick] [--backends sqlite,postgresql] [--rounds N] [--json FILE]

The databases are built once by the demo generator (10 firms of 100,000 clients; `--quick`: 2 of 20,000)
and kept: SQLite under `bench/.cache/`, PostgreSQL as the database `codadesk_bench` (`codadesk_bench_quick`)
on the server of `CODADESK_BENCH_DATABASE_URL` (default `postgresql://postgres@127.0.0.1:5432/`). Each run
migrates them first, so a new index migration is measured without a rebuild.

For each kind of query (2-, 3- and 5-character terms that are frequent, rare or absent in the firm, the
missing-e-mail first page, a deep page) it prints p50/p95 of the search alone (`search_clients` on an open
session: the SQL and the little Python around it) and of the same request through HTTP in-process (the
FastAPI app behind `httpx.ASGITransport`, token check and JSON included), with the ratio and the goals
(p95 ≤ 5 ms in-process, ≤ 5x the search alone). Figures print; nothing asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from bench.figures import Figure, print_figures, write
from server.auth import issue_token
from server.clients.search import search_clients
from server.config import Settings
from server.db import Database, migrate
from server.demo import seed_demo
from server.main import create_app
from server.models import Client, User

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
PG_SERVER = os.environ.get("CODADESK_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/")
GOAL_P95_MS = 5.0
GOAL_RATIO = 5.0


@dataclass(frozen=True)
class Size:
    firms: int
    clients_per_firm: int

    @property
    def name(self) -> str:
        return f"{self.firms}x{self.clients_per_firm}"


FULL = Size(10, 100_000)
QUICK = Size(2, 20_000)


# --- the databases ---------------------------------------------------------------------------------------


def sqlite_url(size: Size) -> str:
    return f"sqlite:///{CACHE / f'search-{size.name}.db'}"


def postgres_url(size: Size) -> str:
    name = "codadesk_bench" if size == FULL else "codadesk_bench_quick"
    return make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


def _marker(backend: str, size: Size) -> Path:
    return CACHE / f"search-{backend}-{size.name}.built"


def ensure_database(backend: str, size: Size) -> str:
    """The URL of a built, migrated bench database; built (minutes for the full size) when missing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    url = sqlite_url(size) if backend == "sqlite" else postgres_url(size)
    marker = _marker(backend, size)
    if not marker.exists():
        _fresh(backend, url)
        started = time.perf_counter()
        print(f"building {backend} {size.firms} firms x {size.clients_per_firm:,} clients ...", flush=True)
        migrate(url)
        database = Database(url)
        try:
            for firm in range(size.firms):
                seed_demo(database, clients_per_firm=size.clients_per_firm, firms=1, seed=firm)
                print(f"  firm {firm + 1}/{size.firms} at {time.perf_counter() - started:.0f} s", flush=True)
            _settle(database)
        finally:
            database.dispose()
        marker.write_text(json.dumps({"seconds": round(time.perf_counter() - started)}))
        (CACHE / f"terms-{backend}-{size.name}.json").unlink(missing_ok=True)
    migrate(url)
    return url


def _fresh(backend: str, url: str) -> None:
    if backend == "sqlite":
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = make_url(url).database
    admin = make_url(PG_SERVER).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _settle(database: Database) -> None:
    """What a database that has been running a while has: statistics, and on PostgreSQL a visibility map."""
    if database.is_sqlite:
        with database.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


# --- what is asked ---------------------------------------------------------------------------------------


def pick_terms(database: Database, firm_id: int, cache: Path) -> dict[str, str]:
    """Terms of 2, 3 and 5 letters by how many of the firm's clients they find: frequent (the most), medium
    (about 1 in 100: where the name-ordered scan hands over to the index), rare (about 5) and absent."""
    if cache.exists():
        kept: dict[str, str] = json.loads(cache.read_text())
        return kept
    with database.read() as session:
        texts = list(session.scalars(select(Client.search_text).where(Client.firm_id == firm_id)))
    letters = set("abcdefghijklmnopqrstuvwxyz")
    terms: dict[str, str] = {}
    for size in (2, 3, 5):
        counts: Counter[str] = Counter()
        for value in texts:
            counts.update({value[i : i + size] for i in range(len(value) - size + 1)})
        ranked = sorted(((t, c) for t, c in counts.items() if set(t) <= letters), key=lambda item: (-item[1], item[0]))
        terms[f"{size} frequent"] = ranked[0][0]
        terms[f"{size} medium"] = min(ranked, key=lambda item: (abs(item[1] - len(texts) // 100), item[0]))[0]
        terms[f"{size} rare"] = min(ranked, key=lambda item: (abs(item[1] - 5), item[0]))[0]
        terms[f"{size} absent"] = next(
            t for t in ("qx", "xq", "zqx", "qxz", "zqxjk", "jqxzv") if len(t) == size and t not in counts
        )
    cache.write_text(json.dumps(terms, indent=2))
    return terms


@dataclass(frozen=True)
class Case:
    name: str
    params: dict[str, Any]


def cases(database: Database, firm_id: int, terms: dict[str, str], total_cap: int) -> list[Case]:
    found = [Case("first page, no term", {})]
    found += [Case(f"{label}: {term!r}", {"q": term}) for label, term in terms.items()]
    found.append(Case("missing e-mail, first page", {"missing_email": "true"}))
    with database.read() as session:
        middle = search_clients(session, firm_id=firm_id, offset=50_000 // 2, limit=50, total_cap=total_cap)
        deep_term = terms["3 frequent"]
        middle_term = search_clients(session, firm_id=firm_id, q=deep_term, offset=5_000, limit=50, total_cap=total_cap)
        middle_missing = search_clients(
            session, firm_id=firm_id, missing_email=True, offset=5_000, limit=50, total_cap=total_cap
        )
    for label, page, params in (
        ("deep page (cursor after 25,000 rows)", middle, {}),
        (f"deep page of {deep_term!r} (after 5,000 matches)", middle_term, {"q": deep_term}),
        ("deep page of missing e-mail (after 5,000)", middle_missing, {"missing_email": "true"}),
    ):
        if page.next_cursor:
            found.append(Case(label, {**params, "cursor": page.next_cursor}))
    return found


# --- measuring -------------------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(run: Callable[[], object], rounds: int) -> list[float]:
    for _ in range(3):
        run()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def statements_of(database: Database, firm_id: int, case: Case, total_cap: int) -> list[tuple[str, Any]]:
    """The SQL one search sends, with its parameters, as the driver received them."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.read() as session:
            _search(session, firm_id, case, total_cap)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    return seen


def _search(session: Any, firm_id: int, case: Case, total_cap: int) -> None:
    params = case.params
    search_clients(
        session,
        firm_id=firm_id,
        q=params.get("q", ""),
        missing_email=params.get("missing_email") == "true",
        cursor=params.get("cursor"),
        total_cap=total_cap,
    )


def measure(backend: str, size: Size, rounds: int) -> list[dict[str, Any]]:
    url = ensure_database(backend, size)
    database = Database(url)
    settings = Settings(database_url=url)
    try:
        with database.write() as session:
            user = session.scalars(select(User).order_by(User.id)).first()
            assert user is not None
            firm_id = user.firm_id
            token = issue_token(session, user, label="bench")
            firm_size = session.scalar(select(func.count()).where(Client.firm_id == firm_id))
        terms = pick_terms(database, firm_id, CACHE / f"terms-{backend}-{size.name}.json")
        app = create_app(settings, database=database)
        results: list[dict[str, Any]] = []
        print(f"\n{backend}: firm of {firm_size:,} clients among {size.firms * size.clients_per_firm:,}", flush=True)
        header = f"{'query':52} {'SQL p50':>8} {'p95':>7} {'HTTP p50':>9} {'p95':>7} {'ratio':>6}"
        print(f"{header}  goals: HTTP p95 <= {GOAL_P95_MS:g} ms / ratio <= {GOAL_RATIO:g}x")
        floor50, floor95 = percentiles(_http_samples(app, token, Case("me", {}), rounds, path="/api/v1/me"))
        print(f"{'floor: GET /api/v1/me (token check, thread hops)':52} {'':8} {'':7} {floor50:9.2f} {floor95:7.2f}")
        results.append(
            {"query": "floor: GET /api/v1/me", "http_ms": {"p50": round(floor50, 3), "p95": round(floor95, 3)}}
        )
        for case in cases(database, firm_id, terms, settings.search_total_cap):
            statements = statements_of(database, firm_id, case, settings.search_total_cap)
            raw = timed(_replayer(database, statements), rounds)
            http = _http_samples(app, token, case, rounds)
            raw50, raw95 = percentiles(raw)
            http50, http95 = percentiles(http)
            ratio = http95 / raw95 if raw95 else float("inf")
            met_time, met_ratio = http95 <= GOAL_P95_MS, ratio <= GOAL_RATIO
            verdict = ("met" if met_time else "NOT met") + " / " + ("met" if met_ratio else "NOT met")
            print(
                f"{case.name[:52]:52} {raw50:8.2f} {raw95:7.2f} {http50:9.2f} {http95:7.2f} {ratio:6.1f}  {verdict}",
                flush=True,
            )
            results.append(
                {
                    "query": case.name,
                    "params": {k: v for k, v in case.params.items() if k != "cursor"},
                    "sql_ms": {"p50": round(raw50, 3), "p95": round(raw95, 3)},
                    "http_ms": {"p50": round(http50, 3), "p95": round(http95, 3)},
                    "ratio_p95": round(ratio, 2),
                    "goal_p95_met": met_time,
                    "goal_ratio_met": met_ratio,
                }
            )
        return results
    finally:
        database.dispose()


def _replayer(database: Database, statements: list[tuple[str, Any]]) -> Callable[[], None]:
    """Send the same statements again through the driver alone, in one transaction, fetching every row."""

    def replay() -> None:
        with database.engine.connect() as conn:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                for statement, parameters in statements:
                    cursor.execute(statement, parameters)
                    if cursor.description is not None:
                        cursor.fetchall()
            finally:
                cursor.close()
            conn.rollback()

    return replay


def _http_samples(app: Any, token: str, case: Case, rounds: int, path: str = "/api/v1/clients") -> list[float]:
    async def run() -> list[float]:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for _ in range(3):
                (await client.get(path, params=case.params, headers=headers)).raise_for_status()
            samples = []
            for _ in range(rounds):
                started = time.perf_counter()
                answer = await client.get(path, params=case.params, headers=headers)
                samples.append((time.perf_counter() - started) * 1000)
                answer.raise_for_status()
            return samples

    return asyncio.run(run())


def figures_of(backend: str, results: list[dict[str, Any]]) -> list[Figure]:
    """Per query: HTTP in-process p95 (goal ≤ 5 ms) and its ratio to the search alone (goal ≤ 5x)."""
    found = []
    for result in results:
        http, name = result["http_ms"], f"{backend} {result['query']}"
        if "sql_ms" not in result:
            found.append(Figure("1 search", f"{name}, HTTP p95", http["p95"], note=f"p50 {http['p50']:.2f}"))
            continue
        sql = result["sql_ms"]
        note = f"p50 {http['p50']:.2f}; SQL alone p50 {sql['p50']:.2f} p95 {sql['p95']:.2f}"
        found.append(Figure("1 search", f"{name}, HTTP p95", http["p95"], goal=GOAL_P95_MS, note=note))
        found.append(Figure("1 search", f"{name}, HTTP/SQL p95", result["ratio_p95"], unit="x", goal=GOAL_RATIO))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 firms of 20,000 clients, 30 rounds")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=None, help="requests per query (default 200, quick 30)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures (default bench/results/)")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    rounds = args.rounds or (30 if args.quick else 200)
    load_before = os.getloadavg()
    report: dict[str, Any] = {
        "benchmark": "search",
        "size": {"firms": size.firms, "clients_per_firm": size.clients_per_firm},
        "rounds": rounds,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before": load_before},
        "goals": {"http_p95_ms": GOAL_P95_MS, "ratio_to_sql": GOAL_RATIO},
        "backends": {},
    }
    print(f"search: {rounds} requests per query; load average {load_before[0]:.1f} on {os.cpu_count()} cores")
    figures: list[Figure] = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        report["backends"][backend] = measure(backend, size, rounds)
        figures += figures_of(backend, report["backends"][backend])
    report["machine"]["load_after"] = os.getloadavg()
    print()
    print_figures(figures)
    target = args.json or RESULTS / f"search{'-quick' if args.quick else ''}.json"
    write(target, figures, **report)
    print(f"\nfigures written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
