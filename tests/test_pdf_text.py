"""Joining a PDF cell's printed lines back into its text (importers.pdf.text), checked against a
small typesetter that wraps generated text the way a word processor does. Pure: no database.

The typesetter follows the rules the reader undoes: a line breaks between Chinese characters,
between Chinese and Latin text and at spaces; a comma or full stop never begins a line; a word
or number wider than the cell is broken where the cell ends; Chinese and Latin text stand a
quarter of the size apart. It wraps at any width, so breaks fall at any point.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from importers.cells import SOFT_BREAK, clean_text, split_units
from importers.pdf.text import Glyph, Line, group_lines, is_cjk, join_lines, line_break

PROPERTY = settings(max_examples=300, deadline=None)
SIZE = 10.0
WIDTH = {"cjk": SIZE, "latin": 0.55 * SIZE}
SPACE = 0.3 * SIZE
AUTOSPACE = 0.25 * SIZE
LEFT = 5.0

CJK = "实施老旧住房改造工程新建养老服务设施区教育局平方米个处完成"
CLOSING = "，。"

# --- generated text -----------------------------------------------------------------------------

chinese = st.builds(
    lambda body, punct: body + punct,
    st.text(alphabet=CJK, min_size=1, max_size=12),
    st.sampled_from(["", "", "，", "。"]),
)
latin = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", min_size=1, max_size=12)
number = st.integers(min_value=0, max_value=10**9).map(str)


@st.composite
def paragraphs(draw) -> str:
    """Chinese runs, Latin words and numbers; a space only between two Latin words or numbers
    (where it is meant), Chinese written next to anything."""
    tokens = draw(st.lists(st.one_of(chinese, latin, number), min_size=1, max_size=12))
    text = ""
    for tok in tokens:
        if text and not is_cjk(text[-1]) and not is_cjk(tok[0]):
            text += " "
        text += tok
    return text


# --- the typesetter -----------------------------------------------------------------------------


def _width(ch: str) -> float:
    return WIDTH["cjk"] if is_cjk(ch) else WIDTH["latin"]


def _pieces(paragraph: str) -> list[tuple[str, bool]]:
    """What a line may not be broken inside, with whether a space comes before it."""
    out: list[tuple[str, bool]] = []
    i, spaced = 0, False
    while i < len(paragraph):
        ch = paragraph[i]
        if ch == " ":
            spaced, i = True, i + 1
            continue
        j = i + 1
        if not is_cjk(ch):
            while j < len(paragraph) and paragraph[j] != " " and not is_cjk(paragraph[j]):
                j += 1
            if paragraph[j - 1].isdigit() and j < len(paragraph) and is_cjk(paragraph[j]):
                j += 1  # a number keeps the measure word after it: 25个
        while j < len(paragraph) and paragraph[j] in CLOSING:
            j += 1
        out.append((paragraph[i:j], spaced))
        spaced, i = False, j
    return out


@dataclass
class _Setter:
    measure: float  # the width the text is wrapped to
    lines: list[list[tuple[str, float]]]  # per line: (character, x0)
    hard_room: list[float]  # per hard new line: room left on the line after the next piece
    ambiguous: bool = False  # a wrap that looks just like a word broken at the cell's edge

    def advance(self, ch: str, spaced: bool) -> float:
        """Where the next character starts on the current line."""
        line = self.lines[-1]
        if not line:
            return LEFT
        last, x0 = line[-1]
        x = x0 + _width(last)
        if spaced:
            return x + SPACE
        return x + (AUTOSPACE if is_cjk(last) != is_cjk(ch) else 0)

    def room(self, piece: str, spaced: bool) -> float:
        """Room left on the current line once the piece is put on it."""
        end = self.advance(piece[0], spaced)
        for a, b in pairwise(piece):
            end += _width(a) + (AUTOSPACE if is_cjk(a) != is_cjk(b) else 0)
        return LEFT + self.measure - end - _width(piece[-1])

    def fits(self, piece: str, spaced: bool) -> bool:
        return self.room(piece, spaced) >= 0

    def put(self, text: str, spaced: bool) -> None:
        for k, ch in enumerate(text):
            self.lines[-1].append((ch, self.advance(ch, spaced and k == 0)))


def typeset(text: str, measure: float) -> tuple[list[Line], list[bool], bool]:
    """Lines of glyphs, as a word processor would print the text in a cell of that width."""
    setter = _Setter(measure=measure, lines=[[]], hard_room=[])
    for p, paragraph in enumerate(text.split("\n")):
        pieces = _pieces(paragraph)
        if p:
            first = pieces[0][0] if pieces else ""
            line = setter.lines[-1]
            room = setter.room(first, False) if first and line else -1.0
            if first and line and not is_cjk(line[-1][0]) and not is_cjk(first[0]):
                room -= SPACE  # two words on one line stand a space apart
            setter.hard_room.append(room)
            setter.lines.append([])
        for piece, spaced in pieces:
            if setter.lines[-1] and not setter.fits(piece, spaced):
                line = setter.lines[-1]
                alone = not is_cjk(piece[0]) and all(not is_cjk(c) and c != " " for c, _ in line)
                if alone and not setter.fits(piece[0], False):
                    # "new" filling the line, then "building": the same as "newbuilding"
                    # broken at the cell's edge; the reader takes it for the latter
                    setter.ambiguous = setter.ambiguous or (
                        len(line) * WIDTH["latin"] + len(piece) * WIDTH["latin"] > measure
                    )
                if not is_cjk(piece[0]) and not is_cjk(line[-1][0]):
                    # a piece wider than the cell once moved down (100000000个): the line it
                    # left ends where the piece's first part would have fitted, as after a
                    # hard new line; the reader cannot tell the two apart
                    setter.lines.append([])
                    setter.ambiguous = setter.ambiguous or not setter.fits(piece, False)
                else:
                    setter.lines.append([])
                spaced = False
            rest = piece
            while not setter.fits(rest, spaced) and not is_cjk(rest[0]):
                # a word wider than the cell: as much of it as fits, the rest on the next line
                n = 1
                while n < len(rest) and setter.fits(rest[: n + 1], spaced):
                    n += 1
                setter.put(rest[:n], spaced)
                setter.lines.append([])
                rest, spaced = rest[n:], False
            setter.put(rest, spaced)
    glyphs = [
        Glyph(ch, x0, x0 + _width(ch), 20.0 * n, 20.0 * n + SIZE, SIZE)
        for n, line in enumerate(setter.lines)
        for ch, x0 in line
    ]
    return group_lines(glyphs), setter.hard_room, setter.ambiguous


def read_back(text: str, measure: float) -> str:
    """The text as the reader joins it back; in a property, an ambiguous case is not drawn."""
    lines, _, ambiguous = typeset(text, measure)
    assume(not ambiguous)
    return join_lines(lines, left=LEFT, right=LEFT + measure)


def read_plain(text: str, measure: float) -> tuple[list[str], str]:
    lines, _, _ = typeset(text, measure)
    return [line.text for line in lines], join_lines(lines, left=LEFT, right=LEFT + measure)


measures = st.integers(min_value=2, max_value=30).map(lambda n: n * SIZE + 0.5)

# --- properties -----------------------------------------------------------------------------


@PROPERTY
@given(paragraphs(), measures)
@example("实施老旧住房改造工程14984平方米", 4 * SIZE + 0.5)
@example("new building of 2023 units", 5 * WIDTH["latin"] + 0.5)
def test_wrapped_text_reads_back_as_written(text, measure):
    """Wrapped at any width: Chinese joins without spaces, Latin words and numbers keep the
    spaces meant between them, and a number broken at the cell's edge is one number again."""
    assert clean_text(read_back(text, measure)) == clean_text(text)


@PROPERTY
@given(st.lists(paragraphs(), min_size=2, max_size=4), measures)
def test_a_new_line_is_kept_where_the_next_word_would_have_fitted(paras, measure):
    """A line the text itself ended is kept as a new line whenever the next line's first word
    would have fitted on it, with a character's room to spare (where it would not have, a
    wrap and a new line look the same, and the text reads on); no new line is made up."""
    text = "\n".join(paras)
    _, hard_room, _ = typeset(text, measure)
    out = read_back(text, measure)
    assert sum(room >= SIZE for room in hard_room) <= out.count("\n") <= len(hard_room)
    assert _letters(clean_text(out)) == _letters(text)


def _letters(text: str) -> str:
    return "".join(text.split())


def test_a_number_broken_at_the_cell_edge_is_one_number():
    """The issue's example: "1498" / "4 平方米" in a cell four digits wide is 14984 平方米."""
    printed, text = read_plain("面积14984 平方米", 4 * WIDTH["latin"] + 0.5)
    assert printed[:2] == ["面积", "1498"]
    assert printed[2].startswith("4")
    assert clean_text(text) == clean_text("面积14984 平方米") == "面积14984平方米"


def test_latin_words_wrapped_at_a_space_keep_it():
    printed, text = read_plain("Wi Fi 2023", 2.5 * SIZE)
    assert printed == ["Wi Fi", "2023"]
    assert text == "Wi Fi 2023"


def test_a_full_line_of_chinese_then_another_name_is_a_soft_break():
    """区住建局 / 山兴集团 in a cell four characters wide: a wrap or two units? The reader marks
    it; the unit splitter, knowing both end like units, makes two units; a wrap inside a name
    (区综合行政 / 执法局) is one unit."""
    _, out = read_plain("区住建局\n山兴集团", 4 * SIZE + 0.5)
    assert out == f"区住建局{SOFT_BREAK}山兴集团"
    assert [u.name for u in split_units(out)] == ["区住建局", "山兴集团"]
    printed, out = read_plain("区综合行政执法局", 5 * SIZE + 0.5)
    assert printed == ["区综合行政", "执法局"]
    assert [u.name for u in split_units(out)] == ["区综合行政执法局"]


def test_a_short_line_then_a_name_is_a_new_line():
    before, after = typeset("区教育局\n民政局", 8 * SIZE)[0]
    assert line_break(before, after, left=LEFT, right=LEFT + 8 * SIZE) == "\n"
