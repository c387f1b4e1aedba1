"""One record per measured figure, shared by every benchmark script and the runner's summary table.

A script builds `Figure`s, prints them with `print_figures` and, given `--json FILE` (the runner passes it),
writes `{"figures": [...], ...its raw data}` with `write`. The runner reads those files back with `read` and
prints one table of all of them next to their goals (`table`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

Compare = Literal["<=", ">="]


@dataclass(frozen=True)
class Figure:
    """A measured value, its unit, and the goal of issue 7 it is held against (or none)."""

    section: str
    """Where it belongs, numbered as in issue 7 (`1 search`, `2 save`, ...) or named for other scripts."""
    name: str
    value: float | None
    """None when it could not be measured (the note says why)."""
    unit: str = "ms"
    goal: float | None = None
    compare: Compare = "<="
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.goal is None or self.value is None or math.isnan(self.value):
            return None
        return self.value <= self.goal if self.compare == "<=" else self.value >= self.goal

    @property
    def key(self) -> str:
        return f"{self.section} | {self.name}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Figure:
        fields = ("section", "name", "value", "unit", "goal", "compare", "note")
        return cls(**{name: data[name] for name in fields if name in data})


def write(path: Path | None, figures: Iterable[Figure], **raw: Any) -> None:
    """`{"figures": [...], **raw}` to `path` (nothing when None)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"figures": [figure.as_dict() for figure in figures], **raw}
    path.write_text(json.dumps(document, indent=1, default=str), encoding="utf-8")


def read(path: Path) -> list[Figure]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [Figure.from_dict(item) for item in document.get("figures", [])]


# --- showing ---------------------------------------------------------------------------------------------


def shown_value(value: float | None, unit: str) -> str:
    if value is None or math.isnan(value):
        return "-"
    if unit in ("B", "/s") or abs(value) >= 1000 or float(value).is_integer():
        number = f"{value:,.0f}"
    elif abs(value) >= 100:
        number = f"{value:.0f}"
    elif abs(value) >= 10:
        number = f"{value:.1f}"
    else:
        number = f"{value:.2f}"
    return f"{number} {unit}".rstrip() if unit not in ("x", "/s") else f"{number}{unit}"


def shown_goal(figure: Figure) -> str:
    if figure.goal is None:
        return ""
    return f"{'≤' if figure.compare == '<=' else '≥'} {shown_value(figure.goal, figure.unit)}"


def verdict(figure: Figure) -> str:
    met = figure.met
    return "" if met is None else "met" if met else "NOT met"


def table(figures: Iterable[Figure], previous: Mapping[str, Figure] | None = None) -> str:
    """Aligned columns: section, figure, value, goal, verdict, (previous value), note."""
    rows = []
    for figure in figures:
        row = [figure.section, figure.name, shown_value(figure.value, figure.unit), shown_goal(figure), verdict(figure)]
        if previous is not None:
            before = previous.get(figure.key)
            row.append("" if before is None else shown_value(before.value, before.unit))
        row.append(figure.note)
        rows.append(row)
    header = ["section", "figure", "value", "goal", "verdict"]
    if previous is not None:
        header.append("previous")
    header.append("note")
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=False)]
    right = {2, 5} if previous is not None else {2}

    def line(cells: list[str]) -> str:
        parts = [
            cell.rjust(width) if n in right else cell.ljust(width)
            for n, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), line(["-" * width for width in widths]), *(line(row) for row in rows)])


def print_figures(figures: Iterable[Figure]) -> None:
    print(table(figures), flush=True)
