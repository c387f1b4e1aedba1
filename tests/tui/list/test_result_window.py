"""The table's window over a result set: which pages to fetch, what size to show, what to forget."""

from __future__ import annotations

from api_client.models import ClientPage, ClientSummary
from tui.result_window import ClientQuery, ResultWindow


def summary(index: int, *, email: str | None = "x@example.be") -> ClientSummary:
    return ClientSummary(
        id=index + 1,
        version=1,
        client_code=f"C{index:05d}",
        company_name=f"Client {index:05d}",
        enterprise_number=None,
        email=email,
        language="fr",
        city="Liège",
        unsigned_mandates=0,
    )


def answer(window: ResultWindow, page: int, rows: int, *, total: int, capped: bool = False, last: bool = False) -> None:
    first = page * window.page_size
    items = [summary(first + i, email=None if (first + i) % 7 == 0 else "x@example.be") for i in range(rows)]
    window.store(
        window.request(page),
        ClientPage(items=items, next_cursor=None if last else f"after-{page}", total=total, total_capped=capped),
    )


def test_an_exact_total_sizes_the_table_from_the_first_page() -> None:
    window = ResultWindow(ClientQuery(), 1, page_size=10)
    assert window.pages_for(0, 5) == [0]  # nothing known yet: the first page
    answer(window, 0, 10, total=95)
    assert window.row_count == 95
    assert window.exact
    assert window.count_label() == "95"
    assert window.row(3) == summary(3)
    assert window.row(10) is None
    assert window.pages_for(5, 34) == [1, 2, 3]


def test_a_page_is_asked_by_cursor_when_known_else_by_offset() -> None:
    window = ResultWindow(ClientQuery("a"), 1, page_size=10)
    first = window.request(0)
    assert (first.cursor, first.offset) == (None, None)
    answer(window, 0, 10, total=95)
    second = window.request(1)
    assert (second.cursor, second.offset) == ("after-0", None)
    far = window.request(7)
    assert (far.cursor, far.offset) == (None, 70)


def test_a_capped_total_grows_as_pages_arrive_and_is_exact_at_the_last_page() -> None:
    window = ResultWindow(ClientQuery(), 1, page_size=10)
    answer(window, 0, 10, total=30, capped=True)
    assert (window.row_count, window.exact, window.count_label()) == (30, False, "30+")
    answer(window, 2, 10, total=30, capped=True)
    assert window.row_count == 40  # one more page exists beyond the third
    answer(window, 3, 4, total=30, capped=True, last=True)
    assert (window.row_count, window.exact, window.count_label()) == (34, True, "34")


def test_far_pages_are_forgotten_nearest_kept() -> None:
    window = ResultWindow(ClientQuery(), 1, page_size=10)
    for page in range(12):
        answer(window, page, 10, total=500)
    window.forget_far_pages(55, keep=3)
    assert [page for page in range(12) if window.is_loaded(page)] == [4, 5, 6]


def test_find_after_looks_through_held_pages_and_names_the_page_to_fetch() -> None:
    window = ResultWindow(ClientQuery(), 1, page_size=10)
    answer(window, 0, 10, total=25)

    def missing(row: ClientSummary) -> bool:
        return row.email is None

    assert window.find_after(0, missing) == (7, None)
    assert window.find_after(7, missing) == (None, 1)  # row 14 is on page 1, not held
    answer(window, 1, 10, total=25)
    assert window.find_after(7, missing) == (14, None)
    answer(window, 2, 5, total=25, last=True)
    assert window.find_after(21, missing) == (None, None)


def test_a_saved_row_replaces_the_held_one() -> None:
    window = ResultWindow(ClientQuery(), 1, page_size=10)
    answer(window, 0, 10, total=10, last=True)
    saved = summary(7).model_copy(update={"version": 2})
    window.replace(7, saved)
    assert window.row(7) == saved
