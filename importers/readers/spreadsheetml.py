"""SpreadsheetML 2003 (XML Spreadsheet): what Excel 2003 writes as "XML Spreadsheet" and what
many web systems export under an ".xls" name. Streamed: Worksheet / Table / Column / Row /
Cell / Data, with ss:Index (skipped positions), ss:MergeAcross and ss:MergeDown (merged
ranges; the positions a MergeDown covers are skipped in the rows below), ss:Hidden on rows
and columns, and x:Visible SheetHidden on a hidden sheet."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from importers.readers.grid import Shape, build_table, cell_text, sheet_label
from importers.safety import check_grid, check_rows, check_text, iterparse
from importers.types import Table

SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
X = "{urn:schemas-microsoft-com:office:excel}"


def looks_like_spreadsheetml(head: bytes) -> bool:
    return b"urn:schemas-microsoft-com:office:spreadsheet" in head[:8192]


def _int(el, name: str) -> int | None:
    value = el.get(SS + name)
    return int(value) if value and value.isdigit() else None


def _value(data) -> str:
    text = "".join(data.itertext())
    kind = data.get(SS + "Type")
    try:
        if kind == "Number":
            return cell_text(float(text))
        if kind == "DateTime":
            return cell_text(datetime.fromisoformat(text.rstrip("Z")))
    except ValueError:
        pass
    return text


class _Sheet:
    def __init__(self) -> None:
        self.shape = Shape()
        self.values: dict[tuple[int, int], str] = {}
        self.row = -1
        self.col_cursor = -1
        self.taken: dict[int, set[int]] = {}


def _read_row(sheet: _Sheet, el, where: str) -> None:
    shape = sheet.shape
    index = _int(el, "Index")
    sheet.row = index - 1 if index else sheet.row + 1
    r = sheet.row
    if r >= settings.IMPORT_MAX_ROWS:
        check_rows(r + 1, where=where)
    if el.get(SS + "Hidden") in ("1", "true"):
        shape.hidden_rows.add(r)
    covered = sheet.taken.pop(r, set())
    c = -1
    # Excel's ss:Index is the absolute column. LibreOffice's export counts only the positions
    # that a merged range from above does not cover (and reads its own files back shifted);
    # such a row shows itself by a first cell without ss:Index on a covered first position,
    # which Excel never writes, and is read by LibreOffice's count.
    counted = 0 in covered and next(
        (cell.get(SS + "Index") is None for cell in el if cell.tag == SS + "Cell"), False
    )
    for cell in el:
        if cell.tag != SS + "Cell":
            continue
        index = _int(cell, "Index")
        if index and counted:
            c, k = -1, 0
            while k < index:
                c += 1
                k += c not in covered
        else:
            c = index - 1 if index else c + 1
            while index is None and c in covered:
                c += 1
        across, down = _int(cell, "MergeAcross") or 0, _int(cell, "MergeDown") or 0
        data = cell.find(SS + "Data")
        text = _value(data) if data is not None else ""
        if text:
            check_text(text, where=where, row=r, col=c)
            sheet.values[(r, c)] = text
            shape.include(r, c)
        if across or down:
            shape.include(r + down, c + across)
            shape.add_merge(r, c, r + down, c + across)
            shape.check(where)  # the merged area before the positions are marked
            for rr in range(r + 1, r + down + 1):
                sheet.taken.setdefault(rr, set()).update(range(c, c + across + 1))
        c += across
    check_grid(shape.height, shape.width, where=where)


def read_spreadsheetml(data: bytes) -> list[Table]:
    import io

    tables: list[Table] = []
    sheet = _Sheet()
    name = ""
    tags = (SS + "Row", SS + "Column", SS + "Worksheet")
    for _event, el in iterparse(io.BytesIO(data), kind="xls", tags=tags):
        if el.tag == SS + "Row":
            worksheet = el.getparent().getparent() if el.getparent() is not None else None
            name = worksheet.get(SS + "Name") if worksheet is not None else name
            _read_row(sheet, el, sheet_label(name or f"Sheet{len(tables) + 1}"))
            el.clear()
        elif el.tag == SS + "Column":
            index = _int(el, "Index")
            sheet.col_cursor = index - 1 if index else sheet.col_cursor + 1
            span = _int(el, "Span") or 0
            if el.get(SS + "Hidden") in ("1", "true"):
                sheet.shape.hidden_cols.update(
                    range(sheet.col_cursor, min(sheet.col_cursor + span + 1, 16384))
                )
            sheet.col_cursor += span
        elif el.tag == SS + "Worksheet":
            name = el.get(SS + "Name") or f"Sheet{len(tables) + 1}"
            visible = el.find(f"{X}WorksheetOptions/{X}Visible")
            hidden = visible is not None and (visible.text or "").strip() in (
                "SheetHidden",
                "SheetVeryHidden",
            )
            shape, values = sheet.shape, sheet.values
            if not hidden and shape.height:
                shape.check(sheet_label(name))
                grid = (
                    (r, 0, [values.get((r, c), "") for c in range(shape.width)])
                    for r in range(shape.height)
                )
                tables.append(build_table(grid, shape, source=name, where=sheet_label(name)))
            sheet = _Sheet()
            el.clear()
    return tables
