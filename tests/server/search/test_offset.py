"""GET /clients?offset=N: random access into a result set, for the table's End key and its scrollbar."""

from __future__ import annotations

from tests.server.search.conftest import Searcher


def test_an_offset_page_is_the_same_rows_as_walking_the_cursors(demo_firm: Searcher) -> None:
    everyone = demo_firm.all_rows(limit=50)
    for offset in (0, 1, 99, 150, 299):
        body = demo_firm.page(offset=offset, limit=50)
        assert body["items"] == everyone[offset : offset + 50]
        assert (body["total"], body["total_capped"]) == (300, False)


def test_the_cursor_of_an_offset_page_continues_after_it(demo_firm: Searcher) -> None:
    everyone = demo_firm.all_rows(limit=50)
    body = demo_firm.page(offset=120, limit=30)
    following = demo_firm.page(cursor=body["next_cursor"], limit=30)
    assert following["items"] == everyone[150:180]


def test_an_offset_at_or_past_the_end_is_an_empty_last_page(demo_firm: Searcher) -> None:
    for offset in (300, 5000):
        body = demo_firm.page(offset=offset, limit=50)
        assert (body["items"], body["next_cursor"]) == ([], None)
    last = demo_firm.page(offset=290, limit=50)
    assert (len(last["items"]), last["next_cursor"]) == (10, None)


def test_an_offset_applies_to_the_search_and_the_missing_email_filter(demo_firm: Searcher) -> None:
    missing = demo_firm.all_rows(missing_email="true", limit=200)
    assert len(missing) > 5
    body = demo_firm.page(missing_email="true", offset=len(missing) - 2, limit=50)
    assert body["items"] == missing[-2:]


def test_an_offset_with_a_cursor_or_below_zero_is_refused(demo_firm: Searcher) -> None:
    cursor = demo_firm.page(limit=10)["next_cursor"]
    both = demo_firm.get(offset=10, cursor=cursor)
    assert both.status_code == 422
    assert "offset" in both.json()["error"]["fields"]
    assert demo_firm.get(offset=-1).status_code == 422
