"""The client table's geometry: columns at 120 and 80 cells, cells cut and padded, the scrollbar's thumb."""

from __future__ import annotations

import pytest

from api_client.models import ClientSummary
from tui.table_layout import cell_text, fit, layout_columns, scroll_for_track, scrollbar_thumb


@pytest.mark.parametrize(("width", "city"), [(119, True), (79, False)])
def test_columns_fill_the_width_exactly(width: int, city: bool) -> None:
    columns = layout_columns(width)
    assert 1 + sum(column.width + 1 for column in columns) == width
    assert ("city" in [column.key for column in columns]) is city
    assert [column.key for column in columns][:4] == ["client_code", "company_name", "enterprise_number", "email"]


def test_cells_are_cut_with_an_ellipsis_and_padded_by_display_width() -> None:
    assert fit("Boulangerie Liège SRL", 10) == "Boulanger…"
    assert fit("3", 4, "right") == "   3"
    assert fit("東京商事", 6) == "東京… "  # wide characters count two cells
    assert fit("東京商事", 8) == "東京商事"


def test_cell_text_formats_numbers_and_never_passes_control_characters() -> None:
    row = ClientSummary(
        id=1,
        version=1,
        client_code="C\x1b[2J01",
        company_name="ACME [/bold]\x9b NV",
        enterprise_number="0403019261",
        email=None,
        language="nl",
        city="Gent",
        unsigned_mandates=0,
    )
    assert cell_text(row, "enterprise_number") == "0403.019.261"
    assert cell_text(row, "client_code") == "C[2J01"
    assert cell_text(row, "company_name") == "ACME [/bold] NV"
    assert cell_text(row, "language") == "NL"
    assert cell_text(row, "unsigned_mandates") == ""


def test_the_thumb_measures_the_whole_result_set() -> None:
    assert scrollbar_thumb(rows=30, visible=38, top=0) == range(0)  # everything visible: no thumb
    assert scrollbar_thumb(rows=76, visible=38, top=0) == range(0, 19)
    assert scrollbar_thumb(rows=76, visible=38, top=38) == range(19, 38)
    at_end = scrollbar_thumb(rows=100_000, visible=38, top=100_000 - 38)
    assert at_end == range(37, 38)
    assert scrollbar_thumb(rows=100_000, visible=38, top=50_000) == range(19, 20)


def test_a_click_on_the_track_scrolls_to_that_place() -> None:
    assert scroll_for_track(0, rows=100_000, visible=38) == 0
    assert scroll_for_track(37, rows=100_000, visible=38) == 100_000 - 38
    middle = scroll_for_track(19, rows=100_000, visible=38)
    assert abs(middle - 50_000) < 100_000 / 38
