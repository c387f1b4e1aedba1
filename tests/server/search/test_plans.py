"""How the search reaches its rows: through the firm's indexes, planned for its own values, exact counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text

from server.clients import search, search_sqlite
from server.clients.folding import fold
from server.db import Database
from tests.server.search.conftest import Searcher


@contextmanager
def statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements sent to the database inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def plan_of(database: Database, statement: str, parameters: Any, *, without_btrees: bool = False) -> str:
    """The plan the database makes for a statement with these very values, as the search runs it.

    `without_btrees` (PostgreSQL): plan as if the clients' B-tree indexes were not there (dropped in a
    transaction rolled back at once). A test firm is so small that the planner rightly reads it through
    a B-tree; this shows that the GIN indexes can answer the statement, which they must in a large firm.
    """
    with database.engine.connect() as conn:
        if database.is_sqlite:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return "\n".join(str(row[-1]) for row in rows)
        if "count(*) OVER ()" in statement:
            for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
                conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        if without_btrees:
            btrees = conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'clients' "
                "AND position('USING gin' IN indexdef) = 0 AND indexname <> 'clients_pkey'"
            ).scalars()
            for name in list(btrees):
                conn.exec_driver_sql(f'ALTER TABLE clients DROP CONSTRAINT IF EXISTS "{name}"')
                conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
        conn.rollback()
        return "\n".join(str(row[0]) for row in rows)


@pytest.mark.one_path
@pytest.mark.parametrize(
    ("q", "indexed"), [("bakk", "search_text ~~ '%bakk%'"), ("kk", "@> '{kk}'"), ("ij", "@> '{ij}'")]
)
def test_a_rare_term_is_read_from_the_firms_trigram_index(
    database: Database, demo_firm: Searcher, monkeypatch: pytest.MonkeyPatch, q: str, indexed: str
) -> None:
    monkeypatch.setattr(search, "WINDOW", 0)
    with statements(database) as seen:
        demo_firm.page(q=q)
    marker = "clients_trigrams MATCH" if database.is_sqlite else "count(*) OVER ()"
    (statement, parameters) = next((s, p) for s, p in seen if marker in s and "ORDER BY" in s)
    plan = plan_of(database, statement, parameters, without_btrees=True)
    if database.is_sqlite:
        assert "SCAN t VIRTUAL TABLE INDEX 0:M1><" in plan  # MATCH and the firm's rowid range
        assert "INTEGER PRIMARY KEY" in plan
    else:
        assert "Bitmap Index Scan on ix_clients_firm_text" in plan, plan
        index_condition = next(line for line in plan.splitlines() if "Index Cond" in line)
        assert f"firm_id = {demo_firm.firm_id}" in index_condition  # the firm is asked of the index
        assert indexed in index_condition, plan


@pytest.mark.one_path
def test_a_frequent_term_is_read_from_the_firms_name_index(database: Database, demo_firm: Searcher) -> None:
    with statements(database) as seen:
        demo_firm.page(q="e")
    statement, parameters = next((s, p) for s, p in seen if "SELECT name_key, id, search_text FROM clients" in s)
    plan = plan_of(database, statement, parameters)
    if database.is_sqlite:
        assert "COVERING INDEX ix_clients_firm_name_search" in plan
    else:
        # A test database is tiny and the planner may read the table itself; the index must be usable.
        assert "ix_clients_firm_name_search" in plan or "Seq Scan on clients" in plan


@pytest.mark.one_path
def test_no_statement_is_prepared_on_the_server(database: Database, demo_firm: Searcher) -> None:
    """A generic plan for `search_text LIKE $1` cannot use the trigram index: every search is planned anew."""
    for q in ("bakk", "bakk", "bakk", "bakk", "bakk", "bakk", "e", "bk"):
        demo_firm.page(q=q)
    with database.engine.connect() as conn:
        if database.is_sqlite:
            return
        prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
        mode = conn.execute(text("SHOW plan_cache_mode")).scalar_one()
    assert prepared == 0
    assert mode == "force_custom_plan"


def _expected(rows: list[dict[str, Any]], q: str) -> list[int]:
    def matches(row: dict[str, Any], word: str) -> bool:
        fields = [row["company_name"], row["client_code"], row["email"] or "", row["enterprise_number"] or ""]
        return any(fold(word) in fold(field) for field in fields)

    return [row["id"] for row in rows if all(matches(row, word) for word in q.split())]


@pytest.mark.parametrize("q", ["k", "bk", "ak", "zz", "jo", "e", "an bv", "x", "é"])
def test_short_terms_count_exactly_however_they_are_counted(
    demo_firm: Searcher, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    everyone = demo_firm.all_rows(limit=200)
    expected = _expected(everyone, q)
    for count_scan, expansion in ((search_sqlite.COUNT_SCAN, search_sqlite.MAX_EXPANSION), (3, 300), (3, 0)):
        monkeypatch.setattr(search_sqlite, "COUNT_SCAN", count_scan)
        monkeypatch.setattr(search_sqlite, "MAX_EXPANSION", expansion)
        body = demo_firm.page(q=q, limit=5)
        assert (body["total"], body["total_capped"]) == (len(expected), False), (count_scan, expansion)
        assert [row["id"] for row in demo_firm.all_rows(q=q, limit=50)] == expected


def test_missing_email_and_a_term_together(demo_firm: Searcher) -> None:
    everyone = demo_firm.all_rows(limit=200)
    for q in ("a", "bv", "ele", "nv 04"):
        expected = [i for i in _expected(everyone, q) if next(r for r in everyone if r["id"] == i)["email"] is None]
        body = demo_firm.page(q=q, missing_email="true", limit=3)
        assert body["total"] == len(expected)
        assert [row["id"] for row in demo_firm.all_rows(q=q, missing_email="true", limit=4)] == expected


@pytest.mark.one_path
def test_the_bitmap_only_planner_settings_hold_for_their_statement_and_no_longer(
    database: Database, demo_firm: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads run in autocommit: the count of a rare term must still be planned with bitmap scans
    only, and the connection must be back to the defaults afterwards (it goes back to the pool)."""
    if database.is_sqlite:
        return  # SQLite has no planner settings
    monkeypatch.setattr(search, "WINDOW", 0)  # as in a large firm: a rare term is counted on the GIN index
    seen: list[tuple[str, str]] = []

    def record(conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        if not statement.startswith(("SELECT set_config", "SHOW")):
            seen.append((statement, conn.exec_driver_sql("SHOW enable_indexscan").scalar_one()))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.read() as session:
            search.search_clients(session, firm_id=demo_firm.firm_id, q="bakk", limit=5)
            after = session.execute(text("SHOW enable_indexscan")).scalar_one()
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    assert [statement for statement, setting in seen if setting == "off"], "a statement ran with bitmap scans only"
    assert after == "on"
