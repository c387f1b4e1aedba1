"""The search's SQL on PostgreSQL: the firm's name-ordered covering index, and two GIN indexes per firm.

`ix_clients_firm_text` is one GIN index on `firm_id` (btree_gin), on `search_text` (pg_trgm) for terms of
3 characters and more, and on `regexp_replace(search_text, '(.)', '\\1\\1\\1', 'g')`: every character
written three times, so that a 1- or 2-character term becomes a 3- or 6-character one with trigrams
(`xy` → `xxxyyy`). Names sort in byte order (`COLLATE "C"`), the order SQLite uses, so
that a cursor means the same on both and no locale slows the comparisons.

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

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.clients.search_terms import Key, SearchQuery

NAME = 'name_key COLLATE "C"'
TRIPLED = "regexp_replace({prefix}search_text, '(.)', '\\1\\1\\1', 'g')"


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
    """Every term as a filter; `indexed` adds the LIKE that the GIN indexes answer."""
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
            elif indexed:
                params[f"{name}_like"] = like_pattern("".join(ch * 3 for ch in alternative))
                exact = f"{TRIPLED.format(prefix='')} LIKE :{name}_like AND {exact}"
            options.append(f"({exact})")
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND ".join(clauses) or "true"


SCANS = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")


@contextmanager
def _bitmap_scans_only(session: Session) -> Iterator[None]:
    """For one statement: the planner may only use bitmap scans, i.e. the GIN indexes."""
    for setting in SCANS:
        session.execute(text(f"SET LOCAL {setting} = off"))
    try:
        yield
    finally:
        for setting in SCANS:
            session.execute(text(f"SET LOCAL {setting} = on"))


class PostgresqlSearch:
    """`server.clients.search.SearchPlan` for PostgreSQL."""

    def plain(self, session: Session, query: SearchQuery, after: Key | None, n: int, offset: int) -> list[Key]:
        params: dict[str, Any] = {"n": n, "offset": offset}
        scope = _scope(query, after, params)
        sql = f"SELECT name_key, id FROM clients WHERE {scope} ORDER BY {NAME}, id LIMIT :n OFFSET :offset"
        return [(row[0], row[1]) for row in session.execute(text(sql), params)]

    def window(
        self, session: Session, query: SearchQuery, after: Key | None, rows: int | None, n: int, offset: int
    ) -> tuple[list[Key], bool]:
        params: dict[str, Any] = {"n": n, "offset": offset, "window": rows}
        scope = _scope(query, after, params)
        sql = (
            "SELECT name_key, id FROM ("
            f"SELECT name_key, id, search_text FROM clients WHERE {scope} ORDER BY {NAME}, id LIMIT :window"
            f") AS w WHERE {_term_filters(query, params, indexed=False)} ORDER BY {NAME}, id LIMIT :n OFFSET :offset"
        )
        keys = [(row[0], row[1]) for row in session.execute(text(sql), params)]
        if len(keys) >= n or rows is None:
            return keys, rows is None
        beyond = session.execute(
            text(f"SELECT 1 FROM clients WHERE {scope} ORDER BY {NAME}, id LIMIT 1 OFFSET :window"), params
        ).first()
        return keys, beyond is None

    def indexed(
        self, session: Session, query: SearchQuery, after: Key | None, n: int, offset: int
    ) -> tuple[list[Key], int | None] | None:
        params: dict[str, Any] = {"n": n, "offset": offset}
        sql = (
            f"SELECT name_key, id, count(*) OVER () FROM clients WHERE {_scope(query, after, params)} "
            f"AND {_term_filters(query, params, indexed=True)} ORDER BY {NAME}, id LIMIT :n OFFSET :offset"
        )
        with _bitmap_scans_only(session):
            rows = session.execute(text(sql), params).all()
        return [(row[0], row[1]) for row in rows], (rows[0][2] if rows else None)

    def count(self, session: Session, query: SearchQuery, cap: int) -> int:
        """Matches of the whole firm, counted up to `cap + 1` (the planner picks the index)."""
        params: dict[str, Any] = {"cap": cap + 1}
        sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM clients WHERE {_scope(query, None, params)} "
            f"AND {_term_filters(query, params, indexed=bool(query.terms))} LIMIT :cap) AS capped"
        )
        return int(session.execute(text(sql), params).scalar_one())
