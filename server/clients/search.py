"""Client search (SPEC §6): substring terms on the folded `search_text`, in name order, in keyset pages.

`q` is folded like the stored text (`liege` finds `Liège`); every word must match; a number typed with
dots or spaces (`0403.019`) also matches as bare digits, as enterprise numbers are stored
(`server.clients.search_terms`). Pages follow `(name_key, id)` and continue after the cursor's key, so a
row edited between pages is neither repeated nor lost unless its own name moves across the cursor.

How a page is found, in a firm of 100,000 clients among 1,000,000 (figures: `python -m bench search`):

1. No term: the firm's name index from the cursor on, `limit + 1` rows.
2. Terms: first read a window of `WINDOW` rows of the firm's name-ordered index from the cursor on, with
   the search text in the index, testing each row. A term in more than about 1 row in 80 fills the page
   inside the window: a fraction of a millisecond, whatever the firm's size.
3. When the window neither fills the page nor reaches the firm's last row, the term is rare: its matches
   come from the firm's trigram index (a rare or absent term costs its few matches), and are sorted.
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
from typing import Protocol

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from api_client import models as wire
from server.clients.search_postgresql import PostgresqlSearch
from server.clients.search_sqlite import SqliteSearch, trigrams_deferred
from server.clients.search_terms import Key, SearchQuery, parse_terms
from server.errors import ValidationFailed
from server.models import Client, Mandate

WINDOW = 4000
"""Rows of the name index read before asking the trigram index: about 0.3 ms of reading."""


class SearchPlan(Protocol):
    """The SQL of one backend; every method is scoped to `query.firm_id`."""

    def plain(self, session: Session, query: SearchQuery, after: Key | None, n: int, offset: int) -> list[Key]:
        """`n` keys after `after` (and `offset` more), no term."""
        ...

    def window(
        self, session: Session, query: SearchQuery, after: Key | None, rows: int | None, n: int, offset: int
    ) -> tuple[list[Key], bool]:
        """`n` matches (after `offset` matches) among the `rows` keys after `after` (None: all), and
        whether those rows reached the firm's last."""
        ...

    def indexed(
        self, session: Session, query: SearchQuery, after: Key | None, n: int, offset: int
    ) -> tuple[list[Key], int | None] | None:
        """`n` matches after `after` (and `offset` more) through the trigram index, and how many match
        after `after` (None when no row came back to tell); None when the index cannot answer this query
        cheaply."""
        ...

    def count(self, session: Session, query: SearchQuery, cap: int) -> int:
        """The firm's matches, counted up to `cap + 1`."""
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
    )
    if not valid:
        raise _bad_cursor()
    return PageKey(name_key, client_id, total, capped)


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed("Invalid request: cursor", fields={"cursor": ["is not a cursor this server gave"]})


def plan_for(session: Session) -> SearchPlan:
    return SqliteSearch() if session.get_bind().dialect.name == "sqlite" else PostgresqlSearch()


def find_keys(
    session: Session, query: SearchQuery, after: Key | None, limit: int, *, offset: int = 0, total_cap: int
) -> tuple[list[Key], int | None]:
    """The keys of a page (`limit + 1` when there is more), and the firm's capped total on a first page."""
    plan = plan_for(session)
    n = limit + 1
    first_page = after is None
    if not query.terms:
        keys = plan.plain(session, query, after, n, offset)
        return keys, plan.count(session, query, total_cap) if first_page else None
    keys, complete = plan.window(session, query, after, WINDOW, n, offset)
    matching: int | None = None
    if len(keys) < n and not complete:
        found = plan.indexed(session, query, after, n, offset)
        if found is None:
            keys, complete = plan.window(session, query, after, None, n, offset)
        else:
            keys, matching = found
    if not first_page:
        return keys, None
    if matching is None and complete and len(keys) < n and (keys or not offset):
        matching = offset + len(keys)
    return keys, matching if matching is not None else plan.count(session, query, total_cap)


def unsigned_counts(session: Session, client_ids: list[int]) -> dict[int, int]:
    """Unsigned mandates per client, for a page of clients in one grouped query.

    The status is counted, not filtered: with `status IN (...)` in the WHERE, SQLite without statistics
    picks the status index and scans every unsigned mandate of every firm (390 ms at 100,000 clients)
    instead of the page's few hundred mandates by `client_id` (under 1 ms).
    """
    if not client_ids:
        return {}
    unsigned = case((Mandate.status.in_(sorted(wire.UNSIGNED_STATUSES)), 1), else_=0)
    rows = session.execute(
        select(Mandate.client_id, func.sum(unsigned))
        .where(Mandate.client_id.in_(client_ids))
        .group_by(Mandate.client_id)
    )
    return {client_id: int(count) for client_id, count in rows.all()}


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
    keys, counted = find_keys(session, query, start, limit, offset=offset, total_cap=total_cap)
    if after is not None:
        total, capped = after.total, after.total_capped
    else:
        assert counted is not None
        total, capped = min(counted, total_cap), counted > total_cap
    more = len(keys) > limit
    keys = keys[:limit]
    ids = [client_id for _, client_id in keys]
    rows = {
        row.id: row
        for row in session.execute(
            select(
                Client.id,
                Client.version,
                Client.client_code,
                Client.company_name,
                Client.enterprise_number,
                Client.email,
                Client.language,
                Client.city,
            ).where(Client.id.in_(ids))
        )
    }
    counts = unsigned_counts(session, ids)
    items = [
        wire.ClientSummary(
            id=row.id,
            version=row.version,
            client_code=row.client_code,
            company_name=row.company_name,
            enterprise_number=row.enterprise_number,
            email=row.email,
            language=row.language,
            city=row.city,
            unsigned_mandates=counts.get(row.id, 0),
        )
        for row in (rows[client_id] for client_id in ids if client_id in rows)
    ]
    next_cursor = None
    if more and keys:
        name_key, client_id = keys[-1]
        next_cursor = encode_cursor(PageKey(name_key, client_id, total, capped))
    return wire.ClientPage(items=items, next_cursor=next_cursor, total=total, total_capped=capped)


@contextmanager
def search_index_deferred(session: Session, *, is_sqlite: bool, first_id: int, last_id: int) -> Iterator[None]:
    """For bulk loads: index clients `first_id..last_id`, inserted inside the block, in one pass at its end.

    SQLite only (see `search_sqlite.trigrams_deferred`); PostgreSQL's GIN indexes batch inserts already.
    """
    if not is_sqlite:
        yield
        return
    with trigrams_deferred(session, first_id=first_id, last_id=last_id):
        yield
