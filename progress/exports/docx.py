"""The quarterly ledger (seed 003) as a Word document.

python-docx writes the document around the table: page, styles, title and the table with its
header row. It builds everything in memory and costs about 3 ms and 20 KB a row, so a plan of
20,000 sub-items took a minute and 480 MB; the data rows are therefore written as XML text,
streamed into the .docx's word/document.xml one project at a time, exactly as python-docx
writes them (tests/exports/test_ledger_docx_xml.py compares the two byte for byte): the
序号 / 目标任务 cells of a project are merged with vMerge, as Word writes them.

The text is what the .xlsx ledger holds (progress.exports.layouts.ledger_values); Word has no formulas,
and characters that XML cannot hold are dropped.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt
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

    skeleton = io.BytesIO()
    document.save(skeleton)
    twips = [Emu(width).twips for width in widths]  # as tcW holds them
    return _with_rows(skeleton, out, _table_rows(rows, twips))


# --- the data rows, as python-docx would write them -----------------------------------------

_PLAIN = '<w:r><w:rPr><w:b w:val="0"/></w:rPr>'
_CENTER = '<w:pPr><w:jc w:val="center"/></w:pPr>'


def _t(text: str) -> str:
    """A w:t as python-docx's CT_R.add_t writes it (space kept when the text has edges)."""
    if not text:
        return "<w:t></w:t>"
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    return f"<w:t{space}>{escape(text)}</w:t>"


def _run_text(text: str) -> str:
    """The first line: Run.text's rules (a tab is w:tab, a carriage return w:br)."""
    parts: list[str] = []
    chunk: list[str] = []
    for char in text:
        if char == "\t" or char == "\r":
            if chunk:
                parts.append(_t("".join(chunk)))
                chunk = []
            parts.append("<w:tab/>" if char == "\t" else "<w:br/>")
        else:
            chunk.append(char)
    if chunk:
        parts.append(_t("".join(chunk)))
    return "".join(parts)


def _cell(value: str, width: int, *, center: bool, merge: str = "") -> str:
    lines = cell_text(value).split("\n")
    content = _run_text(lines[0]) + "".join(f"<w:br/>{_t(line)}" for line in lines[1:])
    return (
        f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{merge}'
        f'<w:vAlign w:val="center"/></w:tcPr><w:p>{_CENTER if center else ""}'
        f"{_PLAIN}{content}</w:r></w:p></w:tc>"
    )


def _project_rows(group: list[LedgerRow], widths: list[int]) -> str:
    """The rows of one project: its merged cells start on the first row when there are more."""
    rows = []
    for i, row in enumerate(group):
        values = ledger_values(row)
        cells = []
        for col, width in zip(LEDGER_COLUMNS, widths, strict=True):
            center = col.key in CENTERED
            if col.key in MERGED and i > 0:
                cells.append(
                    f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/><w:vMerge/></w:tcPr>'
                    "<w:p/></w:tc>"
                )
            elif col.key in MERGED and len(group) > 1:
                merge = '<w:vMerge w:val="restart"/>'
                cells.append(_cell(values[col.key], width, center=center, merge=merge))
            else:
                cells.append(_cell(values[col.key], width, center=center))
        rows.append("<w:tr>" + "".join(cells) + "</w:tr>")
    return "".join(rows)


def _table_rows(rows: Iterable[LedgerRow], widths: list[int]) -> Iterator[tuple[str, int]]:
    """(XML, number of rows) of each project in turn; rows arrive grouped by project."""
    group: list[LedgerRow] = []
    for row in rows:
        if group and row.project_id != group[0].project_id:
            yield _project_rows(group, widths), len(group)
            group = []
        group.append(row)
    if group:
        yield _project_rows(group, widths), len(group)


DOCUMENT_XML = "word/document.xml"
FLUSH_CHARS = 1 << 20


def _with_rows(skeleton: io.BytesIO, out: BinaryIO, parts: Iterator[tuple[str, int]]) -> int:
    """The skeleton .docx copied into `out`, its table's rows streamed in before </w:tbl>."""
    count = 0
    with (
        zipfile.ZipFile(skeleton) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename != DOCUMENT_XML:
                target.writestr(info, source.read(info))
                continue
            head, tail = source.read(info).decode("utf-8").rsplit("</w:tbl>", 1)
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with target.open(entry, "w", force_zip64=True) as xml:
                xml.write(head.encode("utf-8"))
                buffer: list[str] = []
                size = 0
                for text, n in parts:
                    buffer.append(text)
                    size += len(text)
                    count += n
                    if size > FLUSH_CHARS:
                        xml.write("".join(buffer).encode("utf-8"))
                        buffer, size = [], 0
                xml.write(("".join(buffer) + "</w:tbl>" + tail).encode("utf-8"))
    return count
