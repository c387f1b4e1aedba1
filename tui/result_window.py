"""The client table's view of a result set too big to hold: a few pages of it, found by row number.

A search may match 100,000 clients. The table asks for rows by their place in the result set (row 0 is
the first in table order); this window answers with the rows it holds, says which pages to fetch for the
rows it does not, and forgets pages far from where the user looks. No Textual here: it is plain logic,
tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from api_client.models import Client, ClientPage, ClientSummary

PAGE_SIZE = 100
"""Rows per request: two screens of a tall terminal, and well under the server's limit of 200."""
KEEP_PAGES = 10
"""Pages held at most; the ones farthest from the viewport are forgotten first."""


@dataclass(frozen=True)
class ClientQuery:
    """What the table shows: the search box's text and the missing-e-mail toggle."""

    text: str = ""
    missing_email: bool = False


@dataclass(frozen=True)
class PageRequest:
    """One page to fetch: by keyset cursor when the previous page gave one, else by row offset."""

    query: ClientQuery
    generation: int
    """Which result set this page belongs to; an answer for an older one is dropped."""
    page: int
    cursor: str | None
    offset: int | None
    limit: int


class ResultWindow:
    """The pages of one result set that are held, and what is known of its size."""

    def __init__(self, query: ClientQuery, generation: int, *, page_size: int = PAGE_SIZE) -> None:
        self.query = query
        self.generation = generation
        self.page_size = page_size
        self.total = 0
        """The server's count: exact unless `capped`, then a lower bound."""
        self.capped = False
        self.loaded_any = False
        """False until the first page arrived: until then the size is unknown."""
        self._pages: dict[int, list[ClientSummary]] = {}
        self._cursors: dict[int, str] = {}
        """page → the keyset cursor that fetches it (the previous page's `next_cursor`)."""
        self._end: int | None = None
        """The exact number of rows, once a last page (no `next_cursor`) was seen."""
        self._reached = 0
        """Rows known to exist: up to the end of the farthest page seen, plus one more page if it had a next."""

    # --- size ----------------------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """How many rows the table shows (and the scrollbar measures)."""
        if self._end is not None:
            return self._end
        if not self.capped:
            return self.total
        return max(self.total, self._reached)

    @property
    def exact(self) -> bool:
        """True when `row_count` is the true size of the result set."""
        return self._end is not None or not self.capped

    def count_label(self) -> str:
        """The size as the user reads it: `1,234`, or `1,000+` while the server stopped counting."""
        return f"{self.row_count:,}" if self.exact else f"{self.total:,}+"

    # --- rows ----------------------------------------------------------------------------------------------

    def row(self, index: int) -> ClientSummary | None:
        """The row at `index`, or None while its page is not held."""
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    def is_loaded(self, page: int) -> bool:
        return page in self._pages

    def pages_for(self, first_row: int, last_row: int) -> list[int]:
        """The pages not held that rows `first_row..last_row` (inclusive) need, nearest first."""
        last_row = min(last_row, self.row_count - 1)
        if last_row < first_row:
            return [] if self.loaded_any else [0]
        wanted = range(first_row // self.page_size, last_row // self.page_size + 1)
        return [page for page in wanted if page not in self._pages]

    def request(self, page: int) -> PageRequest:
        """How to fetch `page`: by cursor when known (fast at any depth), else by offset."""
        cursor = self._cursors.get(page)
        offset = None if page == 0 or cursor is not None else page * self.page_size
        return PageRequest(self.query, self.generation, page, cursor, offset, self.page_size)

    def store(self, request: PageRequest, answer: ClientPage) -> None:
        """Hold the page that answers `request` and learn what it says of the size."""
        items = list(answer.items)
        self._pages[request.page] = items
        self.loaded_any = True
        self.total = answer.total
        self.capped = answer.total_capped
        first = request.page * self.page_size
        if answer.next_cursor is None:
            self._end = first + len(items)
        else:
            self._cursors[request.page + 1] = answer.next_cursor
            self._reached = max(self._reached, first + len(items) + self.page_size)

    def forget_far_pages(self, around_row: int, *, keep: int = KEEP_PAGES) -> None:
        """Drop the pages farthest from `around_row` until at most `keep` are held."""
        if len(self._pages) <= keep:
            return
        here = around_row // self.page_size
        by_distance = sorted(self._pages, key=lambda page: abs(page - here))
        for page in by_distance[keep:]:
            del self._pages[page]

    def replace(self, index: int, row: ClientSummary) -> None:
        """Show `row` at `index` (after a save), if its page is held."""
        page = self._pages.get(index // self.page_size)
        offset = index % self.page_size
        if page is not None and offset < len(page):
            page[offset] = row

    def find_after(self, index: int, wanted: Callable[[ClientSummary], bool]) -> tuple[int | None, int | None]:
        """The first row after `index` that is `wanted`, looking through held pages only.

        Returns `(row, None)` when found, `(None, page)` when `page` must be fetched to look further, and
        `(None, None)` at the end of the result set.
        """
        row = index + 1
        while row < self.row_count:
            page_index = row // self.page_size
            page = self._pages.get(page_index)
            if page is None:
                return None, page_index
            offset = row % self.page_size
            for position in range(offset, len(page)):
                if wanted(page[position]):
                    return page_index * self.page_size + position, None
            row = (page_index + 1) * self.page_size
        return None, None


def summary_of(client: Client) -> ClientSummary:
    """The table row of a whole client record (after a save or a reload)."""
    return ClientSummary(
        id=client.id,
        version=client.version,
        client_code=client.client_code,
        company_name=client.company_name,
        enterprise_number=client.enterprise_number,
        email=client.email,
        language=client.language,
        city=client.city,
        unsigned_mandates=sum(1 for mandate in client.mandates if mandate.unsigned),
    )
