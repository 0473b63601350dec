"""Excel 97-2003 (.xls, BIFF8; BIFF5 too): python-calamine reads the values; a pass over the
BIFF records finds each sheet's shape first (the cells with values, hidden rows and columns,
merged ranges), which calamine does not give for .xls (hidden rows and columns) and which must
be checked before calamine builds its grid.

The records (MS-XLS): BOUNDSHEET8 gives each sheet's offset and visibility; in a sheet, ROW
(fDyZero: hidden), COLINFO (fHidden), MERGECELLS, and the cell records, all of which begin
with the row and the column; FILEPASS means the workbook is encrypted.
"""

from __future__ import annotations

import io
import struct

from python_calamine import CalamineWorkbook, PasswordError

from importers.readers.calamine import read_sheet
from importers.readers.grid import Shape, sheet_label
from importers.safety import check_rows, damaged, encrypted
from importers.types import ImportFileError, Table

BOF, EOF, BOUNDSHEET, FILEPASS = 0x0809, 0x000A, 0x0085, 0x002F
ROW, COLINFO, MERGECELLS = 0x0208, 0x007D, 0x00E5
# cell records that hold a value, each starting with (row, column)
VALUE_RECORDS = {0x00FD, 0x0204, 0x0203, 0x027E, 0x0205, 0x0006, 0x00D6}
MULRK = 0x00BD


def _records(stream: bytes, pos: int):
    """(type, body, position) from `pos` to the end of the substream."""
    end = len(stream)
    while pos + 4 <= end:
        rtype, size = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4 : pos + 4 + size]
        yield rtype, body, pos
        pos += 4 + size
        if rtype == EOF:
            return


def _workbook_stream(data: bytes) -> bytes:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptedPackage"):
                raise encrypted()  # an encrypted .xlsx saved with the .xls name
            for name in ("Workbook", "Book"):
                if ole.exists(name):
                    with ole.openstream(name) as fh:
                        return fh.read()
    except ImportFileError:
        raise
    except Exception as exc:  # olefile's own errors for broken containers
        raise damaged("xls") from exc
    raise damaged("xls")


def _sheet_name(body: bytes, index: int) -> str:
    """BOUNDSHEET8's ShortXLUnicodeString (BIFF8); a BIFF5 name or a broken one is "Sheet N"."""
    if len(body) >= 8:
        size, high = body[6], body[7] & 0x01
        raw = body[8 : 8 + size * (2 if high else 1)]
        try:
            return raw.decode("utf-16-le" if high else "latin-1")
        except UnicodeDecodeError:
            pass
    return f"Sheet{index + 1}"


def scan_workbook(stream: bytes) -> list[tuple[int, str, bool, Shape]]:
    """(index, name, visible, shape) of each worksheet, in the workbook's order. Every sheet,
    hidden ones too, is checked against the limits: calamine reads them all when it opens."""
    sheets: list[tuple[int, int, str, bool]] = []  # offset, index, name, visible
    index = 0
    for rtype, body, _pos in _records(stream, 0):
        if rtype == FILEPASS:
            raise encrypted()
        if rtype == BOUNDSHEET and len(body) >= 6:
            offset, state, kind = struct.unpack_from("<IBB", body, 0)
            if kind == 0:  # a worksheet (not a chart, macro or VB module sheet)
                sheets.append((offset, index, _sheet_name(body, index), state & 0x03 == 0))
            index += 1
    out = []
    for offset, idx, name, visible in sheets:
        if offset >= len(stream):
            raise damaged("xls")
        shape = scan_sheet(stream, offset, where=sheet_label(name))
        shape.check(sheet_label(name))
        out.append((idx, name, visible, shape))
    return out


def scan_sheet(stream: bytes, offset: int, *, where: str) -> Shape:
    from django.conf import settings

    shape = Shape()
    max_rows = settings.IMPORT_MAX_ROWS
    first = True
    for rtype, body, _pos in _records(stream, offset):
        if first:
            first = False
            if rtype != BOF:
                raise damaged("xls")
            continue
        if rtype in VALUE_RECORDS and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body, 0)
            shape.include(row, col)
        elif rtype == MULRK and len(body) >= 6:
            row, col = struct.unpack_from("<HH", body, 0)
            (last,) = struct.unpack_from("<H", body, len(body) - 2)
            shape.include(row, max(col, last))
        elif rtype == ROW and len(body) >= 14:
            (row,) = struct.unpack_from("<H", body, 0)
            (flags,) = struct.unpack_from("<H", body, 12)
            if flags & 0x0020:
                shape.hidden_rows.add(row)
        elif rtype == COLINFO and len(body) >= 10:
            first_col, last_col, _w, _xf, flags = struct.unpack_from("<HHHHH", body, 0)
            if flags & 0x0001:
                shape.hidden_cols.update(range(first_col, min(last_col, 255) + 1))
        elif rtype == MERGECELLS and len(body) >= 2:
            (count,) = struct.unpack_from("<H", body, 0)
            for k in range(min(count, (len(body) - 2) // 8)):
                r0, r1, c0, c1 = struct.unpack_from("<HHHH", body, 2 + 8 * k)
                shape.add_merge(r0, c0, r1, c1)
        if shape.height > max_rows:
            check_rows(shape.height, where=where)
    return shape


def read_xls(data: bytes) -> list[Table]:
    stream = _workbook_stream(data)
    scanned = scan_workbook(stream)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError as exc:
        raise encrypted() from exc
    with workbook:
        metadata = workbook.sheets_metadata
        tables = []
        for index, _name, visible, shape in scanned:
            if not visible or index >= len(metadata) or not shape.height:
                continue
            tables.append(read_sheet(workbook, metadata[index].name, shape))
    return tables
