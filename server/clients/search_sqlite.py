"""The search's SQL on SQLite: the firm's name-ordered covering index, and the firm-keyed FTS5 trigram table.

The trigram table (migration 0002) is contentless: its rowid is `firm_id * 2**32 + id`, so one firm's
matches are one rowid range, and its text is the search text followed by two `\\x1e` (so that a 1- or
2-character term always starts some trigram) and `\\x1d\\x1d\\x1d` when the client has no e-mail. A term
shorter than 3 characters is asked as every trigram of the vocabulary that starts with it.
"""

# ruff: noqa: S608 - statements are joined from fixed fragments; every value from a request is a bound parameter

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from api_client.models import UNSIGNED_STATUSES
from server.clients.search_terms import SUMMARY_COLUMNS, Key, SearchQuery, sql_text

FIRM_SHIFT = 2**32
MISSING_EMAIL_PHRASE = '"\x1d\x1d\x1d"'
MAX_EXPANSION = 300
"""A short term whose trigrams in the vocabulary are more than this is not asked of the index: it is
frequent, so the name-ordered scan finds it quickly, and the vocabulary lookup would cost more."""

COUNT_SCAN = 20_000
"""Rows of the name index a short term's count reads before asking the vocabulary (about 2 ms)."""

INDEXED_ROW = (
    "firm_id * 4294967296 + id, "
    "search_text || char(30, 30) || CASE WHEN email IS NULL THEN char(29, 29, 29) ELSE '' END"
)


def _index(query: SearchQuery) -> str:
    return "ix_clients_missing_email_search" if query.missing_email else "ix_clients_firm_name_search"


def _scope(query: SearchQuery, after: Key | None, params: dict[str, Any], prefix: str = "") -> str:
    params["firm"] = query.firm_id
    sql = f"{prefix}firm_id = :firm"
    if query.missing_email:
        sql += f" AND {prefix}email IS NULL"
    if after is not None:
        params["after_name"], params["after_id"] = after
        sql += f" AND ({prefix}name_key, {prefix}id) > (:after_name, :after_id)"
    return sql


def _term_filters(query: SearchQuery, params: dict[str, Any], prefix: str = "") -> str:
    clauses = []
    for t, term in enumerate(query.terms):
        options = []
        for a, alternative in enumerate(term.alternatives):
            params[f"t{t}_{a}"] = alternative
            options.append(f"instr({prefix}search_text, :t{t}_{a}) > 0")
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND ".join(clauses) or "1"


def _with_summaries(keys: str, params: dict[str, Any], extra: str = "") -> str:
    """The page's rows for the keys that `keys` selects (columns `name_key, id`), with their unsigned
    mandates, in name order: one statement, one primary-key lookup and one index probe per row."""
    statuses = []
    for number, status in enumerate(sorted(UNSIGNED_STATUSES)):
        params[f"unsigned_{number}"] = status
        statuses.append(f":unsigned_{number}")
    return (
        f"SELECT {SUMMARY_COLUMNS}, (SELECT count(*) FROM mandates AS m INDEXED BY ix_mandates_client_status "
        f"WHERE m.client_id = c.id AND m.status IN ({', '.join(statuses)})) AS unsigned{extra} "
        f"FROM ({keys}) AS k CROSS JOIN clients AS c ON c.id = k.id ORDER BY c.name_key, c.id"
    )


class SqliteSearch:
    """`server.clients.search.SearchPlan` for SQLite."""

    def plain(self, session: Session, query: SearchQuery, after: Key | None, n: int, offset: int) -> list[Row[Any]]:
        params: dict[str, Any] = {"n": n, "offset": offset}
        keys = (
            f"SELECT name_key, id FROM clients INDEXED BY {_index(query)} "
            f"WHERE {_scope(query, after, params)} ORDER BY name_key, id LIMIT :n OFFSET :offset"
        )
        return list(session.execute(sql_text(_with_summaries(keys, params)), params))

    def window(
        self, session: Session, query: SearchQuery, after: Key | None, rows: int | None, n: int, offset: int
    ) -> tuple[list[Row[Any]], bool]:
        params: dict[str, Any] = {"n": n, "offset": offset, "window": -1 if rows is None else rows}
        scope = _scope(query, after, params)
        keys = (
            "SELECT name_key, id FROM ("
            f"SELECT name_key, id, search_text FROM clients INDEXED BY {_index(query)} "
            f"WHERE {scope} ORDER BY name_key, id LIMIT :window"
            f") WHERE {_term_filters(query, params)} LIMIT :n OFFSET :offset"
        )
        # Whether the window held the firm's last row is not asked: when it did not fill a page, the
        # trigram index answers, and for a firm that small it has little to answer.
        return list(session.execute(sql_text(_with_summaries(keys, params)), params)), rows is None

    def indexed(
        self, session: Session, query: SearchQuery, after: Key | None, n: int, offset: int
    ) -> tuple[list[Row[Any]], int | None] | None:
        match = self._match(session, query)
        if match is None:
            return None
        if match == "":
            return [], 0 if offset == 0 else None
        params: dict[str, Any] = {
            "match": match,
            "lo": query.firm_id * FIRM_SHIFT,
            "hi": query.firm_id * FIRM_SHIFT + FIRM_SHIFT - 1,
            "n": n,
            "offset": offset,
        }
        scope = _scope(query, after, params, "c.")
        # No `count(*) OVER ()` here: SQLite would copy every candidate into a temporary table for it (5 ms
        # for 1,000); the first page's total comes from `count`, which reads the trigram index alone.
        keys = (
            "SELECT c.name_key AS name_key, c.id AS id FROM clients_trigrams AS t "
            "CROSS JOIN clients AS c ON c.id = t.rowid - :lo "
            "WHERE t.clients_trigrams MATCH :match AND t.rowid BETWEEN :lo AND :hi "
            f"AND {scope} AND {_term_filters(query, params, 'c.')} "
            "ORDER BY c.name_key, c.id LIMIT :n OFFSET :offset"
        )
        return list(session.execute(sql_text(_with_summaries(keys, params)), params)), None

    def count(self, session: Session, query: SearchQuery, cap: int, *, frequent: bool) -> int:
        """Matches of the whole firm, counted up to `cap + 1`."""
        params: dict[str, Any] = {"cap": cap + 1}
        if not query.terms:
            sql = (
                f"SELECT count(*) FROM (SELECT 1 FROM clients INDEXED BY {_index(query)} "
                f"WHERE {_scope(query, None, params)} LIMIT :cap)"
            )
            return int(session.execute(sql_text(sql), params).scalar_one())
        short = any(len(a) < 3 for term in query.terms for a in term.alternatives)
        if short and frequent:
            # A short term's trigrams come from the vocabulary, which costs its matches in every firm:
            # first see whether a bounded stretch of the firm's name index already holds `cap` of them.
            counted, complete = self._scan_count(session, query, cap, COUNT_SCAN)
            if counted > cap or complete:
                return counted
        match = self._match(session, query)
        if match is None:
            return self._scan_count(session, query, cap, None)[0]
        if match == "":
            return 0
        params.update(match=match, lo=query.firm_id * FIRM_SHIFT, hi=query.firm_id * FIRM_SHIFT + FIRM_SHIFT - 1)
        sql = (
            "SELECT count(*) FROM (SELECT 1 FROM clients_trigrams WHERE clients_trigrams MATCH :match "
            "AND rowid BETWEEN :lo AND :hi LIMIT :cap)"
        )
        return int(session.execute(sql_text(sql), params).scalar_one())

    def _scan_count(self, session: Session, query: SearchQuery, cap: int, rows: int | None) -> tuple[int, bool]:
        """Matches among the firm's first `rows` names (None: all), up to `cap + 1`; and whether those rows
        were all the firm's."""
        params: dict[str, Any] = {"cap": cap + 1, "rows": -1 if rows is None else rows}
        scope = _scope(query, None, params)
        sql = (
            "SELECT count(*) FROM (SELECT 1 FROM ("
            f"SELECT search_text FROM clients INDEXED BY {_index(query)} WHERE {scope} "
            "ORDER BY name_key, id LIMIT :rows"
            f") WHERE {_term_filters(query, params)} LIMIT :cap)"
        )
        counted = int(session.execute(sql_text(sql), params).scalar_one())
        if rows is None or counted > cap:
            return counted, rows is None
        beyond = session.execute(
            sql_text(
                f"SELECT 1 FROM clients INDEXED BY {_index(query)} WHERE {scope} "
                "ORDER BY name_key, id LIMIT 1 OFFSET :rows"
            ),
            params,
        ).first()
        return counted, beyond is None

    def _match(self, session: Session, query: SearchQuery) -> str | None:
        """The FTS5 query of every term (and the missing e-mail), "" when a term matches nothing for sure,
        None when a short term is too frequent to ask the index."""
        groups = []
        for term in query.terms:
            phrases: list[str] = []
            for alternative in term.alternatives:
                if len(alternative) >= 3:
                    phrases.append(_phrase(alternative))
                    continue
                trigrams = session.execute(
                    sql_text("SELECT term FROM clients_trigrams_vocab WHERE term >= :lo AND term < :hi LIMIT :most"),
                    {"lo": alternative, "hi": alternative + "\U0010ffff", "most": MAX_EXPANSION + 1},
                ).scalars()
                found = [_phrase(trigram) for trigram in trigrams]
                if len(found) > MAX_EXPANSION:
                    return None
                phrases.extend(found)
            if not phrases:
                return ""
            groups.append("(" + " OR ".join(phrases) + ")")
        if query.missing_email:
            groups.append(MISSING_EMAIL_PHRASE)
        return " AND ".join(groups)


def _phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@contextmanager
def trigrams_deferred(session: Session, *, first_id: int, last_id: int) -> Iterator[None]:
    """Index clients `first_id..last_id`, inserted inside the block, in one statement at its end.

    FTS5 fed one row at a time by the insert trigger costs several times the bulk insert itself. The trigger
    is paused for the block by a row in `search_index_paused` (migration 0006), not dropped: dropping it was a
    schema change that failed other connections' prepared statements. The row lives and dies inside this
    write transaction, which keeps every other writer out, so no other insert ever goes unindexed.
    """
    session.execute(text("INSERT INTO search_index_paused (paused) VALUES (1)"))
    yield
    session.execute(text("DELETE FROM search_index_paused"))
    session.execute(
        text(
            f"INSERT INTO clients_trigrams(rowid, indexed) SELECT {INDEXED_ROW} FROM clients "
            "WHERE id BETWEEN :first AND :last"
        ),
        {"first": first_id, "last": last_id},
    )
