"""Readers: file bytes in, tables of cells out. Merged cells are undone here.

Every reader returns `Table`s whose cells carry the origin of their merged range, so the
layout code can tell one merged cell from two neighbouring cells that hold the same text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from importers.safety import check_size, check_zip
from importers.types import Cell, ImportFileError, Table

SPREADSHEET = ".xlsx"
WORD = ".docx"
CSV = ".csv"
TEXT = (".tsv", ".txt")
PDF = ".pdf"
EXTENSIONS = (SPREADSHEET, WORD, CSV, *TEXT, PDF)


def extension(filename: str) -> str:
    return PurePath(filename).suffix.lower()


def read_tables(data: bytes, filename: str) -> list[Table]:
    """Read every table of a file. Raises ImportFileError with a user-facing message."""
    ext = extension(filename)
    if ext not in EXTENSIONS:
        raise ImportFileError(
            _(
                "Files of type “%(ext)s” cannot be imported. Use .xlsx, .docx, .pdf, .csv or pasted text."
            )
            % {"ext": ext or _("(none)")}
        )
    check_size(data)
    try:
        if ext == SPREADSHEET:
            check_zip(data, kind="xlsx")
            tables = read_xlsx(data)
        elif ext == WORD:
            check_zip(data, kind="docx")
            tables = read_docx(data)
        elif ext == CSV:
            tables = [read_delimited(decode_text(data))]
        elif ext == PDF:
            from importers.pdf import read_pdf

            tables = read_pdf(data)
        else:
            tables = [read_delimited(decode_text(data), delimiter="\t")]
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise ImportFileError(
            _("The file could not be read: it is damaged, truncated, or not a real %(ext)s file.")
            % {"ext": ext}
        ) from exc
    except Exception as exc:  # defusedxml and lxml errors, and whatever a broken file raises
        raise ImportFileError(
            _("The file could not be read: it is damaged, truncated, or not a real %(ext)s file.")
            % {"ext": ext}
        ) from exc
    tables = [t for t in tables if any(c.text for row in t.rows for c in row)]
    if not tables:
        raise ImportFileError(_("The file holds no table: there is nothing to import."))
    return tables


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes) -> list[Table]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    tables = []
    for ws in wb.worksheets:
        # Only the cells that hold a value (a sheet's dimension can claim a million rows for
        # one stray cell): the worksheet's own cell store, not iter_rows over the dimension.
        filled = {
            (cell.row - 1, cell.column - 1): text
            for cell in ws._cells.values()
            if cell.value is not None and (text := _cell_text(cell.value)).strip()
        }
        if not filled:
            continue
        height = max(r for r, _ in filled) + 1
        width = max(c for _, c in filled) + 1
        check_cells(height, width)
        origins: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            top = (rng.min_row - 1, rng.min_col - 1)
            for r in range(rng.min_row - 1, min(rng.max_row, height)):
                for c in range(rng.min_col - 1, min(rng.max_col, width)):
                    origins[(r, c)] = top
        rows: list[list[Cell]] = []
        for r in range(height):
            row = []
            for c in range(width):
                o = origins.get((r, c), (r, c))
                row.append(Cell(filled.get(o, ""), o))
            rows.append(row)
        tables.append(_table(rows, source=ws.title))
    wb.close()
    return tables


def check_cells(height: int, width: int) -> None:
    """Refuse a table whose grid is larger than any real list (a few KB can claim billions)."""
    limit = settings.IMPORT_MAX_CELLS
    if height * width > limit:
        raise ImportFileError(
            _(
                "The table spans %(rows)d rows by %(cols)d columns, more than the %(limit)d cells allowed; it is refused."
            )
            % {"rows": height, "cols": width, "limit": limit}
        )


def read_docx(data: bytes) -> list[Table]:
    import docx
    from docx.table import Table as DocxTable

    document = docx.Document(io.BytesIO(data))
    tables: list[Table] = []
    prose: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")).strip()
            if text:
                prose.append(text)
        elif tag == "tbl":
            spans = [sum(tc.grid_span for tc in tr.tc_lst) for tr in child.tr_lst]
            check_cells(len(spans), max(spans, default=0))
            table = DocxTable(child, document)
            ncols = len(table.columns)
            grid = table._cells  # merged cells repeat the same cell element at each grid position
            origins: dict[int, tuple[int, int]] = {}
            texts: dict[int, str] = {}
            rows: list[list[Cell]] = []
            for i in range(0, len(grid), ncols):
                r = i // ncols
                row = []
                for c, cell in enumerate(grid[i : i + ncols]):
                    key = id(cell._tc)
                    if key not in origins:
                        origins[key] = (r, c)
                        texts[key] = cell.text
                    row.append(Cell(texts[key], origins[key]))
                rows.append(row)
            tables.append(_table(rows, title_lines=prose, source=f"table {len(tables) + 1}"))
            prose = []
    return tables


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, which a Chinese Excel writes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise ImportFileError(
        _("The file is not text in UTF-8 or GB18030 (GBK): it cannot be read as a table.")
    )


def read_delimited(text: str, delimiter: str | None = None) -> Table:
    lines = text.splitlines()
    if delimiter is None:
        sample = "\n".join(lines[:20])
        delimiter = "\t" if sample.count("\t") > sample.count(",") + sample.count("，") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    values = []
    for row in reader:
        while row and not row[-1].strip():
            row.pop()  # trailing empty fields: a row of 100,000 commas is an empty row
        values.append(row)
    width = max((len(r) for r in values), default=0)
    check_cells(len(values), width)
    rows = [[Cell(v.strip(), (r, c)) for c, v in enumerate(row)] for r, row in enumerate(values)]
    for r, row in enumerate(rows):
        row.extend(Cell("", (r, c)) for c in range(len(row), width))
    return _table(rows, source="text")


def _table(rows: list[list[Cell]], **kwargs) -> Table:
    """Drop fully empty rows (remembering the file's row numbers) and empty trailing columns."""
    keep = [(i + 1, row) for i, row in enumerate(rows) if any(c.text.strip() for c in row)]
    return Table(rows=_trim([row for _, row in keep]), row_numbers=[n for n, _ in keep], **kwargs)


def _trim(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Drop empty trailing columns."""
    width = 0
    for row in rows:
        for c in range(len(row) - 1, -1, -1):
            if row[c].text.strip():
                width = max(width, c + 1)
                break
    return [row[:width] for row in rows]
