"""The grid builder (importers.readers.grid.build_table) is written for speed (issue 11): it must
make exactly the table the plain per-cell definition makes, on random sheets with merged ranges
(overlapping ones too), hidden rows and columns, rows and cells outside the shape, every kind
of value calamine gives and texts over the length limit. Pure: no database."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.readers.grid import Shape, build_table, cell_text, trim
from importers.safety import check_text
from importers.types import Cell, ImportFileError, Table

PROPERTY = settings(max_examples=300, deadline=None)


def build_table_plain(rows, shape: Shape, *, source: str, where: str, title_lines=None) -> Table:
    """The definition build_table had before it was made fast, kept as the reference."""
    height, width = shape.height, shape.width
    origins: dict[tuple[int, int], tuple[int, int]] = {}
    for r0, c0, r1, c1 in shape.merges:
        if r0 >= height or c0 >= width:
            continue
        top = (r0, c0)
        for r in range(r0, min(r1 + 1, height)):
            for c in range(c0, min(c1 + 1, width)):
                origins[(r, c)] = top
    merge_tops = set(origins.values())
    top_texts: dict[tuple[int, int], str] = {}
    visible_cols = [c for c in range(width) if c not in shape.hidden_cols]
    max_chars = django_settings.IMPORT_MAX_CELL_CHARS
    out: list[list[Cell]] = []
    numbers: list[int] = []
    for r, first, values in rows:
        if r >= height:
            break
        texts: dict[int, str] = {}
        for i, value in enumerate(values):
            c = first + i
            if c >= width:
                break
            text = cell_text(value)
            if text:
                if len(text) > max_chars:
                    check_text(text, where=where, row=r, col=c)
                texts[c] = text
                if (r, c) in merge_tops:
                    top_texts[(r, c)] = text
        if r in shape.hidden_rows:
            continue
        row: list[Cell] = []
        filled = False
        for c in visible_cols:
            origin = origins.get((r, c))
            if origin is None:
                text = texts.get(c, "")
                row.append(Cell(text, (r, c)))
            else:
                text = top_texts.get(origin, "")
                row.append(Cell(text, origin))
            filled = filled or bool(text.strip())
        if filled:
            out.append(row)
            numbers.append(r + 1)
    return Table(rows=trim(out), row_numbers=numbers, title_lines=title_lines or [], source=source)


values = st.one_of(
    st.just(""),
    st.just(" "),
    st.none(),
    st.text(alphabet="ab 中文\n\u3000", max_size=12),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)),
    st.times(),
)


@st.composite
def sheets(draw):
    height = draw(st.integers(0, 9))
    width = draw(st.integers(0, 7))
    shape = Shape(height=height, width=width)
    shape.hidden_rows = draw(st.sets(st.integers(0, 10), max_size=4))
    shape.hidden_cols = draw(st.sets(st.integers(0, 8), max_size=3))
    for _ in range(draw(st.integers(0, 5))):
        r0, r1 = draw(st.integers(0, 10)), draw(st.integers(0, 10))
        c0, c1 = draw(st.integers(0, 8)), draw(st.integers(0, 8))
        shape.add_merge(r0, c0, r1, c1)
    rows = []
    r = draw(st.integers(0, 2))
    for _ in range(draw(st.integers(0, 11))):
        first = draw(st.integers(0, 3))
        rows.append((r, first, draw(st.lists(values, max_size=9))))
        r += draw(st.integers(1, 2))
    return shape, rows


def _outcome(fn, rows, shape):
    try:
        table = fn(iter(rows), shape, source="S", where="Sheet S", title_lines=["t"])
    except ImportFileError as exc:
        return ("error", str(exc))
    return (table.rows, table.row_numbers, table.title_lines, table.source)


@PROPERTY
@given(sheets())
def test_build_table_makes_what_the_plain_definition_makes(sheet):
    shape, rows = sheet
    assert _outcome(build_table, rows, shape) == _outcome(build_table_plain, rows, shape)


@PROPERTY
@given(sheets())
def test_build_table_refuses_the_same_long_texts(sheet):
    shape, rows = sheet
    with override_settings(IMPORT_MAX_CELL_CHARS=4):
        assert _outcome(build_table, rows, shape) == _outcome(build_table_plain, rows, shape)


def test_cells_are_immutable_values():
    cell = Cell("a", (0, 1))
    assert (cell.text, cell.origin) == ("a", (0, 1))
    assert cell == Cell(text="a", origin=(0, 1)) and hash(cell) == hash(Cell("a", (0, 1)))
    with pytest.raises(AttributeError):
        cell.text = "b"  # type: ignore[misc]


def test_time_values_read_as_text():
    assert cell_text(time(8, 30)) == "08:30:00"
