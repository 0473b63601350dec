"""Readers: file bytes in, tables of cells out. Merged cells are undone here; hidden rows,
columns and sheets are left out.

`read_tables(data, filename)` is the one entry point. The extension says what the user meant
(a spreadsheet, a Word document, text); the first bytes say what the file is, so that an ".xls"
that is really an .xlsx, an HTML table or SpreadsheetML 2003 XML (what many web systems
export), or a ".doc" that is really HTML, is read as what it is.

Every reader returns `Table`s whose cells carry the origin of their merged range, so the
layout code can tell one merged cell from two neighbouring cells that hold the same text.

| module | formats |
|---|---|
| xlsx | .xlsx (python-calamine, shape from the sheet XML) |
| xls | .xls BIFF8 (python-calamine, shape from the BIFF records) |
| ods | .ods (python-calamine, shape from content.xml) |
| html | HTML tables under .xls/.doc names |
| spreadsheetml | SpreadsheetML 2003 XML under an .xls (or .xml) name |
| word | .docx (python-docx); .doc through LibreOffice |
| text | .csv / .tsv / .txt / pasted text |
| importers.pdf | .pdf with ruled tables (pdfplumber) |
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from django.utils.translation import gettext as _

from importers.readers.html import looks_like_html, read_html
from importers.readers.ods import read_ods
from importers.readers.spreadsheetml import looks_like_spreadsheetml, read_spreadsheetml
from importers.readers.text import read_delimited
from importers.readers.word import read_doc, read_docx
from importers.readers.xls import read_xls
from importers.readers.xlsx import read_xlsx
from importers.safety import check_size, damaged, encrypted, not_valid
from importers.types import Cell, ImportFileError, Table

SPREADSHEETS = (".xlsx", ".xls", ".ods")
WORD = (".docx", ".doc")
TEXT = (".csv", ".tsv", ".txt")
PDF = ".pdf"
EXTENSIONS = (*SPREADSHEETS, *WORD, PDF, *TEXT)

# C0 controls but tab, line feed and carriage return, and DEL: never meant in a cell (an
# xlsx's _x0000_ escape, a BIFF string, a broken export), and PostgreSQL cannot store NUL
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def extension(filename: str) -> str:
    return PurePath(filename).suffix.lower()


def unsupported_type(ext: str) -> ImportFileError:
    return ImportFileError(
        _(
            "Files of type “%(ext)s” cannot be imported. Use .xlsx, .xls, .ods, .docx, .doc, .pdf, .csv or pasted text."
        )
        % {"ext": ext or _("(none)")}
    )


def _zip_kind(data: bytes) -> str | None:
    """ "xlsx", "docx" or "ods" from the parts of a zip archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "word/document.xml" in names:
                return "docx"
            if "content.xml" in names and (
                "mimetype" not in names or archive.read("mimetype").strip() == ODS_MIMETYPE
            ):
                return "ods"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    return None


def _ole_kind(data: bytes) -> str | None:
    """ "encrypted", "xls" or "doc" from the streams of an OLE container."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptedPackage"):
                return "encrypted"  # an .xlsx or .docx with a password
            if ole.exists("Workbook") or ole.exists("Book"):
                return "xls"
            if ole.exists("WordDocument"):
                return "doc"
    except Exception:  # olefile's own errors for broken containers
        return None
    return None


def sniff(data: bytes) -> str | None:
    """What the bytes are: xlsx, docx, ods, xls, doc, encrypted, html, spreadsheetml or None."""
    if data.startswith(ZIP_MAGIC):
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    head = data[:8192]
    if looks_like_spreadsheetml(head):
        return "spreadsheetml"
    if looks_like_html(head):
        return "html"
    return None


_READERS = {
    "xlsx": read_xlsx,
    "xls": read_xls,
    "ods": read_ods,
    "html": read_html,
    "spreadsheetml": read_spreadsheetml,
    "docx": read_docx,
    "doc": read_doc,
}
# what each extension may turn out to be
_ACCEPTS = {
    ".xlsx": ("xlsx", "xls", "ods"),
    ".xls": ("xls", "xlsx", "html", "spreadsheetml", "ods"),
    ".ods": ("ods", "xlsx", "xls"),
    ".docx": ("docx", "doc"),
    ".doc": ("doc", "docx", "html"),
}


def read_tables(data: bytes, filename: str) -> list[Table]:
    """Read every table of a file. Raises ImportFileError with a user-facing message."""
    ext = extension(filename)
    if ext not in EXTENSIONS:
        raise unsupported_type(ext)
    check_size(data)
    try:
        if ext in TEXT:
            tables = [read_delimited(data, delimiter="\t" if ext == ".tsv" else None)]
        elif ext == PDF:
            from importers.pdf import read_pdf

            tables = read_pdf(data)
        else:
            kind = sniff(data)
            if kind == "encrypted":
                raise encrypted()
            if kind not in _ACCEPTS[ext]:
                raise not_valid(ext.lstrip("."))
            tables = _READERS[kind](data)
    except ImportFileError:
        raise
    except MemoryError as exc:
        raise ImportFileError(_("The file is too big to be read.")) from exc
    except Exception as exc:  # whatever a broken file makes a library raise
        raise damaged(ext.lstrip(".")) from exc
    tables = [_without_controls(t) for t in tables]
    tables = [t for t in tables if any(c.text for row in t.rows for c in row)]
    if not tables:
        raise ImportFileError(_("The file holds no table: there is nothing to import."))
    return tables


def _without_controls(table: Table) -> Table:
    """The table with control characters (CONTROLS) dropped from its cells and title lines:
    looked for once per row (a join and one search), cells rebuilt only in rows that hold one."""
    search, sub = CONTROLS.search, CONTROLS.sub
    for i, row in enumerate(table.rows):
        if search("".join([c.text for c in row])):
            table.rows[i] = [Cell(sub("", c.text), c.origin) for c in row]
    table.title_lines = [sub("", line) for line in table.title_lines]
    return table
