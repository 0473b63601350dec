"""One sheet's values through python-calamine, streamed row by row into the grid builder."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from python_calamine import CalamineWorkbook

from importers.readers.grid import Shape, build_table, sheet_label
from importers.types import Table


def _rows(
    sheet, start: tuple[int, int], end: tuple[int, int]
) -> Iterator[tuple[int, int, Sequence[object]]]:
    """(file row, first column, values). calamine's iter_rows starts its columns at the first
    used column; its rows start at row 0 in python-calamine 0.9 (empty rows before the first
    used row) and at the first used row in to_python(): tell which from the first row, which
    is empty only when it is a padding row (tests/test_readers.py pins this)."""
    rows = sheet.iter_rows()
    first = next(rows, None)
    if first is None:
        return
    padded = start[0] > 0 and all(v == "" for v in first)
    r = 0 if padded else start[0]
    col = end[1] + 1 - len(first)
    yield r, col, first
    for values in rows:
        r += 1
        yield r, col, values


def read_sheet(workbook: CalamineWorkbook, name: str, shape: Shape) -> Table:
    """The shape was found and checked before: calamine's grid lies inside it."""
    sheet = workbook.get_sheet_by_name(name)
    start, end = sheet.start, sheet.end
    if start is None or end is None:
        return Table(rows=[], source=name)
    if end[0] >= shape.height or end[1] >= shape.width:  # the pre-scan is a superset: never
        shape.include(*end)
        shape.check(sheet_label(name))
    return build_table(_rows(sheet, start, end), shape, source=name, where=sheet_label(name))
