"""Text tables (.csv, .tsv, .txt, pasted text): the encoding, then the rows, streamed.

Encodings: UTF-8 with or without BOM, GB18030 (which covers GBK and GB2312, what a Chinese
Excel writes), UTF-16 LE/BE with BOM. Anything else is refused with the encoding that
charset-normalizer detects, so the user knows what to save it as.

The rows are read twice, streaming both times: a first pass counts rows, columns and the length
of every cell and refuses a file over a limit before anything is kept (a 20 MB file of a
million rows is refused in a second or two, in a few MB); the second pass builds the table.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext as _

from importers.safety import check_grid, check_rows, check_text
from importers.types import Cell, ImportFileError, Table

_CHUNK = 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, None, "UTF-32"),  # before UTF-16 LE: the same first two bytes
    (codecs.BOM_UTF32_BE, None, "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", ""),
    (codecs.BOM_UTF16_LE, "utf-16", ""),
    (codecs.BOM_UTF16_BE, "utf-16", ""),
)


def table_label() -> str:
    return _("The table")


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether all of `data` decodes, checked in chunks (no second copy of a 20 MB file)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for i in range(0, len(data), _CHUNK):
            decoder.decode(data[i : i + _CHUNK], final=i + _CHUNK >= len(data))
    except UnicodeDecodeError:
        return False
    return True


def detected_encoding(data: bytes) -> str:
    """charset-normalizer's name for the encoding of a sample, for the message only."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    return best.encoding if best else _("unknown")


def unsupported_encoding(name: str) -> ImportFileError:
    return ImportFileError(
        _(
            "The file is text in an encoding that cannot be read (detected: %(name)s). Save it as UTF-8, GB18030 (GBK) or UTF-16 with a byte order mark, then import it again."
        )
        % {"name": name}
    )


def text_encoding(data: bytes) -> str:
    """The Python codec that reads `data`, or ImportFileError naming what it is."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            if codec is None:
                raise unsupported_encoding(name)
            if not _decodes(data, codec):
                raise unsupported_encoding(_("%(name)s with errors") % {"name": codec})
            return codec
    head = data[:4096]
    if b"\x00" in head:
        zeros_odd = head[1::2].count(0)
        zeros_even = head[0::2].count(0)
        if max(zeros_odd, zeros_even) > len(head) // 4 and min(zeros_odd, zeros_even) * 8 < len(
            head
        ):
            raise unsupported_encoding(
                _("UTF-16 %(order)s without a byte order mark")
                % {"order": "LE" if zeros_odd > zeros_even else "BE"}
            )
        raise ImportFileError(
            _(
                "The file is not text (it holds binary data): it cannot be read as a table. Text files are read in UTF-8, GB18030 (GBK) or UTF-16 with a byte order mark."
            )
        )
    for codec in ("utf-8", "gb18030"):
        if _decodes(data, codec):
            return codec
    raise unsupported_encoding(detected_encoding(data))


def decode_text(data: bytes) -> str:
    """The whole text, for the small texts that need it (an HTML page)."""
    return data.decode(text_encoding(data))


def _open(data: bytes, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")


def sniff_delimiter(data: bytes, encoding: str) -> str:
    lines = []
    with _open(data, encoding) as fh:
        for line in fh:
            lines.append(line)
            if len(lines) >= 20:
                break
    sample = "".join(lines)
    return "\t" if sample.count("\t") > sample.count(",") + sample.count("，") else ","


def _records(data: bytes, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(0-based record number, fields without the empty trailing ones)."""
    where = table_label()
    limit = settings.IMPORT_MAX_CELL_CHARS
    with _open(data, encoding) as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        r = -1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # a field over csv's own limit (131,072 characters)
                raise ImportFileError(
                    _(
                        "%(where)s, row %(row)s holds a cell longer than %(limit)s characters, more than allowed in one cell."
                    )
                    % {"where": where, "row": reader.line_num, "limit": f"{limit:,}"}
                ) from exc
            r += 1
            while row and not row[-1].strip():
                row.pop()  # trailing empty fields: a row of 100,000 commas is an empty row
            yield r, row


def read_delimited(data: bytes, delimiter: str | None = None) -> Table:
    encoding = text_encoding(data)
    delimiter = delimiter or sniff_delimiter(data, encoding)
    where = table_label()
    # Pass 1: the limits, keeping nothing.
    max_rows, max_cells = settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_CELLS
    height = width = 0
    for r, row in _records(data, encoding, delimiter):
        if not row:
            continue
        height = r + 1
        width = max(width, len(row))
        if height > max_rows or height * width > max_cells:
            check_grid(height, width, where=where)
        for c, value in enumerate(row):
            check_text(value, where=where, row=r, col=c)
    check_rows(height, where=where)
    check_grid(height, width, where=where)
    # Pass 2: the table.
    rows: list[list[Cell]] = []
    numbers: list[int] = []
    for r, row in _records(data, encoding, delimiter):
        if not any(v.strip() for v in row):
            continue
        cells = [Cell(v.strip(), (r, c)) for c, v in enumerate(row)]
        cells.extend(Cell("", (r, c)) for c in range(len(row), width))
        rows.append(cells)
        numbers.append(r + 1)
    return Table(rows=rows, row_numbers=numbers, source="text")
