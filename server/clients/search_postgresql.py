"""The search's SQL on PostgreSQL: the firm's name-ordered covering index, and one GIN index per firm.

`ix_clients_firm_text` (migrations 0002, 0003) is a GIN index on `firm_id` (btree_gin), on `search_text`
(pg_trgm) for terms of 3 characters and more, and on `codadesk_pairs(search_text)`, the text's pairs of
characters, for 2-character terms: `@>` answers those exactly, so PostgreSQL checks no candidate row
again. A single character has no index: it is frequent enough for the name-ordered scan, or read by it to
the end. Names sort in byte order (`COLLATE "C"`), the order SQLite uses, so that a cursor
means the same on both and no locale slows the comparisons.

Plans: psycopg's server-side prepared statements are off and `plan_cache_mode=force_custom_plan` (see
`server.db`), so each statement is planned with its own values; a generic plan cannot use the trigram
index for `LIKE $1`. The indexed path allows only bitmap scans for its one statement: its terms are rare
by construction (the name-ordered scan did not fill a page), and a planner that misjudges a `LIKE`
pattern's selectivity must not walk the firm's name index or the table instead of the GIN index.
"""

# ruff: noqa: S608 - statements are joined from fixed fragments; every value from a request is a bound parameter

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from api_client.models import UNSIGNED_STATUSES
from server.clients.search_terms import SUMMARY_COLUMNS, Key, SearchQuery, sql_text

NAME = 'name_key COLLATE "C"'
COUNT_SCAN = 20_000
"""Rows of the name index a frequent term's count reads before asking the GIN index."""


def like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _scope(query: SearchQuery, after: Key | None, params: dict[str, Any]) -> str:
    params["firm"] = query.firm_id
    # psycopg sends a small int as int2: int4 = int2 is no operator of btree_gin's int4 class, so the GIN
    # indexes would ignore the firm. Every integer is cast to the column's type.
    sql = "firm_id = CAST(:firm AS integer)"
    if query.missing_email:
        sql += " AND email IS NULL"
    if after is not None:
        params["after_name"], params["after_id"] = after
        sql += f" AND ({NAME}, id) > (:after_name, CAST(:after_id AS integer))"
    return sql


def _term_filters(query: SearchQuery, params: dict[str, Any], *, indexed: bool) -> str:
    """Every term as a filter; `indexed` adds what the GIN index answers: the trigrams of 3 characters and
    more, the pair of a 2-character term. A single character has no index: `strpos` alone."""
    clauses = []
    for t, term in enumerate(query.terms):
        options = []
        for a, alternative in enumerate(term.alternatives):
            name = f"t{t}_{a}"
            params[name] = alternative
            exact = f"strpos(search_text, :{name}) > 0"
            if indexed and len(alternative) >= 3:
                params[f"{name}_like"] = like_pattern(alternative)
                exact = f"search_text LIKE :{name}_like AND {exact}"
            elif indexed and len(alternative) == 2:
                exact = f"codadesk_pairs(search_text) @> ARRAY[CAST(:{name} AS text)]"
            options.append(f"({exact})")
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND ".join(clauses) or "true"


def _indexable(query: SearchQuery) -> bool:
    """Whether some term can drive the GIN index: all its forms have 2 characters or more."""
    return any(all(len(a) >= 2 for a in term.alternatives) for term in query.terms)


SCANS = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")


def _scans(value: str) -> str:
    # Session-wide, not `is_local`: reads run in autocommit (`server.db`), where a local setting would end
    # with its own statement. `_bitmap_scans_only` puts them back right after the one statement.
    return "SELECT " + ", ".join(f"set_config('{setting}', '{value}', false)" for setting in SCANS)


@contextmanager
def _bitmap_scans_only(session: Session) -> Iterator[None]:
    """For one statement: the planner may only use bitmap scans, i.e. the GIN indexes (one round trip to
    set, one to reset)."""
    session.execute(sql_text(_scans("off")))
    try:
        yield
    finally:
        session.execute(sql_text(_scans("on")))


def _with_summaries(keys: str, params: dict[str, Any], extra: str = "") -> str:
    """The page's rows for the keys that `keys` selects (columns `name_key, id`), with their unsigned
    mandates, in name order: one statement, one primary-key lookup and one index probe per row."""
    params["unsigned"] = sorted(UNSIGNED_STATUSES)
    return (
        f"SELECT {SUMMARY_COLUMNS}, (SELECT count(*) FROM mandates AS m WHERE m.client_id = c.id "
        f"AND m.status = ANY(:unsigned)) AS unsigned{extra} "
        f"FROM ({keys}) AS k JOIN clients AS c ON c.id = k.id ORDER BY c.{NAME}, c.id"
    )


class PostgresqlSearch:
    """`server.clients.search.SearchPlan` for PostgreSQL."""

    def plain(self, session: Session, query: SearchQuery, after: Key | None, n: int, offset: int) -> list[Row[Any]]:
        params: dict[str, Any] = {"n": n, "offset": offset}
        scope = _scope(query, after, params)
        keys = f"SELECT name_key, id FROM clients WHERE {scope} ORDER BY {NAME}, id LIMIT :n OFFSET :offset"
        return list(session.execute(sql_text(_with_summaries(keys, params)), params))

    def window(
        self, session: Session, query: SearchQuery, after: Key | None, rows: int | None, n: int, offset: int
    ) -> tuple[list[Row[Any]], bool]:
        params: dict[str, Any] = {"n": n, "offset": offset, "window": rows}
        scope = _scope(query, after, params)
        keys = (
            "SELECT name_key, id FROM ("
            f"SELECT name_key, id, search_text FROM clients WHERE {scope} ORDER BY {NAME}, id LIMIT :window"
            f") AS w WHERE {_term_filters(query, params, indexed=False)} ORDER BY {NAME}, id LIMIT :n OFFSET :offset"
        )
        # Whether the window held the firm's last row is not asked: when it did not fill a page, the
        # trigram index answers, and for a firm that small it has little to answer.
        return list(session.execute(sql_text(_with_summaries(keys, params)), params)), rows is None

    def indexed(
        self, session: Session, query: SearchQuery, after: Key | None, n: int, offset: int
    ) -> tuple[list[Row[Any]], int | None] | None:
        if not _indexable(query):
            return None
        params: dict[str, Any] = {"n": n, "offset": offset}
        keys = (
            f"SELECT name_key, id, count(*) OVER () AS matching FROM clients WHERE {_scope(query, after, params)} "
            f"AND {_term_filters(query, params, indexed=True)} ORDER BY {NAME}, id LIMIT :n OFFSET :offset"
        )
        with _bitmap_scans_only(session):
            found = list(session.execute(sql_text(_with_summaries(keys, params, ", k.matching")), params))
        return found, (found[0].matching if found else None if offset else 0)

    def count(self, session: Session, query: SearchQuery, cap: int, *, frequent: bool) -> int:
        """Matches of the whole firm, counted up to `cap + 1`.

        A term that fills a page in the name-ordered scan is frequent: a bounded stretch of that scan
        usually holds `cap` matches already. Only a term rarer than that is counted on the GIN index, whose
        bitmap would cost every match of a frequent term.
        """
        if query.terms and (frequent or not _indexable(query)):
            counted, complete = self._scan_count(session, query, cap, COUNT_SCAN if _indexable(query) else None)
            if counted > cap or complete:
                return counted
        params: dict[str, Any] = {"cap": cap + 1}
        sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM clients WHERE {_scope(query, None, params)} "
            f"AND {_term_filters(query, params, indexed=True)} LIMIT :cap) AS capped"
        )
        if not query.terms:
            return int(session.execute(sql_text(sql), params).scalar_one())
        with _bitmap_scans_only(session):
            return int(session.execute(sql_text(sql), params).scalar_one())

    def _scan_count(self, session: Session, query: SearchQuery, cap: int, rows: int | None) -> tuple[int, bool]:
        """Matches among the firm's first `rows` names (None: all), up to `cap + 1`; and whether those were
        all the firm's."""
        params: dict[str, Any] = {"cap": cap + 1, "rows": rows}
        scope = _scope(query, None, params)
        sql = (
            "SELECT count(*) FROM (SELECT 1 FROM ("
            f"SELECT search_text FROM clients WHERE {scope} ORDER BY {NAME}, id LIMIT :rows"
            f") AS w WHERE {_term_filters(query, params, indexed=False)} LIMIT :cap) AS capped"
        )
        counted = int(session.execute(sql_text(sql), params).scalar_one())
        if counted > cap or rows is None:
            return counted, rows is None
        beyond = session.execute(
            sql_text(f"SELECT 1 FROM clients WHERE {scope} ORDER BY {NAME}, id LIMIT 1 OFFSET :rows"), params
        ).first()
        return counted, beyond is None
