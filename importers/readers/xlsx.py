"""Excel 2007+ (.xlsx): python-calamine reads the values; a streaming pass over each sheet's XML
finds its shape first (cells with values, hidden rows and columns, merged ranges), so that the
limits hold before calamine builds its grid (one far cell would make it allocate the whole
sheet) and so that what is hidden is left out (calamine does not say what is hidden).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from django.conf import settings
from python_calamine import CalamineWorkbook

from importers.readers.calamine import read_sheet
from importers.readers.grid import Shape, sheet_label
from importers.safety import check_rows, check_zip, column_index, iterparse, not_valid
from importers.types import Table

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _true(value: str | None) -> bool:
    return value in ("1", "true")


_COLUMNS: dict[str, int] = {}


def _column(letters: str) -> int | None:
    """'AB' -> 27, remembered; None for what is not a column's letters."""
    if not (0 < len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        return None
    _COLUMNS[letters] = column_index(letters)
    return _COLUMNS[letters]


def _cell(ref: str) -> tuple[int, int] | None:
    m = _REF.match(ref.strip())
    return (int(m.group(2)) - 1, column_index(m.group(1))) if m else None


def sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str, bool]]:
    """(name, part, visible) of each worksheet, in the workbook's order; chart sheets left out."""
    rels: dict[str, str] = {}
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name in archive.namelist():
        for _event, el in iterparse(archive.open(rels_name), kind="xlsx"):
            if el.tag.endswith("}Relationship") and el.get("Id") and el.get("Target"):
                target = el.get("Target")
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                rels[el.get("Id")] = path
    sheets = []
    for _event, el in iterparse(archive.open("xl/workbook.xml"), kind="xlsx"):
        if el.tag.endswith("}sheet"):
            # r:id, in the transitional or the strict relationships namespace
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
            part = rels.get(rid, "")
            if part.startswith("xl/worksheets/"):
                state = el.get("state") or "visible"
                sheets.append((el.get("name") or "", part, state == "visible"))
    return sheets


def scan_sheet(archive: zipfile.ZipFile, part: str, *, where: str) -> Shape:
    """The shape of one sheet from its XML, streamed: every attribute read as XML (either
    quote style, any order), nothing matched as text."""
    shape = Shape()
    if part not in archive.namelist():
        return shape
    row_index = -1
    max_rows = settings.IMPORT_MAX_ROWS
    # the farthest row and column of a cell that holds something: the shape includes them
    # once at the end (a method call per cell would cost more than reading the cell)
    far_row = far_col = -1
    tags = ("{*}row", "{*}col", "{*}mergeCell")
    for _event, el in iterparse(archive.open(part), kind="xlsx", tags=tags):
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "row":
            r = el.get("r")
            row_index = int(r) - 1 if r and r.isdigit() else row_index + 1
            if row_index >= max_rows and len(el):
                check_rows(row_index + 1, where=where)
            if _true(el.get("hidden")):
                shape.hidden_rows.add(row_index)
            # every cell that holds something (a value, an inline string, a formula: calamine
            # keeps it), wherever it says it is: a cell's r may name any row and column
            k = -1
            for c in el:
                k += 1
                if len(c):
                    ref = c.get("r") or ""
                    letters = ref.rstrip("0123456789")
                    col = _COLUMNS.get(letters)
                    if col is None:
                        col = _column(letters)
                    digits = ref[len(letters) :]
                    if col is None or not digits:
                        row, col = row_index, k  # without r, a cell's place is its count
                    else:
                        row = int(digits) - 1
                    if row > far_row:
                        far_row = row
                    if col > far_col:
                        far_col = col
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
        elif tag == "col":
            if _true(el.get("hidden")):
                lo, hi = int(el.get("min") or 1), int(el.get("max") or 1)
                # a hidden range reaching column XFD is "every column from here on"
                shape.hidden_cols.update(range(lo - 1, min(hi, lo + 16384)))
        elif tag == "mergeCell":
            ref = (el.get("ref") or "").split(":")
            a, b = _cell(ref[0]), _cell(ref[-1])
            if a and b:
                shape.add_merge(a[0], a[1], b[0], b[1])
            el.clear()
    shape.include(far_row, far_col)
    return shape


def read_xlsx(data: bytes) -> list[Table]:
    archive = check_zip(data, kind="xlsx")
    with archive:
        sheets = sheet_parts(archive)
        if not sheets:
            raise not_valid("xlsx")
        plan = []
        for name, part, visible in sheets:
            if not visible:
                continue
            shape = scan_sheet(archive, part, where=sheet_label(name))
            shape.check(sheet_label(name))
            plan.append((name, shape))
    with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
        return [read_sheet(workbook, name, shape) for name, shape in plan if shape.height]
