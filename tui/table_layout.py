"""Where things go in the client table: its columns at a given width, the text of each cell, its scrollbar.

Plain functions (no Textual), so the geometry is tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len, set_cell_size

from api_client.models import ClientSummary
from tui.safe_text import clean

Justify = Literal["left", "right"]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    justify: Justify = "left"


def layout_columns(width: int) -> list[Column]:
    """The columns that fit `width` cells: fixed ones first, name and e-mail share the rest (55/45).

    The city is left out below 100 cells: at 80 the name and e-mail need the room more.
    """
    fixed = [
        Column("client_code", "Code", 10),
        Column("enterprise_number", "Enterprise no.", 14),
        Column("language", "Lang", 4),
        Column("unsigned_mandates", "Unsigned", 8, "right"),
    ]
    if width >= 100:
        fixed.insert(3, Column("city", "City", 16))
    gaps = len(fixed) + 2 + 1  # one space before each column, plus the left margin
    flexible = max(20, width - sum(column.width for column in fixed) - gaps)
    name_width = flexible * 55 // 100
    return [
        fixed[0],
        Column("company_name", "Company", name_width),
        fixed[1],
        Column("email", "E-mail", flexible - name_width),
        *fixed[2:],
    ]


def format_enterprise_number(digits: str | None) -> str:
    """`0403019261` → `0403.019.261`; anything else as it came (cleaned)."""
    if digits is None:
        return ""
    value = clean(digits)
    if len(value) == 10 and value.isdigit():
        return f"{value[:4]}.{value[4:7]}.{value[7:]}"
    return value


def fit(text: str, width: int, justify: Justify = "left") -> str:
    """`text` in exactly `width` cells: cut with an ellipsis, or padded on the side `justify` says."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:  # cut one cell short for the ellipsis; a wide character that does not fit leaves a gap
        return set_cell_size(set_cell_size(text, width - 1).rstrip() + "…", width)
    if justify == "right":
        return " " * (width - length) + text
    return text + " " * (width - length)


def cell_text(row: ClientSummary, key: str) -> str:
    """The text of one cell, cleaned of anything a terminal would obey."""
    if key == "enterprise_number":
        return format_enterprise_number(row.enterprise_number)
    if key == "language":
        return row.language.upper()
    if key == "unsigned_mandates":
        return str(row.unsigned_mandates) if row.unsigned_mandates else ""
    return clean(getattr(row, key))


def scrollbar_thumb(*, rows: int, visible: int, top: int) -> range:
    """The lines of a track `visible` lines tall that the thumb covers; empty when every row is visible."""
    if rows <= visible or visible <= 0:
        return range(0)
    size = max(1, visible * visible // rows)
    start = round(top * (visible - size) / (rows - visible))
    start = max(0, min(start, visible - size))
    return range(start, start + size)


def scroll_for_track(line: int, *, rows: int, visible: int) -> int:
    """The first visible row that puts the thumb's middle on track line `line` (a click or a drag there)."""
    if rows <= visible or visible <= 0:
        return 0
    size = max(1, visible * visible // rows)
    if visible <= size:
        return 0
    start = max(0, min(line - size // 2, visible - size))
    return round(start * (rows - visible) / (visible - size))
