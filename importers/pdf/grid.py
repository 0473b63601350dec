"""From the ruled tables of each page to whole tables. Pure: boxes and glyphs in, Tables out.

What printing did to a table is undone here:
- a table that goes on over pages (the same columns) is one table; a header repeated at the
  top of a page is dropped;
- a row split by a page break (its cells' text going on at the top of the next page) is one
  row, and a merged cell split by a page break is one cell;
- merged cells are spread to every grid position they cover, with the origin of their top-left,
  as the .docx and .xlsx readers do.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from importers.headers import Header, find_header, is_repeated_header
from importers.pdf.text import Glyph, Line, group_lines, join_lines, line_break, text_edges
from importers.types import Cell, Table

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
# Two ruling positions closer than this (points) are one.
SNAP = 2.0


def _snap(values: Sequence[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= SNAP:
            continue
        out.append(v)
    return out


def _index(edges: Sequence[float], value: float) -> int:
    """The position of the ruling nearest to value."""
    i = bisect_right(edges, value)
    if i == 0:
        return 0
    if i == len(edges):
        return len(edges) - 1
    return i if edges[i] - value < value - edges[i - 1] else i - 1


@dataclass(slots=True)
class PageCell:
    box: Box
    r0: int
    r1: int  # exclusive
    c0: int
    c1: int  # exclusive
    open: bool = False  # no ruling closes it: a merged cell cut by the page's edge
    glyphs: list[Glyph] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        left, right = text_edges(self.lines, self.box[0], self.box[2])
        return join_lines(self.lines, left=left, right=right)


@dataclass
class PageTable:
    """One ruled table found on one page."""

    page: int
    box: Box
    xs: list[float]  # column rulings, left to right
    ys: list[float]  # row rulings, top to bottom
    cells: list[PageCell]
    grid: list[list[int]]  # index into cells, per row and column

    @property
    def height(self) -> int:
        return len(self.grid)

    def contains(self, g: Glyph) -> bool:
        x, y = (g.x0 + g.x1) / 2, (g.top + g.bottom) / 2
        x0, top, x1, bottom = self.box
        return x0 <= x <= x1 and top <= y <= bottom

    def add(self, g: Glyph) -> None:
        """Put a glyph into the cell under its centre (the caller checked `contains`)."""
        x, y = (g.x0 + g.x1) / 2, (g.top + g.bottom) / 2
        c = min(max(bisect_right(self.xs, x) - 1, 0), len(self.xs) - 2)
        r = min(max(bisect_right(self.ys, y) - 1, 0), len(self.ys) - 2)
        self.cells[self.grid[r][c]].glyphs.append(g)

    def settle(self) -> None:
        """Glyphs to lines, once every glyph is in."""
        for cell in self.cells:
            cell.lines = group_lines(cell.glyphs)
            cell.glyphs = []


def page_table(page: int, boxes: Sequence[Box]) -> PageTable | None:
    """The grid of one table from its cells' boxes (pdfplumber's table.cells)."""
    if not boxes:
        return None
    xs = _snap([v for b in boxes for v in (b[0], b[2])])
    ys = _snap([v for b in boxes for v in (b[1], b[3])])
    if len(xs) < 2 or len(ys) < 2:
        return None
    nrows, ncols = len(ys) - 1, len(xs) - 1
    grid = [[-1] * ncols for _ in range(nrows)]
    cells: list[PageCell] = []
    for box in sorted(boxes, key=lambda b: (b[1], b[0])):
        c0, c1 = _index(xs, box[0]), _index(xs, box[2])
        r0, r1 = _index(ys, box[1]), _index(ys, box[3])
        if c1 <= c0 or r1 <= r0:
            continue
        index = len(cells)
        cells.append(PageCell(box, r0, r1, c0, c1))
        for r in range(r0, r1):
            for c in range(c0, c1):
                if grid[r][c] == -1:
                    grid[r][c] = index
    # Positions no ruled cell covers: a merged cell whose rulings the page cut off (Calc
    # leaves the bottom of a merged cell open where a page ends). A run of them down one
    # column is one cell.
    for c in range(ncols):
        r = 0
        while r < nrows:
            if grid[r][c] != -1:
                r += 1
                continue
            end = r
            while end < nrows and grid[end][c] == -1:
                end += 1
            index = len(cells)
            cells.append(PageCell((xs[c], ys[r], xs[c + 1], ys[end]), r, end, c, c + 1, open=True))
            for k in range(r, end):
                grid[k][c] = index
            r = end
    box = (xs[0], ys[0], xs[-1], ys[-1])
    return PageTable(page=page, box=box, xs=xs, ys=ys, cells=cells, grid=grid)


# -- whole tables ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Cell:
    """A cell of the whole table: its lines from every page it is printed on."""

    x0: float
    x1: float
    origin: tuple[int, int]
    lines: list[Line] = field(default_factory=list)
    rows: int = 0  # how many rows of the whole table it covers
    box: Box = (0.0, 0.0, 0.0, 0.0)  # on the last page it was printed on
    page_lines: list[Line] = field(default_factory=list)  # its lines on that page
    open_below: bool = False  # that page ended it without a ruling: it goes on

    @property
    def text(self) -> str:
        left, right = text_edges(self.lines, self.x0, self.x1)
        return join_lines(self.lines, left=left, right=right)

    def wraps_into(self, lines: list[Line]) -> bool:
        """Whether its last line on the page was wrapped, the text going on in `lines` (the
        first line there would not have fitted at its end)."""
        left, right = text_edges(self.page_lines + lines, self.box[0], self.box[2])
        return line_break(self.page_lines[-1], lines[0], left=left, right=right) != "\n"

    def full(self) -> bool:
        """Its text filled the cell from top to bottom on its last page: no other line would
        have fitted, so the text may go on at the top of the next page."""
        if not self.page_lines:
            return False
        first, last = self.page_lines[0], self.page_lines[-1]
        return (
            first.top - self.box[1] <= first.size + 2 and self.box[3] - last.bottom <= last.size + 1
        )


@dataclass
class _Whole:
    """One table as it is being put together from the pages."""

    xs: list[float]
    title_lines: list[str]
    first_page: int
    cells: list[_Cell] = field(default_factory=list)
    rows: list[list[int]] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    header: Header | None = None
    header_rows: list[list[tuple[int, int, str]]] | None = None

    def columns_of(self, table: PageTable) -> list[int] | None:
        """For each column of this whole table, the page table's column under it; None when
        the page table's rulings are not this table's."""
        if abs(table.xs[0] - self.xs[0]) > SNAP or abs(table.xs[-1] - self.xs[-1]) > SNAP:
            return None
        for x in table.xs:
            if abs(self.xs[_index(self.xs, x)] - x) > SNAP:
                return None
        out = []
        for c in range(len(self.xs) - 1):
            middle = (self.xs[c] + self.xs[c + 1]) / 2
            out.append(min(max(bisect_right(table.xs, middle) - 1, 0), len(table.xs) - 2))
        return out

    def learn_header(self) -> None:
        """The header block of the first page, to know it again where a page repeats it."""
        if self.header_rows is not None:
            return
        ids = self.rows[:40]
        rows = [[Cell(self.cells[g].text, self.cells[g].origin) for g in row] for row in ids]
        self.header = find_header(Table(rows=rows)) if rows else None
        last = self.header.last_row if self.header else 0
        self.header_rows = [_shape(rows[i], ids[i]) for i in range(min(last + 1, len(rows)))]


def _shape(row: list[Cell], ids: list[int]) -> list[tuple[int, int, str]]:
    """A row as (first column, last column, text) per cell: what a repeated header repeats."""
    out = []
    for c, g in enumerate(ids):
        if c and ids[c - 1] == g:
            continue
        last = c
        while last + 1 < len(ids) and ids[last + 1] == g:
            last += 1
        out.append((c, last, "".join(row[c].text.split())))
    return out


def _contains_in_order(whole: str, part: str) -> bool:
    """Every character of part appears in whole, in order (a header cell into which a clipped
    merged cell's text was printed still holds its own label)."""
    it = iter(whole)
    return all(ch in it for ch in part)


def _same_header_row(shape: list[tuple[int, int, str]], first: list[tuple[int, int, str]]) -> bool:
    if [(a, b) for a, b, _ in shape] != [(a, b) for a, b, _ in first]:
        return False
    labels = [
        (mine, theirs) for (_, _, mine), (_, _, theirs) in zip(shape, first, strict=True) if theirs
    ]
    if not labels:
        return False
    same = sum(1 for mine, theirs in labels if _contains_in_order(mine, theirs))
    return same * 5 >= len(labels) * 4


class Stitcher:
    """Takes each page's tables in order and gives back whole tables."""

    def __init__(self, *, rows_split: bool = True) -> None:
        self.rows_split = rows_split  # False for a spreadsheet's PDF: its rows never split
        self.wholes: list[_Whole] = []
        self.current: _Whole | None = None
        self.prose: list[str] = []  # text seen since the last table: the next table's title
        self.row_count = 0

    def add_prose(self, lines: Sequence[str]) -> None:
        self.prose.extend(lines)

    def add_table(self, table: PageTable, *, first_on_page: bool) -> None:
        """Add the next table of the document (pages in order, tables top to bottom)."""
        whole = self.current
        columns = whole.columns_of(table) if whole is not None and first_on_page else None
        if whole is None or columns is None:
            whole = _Whole(xs=list(table.xs), title_lines=self.prose, first_page=table.page)
            self.wholes.append(whole)
            self.current = whole
            self.prose = []
            self._append(whole, table, list(range(len(table.xs) - 1)), start=0, goes_on=False)
            return
        self.prose = []  # above a table that goes on: a page header, not a title
        whole.learn_header()
        start = self._skip_repeated_header(whole, table, columns)
        if start < table.height:
            goes_on = self._goes_on(whole, table, columns, start)
            self._append(whole, table, columns, start=start, goes_on=goes_on)

    # -- steps ----------------------------------------------------------------------------
    @staticmethod
    def _row(table: PageTable, columns: list[int], r: int) -> list[int]:
        return [table.grid[r][c] for c in columns]

    def _skip_repeated_header(self, whole: _Whole, table: PageTable, columns: list[int]) -> int:
        """How many rows at the top of the page repeat the first page's header."""
        r = 0
        while r < table.height:
            ids = self._row(table, columns, r)
            row = [Cell(table.cells[i].text, (r, c)) for c, i in enumerate(ids)]
            shape = _shape(row, ids)
            if not any(
                _same_header_row(shape, first) for first in whole.header_rows or []
            ) and not (whole.header is not None and is_repeated_header(row, whole.header)):
                break
            r += 1
        return r

    def _goes_on(self, whole: _Whole, table: PageTable, columns: list[int], r: int) -> bool:
        """Whether the page's first row is the rest of the row the last page ended with (a row
        split by the page break). Every cell with text on this page must sit under a cell whose
        text filled it to the end of the last page; and one of those ran over several lines,
        or all of them ended their line at the cell's right edge."""
        if not self.rows_split or not whole.rows:
            return False
        above = [whole.cells[g] for g in whole.rows[-1]]
        here = [bool(table.cells[i].lines) for i in self._row(table, columns, r)]
        if not any(here):
            return True  # only the bottom padding of a split row went over
        ids = self._row(table, columns, r)
        pairs = [(above[c], table.cells[i].lines) for c, i in enumerate(ids) if here[c]]
        if not all(cell.full() for cell, _ in pairs):
            return False
        # a row of one line each that ended the page is split only if every line was wrapped
        # into the next page (经开集 / 团), not when it was a row of short values
        return any(len(cell.page_lines) >= 2 for cell, _ in pairs) or all(
            cell.wraps_into(lines) for cell, lines in pairs
        )

    def _append(
        self, whole: _Whole, table: PageTable, columns: list[int], *, start: int, goes_on: bool
    ) -> None:
        """Add the page table's rows from `start`; the first one goes on the last row when
        `goes_on`. A merged cell cut by the page break stays one cell: one the page left open
        (Calc), an empty one that goes on merged, and one whose text ran to the end of the last
        page and goes on beside such an empty one (a task's name, beside its 序号, over the
        sub-rows on the next page)."""
        mapped: dict[int, int] = {}  # page cell -> whole cell
        if whole.rows:
            above = whole.rows[-1]
            ids = self._row(table, columns, start)
            overflow: list[tuple[int, int]] = []  # page cells that may hold a merged cell's rest
            blocks: set[tuple[int, int]] = set()  # the rows of the empty merged cells going on
            for c, i in enumerate(ids):
                if i in mapped or any(i == j for j, _ in overflow):
                    continue
                cell, target = table.cells[i], whole.cells[above[c]]
                same_span = [x == i for x in ids] == [g == above[c] for g in above]
                if not same_span:
                    continue
                merged = cell.r1 - cell.r0 > 1 or target.rows > 1
                if goes_on or target.open_below or (not cell.lines and merged):
                    mapped[i] = above[c]
                    if not cell.lines and merged:
                        blocks.add((cell.r0, cell.r1))
                elif self.rows_split and target.full() and cell.r1 - cell.r0 > 1:
                    overflow.append((i, above[c]))
            for i, g in overflow:
                if (table.cells[i].r0, table.cells[i].r1) in blocks:
                    mapped[i] = g
        for r in range(start, table.height):
            ids = self._row(table, columns, r)
            new_row = not (r == start and goes_on)
            if new_row:
                whole.rows.append([])
                whole.pages.append(table.page)
                self.row_count += 1
                whole.numbers.append(self.row_count)
            index = len(whole.rows) - 1
            for c, i in enumerate(ids):
                g = mapped.get(i)
                if g is None:
                    g = mapped[i] = len(whole.cells)
                    whole.cells.append(_Cell(x0=whole.xs[c], x1=whole.xs[c + 1], origin=(index, c)))
                if new_row:
                    whole.rows[index].append(g)
                whole.cells[g].x1 = max(whole.cells[g].x1, whole.xs[c + 1])
            if new_row:
                for g in set(whole.rows[index]):
                    whole.cells[g].rows += 1
        for i, g in mapped.items():  # this page's lines go after those of earlier pages
            cell, target = table.cells[i], whole.cells[g]
            target.lines.extend(cell.lines)
            target.box = cell.box
            target.page_lines = cell.lines
            target.open_below = cell.open and cell.r1 == table.height

    # -- result ---------------------------------------------------------------------------
    def tables(self) -> list[Table]:
        return [_to_table(w) for w in self.wholes]


def _column_edges(whole: _Whole) -> dict[tuple[float, float], tuple[float, float]]:
    """The edges the text of each column was wrapped to: the leftmost start and the rightmost
    end of any line in the cells of that column (a cell's padding is the program's, and only
    the longest lines show where the text could go)."""
    edges: dict[tuple[float, float], tuple[float, float]] = {}
    for cell in whole.cells:
        if not cell.lines:
            continue
        key = (cell.x0, cell.x1)
        left = min(line.x0 for line in cell.lines)
        right = max(line.x1 for line in cell.lines)
        if key in edges:
            left, right = min(left, edges[key][0]), max(right, edges[key][1])
        edges[key] = (left, min(right, cell.x1))
    return edges


def _to_table(whole: _Whole) -> Table:
    """Rows with their text; empty rows and empty trailing columns dropped."""
    edges = _column_edges(whole)
    texts = [
        join_lines(c.lines, left=edges[(c.x0, c.x1)][0], right=edges[(c.x0, c.x1)][1])
        if c.lines
        else ""
        for c in whole.cells
    ]
    keep = [i for i, row in enumerate(whole.rows) if any(texts[g].strip() for g in row)]
    rows = [[Cell(texts[g], whole.cells[g].origin) for g in whole.rows[i]] for i in keep]
    width = max(
        (c + 1 for row in rows for c, cell in enumerate(row) if cell.text.strip()), default=0
    )
    return Table(
        rows=[row[:width] for row in rows],
        title_lines=whole.title_lines,
        source=f"page {whole.first_page}",
        row_numbers=[whole.numbers[i] for i in keep],
        row_pages=[whole.pages[i] for i in keep],
    )
