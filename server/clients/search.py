"""Client search (SPEC §6): substring terms on the folded `search_text`, name order, keyset pages.

`q` is folded like the stored text (`liege` finds `Liège`); every word must match. A word of digits with
dots (`0403.019`) also matches without them, since enterprise numbers are stored as bare digits. Pages are
ordered by `(name_key, id)` and continue after the cursor's key, so rows edited between pages are neither
repeated nor skipped unless their own name moved across the cursor.

`total` is counted on the first page only, and only up to `settings.search_total_cap`
(`total_capped: true` past it); later pages repeat it from the cursor, which carries it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_, select, tuple_
from sqlalchemy.orm import Session

from api_client import models as wire
from server.clients.folding import fold
from server.errors import ValidationFailed
from server.models import Client, Mandate

MAX_TERMS = 8
"""More words than this are refused: each word is one more filter on every candidate row."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NUMBER_PART = re.compile(r"(be)?[0-9][0-9.]*|be")


@dataclass(frozen=True)
class Term:
    """One word of the query: a row matches when its search text contains any of the alternatives."""

    alternatives: tuple[str, ...]


@dataclass(frozen=True)
class PageKey:
    """Where a page ends (the last row's sort key) and the first page's total, carried to the next page."""

    name_key: str
    id: int
    total: int
    total_capped: bool


def parse_terms(q: str) -> list[Term]:
    """The words of `q`, folded. A number typed in groups (`0403.019`, `0403 019 261`, `BE 0403...`) is one
    word that also matches as bare digits (`0403019`), as enterprise numbers are stored; it keeps its
    dots and spaces as an alternative, for client codes like `2023.001`."""
    words = fold(_CONTROL.sub(" ", q)).split()
    terms: list[Term] = []
    index = 0
    while index < len(words):
        run = [words[index]]
        index += 1
        if _NUMBER_PART.fullmatch(run[0]):
            while index < len(words) and _NUMBER_PART.fullmatch(words[index]) and not words[index].startswith("be"):
                run.append(words[index])
                index += 1
        if run == ["be"] and index < len(words) and _NUMBER_PART.fullmatch(words[index]):
            run.append(words[index])
            index += 1
        terms.append(Term(_alternatives(run)))
    if len(terms) > MAX_TERMS:
        raise ValidationFailed("Too many words in the search", fields={"q": [f"At most {MAX_TERMS} words"]})
    return terms


def _alternatives(run: list[str]) -> tuple[str, ...]:
    typed = " ".join(run)
    if not any(ch.isdigit() for ch in typed) or not all(_NUMBER_PART.fullmatch(word) for word in run):
        return (typed,)
    joined = "".join(run)
    digits = "".join(ch for ch in joined if ch.isdigit())
    found = [typed, typed.removeprefix("be").strip(), joined, joined.removeprefix("be"), digits]
    return tuple(dict.fromkeys(found))


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
    )
    if not valid:
        raise _bad_cursor()
    return PageKey(name_key, client_id, total, capped)


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed("Invalid request: cursor", fields={"cursor": ["is not a cursor this server gave"]})


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _term_filter(term: Term) -> ColumnElement[bool]:
    return or_(*(Client.search_text.like(_like_pattern(alt), escape="\\") for alt in term.alternatives))


def _filters(firm_id: int, terms: list[Term], missing_email: bool) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [Client.firm_id == firm_id]
    if missing_email:
        filters.append(Client.email.is_(None))
    filters.extend(_term_filter(term) for term in terms)
    return filters


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

    Without a cursor, `offset` rows are skipped first: random access for a table's End key and scrollbar,
    where walking every page's cursor would take hundreds of requests. Keyset cursors stay the fast way
    through pages in order (an offset costs a scan of the rows it skips).
    """
    if offset and cursor:
        raise ValidationFailed("Invalid request: offset", fields={"offset": ["cannot be combined with cursor"]})
    after = decode_cursor(cursor) if cursor else None
    terms = parse_terms(q)
    filters = _filters(firm_id, terms, missing_email)
    page_filters = list(filters)
    if after is not None:
        page_filters.append(tuple_(Client.name_key, Client.id) > tuple_(after.name_key, after.id))
    rows = list(
        session.execute(
            select(
                Client.id,
                Client.version,
                Client.client_code,
                Client.company_name,
                Client.enterprise_number,
                Client.email,
                Client.language,
                Client.city,
                Client.name_key,
            )
            .where(and_(*page_filters))
            .order_by(Client.name_key, Client.id)
            .offset(offset or None)
            .limit(limit + 1)
        )
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    if after is None:
        counted = session.execute(
            select(func.count()).select_from(select(Client.id).where(and_(*filters)).limit(total_cap + 1).subquery())
        ).scalar_one()
        total, capped = min(counted, total_cap), counted > total_cap
    else:
        total, capped = after.total, after.total_capped
    counts = unsigned_counts(session, [row[0] for row in rows])
    items = [
        wire.ClientSummary(
            id=client_id,
            version=version,
            client_code=code,
            company_name=name,
            enterprise_number=number,
            email=email,
            language=language,
            city=city,
            unsigned_mandates=counts.get(client_id, 0),
        )
        for client_id, version, code, name, number, email, language, city, _ in rows
    ]
    next_cursor = None
    if has_more:
        last = rows[-1]
        next_cursor = encode_cursor(PageKey(last[8], last[0], total, capped))
    return wire.ClientPage(items=items, next_cursor=next_cursor, total=total, total_capped=capped)


# --- bulk loads ---------------------------------------------------------------------------------------

SQLITE_INSERT_TRIGGER = "clients_search_insert"


@contextmanager
def search_index_deferred(session: Session, *, is_sqlite: bool, first_id: int, last_id: int) -> Iterator[None]:
    """Index clients `first_id..last_id`, inserted inside the block, in one pass at its end (SQLite).

    FTS5 fed one row at a time by the insert trigger costs about four times the whole bulk insert; the
    trigger is dropped for the block and put back as it was, in the same transaction, so a failure rolls
    both back. PostgreSQL's GIN index needs nothing: its pending list batches inserts already.
    """
    if not is_sqlite:
        yield
        return
    trigger = session.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"), {"name": SQLITE_INSERT_TRIGGER}
    ).scalar_one()
    session.execute(text(f"DROP TRIGGER {SQLITE_INSERT_TRIGGER}"))
    yield
    session.execute(
        text(
            "INSERT INTO clients_search(rowid, search_text) "
            "SELECT id, search_text FROM clients WHERE id BETWEEN :first AND :last"
        ),
        {"first": first_id, "last": last_id},
    )
    session.execute(text(trigger))
