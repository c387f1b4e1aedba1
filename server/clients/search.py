"""Client search (SPEC §6): substring terms on the folded `search_text`, in name order, in keyset pages.

`q` is folded like the stored text (`liege` finds `Liège`); every word must match; a number typed with
dots or spaces (`0403.019`) also matches as bare digits, as enterprise numbers are stored
(`server.clients.search_terms`). Pages follow `(name_key, id)` and continue after the cursor's key, so a
row edited between pages is neither repeated nor lost unless its own name moves across the cursor.

How a page is found, in a firm of 100,000 clients among 1,000,000 (figures: `python -m bench search`):

1. No term: the firm's name index from the cursor on, `limit + 1` rows.
2. Terms: first read a window of `WINDOW` rows of the firm's name-ordered index from the cursor on, with
   the search text in the index, testing each row. A term in more than about 1 row in 40 fills the page
   inside the window: a fraction of a millisecond, whatever the firm's size. When the window held some
   matches but not a page, a window `WIDEN` times longer, if it should hold a page.
3. When the windows do not fill the page, the term is rare: its matches come from the firm's trigram
   index (a rare or absent term costs its few matches), and are sorted.
   Terms shorter than 3 characters use the same index (see the backend modules for how).

`total` is computed on the first page only and counts at most `total_cap` matches (`total_capped: true`
beyond: "1000+"); it is exact below the cap. Counting stops early on an index, so a frequent term costs
the same as a rare one. Later pages repeat the first page's total: the cursor carries it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from api_client import models as wire
from server.clients.search_postgresql import PostgresqlSearch
from server.clients.search_sqlite import SqliteSearch, trigrams_deferred
from server.clients.search_terms import Key, SearchQuery, parse_terms
from server.errors import ValidationFailed

WINDOW = 2000
"""Rows of the name index read before asking the trigram index: a fraction of a millisecond."""
WIDEN = 8
"""When the first window held a few matches but not a page, a window this many times longer is read if it
should hold a page: reading a row of the name index costs far less than fetching a candidate row that the
trigram index found, to sort it."""


class SearchPlan(Protocol):
    """The SQL of one backend; every method is scoped to `query.firm_id`."""

    def plain(self, session: Session, query: SearchQuery, after: Key | None, n: int, offset: int) -> list[Row[Any]]:
        """`n` keys after `after` (and `offset` more), no term."""
        ...

    def window(
        self, session: Session, query: SearchQuery, after: Key | None, rows: int | None, n: int, offset: int
    ) -> tuple[list[Row[Any]], bool]:
        """`n` matches (after `offset` matches) among the `rows` keys after `after` (None: all), and
        whether they are all the matches there are (known only when `rows` is None)."""
        ...

    def indexed(
        self, session: Session, query: SearchQuery, after: Key | None, n: int, offset: int
    ) -> tuple[list[Row[Any]], int | None] | None:
        """`n` matches after `after` (and `offset` more) through the trigram index, and how many match
        after `after` (None when no row came back to tell); None when the index cannot answer this query
        cheaply."""
        ...

    def count(self, session: Session, query: SearchQuery, cap: int, *, frequent: bool) -> int:
        """The firm's matches, counted up to `cap + 1`; `frequent`: a short window of the name index held a
        page of them, so a bounded scan of it probably holds `cap`."""
        ...


@dataclass(frozen=True)
class PageKey:
    """Where a page ends (the last row's sort key) and the first page's total, carried to the next page."""

    name_key: str
    id: int
    total: int
    total_capped: bool


def encode_cursor(key: PageKey) -> str:
    raw = json.dumps([key.name_key, key.id, key.total, key.total_capped], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> PageKey:
    """The key a cursor carries; a cursor this server did not write is a 422 naming `cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name_key, client_id, total, capped = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as error:
        raise _bad_cursor() from error
    valid = (
        isinstance(name_key, str)
        and type(client_id) is int
        and type(total) is int
        and isinstance(capped, bool)
        and total >= 0
        and "\x00" not in name_key
        and 0 < client_id < 2**31  # a row id the INTEGER column holds: past it the database errs (500)
    )
    if not valid:
        raise _bad_cursor()
    return PageKey(name_key, client_id, total, capped)


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed("Invalid request: cursor", fields={"cursor": ["is not a cursor this server gave"]})


def plan_for(session: Session) -> SearchPlan:
    return SqliteSearch() if session.get_bind().dialect.name == "sqlite" else PostgresqlSearch()


def find_rows(
    session: Session, query: SearchQuery, after: Key | None, limit: int, *, offset: int = 0, total_cap: int
) -> tuple[list[Row[Any]], int | None]:
    """The rows of a page (`limit + 1` when there is more), and the firm's capped total on a first page."""
    plan = plan_for(session)
    n = limit + 1
    first_page = after is None
    if not query.terms:
        rows = plan.plain(session, query, after, n, offset)
        return rows, list_size(session, query) if first_page else None
    rows, complete = plan.window(session, query, after, WINDOW, n, offset)
    frequent = len(rows) >= n
    if not complete and not offset and 0 < len(rows) < n and len(rows) * WIDEN >= n * 1.25:
        rows, complete = plan.window(session, query, after, WINDOW * WIDEN, n, offset)
    matching: int | None = None
    if len(rows) < n and not complete:
        found = plan.indexed(session, query, after, n, offset)
        if found is None:
            rows, complete = plan.window(session, query, after, None, n, offset)
        else:
            rows, matching = found
    if not first_page:
        return rows, None
    if matching is None and complete and len(rows) < n and (rows or not offset):
        matching = offset + len(rows)
    return rows, matching if matching is not None else plan.count(session, query, total_cap, frequent=frequent)


LIST_SIZE = sql_text("SELECT clients, missing_email FROM firm_client_counts WHERE firm_id = :firm")


def list_size(session: Session, query: SearchQuery) -> int:
    """How many clients the firm has (or has without an e-mail): kept by triggers (migration 0005), one
    indexed read where a count cost 7-10 ms for 100,000 clients."""
    sizes = session.execute(LIST_SIZE, {"firm": query.firm_id}).one()  # every firm has its row (0005)
    return int(sizes.missing_email if query.missing_email else sizes.clients)


def search_clients(
    session: Session,
    *,
    firm_id: int,
    q: str = "",
    missing_email: bool = False,
    cursor: str | None = None,
    limit: int = 50,
    total_cap: int = 1000,
    offset: int = 0,
) -> wire.ClientPage:
    """One page of the firm's clients matching `q`, in name order, after `cursor`.

    Without a cursor, `offset` matches are skipped first: random access for a table's End key and
    scrollbar, where walking every page's cursor would take hundreds of requests. Cursors stay the fast
    way through pages in order (an offset costs a scan of the rows it skips).
    """
    if offset and cursor:
        raise ValidationFailed("Invalid request: offset", fields={"offset": ["cannot be combined with cursor"]})
    after = decode_cursor(cursor) if cursor else None
    query = SearchQuery(firm_id=firm_id, terms=tuple(parse_terms(q)), missing_email=missing_email)
    start = None if after is None else (after.name_key, after.id)
    rows, counted = find_rows(session, query, start, limit, offset=offset, total_cap=total_cap)
    if after is not None:
        total, capped = after.total, after.total_capped
    else:
        assert counted is not None
        # The firm's list, or its clients missing an e-mail, has its exact size (`list_size`): the table says
        # how many clients the firm has and End goes to the last one. Only text matches stop at the cap.
        capped = bool(query.terms) and counted > total_cap
        total = min(counted, total_cap) if capped else counted
    more = len(rows) > limit
    rows = rows[:limit]
    # Rows from the database are the wire's values already: built without validating each one again.
    items = [
        wire.ClientSummary.model_construct(
            id=row.id,
            version=row.version,
            client_code=row.client_code,
            company_name=row.company_name,
            enterprise_number=row.enterprise_number,
            email=row.email,
            language=row.language,
            city=row.city,
            unsigned_mandates=row.unsigned,
        )
        for row in rows
    ]
    next_cursor = None
    if more and rows:
        next_cursor = encode_cursor(PageKey(rows[-1].name_key, rows[-1].id, total, capped))
    return wire.ClientPage.model_construct(items=items, next_cursor=next_cursor, total=total, total_capped=capped)


@contextmanager
def search_index_deferred(session: Session, *, is_sqlite: bool, first_id: int, last_id: int) -> Iterator[None]:
    """For bulk loads: index clients `first_id..last_id`, inserted inside the block, in one pass at its end.

    SQLite only (see `search_sqlite.trigrams_deferred`). On PostgreSQL nothing is gained: letting the GIN
    index's pending list grow for the whole load and merging it once was measured no faster.
    """
    if not is_sqlite:
        yield
        return
    with trigrams_deferred(session, first_id=first_id, last_id=last_id):
        yield
