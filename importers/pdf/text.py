"""A cell's text from the characters a PDF placed in it. Pure: glyphs in, text out.

A PDF has no words, lines or paragraphs, only characters at positions. Inside a table cell the
printing program wrapped the text to the cell's width; reading it back, a line break is undone
(the next line's first unbreakable piece would not have fitted on the line: a wrap) or kept
(it would have fitted: the text had a new line there). A wrap joins Chinese without a space, and
Latin words and numbers with one, unless the break fell inside a word or number that was wider
than the cell ("1498" / "4 平方米" is 14984 平方米). Where a line full of Chinese ends, a wrap
and a new line look the same: SOFT_BREAK marks it, free text joins there (cells.clean_text)
and a list of units or persons may split there (cells.split_units).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from importers.cells import SOFT_BREAK

# A line may not begin with these (they stay with the character before them) ...
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’%‰℃·…,.;:!?)]}>/-—～~")
# ... nor end with these (they go with the character after them).
NO_LINE_END = frozenset("（《「『【〔〈“‘([{<")
_SPACES = frozenset(" \t\u3000\xa0")
# No line break on either side of a quotation mark (Unicode line breaking, class QU).
QUOTES = frozenset("“”‘’\"'")
SENTENCE_END = frozenset("。；;！？!?")
_ENUMERATOR = re.compile(
    r"(?:\d{1,2}\s*[.、．)）]|[（(]\s*\d{1,2}\s*[)）]|[一二三四五六七八九十]{1,3}\s*[、.．]|[①-⑳])"
)
# Horizontal gap between two characters, in units of the font size, read as a space; between
# Chinese and Latin text word processors add about a quarter of the size of their own.
SPACE_GAP = 0.2
AUTOSPACE = 0.25
# A space between two Latin words or numbers, in units of the font size (a font's own is
# 0.22-0.33): taken wide, so that a wrap is never read as a new line.
SPACE_WIDTH = 0.35


@dataclass(frozen=True, slots=True)
class Glyph:
    """One character as placed on the page (PDF points, top-down like pdfplumber)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


@dataclass(slots=True)
class Line:
    """One printed line: its glyphs left to right, and the spaces seen between them."""

    glyphs: list[Glyph]
    spaced: list[bool]  # spaced[i]: a space came before glyphs[i]
    trailing_space: bool = False  # a space was printed after the last glyph (a wrap at a space)

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return self.glyphs[-1].x1

    @property
    def top(self) -> float:
        return min(g.top for g in self.glyphs)

    @property
    def bottom(self) -> float:
        return max(g.bottom for g in self.glyphs)

    @property
    def size(self) -> float:
        return max(g.size for g in self.glyphs)

    @property
    def text(self) -> str:
        return "".join(
            (" " if s else "") + g.text for g, s in zip(self.glyphs, self.spaced, strict=True)
        )


def is_cjk(ch: str) -> bool:
    """Chinese, Japanese and Korean characters and the punctuation Chinese text uses (full
    width, and the quotes, dashes and ellipsis of General Punctuation)."""
    if not ch or ch.isascii():
        return False
    return unicodedata.east_asian_width(ch) in ("W", "F") or "\u2010" <= ch <= "\u206f" or ch == "·"


def is_word_char(ch: str) -> bool:
    """A character of a Latin word or a number: no line break inside a run of these."""
    return bool(ch) and not is_cjk(ch) and not ch.isspace()


def group_lines(glyphs: Iterable[Glyph]) -> list[Line]:
    """Glyphs (in any order) to lines, top to bottom, each left to right.

    Space glyphs become gaps; a glyph drawn twice at almost the same place (fake bold) counts
    once.
    """
    ordered = sorted(glyphs, key=lambda g: (g.top, g.x0))
    rows: list[list[Glyph]] = []
    for g in ordered:
        if rows:
            row = rows[-1]
            bottom = max(x.bottom for x in row[-3:])
            middle = (g.top + g.bottom) / 2
            if middle < bottom:
                row.append(g)
                continue
        rows.append([g])
    lines = []
    for row in rows:
        row.sort(key=lambda g: g.x0)
        kept: list[Glyph] = []
        spaced: list[bool] = []
        pending_space = False
        for g in row:
            if g.text in _SPACES or not g.text.strip():
                pending_space = bool(kept)
                continue
            if kept:
                prev = kept[-1]
                if g.text == prev.text and abs(g.x0 - prev.x0) < 0.25 * g.size:
                    continue  # drawn twice for a bold effect
                gap = g.x0 - prev.x1
                limit = SPACE_GAP + (AUTOSPACE if is_cjk(g.text) != is_cjk(prev.text) else 0)
                spaced.append(pending_space or gap > limit * max(g.size, prev.size))
            else:
                spaced.append(False)
            kept.append(g)
            pending_space = False
        if kept:
            lines.append(Line(kept, spaced, trailing_space=pending_space))
    return lines


def _first_piece_width(line: Line, after_glyph: Glyph | None, then: Line | None = None) -> float:
    """Width of what a line-breaking program could not have split off the line's start, as it
    would have stood at the end of the line before (after `after_glyph`): a word, or one
    Chinese character, or a number with the character after it (1处, 20个), with the
    punctuation that sticks to it, and the extra space that word processors put between
    Chinese and Latin text. When the piece fills the whole line and goes on in the line
    `then` (a word broken at the cell's edge), that part counts too."""
    glyphs, spaced = line.glyphs, line.spaced
    n = len(glyphs)
    i = 0
    while i < n - 1 and glyphs[i].text in NO_LINE_END:
        i += 1
    while True:
        if is_word_char(glyphs[i].text) and glyphs[i].text not in QUOTES:
            while i + 1 < n and not spaced[i + 1] and _in_word(glyphs[i + 1].text):
                i += 1
        while i + 1 < n and not spaced[i + 1] and glyphs[i + 1].text in NO_LINE_START:
            i += 1
        if i + 1 < n and not spaced[i + 1]:
            here, there = glyphs[i].text, glyphs[i + 1].text
            if here.isdigit() and is_cjk(there) and there not in NO_LINE_END:
                i += 1  # a number keeps the measure word after it: 25个
                continue
            if QUOTES & {here, there} or (_in_word(here) and _in_word(there)):
                # no break on either side of a quotation mark (立“互, 杯’两), nor between a
                # punctuation mark and the number after it (工;10)
                i += 1
                continue
        break
    width = glyphs[i].x1 - glyphs[0].x0
    if i == n - 1 and then is not None and _unbreakable(glyphs[-1].text, then.glyphs[0].text):
        width += _first_piece_width(then, None)
    if after_glyph is not None and is_cjk(after_glyph.text) != is_cjk(glyphs[0].text):
        width += AUTOSPACE * max(after_glyph.size, glyphs[0].size)
    return width


def _unbreakable(a: str, b: str) -> bool:
    """No line break between these two characters but where a word is too wide for the cell."""
    return (_in_word(a) and _in_word(b)) or (a.isdigit() and is_cjk(b)) or b in NO_LINE_START


def _in_word(ch: str) -> bool:
    return is_word_char(ch) and ch not in QUOTES


def _whole_line_word_width(line: Line) -> float | None:
    """The width of the line when it is one word or number from end to end (after the
    punctuation that may not begin a line: 、4.733), else None."""
    glyphs, spaced = line.glyphs, line.spaced
    start = 0
    while start < len(glyphs) - 1 and glyphs[start].text in NO_LINE_START:
        start += 1
    if any(spaced[start + 1 :]) or not all(is_word_char(g.text) for g in glyphs[start:]):
        return None
    return glyphs[-1].x1 - glyphs[start].x0


def _leading_word_width(line: Line) -> float:
    glyphs, spaced = line.glyphs, line.spaced
    i = 0
    while i + 1 < len(glyphs) and not spaced[i + 1] and is_word_char(glyphs[i + 1].text):
        i += 1
    return glyphs[i].x1 - glyphs[0].x0


def line_break(
    before: Line, after: Line, *, left: float, right: float, then: Line | None = None
) -> str:
    """What stood between two printed lines of one cell: a new line, a space, nothing (a word
    broken at the cell's edge) or SOFT_BREAK (a wrap next to a Chinese character, which may
    also have been a new line: the cell parsers decide, knowing the column).

    `left` and `right` are the edges the text was wrapped to; `then` is the line after
    `after`, if any.
    """
    a, b = before.glyphs[-1].text, after.glyphs[0].text
    if then is not None and right - after.x1 >= then.glyphs[0].x1 - then.glyphs[0].x0:
        then = None  # `after` ended with room to spare: no word of it goes on in `then`
    piece = _first_piece_width(after, before.glyphs[-1], then)
    if before.trailing_space or (is_word_char(a) and is_word_char(b)):
        piece += SPACE_WIDTH * after.size  # two words on one line stand a space apart
    if piece <= right - before.x1 and b not in NO_LINE_START:
        return "\n"  # it would have fitted, and may begin a line: the text broke the line itself
    if before.trailing_space:
        return " "  # wrapped at a space the line still shows: 体系 / and 建设
    if a in SENTENCE_END and _ENUMERATOR.match(after.text):
        return "\n"  # a numbered item begins: "…安装。" / "2.已完成…"
    if not (is_word_char(a) and is_word_char(b)):
        return SOFT_BREAK  # a wrap in Chinese text, or a new line after a name that filled the line
    if a in "-/":
        return ""  # wrapped after a hyphen or slash: 2022- / 2023
    word = _whole_line_word_width(before)
    full = right - before.x1 < after.glyphs[0].x1 - after.glyphs[0].x0
    if word is not None and full and word + _leading_word_width(after) > right - left:
        return ""  # one word or number wider than the cell, broken where the cell ended
    return " "


def join_lines(lines: Sequence[Line], *, left: float, right: float) -> str:
    """The text of a cell from its printed lines (see the module's docstring)."""
    if not lines:
        return ""
    parts = [lines[0].text]
    for k, (before, after) in enumerate(pairwise(lines)):
        then = lines[k + 2] if k + 2 < len(lines) else None
        parts.append(line_break(before, after, left=left, right=right, then=then))
        parts.append(after.text)
    return "".join(parts)


def text_edges(lines: Sequence[Line], x0: float, x1: float) -> tuple[float, float]:
    """The left and right edges a cell's text was wrapped to: the cell's edges less the
    padding seen on the left (the same on the right: cells are padded evenly)."""
    if not lines:
        return x0, x1
    pad = max(0.0, min(line.x0 for line in lines) - x0)
    pad = min(pad, (x1 - x0) / 4)
    return x0 + pad, x1 - pad
