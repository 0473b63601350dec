"""OpenDocument spreadsheets (.ods): python-calamine reads the values; a streaming pass over
content.xml finds each sheet's shape first (cells with values, rows and columns hidden with
table:visibility="collapse" or "filter", merged ranges from number-columns-spanned and
number-rows-spanned), which calamine does not give for .ods and which must be checked before
calamine builds its grids (it reads every sheet when it opens the file).
"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from importers.readers.calamine import read_sheet
from importers.readers.grid import Shape, sheet_label
from importers.safety import check_rows, check_zip, iterparse
from importers.types import Table

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_MAX_COLS = 16384


def _int(el, name: str, default: int = 1) -> int:
    value = el.get(TABLE + name)
    return int(value) if value and value.isdigit() else default


def _hidden(el) -> bool:
    return el.get(TABLE + "visibility") in ("collapse", "filter")


def scan_content(archive: zipfile.ZipFile) -> list[tuple[str, Shape]]:
    """(name, shape) of every sheet, in the document's order."""
    sheets: list[tuple[str, Shape]] = []
    shape = Shape()
    row = col_cursor = 0
    max_rows = settings.IMPORT_MAX_ROWS
    tags = (TABLE + "table-row", TABLE + "table-column", TABLE + "table")
    for _event, el in iterparse(archive.open("content.xml"), kind="ods", tags=tags):
        if el.tag == TABLE + "table-column":
            repeat = _int(el, "number-columns-repeated")
            if _hidden(el):
                shape.hidden_cols.update(range(col_cursor, min(col_cursor + repeat, _MAX_COLS)))
            col_cursor += repeat
        elif el.tag == TABLE + "table-row":
            repeat = _int(el, "number-rows-repeated")
            if _hidden(el):
                shape.hidden_rows.update(range(row, min(row + repeat, max_rows + 1)))
            col = 0
            for cell in el:
                local = cell.tag.rsplit("}", 1)[-1]
                if local not in ("table-cell", "covered-table-cell"):
                    continue
                span = _int(cell, "number-columns-repeated")
                if cell.get(OFFICE + "value-type") or len(cell):
                    shape.include(row + repeat - 1, col + span - 1)
                    if shape.height > max_rows:
                        check_rows(shape.height, where=sheet_label(el_table_name(el)))
                cols, rows = _int(cell, "number-columns-spanned"), _int(cell, "number-rows-spanned")
                if local == "table-cell" and (cols > 1 or rows > 1):
                    shape.add_merge(row, col, row + rows - 1, col + cols - 1)
                col += span
            row += repeat
            el.clear()
        else:  # the end of a sheet
            sheets.append((el.get(TABLE + "name") or f"Sheet{len(sheets) + 1}", shape))
            shape, row, col_cursor = Shape(), 0, 0
            el.clear()
    return sheets


def el_table_name(el) -> str:
    parent = el.getparent()
    while parent is not None and parent.tag != TABLE + "table":
        parent = parent.getparent()
    return (parent.get(TABLE + "name") if parent is not None else None) or ""


def read_ods(data: bytes) -> list[Table]:
    archive = check_zip(data, kind="ods")
    with archive:
        scanned = scan_content(archive)
    for name, shape in scanned:
        shape.check(sheet_label(name))
    with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
        visible = {
            m.name for m in workbook.sheets_metadata if m.visible == SheetVisibleEnum.Visible
        }
        return [
            read_sheet(workbook, name, shape)
            for name, shape in scanned
            if name in visible and shape.height
        ]
