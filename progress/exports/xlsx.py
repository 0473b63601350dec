"""The .xlsx files, written with openpyxl in write-only mode: the office's three layouts
(progress.exports.layouts) and the item list.

The builders take plain rows, which progress.exports.selectors yields one by one, and write them
as they come: a write-only worksheet streams its rows to a temporary file and openpyxl 3.1 writes
strings inline, so memory does not grow with the table. Cells merged over a project's rows
(序号, 重点工作) are recorded as the rows go by and written after the sheet data, where the file
format wants them.

Everything is written as text, through the formula guard (progress.formatting.text_cell): a
value that begins with = + - @, a tab or a carriage return is data, never a formula.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterable
from datetime import date
from typing import IO, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.properties import PageSetupProperties

from progress.exports.layouts import (
    LEDGER_COLUMNS,
    MONTHLY_NOTES,
    PLAN_COLUMNS,
    Layout,
    LedgerRow,
    MonthlyRow,
    PlanRow,
    ledger_values,
    monthly_columns,
    monthly_values,
    plan_values,
)
from progress.formatting import cell_text, text_cell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the sheet writer -------------------------------------------------------------------------


class _Styles:
    """The few cell styles of a table, made once; each cell gets a copy of a template cell's
    style (cheap: an array of ids), not six style objects looked up again."""

    def __init__(self, ws) -> None:
        thin = Side(style="thin")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        font = Font(name="宋体", size=10)

        def make(**kw) -> WriteOnlyCell:
            cell = WriteOnlyCell(ws)
            for k, v in kw.items():
                setattr(cell, k, v)
            return cell

        self.title = make(
            font=Font(name="宋体", size=16, bold=True),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.above = make(font=font, alignment=Alignment(vertical="center"))
        self.header = make(
            font=Font(name="宋体", size=10, bold=True),
            border=border,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.center = make(
            font=font,
            border=border,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.left = make(
            font=font,
            border=border,
            alignment=Alignment(horizontal="left", vertical="center", wrap_text=True),
        )
        self.note = make(
            font=font, alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)
        )


CENTERED = {"number", "project", "leaders", "lead_unit", "status", "units", "category", "persons"}
LINE_HEIGHT = 13.5  # points per line of 10-point 宋体


def _width_units(s: str) -> int:
    """Column-width units a line needs: a Chinese character is about two. Counted from the
    UTF-8 length (three bytes for a Chinese character, one for ASCII), which C does for us:
    a loop over the characters is a good part of the time of a 20,000-row table."""
    return (len(s.encode("utf-8")) + len(s)) // 2


def _lines(value: str, width: float) -> int:
    if not value:
        return 1
    per_line = max(1.0, width - 1)
    return sum(max(1, math.ceil(_width_units(line) / per_line)) for line in value.split("\n"))


class SheetWriter:
    """Appends rows to a write-only sheet: text cells only, styles copied from templates, the
    cells of a project (or category) merged down, row heights from the length of the text."""

    def __init__(self, wb: Workbook, layout: Layout, *, title: str = "Sheet1") -> None:
        self.ws = ws = wb.create_sheet(title=title)
        self.layout = layout
        self.columns = layout.columns
        self.width = len(self.columns)
        self.styles = _Styles(ws)
        self.row = 0  # the last row written
        self.data_rows = 0
        self._runs: dict[str, tuple[object, int]] = {}  # column key -> (group, first row)
        self._setup()

    # everything that write-only mode writes before the first row must be set here
    def _setup(self) -> None:
        ws = self.ws
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        for i, col in enumerate(self.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        header_rows = 2 if self.layout.two_rows else 1
        first_header = 3 if self.layout.above else 2
        last_header = first_header + header_rows - 1
        ws.freeze_panes = f"A{last_header + 1}"
        ws.print_title_rows = f"{first_header}:{last_header}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as it takes
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5
        ws.print_options.horizontalCentered = True

    def cell(self, value: object, style: WriteOnlyCell | None) -> WriteOnlyCell:
        return text_cell(self.ws, value, style)

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        # add to the set directly: MultiCellRange.add tests every range already there (O(n²))
        self.ws.merged_cells.ranges.add(
            CellRange(min_col=first_col, min_row=first_row, max_col=last_col, max_row=last_row)
        )

    def _append(self, cells: list, height: float | None = None) -> None:
        self.row += 1
        dims = self.ws.row_dimensions
        if height:
            dims[self.row].height = height
        self.ws.append(cells)  # written to the sheet's file now, with its height
        dims.pop(self.row, None)  # so that nothing is kept per row

    # -- parts of the sheet ------------------------------------------------------------------
    def head(self) -> None:
        layout = self.layout
        if layout.above:
            self._append([self.cell(layout.above, self.styles.above)], 20)
        self._append(
            [self.cell(layout.title, self.styles.title)]
            + [self.cell(None, self.styles.title) for _ in range(self.width - 1)],
            36,
        )
        self.merge(self.row, 1, self.row, self.width)
        top = self.row + 1
        if layout.two_rows:
            self._append(
                [self.cell(c.top if self._starts_top(i) else None, self.styles.header)
                 for i, c in enumerate(self.columns)],
                24,
            )  # fmt: skip
            self._append(
                [self.cell(c.bottom, self.styles.header) for c in self.columns],
                30,
            )
            i = 0
            while i < self.width:
                col = self.columns[i]
                if col.bottom is None:
                    self.merge(top, i + 1, top + 1, i + 1)
                    i += 1
                    continue
                j = i
                while j + 1 < self.width and self.columns[j + 1].top == col.top:
                    j += 1
                if j > i:
                    self.merge(top, i + 1, top, j + 1)
                i = j + 1
        else:
            self._append([self.cell(c.top, self.styles.header) for c in self.columns], 24)

    def _starts_top(self, i: int) -> bool:
        return i == 0 or self.columns[i - 1].top != self.columns[i].top

    def data(self, values: dict[str, str], *, project: object, category: object = None) -> None:
        """One data row; `project` and `category` say which rows belong together (merged)."""
        row = self.row + 1
        cells = []
        lines = 1
        for i, col in enumerate(self.columns, start=1):
            group = None
            if col.key in self.layout.merged:
                group = project
            elif col.key in self.layout.category_merged:
                group = category if category is not None else ("project", project)
            value = values.get(col.key, "")
            if group is not None:
                run = self._runs.get(col.key)
                if run is not None and run[0] == group:
                    value = None  # inside a merged range only the top cell holds the value
                else:
                    self._close_run(col.key, i, row - 1)
                    self._runs[col.key] = (group, row)
            else:
                lines = max(lines, _lines(cell_text(value), col.width))
            style = self.styles.center if col.key in CENTERED else self.styles.left
            cells.append(self.cell(value, style))
        self._append(cells, min(409.0, max(1, lines) * LINE_HEIGHT + 6))
        self.data_rows += 1

    def _close_run(self, key: str, col: int, last_row: int) -> None:
        run = self._runs.pop(key, None)
        if run is not None and last_row > run[1]:
            self.merge(run[1], col, last_row, col)

    def tail(self) -> None:
        for i, col in enumerate(self.columns, start=1):
            self._close_run(col.key, i, self.row)
        for note in self.layout.notes:
            self._append(
                [self.cell(note, self.styles.note)]
                + [self.cell(None, self.styles.note) for _ in range(self.width - 1)],
                max(1, _lines(note, sum(c.width for c in self.columns))) * LINE_HEIGHT + 6,
            )
            self.merge(self.row, 1, self.row, self.width)


def _workbook() -> Workbook:
    return Workbook(write_only=True)


# --- the three exports ----------------------------------------------------------------------


def _write(
    out: BinaryIO, layout: Layout, rows: Iterable[tuple[dict[str, str], object, object]]
) -> int:
    """A sheet of `layout` from (cell values, project, category) rows, into `out`; returns the
    number of data rows written."""
    wb = _workbook()
    sheet = SheetWriter(wb, layout)
    sheet.head()
    for values, project, category in rows:
        sheet.data(values, project=project, category=category)
    sheet.tail()
    wb.save(out)
    return sheet.data_rows


def write_monthly_xlsx(
    out: BinaryIO,
    *,
    title: str,
    period: date,
    rows: Iterable[MonthlyRow],
    above: str = "",
    show_persons: bool = True,
) -> int:
    """The monthly progress table of seed 002; returns the number of data rows written."""
    layout = Layout(
        columns=monthly_columns(period, show_persons=show_persons),
        title=title,
        above=above or " ",
        notes=MONTHLY_NOTES,
        merged=("number", "project"),
    )
    return _write(out, layout, ((monthly_values(r), r.project_id, None) for r in rows))


def write_ledger_xlsx(out: BinaryIO, *, title: str, rows: Iterable[LedgerRow]) -> int:
    """The quarterly ledger of seed 003."""
    layout = Layout(columns=LEDGER_COLUMNS, title=title, merged=("number", "project"))
    return _write(out, layout, ((ledger_values(r), r.project_id, None) for r in rows))


def write_plan_xlsx(out: BinaryIO, *, title: str, rows: Iterable[PlanRow]) -> int:
    """The yearly plan list of seed 000, which imports back into the same plan."""
    layout = Layout(
        columns=PLAN_COLUMNS,
        title=title,
        above="附件",
        merged=("number", "project"),
        category_merged=("category",),
    )
    return _write(out, layout, ((plan_values(r), r.project_id, r.category_id) for r in rows))


def write_list_xlsx(
    rows: Iterable[Iterable[object]],
    *,
    title: str,
    subtitle: str = "",
    widths: Iterable[int] = (),
    sheet_name: str = "",
) -> IO[bytes]:
    """A plain table as the other exports print it: the title over the table, a line saying
    what it holds (`subtitle`: the filters), the header row (the first of `rows`, repeated on
    every printed page), then the rows; landscape A4, fitted to the page's width. Every cell is
    text through the formula guard. In a temporary file rewound for streaming: the item list's
    export."""
    book = _workbook()
    sheet = book.create_sheet(title=(sheet_name or title)[:31])
    widths = list(widths)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header_row = 3
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_options.horizontalCentered = True
    styles = _Styles(sheet)
    rows = iter(rows)
    header = list(next(rows, []))
    span = max(len(header), len(widths), 1)
    sheet.append([text_cell(sheet, title, styles.title)])
    sheet.append([text_cell(sheet, subtitle, styles.above)])
    for row in (1, 2):
        sheet.merged_cells.ranges.add(CellRange(min_col=1, min_row=row, max_col=span, max_row=row))
    sheet.append([text_cell(sheet, value, styles.header) for value in header])
    for row in rows:
        sheet.append([text_cell(sheet, value, styles.left) for value in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    book.save(handle)
    handle.seek(0)
    return handle
