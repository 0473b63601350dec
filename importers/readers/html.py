"""HTML tables: what many web systems export as ".xls" (and some as ".doc"), and what
LibreOffice and Excel write as "Web page". rowspan and colspan are merged ranges; rows and
cells styled display:none are hidden; prose before a table is its title lines."""

from __future__ import annotations

import re

import lxml.html
from django.utils.translation import gettext as _

from importers.readers.grid import Shape, build_table, table_label
from importers.readers.text import text_encoding
from importers.types import ImportFileError, Table

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none", re.I)
_BREAK = "\u2028"  # stands for <br> and block ends while whitespace is collapsed
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "caption", "tr"}
_MAX_SPAN = 1000  # browsers cap colspan at 1000 (and rowspan at 65534; we cap both)


def looks_like_html(head: bytes) -> bool:
    h = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return h.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
        h.startswith(b"<") and b"<table" in head.lower()
    )


def _decode(data: bytes) -> str:
    m = _CHARSET.search(data[:4096])
    if m and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        name = m.group(1).decode("ascii").lower()
        if name in ("gb2312", "gbk", "gb18030", "cp936", "x-gbk"):
            name = "gb18030"
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode(text_encoding(data))


def _text(el) -> str:
    text = el.text_content()
    text = " ".join(text.split()) if _BREAK not in text else text
    parts = [" ".join(p.split()) for p in text.split(_BREAK)]
    return "\n".join(p for p in parts if p)


def _hidden(el) -> bool:
    return bool(_HIDDEN.search(el.get("style") or "")) or el.get("hidden") is not None


def _span(el, name: str) -> int:
    value = (el.get(name) or "1").strip()
    return min(max(int(value), 1), _MAX_SPAN) if value.isdigit() else 1


def _leaf_block(el) -> bool:
    """A paragraph with no paragraph or table inside: its text is one prose line."""
    return not any(d is not el for d in el.iter("table", *_BLOCKS))


def _rows(table):
    for child in table:
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (tr for tr in child if tr.tag == "tr")


def read_table(table, *, where: str, title_lines: list[str], source: str) -> Table:
    rows = list(_rows(table))
    # The shape first, from the spans alone: the limits hold before a cell is placed.
    shape = Shape()
    for r, tr in enumerate(rows):
        cells = [td for td in tr if td.tag in ("td", "th")]
        width = sum(_span(td, "colspan") for td in cells)
        tall = max((_span(td, "rowspan") for td in cells), default=1)
        if cells:
            shape.include(r + tall - 1, width - 1)
        if _hidden(tr):
            shape.hidden_rows.add(r)
    shape.check(where)
    taken: dict[int, set[int]] = {}  # positions covered by a rowspan from a row above
    values: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(rows):
        covered = taken.pop(r, set())
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while c in covered:
                c += 1
            cols, height = _span(td, "colspan"), _span(td, "rowspan")
            if not _hidden(td):
                values[(r, c)] = _text(td)
            if cols > 1 or height > 1:
                shape.add_merge(r, c, r + height - 1, c + cols - 1)
                for rr in range(r + 1, r + height):
                    taken.setdefault(rr, set()).update(range(c, c + cols))
            c += cols
        shape.check(where)
    grid = (
        (r, 0, [values.get((r, c), "") for c in range(shape.width)]) for r in range(shape.height)
    )
    return build_table(grid, shape, source=source, where=where, title_lines=title_lines)


def read_html(data: bytes) -> list[Table]:
    try:
        document = lxml.html.document_fromstring(_decode(data))
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ImportFileError(_("The file could not be read as a web page (HTML).")) from exc
    for el in document.iter("br"):
        el.tail = _BREAK + (el.tail or "")
    for el in document.iter(*_BLOCKS):
        el.tail = _BREAK + (el.tail or "")
    for el in document.iter("script", "style", "head"):
        el.drop_tree()
    tables: list[Table] = []
    prose: list[str] = []
    for el in document.iter("table", *(_BLOCKS - {"tr", "li"})):
        if next(el.iterancestors("table"), None) is not None:
            continue  # a table or paragraph inside a table belongs to its cell
        if el.tag == "table":
            n = len(tables) + 1
            where = table_label(n)
            tables.append(read_table(el, where=where, title_lines=prose, source=f"table {n}"))
            prose = []
        elif _leaf_block(el) and (text := _text(el)):
            prose.extend(line for line in text.split("\n") if line.strip())
    return tables
