"""Limits that hold before any parser does the work they protect: bytes, zip structure, zip and
XML bombs, rows, cells, merged areas and the length of one cell.

Every limit is a setting (README, "Importing a list"): IMPORT_MAX_UPLOAD_BYTES,
IMPORT_MAX_UNCOMPRESSED_BYTES, IMPORT_MAX_COMPRESSION_RATIO, IMPORT_MAX_ROWS, IMPORT_MAX_CELLS,
IMPORT_MAX_CELL_CHARS. The readers call these checks from a streaming pre-scan (sheet XML,
BIFF records, CSV rows), so a file over a limit is refused before a table is built.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

from importers.types import ImportFileError
from progress.formatting import size_text

# An .xlsx, .docx or .ods must have these parts; anything else zipped is not an Office file.
_REQUIRED_PART = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml", "ods": "content.xml"}
_PROLOG_BYTES = 4096
_CHUNK = 1024 * 1024


def check_size(data: bytes) -> None:
    if not data:
        raise ImportFileError(_("The file is empty."))
    check_upload_size(len(data))


def check_upload_size(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportFileError(too_large_message(size))


def too_large_message(size: int) -> str:
    return _("The file is too large: %(size)s; the limit is %(limit)s.") % {
        "size": size_text(size),
        "limit": size_text(settings.IMPORT_MAX_UPLOAD_BYTES),
    }


def encrypted() -> ImportFileError:
    return ImportFileError(
        _("The file is encrypted: save it again without a password, then import it.")
    )


def not_valid(kind: str) -> ImportFileError:
    return ImportFileError(
        _("The file is not a valid .%(kind)s file: it is damaged, truncated, or of another type.")
        % {"kind": kind}
    )


def damaged(kind: str) -> ImportFileError:
    return ImportFileError(
        _("The file could not be read: it is damaged, truncated, or not a real .%(kind)s file.")
        % {"kind": kind}
    )


# --- zip archives ------------------------------------------------------------------------------


def check_zip(data: bytes, *, kind: str) -> zipfile.ZipFile:
    """Refuse corrupt, truncated and bomb archives before any reader sees them; return the
    opened archive.

    The uncompressed size is capped from the archive's directory (and every member's ratio);
    then every member is decompressed once, in chunks, which proves the directory told the
    truth (zipfile stops at the declared size and checks the CRC). XML parts may not declare a
    DTD, which is where entity-expansion bombs live.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise not_valid(kind) from exc
    infos = archive.infolist()
    names = {i.filename for i in infos}
    if _REQUIRED_PART[kind] not in names:
        raise not_valid(kind)
    total = sum(i.file_size for i in infos)
    cap = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    ratio_cap = settings.IMPORT_MAX_COMPRESSION_RATIO
    if total > cap:
        raise ImportFileError(
            _("The file unpacks to %(size)s, more than the %(limit)s allowed; it is refused.")
            % {"size": size_text(total), "limit": size_text(cap)}
        )
    for info in infos:
        if info.file_size > _CHUNK and info.file_size > ratio_cap * max(info.compress_size, 1):
            raise ImportFileError(
                _("The file is compressed suspiciously well (a “zip bomb”); it is refused.")
            )
    for info in infos:
        try:
            with archive.open(info) as fh:
                prolog = fh.read(_PROLOG_BYTES)
                while fh.read(_CHUNK):
                    pass
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise damaged(kind) from exc
        if info.filename.endswith((".xml", ".rels")) and (
            b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper()
        ):
            raise ImportFileError(
                _(
                    "The file contains XML declarations that are not allowed (an “XML bomb”); it is refused."
                )
            )
    if kind == "ods" and "META-INF/manifest.xml" in names:
        for _event, el in iterparse(archive.open("META-INF/manifest.xml"), kind="ods"):
            if etree.QName(el).localname == "encryption-data":
                raise encrypted()
    return archive


# --- XML ---------------------------------------------------------------------------------------


def iterparse(source, *, kind: str, tags=None) -> Iterator[tuple[str, etree._Element]]:
    """lxml's streaming parser with the safe settings: no DTD, no entities, no network, no
    huge text nodes (lxml's own 10 MB cap). XML errors become the "damaged" message."""
    try:
        yield from etree.iterparse(
            source,
            events=("end",),
            tag=tags,
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
        )
    except etree.XMLSyntaxError as exc:
        if "entit" in str(exc).lower() or "doctype" in str(exc).lower():
            raise ImportFileError(
                _(
                    "The file contains XML declarations that are not allowed (an “XML bomb”); it is refused."
                )
            ) from exc
        raise damaged(kind) from exc


# --- rows, cells, merged ranges, text ----------------------------------------------------------


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 0, AA -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def check_rows(rows: int, *, where: str) -> None:
    limit = settings.IMPORT_MAX_ROWS
    if rows > limit:
        raise ImportFileError(
            _(
                "%(where)s has more than %(limit)s rows (row %(rows)s holds data); no list is that long, so it is refused."
            )
            % {"where": where, "limit": f"{limit:,}", "rows": f"{rows:,}"}
        )


def check_grid(rows: int, cols: int, *, where: str) -> None:
    """Refuse a table whose grid is larger than any real list (a few KB can claim billions),
    naming its farthest cell so that a stray value can be found and deleted."""
    check_rows(rows, where=where)
    limit = settings.IMPORT_MAX_CELLS
    if rows * cols > limit:
        raise ImportFileError(
            _(
                "%(where)s spans %(rows)s rows by %(cols)s columns (to cell %(cell)s), more than the %(limit)s cells allowed; it is refused."
            )
            % {
                "where": where,
                "rows": f"{rows:,}",
                "cols": f"{cols:,}",
                "cell": f"{column_letters(max(cols - 1, 0))}{rows}",
                "limit": f"{limit:,}",
            }
        )


def check_merged_area(area: int, *, where: str) -> None:
    """Merged ranges are expanded position by position: their total area is bounded too."""
    limit = settings.IMPORT_MAX_CELLS
    if area > limit:
        raise ImportFileError(
            _("%(where)s merges more cells than any table has (%(limit)s); it is refused.")
            % {"where": where, "limit": f"{limit:,}"}
        )


def check_text(text: str, *, where: str, row: int, col: int) -> None:
    """One cell longer than Excel allows is not a list's cell; `row` and `col` are 0-based."""
    limit = settings.IMPORT_MAX_CELL_CHARS
    if len(text) > limit:
        raise ImportFileError(
            _(
                "%(where)s, cell %(cell)s (row %(row)s, column %(col)s) holds %(n)s characters, more than the %(limit)s allowed in one cell."
            )
            % {
                "where": where,
                "cell": f"{column_letters(col)}{row + 1}",
                "row": row + 1,
                "col": col + 1,
                "n": f"{len(text):,}",
                "limit": f"{limit:,}",
            }
        )
