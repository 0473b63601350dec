"""Readers: file bytes in, tables of cells out. Merged cells are undone here.

Every reader returns `Table`s whose cells carry the origin of their merged range, so the
layout code can tell one merged cell from two neighbouring cells that hold the same text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import PurePath

from django.utils.translation import gettext as _

from importers.safety import check_size, check_zip
from importers.types import Cell, ImportFileError, Table

SPREADSHEET = ".xlsx"
WORD = ".docx"
CSV = ".csv"
TEXT = (".tsv", ".txt")
EXTENSIONS = (SPREADSHEET, WORD, CSV, *TEXT)


def extension(filename: str) -> str:
    return PurePath(filename).suffix.lower()


def read_tables(data: bytes, filename: str) -> list[Table]:
    """Read every table of a file. Raises ImportFileError with a user-facing message."""
    ext = extension(filename)
    if ext not in EXTENSIONS:
        raise ImportFileError(
            _("Files of type “%(ext)s” cannot be imported. Use .xlsx, .docx, .csv or pasted text.")
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
        origins: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            top = (rng.min_row - 1, rng.min_col - 1)
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    origins[(r - 1, c - 1)] = top
        values = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        rows: list[list[Cell]] = []
        for r, row in enumerate(values):
            cells = []
            for c, _v in enumerate(row):
                o = origins.get((r, c), (r, c))
                cells.append(Cell(values[o[0]][o[1]], o))
            rows.append(cells)
        tables.append(_table(rows, source=ws.title))
    wb.close()
    return tables


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
    rows = [[Cell(v.strip(), (r, c)) for c, v in enumerate(row)] for r, row in enumerate(reader)]
    width = max((len(r) for r in rows), default=0)
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


def iter_text(tables: Iterable[Table]) -> Iterable[str]:
    for t in tables:
        for row in t.rows:
            for c in row:
                yield c.text
