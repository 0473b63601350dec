"""Checks that run before any parser touches a file: size, zip structure, zip and XML bombs."""

from __future__ import annotations

import io
import re
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from importers.types import ImportFileError

# An .xlsx or .docx must have these parts; anything else zipped is not an Office file.
_REQUIRED_PART = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
_PROLOG_BYTES = 4096


def _mb(n: int) -> str:
    """Megabytes with one decimal, so 2.4 MB over a 2 MB limit does not read as 2 MB."""
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0")


def check_size(data: bytes) -> None:
    if not data:
        raise ImportFileError(_("The file is empty."))
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise ImportFileError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": _mb(len(data)), "limit": _mb(limit)}
        )


def check_zip(data: bytes, *, kind: str) -> None:
    """Refuse corrupt, truncated and bomb archives before openpyxl or python-docx sees them.

    The uncompressed size is capped from the archive's directory (and every member's ratio),
    and XML parts may not declare a DTD, which is where entity-expansion bombs live.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportFileError(
            _(
                "The file is not a valid .%(kind)s file: it is damaged, truncated, or of another type."
            )
            % {"kind": kind}
        ) from exc
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if _REQUIRED_PART[kind] not in names:
            raise ImportFileError(
                _(
                    "The file is not a valid .%(kind)s file: it is damaged, truncated, or of another type."
                )
                % {"kind": kind}
            )
        total = sum(i.file_size for i in infos)
        cap = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
        ratio_cap = settings.IMPORT_MAX_COMPRESSION_RATIO
        if total > cap:
            raise ImportFileError(
                _(
                    "The file unpacks to %(size)s MB, more than the %(limit)s MB allowed; it is refused."
                )
                % {"size": _mb(total), "limit": _mb(cap)}
            )
        for info in infos:
            if info.file_size > 1024 * 1024 and info.file_size > ratio_cap * max(
                info.compress_size, 1
            ):
                raise ImportFileError(
                    _("The file is compressed suspiciously well (a “zip bomb”); it is refused.")
                )
        for info in infos:
            if not info.filename.endswith((".xml", ".rels")):
                continue
            try:
                with archive.open(info) as fh:
                    prolog = fh.read(_PROLOG_BYTES)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
                raise ImportFileError(
                    _(
                        "The file could not be read: it is damaged, truncated, or not a real .%(kind)s file."
                    )
                    % {"kind": kind}
                ) from exc
            if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
                raise ImportFileError(
                    _(
                        "The file contains XML declarations that are not allowed (an “XML bomb”); it is refused."
                    )
                )
        if kind == "xlsx":
            _check_merged_ranges(archive, infos)


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _check_merged_ranges(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """openpyxl creates an object for every position of a merged range while it loads a sheet,
    so one <mergeCell ref="A1:XFD1048576"/> in a few KB would take the machine down: refuse
    merged ranges larger than any table we read, before openpyxl sees them."""
    limit = settings.IMPORT_MAX_CELLS
    for info in infos:
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        with archive.open(info) as fh:
            xml = fh.read()
        total = 0
        for m in _MERGE_REF.finditer(xml):
            rows = int(m.group(4)) - int(m.group(2)) + 1
            cols = _column_number(m.group(3)) - _column_number(m.group(1)) + 1
            total += max(rows, 0) * max(cols, 0)
            if total > limit:
                raise ImportFileError(
                    _("The sheet merges more cells than any table has (%(limit)d); it is refused.")
                    % {"limit": limit}
                )
