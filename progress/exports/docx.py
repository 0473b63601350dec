"""The quarterly ledger (seed 003) as a Word document, with python-docx.

python-docx builds the whole document in memory (there is no streaming writer), which is fine
for a ledger: one plan, a few hundred rows. Rows are added without python-docx's cell grid
(`row.cells` recomputes the grid of the whole table, quadratic over a long table), and the
序号 / 目标任务 cells of a project are merged with vMerge directly, as Word writes them.

The text is what the .xlsx ledger holds (progress.exports.layouts.ledger_values); Word has no formulas,
and characters that XML cannot hold are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

from progress.exports.layouts import LEDGER_COLUMNS, LedgerRow, ledger_values
from progress.formatting import cell_text

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "宋体"
MERGED = ("number", "project")
CENTERED = ("number", "project", "units")


def _set_font(style, size: float, *, bold: bool = False) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), FONT)


def _repeat_as_header(row) -> None:
    """Word repeats this row at the top of every page."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _write(cell: _Cell, value: str, *, bold: bool = False, center: bool = False) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    lines = cell_text(value).split("\n")
    run = paragraph.add_run(lines[0])
    run.bold = bold
    for line in lines[1:]:  # a line break, as the ledger's own cells have them
        run.add_break()
        run.add_text(line)


def write_ledger_docx(out: BinaryIO, *, title: str, rows: Iterable[LedgerRow]) -> int:
    """Write the ledger; returns the number of data rows."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.5))
    section.top_margin = section.bottom_margin = Cm(1.5)
    _set_font(document.styles["Normal"], 10)

    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(cell_text(title))
    run.bold = True
    run.font.size = Pt(16)

    columns = LEDGER_COLUMNS
    table = document.add_table(rows=1, cols=len(columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(c.width for c in columns)
    usable = Cm(29.7 - 3.0)
    widths = [int(usable * c.width / total) for c in columns]
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
    header = table.rows[0]
    _repeat_as_header(header)
    for tc, col, width in zip(header._tr.tc_lst, columns, widths, strict=True):
        cell = _Cell(tc, table)
        cell.width = width
        _write(cell, col.top, bold=True, center=True)

    count = 0
    previous: object = None
    first_cells: list = []  # the merged columns' cells of the project's first row
    for row in rows:
        values = ledger_values(row)
        tr = table.add_row()._tr
        same_project = row.project_id == previous
        if same_project:
            for tc in first_cells:  # a second row: the first row's cells start a merge
                tc.vMerge = "restart"
        else:
            first_cells = []
        for tc, col, width in zip(tr.tc_lst, columns, widths, strict=True):
            cell = _Cell(tc, table)
            cell.width = width
            if col.key in MERGED:
                if same_project:
                    tc.vMerge = "continue"
                    continue
                first_cells.append(tc)
            _write(cell, values[col.key], center=col.key in CENTERED)
        previous = row.project_id
        count += 1
    document.save(out)
    return count
