"""The cell parsers were made faster (issue 11: memos, pre-checks, precompiled patterns, the
yearly figure read only when a text needs it). Each fast function must give exactly what its
plain definition gave; the plain definitions are kept here as the reference and compared on
generated texts (hypothesis), from cold memos and from warm ones. Pure: no database."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from importers import cells
from importers.cells import (
    _CJK,
    _INNER_SPACE,
    _MULTISPACE,
    _ROLE,
    _SPACE_AFTER_PUNCT,
    _TASK_WORDS,
    SOFT_BREAK,
    UNIT_SUFFIXES,
    Quantity,
    _names_match,
    clear_memos,
    extract_quantities,
    halfwidth,
    says_whole_target,
    strip_html,
)

PROPERTY = settings(max_examples=400, deadline=None)

# Characters the parsers treat specially, and some of the words they look for.
ALPHABET = (
    list(
        "市区县局委办镇街中心公司政府领导负责同志主任书记加强推进累计新增就业完成全面目标任务第批万亿"
    )
    + list("0123456789.%人户个处场亩台公里平方米 \t\n\r\u3000\xa0")
    + list("，。、；：;:,.!！?？()（）“”<>&/")
    + ["\u2028", "——", "平方米", "人次", "全面完成目标任务", "<br>", "&amp;", "２０", "５．５"]
)
texts = st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join)


# --- the plain definitions, as they were before issue 11 ---------------------------------------


def clean_text_plain(text):
    if not text:
        return ""
    text = (
        halfwidth(strip_html(str(text)))
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\xa0", " ")
    )
    text = text.replace(SOFT_BREAK, "")
    lines = []
    for line in text.split("\n"):
        line = _INNER_SPACE.sub("", line)
        line = _SPACE_AFTER_PUNCT.sub("", line)
        line = _MULTISPACE.sub(" ", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def clean_name_plain(text):
    text = clean_text_plain(text)
    return re.sub(rf"\n(?=[{_CJK}])|(?<=[{_CJK}])\n", "", text).replace("\n", " ").strip()


def first_clause_plain(text, limit=60):
    head = re.split(r"[。；;\n]", text, maxsplit=1)[0].strip()
    if len(head) > limit:
        head = re.split(r"[，,]", head, maxsplit=1)[0].strip()
    return head.rstrip("，,。；;：:")


def has_unit_suffix_plain(name):
    base = re.sub(r"[(（][^)）]*[)）]$", "", name)
    return base.endswith(UNIT_SUFFIXES)


def is_sentence_plain(name, *, unit=False):
    n = name.strip()
    if not n:
        return False
    if any(p in n for p in "，。；,;！!？?"):
        return True
    if unit:
        return bool(_TASK_WORDS.search(n)) and not has_unit_suffix_plain(n)
    if _TASK_WORDS.search(n):
        return True
    return len(n) > 5 and not _ROLE.search(n)


def parse_plain_number_plain(text):
    t = (text or "").strip()
    if not t or not (t[0].isdigit() or t[0] in "-－"):
        return None
    t = halfwidth(t).replace(",", "").replace("，", "")
    if not re.fullmatch(r"-?\d{1,15}(?:\.\d{1,6})?", t):
        return None
    return Decimal(t)


def build_indicators_plain(milestones, description=""):
    groups = []

    def group_for(q: Quantity) -> dict:
        for g in groups:
            if g["measure"] == q.measure and _names_match(g["name"], q.name):
                return g
        g = {"name": q.name, "measure": q.measure, "points": []}
        groups.append(g)
        return g

    for due, text in sorted(milestones, key=lambda x: x[0]):
        for q in extract_quantities(text):
            g = group_for(q)
            if any(d == due for d, _ in g["points"]):
                continue
            g["points"].append((due, q))
    yearly = extract_quantities(description) if description else []
    result = []
    for g in groups:
        targets = {}
        running = Decimal(0)
        for due, q in sorted(g["points"], key=lambda x: x[0]):
            running = running + q.value if q.incremental else q.value
            targets[due] = running
        for due, text in milestones:
            if due in targets or not says_whole_target(text) or (targets and due < max(targets)):
                continue
            for q in yearly:
                if q.measure == g["measure"] and _names_match(q.name, g["name"], shortest=3):
                    targets[due] = q.value
                    break
        values = [targets[d] for d in sorted(targets)]
        rising = all(a <= b for a, b in pairwise(values))
        if len(values) >= 2 and len(set(values)) >= 2 and rising:
            result.append((g["name"], g["measure"], dict(sorted(targets.items()))))
    return result


# --- the comparisons ---------------------------------------------------------------------------


def twice(fn, *args, **kwargs):
    """The fast function from cold memos, then again from warm ones: both must agree."""
    clear_memos()
    cold = fn(*args, **kwargs)
    warm = fn(*args, **kwargs)
    assert cold == warm
    return cold


@PROPERTY
@given(texts)
def test_cleaning_is_unchanged(text):
    assert twice(cells.clean_text, text) == clean_text_plain(text)
    assert twice(cells.clean_name, text) == clean_name_plain(text)
    assert twice(cells.first_clause, text) == first_clause_plain(text)
    assert twice(cells.first_clause, text, 5) == first_clause_plain(text, 5)


@PROPERTY
@given(texts)
def test_names_and_numbers_are_unchanged(text):
    assert cells._has_unit_suffix(text) == has_unit_suffix_plain(text)
    assert twice(cells.is_sentence, text) == is_sentence_plain(text)
    assert twice(cells.is_sentence, text, unit=True) == is_sentence_plain(text, unit=True)
    assert cells.parse_plain_number(text) == parse_plain_number_plain(text)


DUES = [date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31)]
PLAN_WORDS = st.sampled_from(
    [
        "累计新增就业 ",
        "完成",
        "新建口袋公园",
        "全面完成目标任务",
        "继续开展讲座",
        "；",
        "，",
        " 人",
        " 处",
        "场",
        "万",
        "——",
        "第二批",
    ]
)
plan_texts = st.lists(st.one_of(PLAN_WORDS, st.integers(0, 30000).map(str)), max_size=8).map(
    "".join
)


@PROPERTY
@given(
    st.lists(st.tuples(st.sampled_from(DUES), plan_texts), max_size=5),
    st.one_of(st.just(""), plan_texts),
)
def test_indicators_are_unchanged(milestones, description):
    assert twice(cells.build_indicators, milestones, description) == build_indicators_plain(
        milestones, description
    )


def test_the_yearly_figure_still_fills_a_whole_target_milestone():
    """The description's figure is read only when a milestone says 全面完成目标任务: it is."""
    milestones = [
        (DUES[0], "新增就业 100 人"),
        (DUES[1], "累计新增就业 300 人"),
        (DUES[3], "全面完成目标任务"),
    ]
    clear_memos()
    assert cells.build_indicators(milestones, "全年新增就业 1000 人") == [
        (
            "新增就业",
            "人",
            {DUES[0]: Decimal(100), DUES[1]: Decimal(300), DUES[3]: Decimal(1000)},
        )
    ]


# --- the header's label test -------------------------------------------------------------------

LABEL_CHARS = [*"序号项目名称牵头单位责任人第一季度完成情况()（）-^]\\ \u3000", "<b>", "&amp;"]
labels = st.lists(st.sampled_from(LABEL_CHARS), min_size=1, max_size=8).map("".join)


def may_be_label_plain(header, text):
    if "<" in text or "&" in text:
        return True
    foreign = set(text) - header._label_chars
    return not (foreign and re.search("[\u3400-\u9fff]", "".join(foreign)))


def is_repeated_header_plain(row, header):
    hits = sum(1 for c in row if len(c.text) <= 30 and header.is_label(c.text))
    return hits >= max(2, len(header.columns) // 2)


@PROPERTY
@given(st.lists(labels, min_size=1, max_size=6), st.lists(labels | texts, max_size=8))
def test_the_header_label_test_is_unchanged(column_labels, row_texts):
    from importers.headers import Column, Header, is_repeated_header
    from importers.types import Cell

    header = Header(
        first_row=0,
        last_row=0,
        columns=[Column(index=i, label=x, role=f"r{i}") for i, x in enumerate(column_labels)],
    )
    row = [Cell(t, (5, i)) for i, t in enumerate(row_texts)]
    for text in row_texts:
        assert header._may_be_label(text) == may_be_label_plain(header, text)
    assert is_repeated_header(row, header) == is_repeated_header_plain(row, header)


# --- the tokens of a list of units or persons --------------------------------------------------


def tokens_plain(text):
    """cells._tokens as it was: character by character."""
    out, buf, depth, sep, tok_sep = [], [], 0, "", ""
    for ch in text:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        if ch == SOFT_BREAK and depth:
            continue
        if depth == 0 and (ch.isspace() or ch in cells._LIST_SEPARATORS):
            if buf:
                out.append(("".join(buf), tok_sep))
                buf = []
                sep = ""
            if ch in cells._LIST_SEPARATORS:
                sep = "、"
            elif ch == SOFT_BREAK:
                sep = sep or SOFT_BREAK
            elif sep in ("", SOFT_BREAK):
                sep = " "
            continue
        if not buf:
            tok_sep = sep if out else ""
        buf.append(ch)
    if buf:
        out.append(("".join(buf), tok_sep))
    return out


LIST_ALPHABET = [*"区教育局民政镇街王李张 \t\n\u3000\xa0\x1c、，,；;/()（）", SOFT_BREAK, "各街镇"]
list_texts = st.lists(st.sampled_from(LIST_ALPHABET), max_size=30).map("".join)


@PROPERTY
@given(list_texts)
def test_list_tokens_are_unchanged(text):
    assert cells._tokens(text) == tokens_plain(text)
    plain = text.translate({ord(c): None for c in "()（）" + SOFT_BREAK})
    assert cells._tokens(plain) == tokens_plain(plain)  # the fast path, surely taken


# --- the sums a total row is checked against ---------------------------------------------------


def count_numbers_plain(reader, row, header):
    """_RowReader._count_numbers as it was: every cell, once per merged range."""
    number_col = header.one("number")
    seen = set()
    for c, cell in enumerate(row):
        if cell.origin in seen or (number_col and c == number_col.index):
            continue
        seen.add(cell.origin)
        value = cells.parse_plain_number(cell.text)
        if value is not None:
            reader.sums.setdefault(c, []).append(value)
            reader.section.setdefault(c, []).append(value)


NUMBER_CELLS = st.sampled_from(["", " 12", "3.5", "-4", "－5", "1,200", "abc", "12人", "７", " "])


@PROPERTY
@given(
    st.lists(
        st.lists(st.tuples(NUMBER_CELLS, st.integers(0, 3)), min_size=1, max_size=6),
        max_size=5,
    ),
    st.one_of(st.none(), st.integers(0, 5)),
)
def test_number_sums_are_unchanged(rows, number_index):
    from importers.headers import Column, Header
    from importers.layouts import _RowReader
    from importers.types import Cell, ParsedPlan

    columns = [Column(index=5, label="名称", role="project")]
    if number_index is not None:
        columns.append(Column(index=number_index, label="序号", role="number"))
    header = Header(first_row=0, last_row=0, columns=columns)

    def plan():
        return ParsedPlan(title="", jurisdiction=None, year=None, period=None, kind="")

    fast, plain = _RowReader(plan()), _RowReader(plan())
    for r, spec in enumerate(rows):
        # cells merged with the one to their left share its text and origin
        row = []
        for c, (text, back) in enumerate(spec):
            if back and c and back <= c:
                row.append(Cell(row[c - back].text, row[c - back].origin))
            else:
                row.append(Cell(text, (r, c)))
        fast._count_numbers(row, header)
        count_numbers_plain(plain, row, header)
    assert (fast.sums, fast.section) == (plain.sums, plain.section)
