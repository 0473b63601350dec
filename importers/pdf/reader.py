"""Read the ruled tables of a PDF with pdfplumber, one page at a time.

Each page is parsed, its ruled tables found (pdfplumber's "lines" strategy: the table's drawn
borders make its cells), its characters put into the cells, and the page released before the
next one is read, so memory stays bounded whatever the number of pages. Text outside the tables
is the title (before the first table) or page furniture (headers, footers, page numbers).
A scan, an encrypted file and a PDF without a ruled table each get their own message.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from importers.pdf.grid import Stitcher, page_table
from importers.pdf.text import Glyph, group_lines
from importers.types import ImportFileError, Table

TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
# Drawn lines and boxes on one page beyond which it is not a table but a trap: pdfplumber
# intersects every horizontal edge with every vertical one.
MAX_EDGES_PER_PAGE = 20_000
# Page numbers and other furniture printed outside the table: — 3 —, - 3 -, 第 3 页, 3/12.
_FURNITURE = re.compile(
    r"^\s*(?:[—–\-－]+\s*\d+\s*[—–\-－]+|\d+\s*/\s*\d+|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*第\s*\d+\s*页|page\s*\d+(?:\s*of\s*\d+)?|\d+|https?://\S+)\s*$",
    re.IGNORECASE,
)


# The programs that made the PDF from a spreadsheet, where a row is never split by a page break.
_SPREADSHEET = re.compile(r"\bcalc\b|excel|spreadsheet|numbers|wps 表格|\bet\b", re.IGNORECASE)


def from_spreadsheet(metadata: dict) -> bool:
    """Whether the PDF says it was printed from a spreadsheet (LibreOffice Calc, Excel, WPS)."""
    return bool(
        _SPREADSHEET.search(f"{metadata.get('Creator', '')} {metadata.get('Producer', '')}")
    )


@dataclass
class _Seen:
    """What the pages held, to say what was found when no table was."""

    pages: int = 0
    chars: int = 0
    images: int = 0
    sample: str = ""


def _damaged() -> ImportFileError:
    return ImportFileError(
        _("The file could not be read: it is damaged, truncated, or not a real %(ext)s file.")
        % {"ext": ".pdf"}
    )


def _encrypted() -> ImportFileError:
    return ImportFileError(
        _(
            "The PDF is encrypted: it opens only with a password, so its text cannot be read. "
            "Save a copy without the password (or print it to a new PDF) and import that."
        )
    )


def _open(data: bytes):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise _encrypted() from exc
        raise _damaged() from exc


def _page_count(pdf) -> int:
    """The page count the document's page tree declares, read before any page is built."""
    from pdfminer.pdftypes import resolve1

    try:
        count = resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"])
        if isinstance(count, int) and count >= 0:
            return count
    except Exception:
        pass
    return len(pdf.pages)


def read_pdf(data: bytes) -> list[Table]:
    """Every ruled table of a PDF, tables that go on over pages joined. Raises ImportFileError."""
    limit_pages = settings.IMPORT_MAX_PDF_PAGES
    limit_seconds = settings.IMPORT_MAX_PDF_SECONDS
    started = time.monotonic()
    pdf = _open(data)
    with pdf:
        declared = _page_count(pdf)
        if declared > limit_pages:
            raise ImportFileError(
                _("The PDF has %(pages)d pages, more than the %(limit)d allowed; it is refused.")
                % {"pages": declared, "limit": limit_pages}
            )
        seen = _Seen(pages=len(pdf.pages))
        stitcher = Stitcher(rows_split=not from_spreadsheet(pdf.metadata or {}))
        for number, page in enumerate(pdf.pages, start=1):
            try:
                _read_page(page, number, stitcher, seen)
            finally:
                page.close()
            if time.monotonic() - started > limit_seconds:
                raise ImportFileError(
                    ngettext(
                        "Reading the PDF took more than %(seconds)d seconds (%(done)d of its "
                        "%(pages)d page read); it is refused. Import the Excel or Word file "
                        "instead, or split the PDF.",
                        "Reading the PDF took more than %(seconds)d seconds (%(done)d of its "
                        "%(pages)d pages read); it is refused. Import the Excel or Word file "
                        "instead, or split the PDF.",
                        seen.pages,
                    )
                    % {"seconds": limit_seconds, "done": number, "pages": seen.pages}
                )
    tables = stitcher.tables()
    if not tables:
        raise _nothing_found(seen)
    return tables


def _read_page(page, number: int, stitcher: Stitcher, seen: _Seen) -> None:
    edges = len(page.lines) + len(page.rects) + len(page.curves)
    if edges > MAX_EDGES_PER_PAGE:
        raise ImportFileError(
            _(
                "Page %(page)d of the PDF draws %(edges)d lines and boxes, more than any table "
                "has (%(limit)d); it is refused."
            )
            % {"page": number, "edges": edges, "limit": MAX_EDGES_PER_PAGE}
        )
    seen.images += len(page.images)
    glyphs = [
        Glyph(
            c["text"],
            c["x0"],
            c["x1"],
            c["top"],
            c["bottom"],
            max(c.get("size") or 0, c["bottom"] - c["top"], 1.0),
        )
        for c in page.chars
    ]
    seen.chars += sum(1 for g in glyphs if g.text.strip())
    found = sorted(page.find_tables(TABLE_SETTINGS), key=lambda t: (t.bbox[1], t.bbox[0]))
    tables = [t for t in (page_table(number, f.cells) for f in found) if t is not None]
    outside: list[Glyph] = []
    for g in glyphs:
        for table in tables:
            if table.contains(g):
                table.add(g)
                break
        else:
            outside.append(g)
    lines = [
        (line.top, line.text.strip())
        for line in group_lines(outside)
        if line.text.strip() and not _FURNITURE.match(line.text)
    ]
    if lines and not seen.sample:
        seen.sample = lines[0][1][:30]
    for k, table in enumerate(tables):
        table.settle()
        stitcher.add_prose([text for top, text in lines if top < table.box[1]])
        lines = [(top, text) for top, text in lines if top >= table.box[1]]
        stitcher.add_table(table, first_on_page=k == 0)
        lines = [(top, text) for top, text in lines if top > table.box[3]]
    stitcher.add_prose([text for _, text in lines])


def _nothing_found(seen: _Seen) -> ImportFileError:
    """What was found instead of a table: a scan, empty pages, or text without a ruled table."""
    values = {"pages": seen.pages, "images": seen.images, "chars": seen.chars}
    if not seen.chars and seen.images:
        return ImportFileError(
            ngettext(
                "The PDF has no text, only images (%(images)d on its %(pages)d page): it is a "
                "scan, which cannot be read as a table. Import the Excel or Word file, or a PDF "
                "saved from it.",
                "The PDF has no text, only images (%(images)d on its %(pages)d pages): it is a "
                "scan, which cannot be read as a table. Import the Excel or Word file, or a PDF "
                "saved from it.",
                seen.pages,
            )
            % values
        )
    if not seen.chars:
        return ImportFileError(
            ngettext(
                "The PDF's %(pages)d page holds no text and no images: there is nothing to import.",
                "The PDF's %(pages)d pages hold no text and no images: there is nothing to import.",
                seen.pages,
            )
            % values
        )
    return ImportFileError(
        ngettext(
            "The PDF has text (%(chars)d characters on its %(pages)d page, beginning "
            "“%(sample)s”) but no table drawn with ruled lines: only a table with lines around "
            "its cells can be read from a PDF.",
            "The PDF has text (%(chars)d characters on its %(pages)d pages, beginning "
            "“%(sample)s”) but no table drawn with ruled lines: only a table with lines around "
            "its cells can be read from a PDF.",
            seen.pages,
        )
        % {**values, "sample": seen.sample}
    )
