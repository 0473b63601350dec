"""From a sheet's values and its shape (merged ranges, hidden rows and columns) to a Table.

One definition for every reader: the readers find the shape in a streaming pre-scan and check
it against the limits (importers.safety) before any values are read, then hand the rows here.
What a person sees is what counts: hidden rows and hidden columns are left out; a merged
range keeps its text on every visible position, even when its top-left cell is hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext as _

from importers.safety import check_grid, check_merged_area, check_text
from importers.types import Cell, Table


@dataclass
class Shape:
    """What a pre-scan learns about a sheet before its values are read. 0-based, exclusive."""

    height: int = 0
    width: int = 0
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    merged_area: int = 0

    def add_merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        """A merged range, in either corner order."""
        r0, r1, c0, c1 = min(r0, r1), max(r0, r1), min(c0, c1), max(c0, c1)
        self.merges.append((r0, c0, r1, c1))
        self.merged_area += (r1 - r0 + 1) * (c1 - c0 + 1)

    def include(self, row: int, col: int) -> None:
        """A cell with a value at (row, col)."""
        if row >= self.height:
            self.height = row + 1
        if col >= self.width:
            self.width = col + 1

    def check(self, where: str) -> None:
        """The limits, before the work: rows and cells of the grid, area of the merges."""
        check_grid(self.height, self.width, where=where)
        check_merged_area(self.merged_area, where=where)


def sheet_label(name: str) -> str:
    return _("Sheet “%(name)s”") % {"name": name}


def table_label(n: int) -> str:
    return _("Table %(n)s") % {"n": n}


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def build_table(
    rows: Iterable[tuple[int, int, Sequence[object]]],
    shape: Shape,
    *,
    source: str,
    where: str,
    title_lines: list[str] | None = None,
) -> Table:
    """`rows` yields (file row, first column, values) in row order, 0-based; rows and cells
    outside the shape are ignored (the shape was checked against the limits).

    Written for speed (a sheet has tens of thousands of cells): the merged positions are kept
    per row, so a row without merges is made in one comprehension; tests/test_grid_fast.py
    compares it with the plain per-cell definition (build_table_plain) on random grids."""
    height, width = shape.height, shape.width
    merged: dict[int, dict[int, tuple[int, int]]] = {}  # row -> column -> origin
    for r0, c0, r1, c1 in shape.merges:
        if r0 >= height or c0 >= width:
            continue
        top = (r0, c0)
        span = range(c0, min(c1 + 1, width))
        for r in range(r0, min(r1 + 1, height)):
            line = merged.get(r)
            if line is None:
                line = merged[r] = {}
            for c in span:
                line[c] = top  # a later range wins a position two ranges claim
    tops_by_row: dict[int, list[int]] = {}
    for top in {o for line in merged.values() for o in line.values()}:
        tops_by_row.setdefault(top[0], []).append(top[1])
    top_texts: dict[tuple[int, int], str] = {}
    hidden_rows = shape.hidden_rows
    visible_cols = [c for c in range(width) if c not in shape.hidden_cols]
    max_chars = settings.IMPORT_MAX_CELL_CHARS
    new = tuple.__new__
    out: list[list[Cell]] = []
    numbers: list[int] = []
    blank = [""] * width
    for r, first, values in rows:
        if r >= height:
            break
        n = max(0, min(len(values), width - first))
        texts = [v if type(v) is str else cell_text(v) for v in values[:n]]
        if texts and max(map(len, texts)) > max_chars:
            for i, text in enumerate(texts):
                if len(text) > max_chars:
                    check_text(text, where=where, row=r, col=first + i)
        line = blank.copy()
        if first >= 0:
            line[first : first + n] = texts
        elif n > -first:  # no reader starts left of column A; kept exact all the same
            line[: first + n] = texts[-first:]
        tops = tops_by_row.get(r)
        if tops is not None:
            for c in tops:
                if line[c]:
                    top_texts[(r, c)] = line[c]
        if r in hidden_rows:
            continue
        origins = merged.get(r)
        if origins is None:
            row = [new(Cell, (line[c], (r, c))) for c in visible_cols]
        else:
            row = [
                new(Cell, (line[c], (r, c)))
                if (origin := origins.get(c)) is None
                else new(Cell, (top_texts.get(origin, ""), origin))
                for c in visible_cols
            ]
        if any(cell[0].strip() for cell in row):
            out.append(row)
            numbers.append(r + 1)
    return Table(rows=trim(out), row_numbers=numbers, title_lines=title_lines or [], source=source)


def dense_rows(rows: Iterable[Sequence[object]], first_row: int = 0, first_col: int = 0):
    """(file row, first column, values) for rows given one after the other."""
    for i, values in enumerate(rows):
        yield first_row + i, first_col, values


def drop_empty(rows: list[list[Cell]], **kwargs) -> Table:
    """A table from rows that are already cells: drop fully empty rows (remembering the file's
    row numbers) and empty trailing columns."""
    keep = [(i + 1, row) for i, row in enumerate(rows) if any(c.text.strip() for c in row)]
    return Table(rows=trim([row for _, row in keep]), row_numbers=[n for n, _ in keep], **kwargs)


def trim(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Drop empty trailing columns."""
    width = 0
    for row in rows:
        for c in range(len(row) - 1, width - 1, -1):
            if row[c].text.strip():
                width = c + 1
                break
    return [row[:width] if len(row) > width else row for row in rows]
