"""Cell parsers: text in, structured values out. Pure functions, no ORM, no I/O."""

from __future__ import annotations

import calendar
import functools
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import NamedTuple

# ---------------------------------------------------------------------------
# Cleaning
# ---------------------------------------------------------------------------

# The parsers are pure and a plan repeats its texts (merged cells, units, persons, the same
# plan words): the costly ones are memoised per process. Lists come back as fresh copies.
_MEMO_SIZE = 1 << 16
_MEMOS: list = []


def _memo(fn: Callable) -> Callable:
    cached = functools.lru_cache(maxsize=_MEMO_SIZE)(fn)
    _MEMOS.append(cached)
    return cached


def _memo_list(fn: Callable) -> Callable:
    cached = _memo(lambda *args: tuple(fn(*args)))

    @functools.wraps(fn)
    def wrapper(*args):
        return list(cached(*args))

    return wrapper


def clear_memos() -> None:
    """Forget every memoised result (the benchmark times a re-import from cold)."""
    for cached in _MEMOS:
        cached.cache_clear()


_TAG = re.compile(r"<[^>]{0,200}>")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
# A space that a PDF extraction put between two characters of one word: between CJK
# characters, CJK punctuation and digits (never between two ASCII words).
_INNER_SPACE = re.compile(
    rf"(?<=[{_CJK}\d%，。、；：“”‘’（）《》—])[ \t\u3000]+(?=[{_CJK}\d%，。、；：“”‘’（）《》—])"
)
_SPACE_AFTER_PUNCT = re.compile(r"(?<=[，。、；：;,.])[ \t\u3000]+(?=[\S])")
_MULTISPACE = re.compile(r"[ \t\u3000]+")
_ORDINAL_PREFIX = re.compile(r"^\s*[一二三四五六七八九十百]+\s*[、.．]\s*")
_SUB_NUMBER = re.compile(r"^\s*[（(]\s*(\d+)\s*[)）]\s*")

# Where a PDF's line ended in a cell and the next line's first character would not have fitted:
# a wrap in running text, or a new line between two short names that filled the line. The
# readers cannot tell; free text joins there, lists of units and persons may split there.
SOFT_BREAK = "\u2028"

NO_PLAN = {"", "——", "—", "－", "-", "--", "/", "／", "无", "暂无", "——/"}


# Full-width digits, letters and the signs of numbers (２０２３年, ５．５万人, ８５％) typed in
# full-width mode read as their half-width forms in every cell. Chinese punctuation of prose
# (，；：（）) stays as typed in free text; names are folded by NFKC (fold_name).
_HALFWIDTH = {
    **{0xFF10 + i: ord("0") + i for i in range(10)},
    **{0xFF21 + i: ord("A") + i for i in range(26)},
    **{0xFF41 + i: ord("a") + i for i in range(26)},
    0xFF0E: ".",
    0xFF05: "%",
    0xFF0B: "+",
    0xFF0D: "-",
    0xFF0F: "/",
}


_FULL_WIDTH = re.compile("[\uff05\uff0b\uff0d-\uff0f\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def halfwidth(text: str) -> str:
    """'２０２３年' -> '2023年', '５．５万人' -> '5.5万人'; other characters as they are."""
    # str.translate walks every character through the table: only a text that has one
    return text.translate(_HALFWIDTH) if _FULL_WIDTH.search(text) else text


_NAME_FOLD = {0xFF08: "(", 0xFF09: ")", 0x3000: " "}
_NAME_FOLDED = re.compile("[\uff08\uff09\u3000]")


def fold_name(text: str) -> str:
    """A name, a 序号 or a list of names with its full-width forms folded: 各区（市）政府 ->
    各区(市)政府, 赵　林 -> 赵 林, （１） -> (1). The list separators (，、；) stay as typed."""
    text = halfwidth(text)
    return text.translate(_NAME_FOLD) if _NAME_FOLDED.search(text) else text


def strip_html(text: str) -> str:
    """Remove HTML left in cells (<p>, <ol style=…>) and unescape entities."""
    if "<" not in text and "&" not in text:
        return text
    # unescape first, so an escaped tag (&lt;p&gt;) is removed like a real one
    text = html.unescape(text)
    text = re.sub(r"<\s*(br|/p|/li|/div)\s*/?>", "\n", text, flags=re.I)
    return _TAG.sub("", text)


@_memo
def clean_text(text: str | None) -> str:
    """Clean a free-text cell: HTML gone, PDF spaces inside Chinese words gone, lines kept."""
    if not text:
        return ""
    text = (
        halfwidth(strip_html(str(text)))
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\xa0", " ")
    )
    text = text.replace(SOFT_BREAK, "")
    if "\n" not in text:  # one line: what the loop below does, without splitting and joining
        if " " in text or "\t" in text or "\u3000" in text:
            text = _INNER_SPACE.sub("", text)
            text = _SPACE_AFTER_PUNCT.sub("", text)
            text = _MULTISPACE.sub(" ", text)
        return text.strip()
    lines = []
    for line in text.split("\n"):
        if " " in line or "\t" in line or "\u3000" in line:  # else the three are no-ops
            line = _INNER_SPACE.sub("", line)
            line = _SPACE_AFTER_PUNCT.sub("", line)
            line = _MULTISPACE.sub(" ", line)
        line = line.strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


_NAME_BREAK = re.compile(rf"\n(?=[{_CJK}])|(?<=[{_CJK}])\n")


@_memo
def clean_name(text: str | None) -> str:
    """Clean a short name: one line, no spaces between Chinese characters."""
    text = clean_text(text)
    # A name broken across lines is one name (区综合行政 / 执法局).
    if "\n" not in text:
        return text.strip()
    return _NAME_BREAK.sub("", text).replace("\n", " ").strip()


def clean_category(text: str | None) -> str:
    """一、 增加 教育 资源 配置 -> 增加教育资源配置."""
    return _ORDINAL_PREFIX.sub("", clean_name(text)).strip()


def is_no_plan(text: str | None) -> bool:
    """—— and / mean: no plan for that period."""
    return (text or "").strip().replace(" ", "") in NO_PLAN


def split_sub_number(text: str) -> tuple[int | None, str]:
    """'(2) 开展职业技能培训' -> (2, '开展职业技能培训')."""
    m = _SUB_NUMBER.match(text)
    if not m:
        return None, text
    return int(m.group(1)), text[m.end() :].strip()


_CLAUSE_END = re.compile(r"[。；;\n]")
_COMMA = re.compile(r"[，,]")


def first_clause(text: str, limit: int = 60) -> str:
    """The leading clause of a description, used as a sub-item name."""
    head = _CLAUSE_END.split(text, maxsplit=1)[0].strip()
    if len(head) > limit:
        head = _COMMA.split(head, maxsplit=1)[0].strip()
    return head.rstrip("，,。；;：:")


# ---------------------------------------------------------------------------
# Units, persons, leaders
# ---------------------------------------------------------------------------

UNIT_SUFFIXES = (
    "局",
    "委",
    "办",
    "部",
    "镇",
    "街",
    "街道",
    "乡",
    "中心",
    "集团",
    "公司",
    "政府",
    "院",
    "会",
    "联",
    "协",
    "队",
    "所",
    "站",
    "室",
    "处",
    "社",
    "行",
    "馆",
    "厅",
    "团",
    "组",
    "司",
    "署",
    "台",
    "校",
    "园",
    "区",
    "支行",
    "分局",
    "指挥部",
    "管委会",
    "基金",
    "医院",
)
_PLACEHOLDER_UNIT = re.compile(r"^各")
_PLACEHOLDER_PERSON = re.compile(r"^各|负责同志|主要负责|负责人|^同志$|^主要$")
_LIST_SEPARATORS = "、，,；;/"
_ROLE = re.compile(r"领导|负责|同志|书记|主任")  # words of a role, not of a name


@dataclass(frozen=True)
class UnitRef:
    name: str
    scope: str | None = None  # 市住房城乡建设局(节能保暖工程) -> scope 节能保暖工程


# a cell with no brackets and no PDF line end: its tokens are runs between separators
_PLAIN_LIST = re.compile(f"[^()（）{SOFT_BREAK}]*")
_TOKEN = re.compile(rf"[^\s{re.escape(_LIST_SEPARATORS)}]+")


def _plain_tokens(text: str) -> list[tuple[str, str]]:
    """_tokens of a text without brackets or SOFT_BREAK, by pattern instead of per character:
    the separator before a token is "、" when a list separator is in the gap, else " "."""
    out: list[tuple[str, str]] = []
    end = -1
    for m in _TOKEN.finditer(text):
        if end < 0:
            sep = ""
        else:
            gap = text[end : m.start()]
            sep = "、" if any(ch in _LIST_SEPARATORS for ch in gap) else " "
        out.append((m.group(), sep))
        end = m.end()
    return out


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split on spaces, new lines and list separators, but never inside brackets.

    Returns (token, separator-before) pairs: " " when only white space came before the token,
    "、" when a list separator did, SOFT_BREAK when only a PDF line end did, "" for the first.
    """
    if _PLAIN_LIST.fullmatch(text):
        return _plain_tokens(text)
    out: list[tuple[str, str]] = []
    buf: list[str] = []
    depth = 0
    sep = ""
    tok_sep = ""
    for ch in text:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        if ch == SOFT_BREAK and depth:
            continue  # a wrap inside brackets: (节能保 / 暖工程)
        if depth == 0 and (ch.isspace() or ch in _LIST_SEPARATORS):
            if buf:
                out.append(("".join(buf), tok_sep))
                buf = []
                sep = ""
            if ch in _LIST_SEPARATORS:
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


_TRAILING_BRACKETS = re.compile(r"[(（][^)）]*[)）]$")
_FROM_BRACKET = re.compile(r"[(（].*$")
_SCOPED_UNIT = re.compile(r"^(.+?)[(（]([^()（）]+)[)）]$")


def _has_unit_suffix(name: str) -> bool:
    base = _TRAILING_BRACKETS.sub("", name) if ")" in name or "）" in name else name
    return base.endswith(UNIT_SUFFIXES)


# Ends of unit names that are not a unit on their own: after a PDF line end they go on the name
# before them (区政府 / 办公室 is 区政府办公室).
_BOUND_TAILS = (
    "办公室",
    "中心",
    "分局",
    "支队",
    "大队",
    "委员会",
    "管委会",
    "指挥部",
    "办事处",
    "政府",
    "人民政府",
)


def _glued(tok: str, nxt: str, sep: str) -> bool:
    """Whether a unit name goes on in the next token (see split_units)."""
    if nxt.startswith(("(", "（")) and sep in (" ", SOFT_BREAK):
        return True  # a scope in brackets: 市住房城乡建设局 (老旧小区改造)
    if sep == SOFT_BREAK:
        base = _FROM_BRACKET.sub("", nxt)  # 市南区 / 政府(中山路改造提升)
        branch = tok.startswith("市") and tok.endswith("局") and base.endswith("分局")
        return (
            not _has_unit_suffix(tok)
            or 1 in (len(tok), len(nxt))
            or base in _BOUND_TAILS
            or branch  # 市规划资源局 / 西青分局: the city bureau's district branch
        )
    return (
        sep == " "
        and not _has_unit_suffix(tok)
        and not nxt.startswith(("区", "市", "县", "各"))
        and len(tok) >= 2
    )


@_memo_list
def split_units(text: str | None) -> list[UnitRef]:
    """Several units in one cell, split by spaces, new lines, 、 , ，.

    A unit name broken across lines (区综合行政 / 执法局) is joined again: a token without a
    unit ending is glued to the next one when only white space separates them. Where a PDF's
    line ended (SOFT_BREAK), a token goes on unless it ends like a unit and the next one can
    stand alone.
    """
    text = fold_name(strip_html(text or "")).strip()
    if is_no_plan(text):
        return []
    toks: list[tuple[str, str]] = []
    for t, s in _tokens(text):
        if not t.strip() or is_no_plan(t):
            continue
        if s == SOFT_BREAK and toks and len(t.strip()) == 1:
            toks[-1] = (toks[-1][0] + t.strip(), toks[-1][1])  # no unit is one character
        else:
            toks.append((t.strip(), s))
    names: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i][0]
        while i + 1 < len(toks) and _glued(tok, toks[i + 1][0], toks[i + 1][1]):
            i += 1
            tok += toks[i][0]
        names.append(tok)
        i += 1
    refs = []
    for name in names:
        m = _SCOPED_UNIT.match(name)
        if m and _has_unit_suffix(m.group(1)) and not m.group(1).endswith("区("):
            refs.append(UnitRef(m.group(1), m.group(2).strip()))
        else:
            refs.append(UnitRef(name))
    return refs


def split_groups(text: str | None) -> list[str]:
    """Split a cell into white-space separated groups (one per scoped lead unit), keeping
    bracketed parts whole. Where a PDF's line ended (SOFT_BREAK) a new group begins only
    after a whole unit name and before a name of 市/区/县 (…各区(市)政府 / 市发展改革委…)."""
    text = fold_name(strip_html(text or "")).strip()
    groups, buf, depth = [], [], 0
    for i, ch in enumerate(text):
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        if ch == SOFT_BREAK:
            if (
                depth == 0
                and buf
                and _has_unit_suffix("".join(buf))
                and text[i + 1 : i + 2] in ("市", "区", "县")
            ):
                groups.append("".join(buf))
                buf = []
            continue
        if depth == 0 and ch.isspace():
            if buf:
                groups.append("".join(buf))
                buf = []
            continue
        buf.append(ch)
    if buf:
        groups.append("".join(buf))
    return groups


def is_placeholder_unit(name: str) -> bool:
    return bool(_PLACEHOLDER_UNIT.match(name))


def _join_single_chars(tokens: list[str]) -> list[str]:
    """PDF extraction pads two-character names: 梁 亮 is one person, 王 超 too."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        if len(run) == 1:
            out.append(run[0])
        elif len(run) in (2, 3):
            out.append("".join(run))
        else:
            for j in range(0, len(run), 2):
                out.append("".join(run[j : j + 2]))
        run.clear()

    for tok in tokens:
        if len(tok) == 1 and _CJK_CHAR.match(tok):
            run.append(tok)
        else:
            flush()
            out.append(tok)
    flush()
    return out


def _mend_soft_breaks(toks: list[tuple[str, str]]) -> list[str]:
    """Names cut where a PDF's line ended (SOFT_BREAK): a lone character at one side of the
    cut goes with the name at the other, unless it pairs with its neighbour as a padded
    two-character name (梁 军 庞 / 铁强 is 梁军 and 庞铁强; 王树军 / 王 超 stays)."""

    def run(k: int, step: int) -> int:
        """How many single characters, padded by spaces, run from k in this direction."""
        n = 0
        while 0 <= k < len(toks) and len(toks[k][0]) == 1:
            n += 1
            if step < 0 and toks[k][1] != " ":
                break
            k += step
            if step > 0 and k < len(toks) and toks[k][1] != " ":
                break
        return n

    out: list[str] = []
    k = 0
    while k < len(toks):
        tok = toks[k][0]
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        if nxt and nxt[1] == SOFT_BREAK and len(tok) == 1 and len(nxt[0]) >= 2 and run(k, -1) % 2:
            out.append(tok + nxt[0])
            k += 2
            continue
        if (
            toks[k][1] == SOFT_BREAK
            and out
            and (
                (len(out[-1]) >= 2 and len(tok) == 1 and run(k, 1) % 2)
                or (_ROLE.search(out[-1] + tok) and not _ROLE.search(out[-1]))
            )
        ):
            out[-1] += tok  # 郭金 / 花, and 区委分 / 管领导
        else:
            out.append(tok)
        k += 1
    return out


@_memo_list
def split_persons(text: str | None) -> list[str]:
    """Names in one cell, in the order of the units; placeholders (各街镇 主要负责同志) dropped.
    A cell of sentences (，。；) is not cut where a PDF's line ended."""
    text = strip_html(text or "").strip()
    if is_no_plan(text):
        return []
    if any(p in text for p in "，。；"):
        text = text.replace(SOFT_BREAK, "")
    text = fold_name(text)
    toks = _mend_soft_breaks([(t, s) for t, s in _tokens(text) if t.strip()])
    return [t for t in _join_single_chars(toks) if not _PLACEHOLDER_PERSON.search(t)]


def split_leaders(text: str | None) -> list[str]:
    return split_persons(text)


def pair_persons(units: list[str], persons: list[str]) -> tuple[dict[str, str], bool]:
    """Pair persons with units in order. Placeholder units (各街镇) have no named person.

    Returns the pairs and whether the counts matched.
    """
    named = [u for u in units if not is_placeholder_unit(u)]
    if len(persons) == len(named):
        return dict(zip(named, persons, strict=True)), True
    if len(persons) == len(units):
        return {
            u: p for u, p in zip(units, persons, strict=True) if not is_placeholder_unit(u)
        }, True
    return dict(zip(named, persons, strict=False)), False


# ---------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------

# The status words of the lists and the code each means (docs/status.md). The longest word
# found in the cell wins, so 部分完成 is not 完成 and 未完成 is not 完成 either.
STATUS_WORDS: dict[str, str] = {
    "未启动": "not_started",
    "未开工": "not_started",
    "尚未启动": "not_started",
    "尚未开工": "not_started",
    "正常": "on_track",
    "顺利推进": "on_track",
    "按计划推进": "on_track",
    "序时推进": "on_track",
    "推进中": "on_track",
    "正在推进": "on_track",
    "有序推进": "on_track",
    "稳步推进": "on_track",
    "正在实施": "on_track",
    "已开工": "on_track",
    "部分完成": "on_track",
    "超前": "ahead",
    "提前": "ahead",
    "提前完成": "ahead",
    "滞后": "lagging",
    "部分滞后": "lagging",
    "进度滞后": "lagging",
    "推进缓慢": "lagging",
    "缓慢": "lagging",
    "未完成": "lagging",
    "办结": "completed",
    "已办结": "completed",
    "完成": "completed",
    "已完成": "completed",
    "全面完成": "completed",
    "建成": "completed",
    "已建成": "completed",
    "完工": "completed",
    "已完工": "completed",
}
# longest first; of two words as long, lagging first (部分完成，部分滞后 is lagging)
_STATUS_BY_LENGTH = sorted(
    STATUS_WORDS.items(), key=lambda item: (-len(item[0]), item[1] != "lagging")
)


def parse_status(text: str | None) -> str | None:
    """部分滞后 -> lagging, 办结 -> completed, 部分完成 -> on_track; None when no word is known."""
    t = clean_name(text).replace(" ", "")
    if not t:
        return None
    for word, code in _STATUS_BY_LENGTH:
        if word in t:
            return code
    return None


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER = re.compile(r"(?:第)?([一二三四1234])\s*季度")
_MONTH = re.compile(r"(1[0-2]|[1-9])\s*月")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter_end(year: int, quarter: int) -> date:
    return month_end(year, quarter * 3)


def parse_quarter(label: str) -> int | None:
    m = _QUARTER.search(label.replace(" ", ""))
    return _CN_DIGITS[m.group(1)] if m else None


@_memo
def parse_due_label(label: str, year: int) -> date | None:
    """A schedule column header or marker: 第一季度 -> 03-31, 3月底前 / 3月份 -> 03-31, 全年 -> 12-31."""
    label = label.replace(" ", "")
    q = parse_quarter(label)
    if q:
        return quarter_end(year, q)
    if "上半年" in label:
        return month_end(year, 6)
    if "下半年" in label or "全年" in label or "年底" in label or "年末" in label:
        return month_end(year, 12)
    m = _MONTH.search(label)
    if m:
        return month_end(year, int(m.group(1)))
    return None


_FULL_DATE = re.compile(r"(20\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_YEAR_MONTH = re.compile(r"(20\d{2})\s*[-/.年]\s*(\d{1,2})(?!\d)\s*月?")
_DEADLINE_WORDS = re.compile(r"^(?:在|于|截至|截止|到|至)?")
# A deadline of the plan's own year, the whole cell: 6月底, 9月底前, 12月底前完成, 年底前, 三季度末
_RELATIVE_DEADLINE = re.compile(
    r"(?:(?:1[0-2]|[1-9])月(?:份|底|末|中旬|上旬|下旬)?|第?[一二三四1-4]季度末?|上半年|下半年"
    r"|年底|年末|年内|全年|本年|年度内)(?:前|以前|之前)?(?:完成|前完成|建成|竣工|开工|办结)?"
)


def parse_deadline(text: str | None, year: int) -> date | None:
    """A deadline cell (完成时限 / 计划完成时间): 2024-06-30, 2024/6/30, 2024年6月30日 -> that
    day; 2024.6, 2024.06, 2024年8月, 2024-08 and the number 2024.12 -> the month's end;
    6月底, 9月底前, 12月底前 -> the month's end of `year`; 年底前, 全年, 上半年, 三季度 likewise.
    None when no date can be read (长期坚持, 持续推进)."""
    t = clean_name(text).replace(" ", "")
    if not t or is_no_plan(t):
        return None
    t = _DEADLINE_WORDS.sub("", t)
    if m := _FULL_DATE.match(t):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    if m := _YEAR_MONTH.match(t):
        y, month = int(m.group(1)), int(m.group(2))
        if m.group(0).endswith(".") or not 1 <= month <= 12:
            return None
        return month_end(y, month)
    if re.fullmatch(r"20\d{2}年?(?:底|底前|年底|年底前|内|年内)?", t):
        return month_end(int(t[:4]), 12)
    if _RELATIVE_DEADLINE.fullmatch(t):
        return parse_due_label("年底" if t.startswith(("年内", "本年", "年度内")) else t, year)
    return None


_SEGMENT_MARK = re.compile(
    r"(?:(?<=^)|(?<=[\s。；;]))"
    r"((?:1[0-2]|[1-9])月(?:底前|底|末前|末|份|前|中旬前|上旬前|下旬前)?"
    r"|(?:第)?[一二三四]季度(?:末前|末|前)?|上半年|下半年|年底前|全年)"
    r"(?=[，,：:、\s])"
)


def split_schedule(text: str, year: int) -> list[tuple[date, str]]:
    """'3月底前,…。 6月底前,…。 7月份,…。 此后,…' -> dated segments.

    Text before the first marker and text without a marker (此后, …) joins the segment before it.
    """
    text = clean_text(text)
    marks = list(_SEGMENT_MARK.finditer(text))
    if not marks:
        return []
    out: list[tuple[date, str]] = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        due = parse_due_label(m.group(1), year)
        seg = text[m.start() : end].strip()
        if due is None:
            continue
        out.append((due, seg))
    return out


# ---------------------------------------------------------------------------
# Numbers and indicators
# ---------------------------------------------------------------------------

MEASURES = (
    "平方米",
    "人次",
    "万元",
    "公里",
    "千米",
    "场次",
    "户次",
    "%",
    "人",
    "户",
    "个",
    "处",
    "场",
    "所",
    "条",
    "套",
    "家",
    "台",
    "张",
    "亩",
    "米",
    "km",
    "座",
    "辆",
    "间",
    "项",
    "栋",
    "名",
    "元",
    "床",
    "次",
    "吨",
    "株",
    "棵",
    "盏",
    "份",
    "本",
    "支",
    "班",
    "幢",
    "片",
    "宗",
    "件",
)
_MEASURE_RE = "|".join(re.escape(m) for m in MEASURES)
_QUANTITY = re.compile(
    rf"(?<![\d.])(\d+(?:\.\d+)?)\s*(万|亿)?\s*({_MEASURE_RE})(?!月|年|日|小时|周|天|季)"
)
_CLAUSE_SPLIT = re.compile(r"[，,；;。、：:\n]")
_NUMBER_WITH_MEASURE = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?\s*(?:" + _MEASURE_RE + ")")
_DIGIT = re.compile(r"\d")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_BATCH_NAME = re.compile(r"第.{1,3}[批期次]")
_LEAD_WORDS = (
    "累计",
    "实现",
    "完成",
    "开展",
    "达到",
    "继续",
    "共计",
    "共",
    "再",
    "另",
    "已",
    "全面",
    "力争",
    "确保",
    "预计",
    "持续",
    "推动",
    "启动",
    "组织",
    "总计",
    "约",
    "达",
    "全年",
    "年内",
    "并",
    "的",
)
_TRAIL_WORDS = (
    "的",
    "达到",
    "完成",
    "达",
    "共",
    "约",
    "累计",
    "不少于",
    "超过",
    "总计",
    "计",
    "及",
    "和",
    "与",
)
_AFTER_LEAD = ("左右", "以上", "余", "多", "次", "约")
_AFTER_TRAIL = ("任务", "工作", "的", "等", "目标")
_INCREMENTAL = re.compile(r"继续|再|另|第[一二三四五六七八九十\d]+批|新一批")
_WHOLE_TARGET = re.compile(r"全面完成|全部完成|完成年度|完成全年|完成目标任务|完成年度任务")


MAX_DIGITS = 15  # digits of the figure as written; longer is not a plan's number
MAX_TARGET = Decimal(10) ** 19  # IndicatorTarget.value holds 20 integer digits


_FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿)?")


@_memo
def parse_number(text: str) -> Decimal | None:
    """'5.5万' -> 55000, '1.2万个' -> 12000, '40%' -> 40."""
    m = _FIGURE.search(text or "")
    if not m or len(m.group(1)) > MAX_DIGITS:
        return None  # a figure no plan states; not a target
    try:
        value = Decimal(m.group(1))
    except InvalidOperation:
        return None
    if m.group(2) == "万":
        value *= 10_000
    elif m.group(2) == "亿":
        value *= 100_000_000
    if value >= MAX_TARGET:
        return None
    return value.normalize() if value != value.to_integral() else value.quantize(Decimal(1))


class Quantity(NamedTuple):
    """A named tuple: made for every figure of every plan text, where a frozen dataclass's
    __init__ cost several times a tuple's (issue 11)."""

    name: str
    value: Decimal
    measure: str
    incremental: bool = False
    cumulative: bool = False


@_memo
def _strip_words(text: str, lead: tuple[str, ...], trail: tuple[str, ...]) -> str:
    text = text.strip("“”‘’\"' ")
    changed = True
    while changed and text:
        changed = False
        for w in lead:
            if text.startswith(w):
                text = text[len(w) :].lstrip("“”‘’\"' ")
                changed = True
        for w in trail:
            if text.endswith(w):
                text = text[: -len(w)].rstrip("“”‘’\"' ")
                changed = True
    return text


@_memo
def _good_name(name: str) -> bool:
    cjk = len(_CJK_CHAR.findall(name))
    return cjk >= 2 and len(name) <= 24 and not _BATCH_NAME.fullmatch(name)


@_memo_list
def extract_quantities(text: str) -> list[Quantity]:
    """Numeric targets in a schedule text: '累计实现新增就业 11000 人' -> 新增就业 11000 人."""
    text = clean_text(text).replace("“", "").replace("”", "")
    out: list[Quantity] = []
    if not _DIGIT.search(text):
        return out  # no figure, no quantity
    for clause in _CLAUSE_SPLIT.split(text):
        for m in _QUANTITY.finditer(clause):
            before = clause[: m.start()]
            # only the words since the previous number belong to this one
            before = _NUMBER_WITH_MEASURE.split(before)[-1]
            after = clause[m.end() :]
            after = _DIGIT.split(after, maxsplit=1)[0]
            name = _strip_words(before, _LEAD_WORDS, _TRAIL_WORDS)
            if not _good_name(name):
                name = _strip_words(after, _AFTER_LEAD, _AFTER_TRAIL)
                name = _strip_words(name, (), _TRAIL_WORDS)
            if not _good_name(name):
                continue
            value = parse_number(m.group(1) + (m.group(2) or ""))
            if value is None:
                continue
            out.append(
                Quantity(
                    name=name,
                    value=value,
                    measure=m.group(3),
                    incremental=bool(_INCREMENTAL.search(before)) and "累计" not in before,
                    cumulative="累计" in before,
                )
            )
    return out


def says_whole_target(text: str) -> bool:
    """'12月底前,全面完成目标任务' reaches the yearly target stated in the description."""
    return bool(_WHOLE_TARGET.search(clean_text(text)))


def _names_match(a: str, b: str, shortest: int = 2) -> bool:
    return a == b or (min(len(a), len(b)) >= shortest and (a in b or b in a))


def build_indicators(
    milestones: list[tuple[date, str]], description: str = ""
) -> list[tuple[str, str, dict[date, Decimal]]]:
    """Indicators of one sub-item from its dated plan texts: (name, measure, {due: target}).

    Targets are cumulative: '继续开展 5 场' adds to the target before it. A milestone that says
    全面完成目标任务 takes the yearly figure from the description. Only indicators with at least
    two dates and a rising target are kept: a single number is a plan detail, not a trajectory.
    """
    if not any(map(_DIGIT.search, [text for _due, text in milestones])):
        return []  # no figure in any text (extract_quantities finds none): most sub-items
    groups: list[dict] = []  # {"name", "measure", "points": [(due, Quantity)]}

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

    yearly: list[Quantity] | None = None  # read from the description only when a text needs it
    result = []
    for g in groups:
        targets: dict[date, Decimal] = {}
        running = Decimal(0)
        for due, q in sorted(g["points"], key=lambda x: x[0]):
            running = running + q.value if q.incremental else q.value
            targets[due] = running
        for due, text in milestones:
            if due in targets or not says_whole_target(text) or (targets and due < max(targets)):
                continue
            if yearly is None:
                yearly = extract_quantities(description) if description else []
            for q in yearly:
                if q.measure == g["measure"] and _names_match(q.name, g["name"], shortest=3):
                    targets[due] = q.value
                    break
        values = [targets[d] for d in sorted(targets)]
        rising = all(a <= b for a, b in pairwise(values))
        if len(values) >= 2 and len(set(values)) >= 2 and rising:
            result.append((g["name"], g["measure"], dict(sorted(targets.items()))))
    return result


# ---------------------------------------------------------------------------
# Titles
# ---------------------------------------------------------------------------

_YEAR = re.compile(r"(20\d{2})\s*年")
_JURISDICTION = re.compile(
    rf"^([{_CJK}]{{1,8}}?[区县市])(?=\s*(?:20\d{{2}}|政府|人民政府|[{_CJK}]))"
)
_GENERIC_JURISDICTION = {"区", "市", "县", "全区", "全市", "全县", "本区", "本市"}


@dataclass(frozen=True)
class TitleInfo:
    jurisdiction: str | None
    year: int | None
    month: int | None
    kind: str
    quarterly: bool = False
    # where each came from: "title", "doc_number" (〔2024〕), "date" (the notice's date),
    # "published" (发布时间), "source" (来源)
    sources: dict[str, str] = field(default_factory=dict)


# The 文号 of a notice: 北发改〔2024〕56号, 西政办发[2023]12号.
DOC_NUMBER = re.compile(r"[〔\[【(（]\s*(20\d{2})\s*[〕\]】)）]\s*\d+\s*号")
# The date a notice is signed on, a line of its own: 2024年11月5日.
_DATE_LINE = re.compile(r"^(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
# The month a progress table reports: 10月进度表, 截至9月底, 1-9月, 1至9月
_TITLE_MONTH = re.compile(
    r"(?<![\d.])(1[0-2]|[1-9])\s*月(?:份)?(?:进度|进展|完成|工作|台账|情况|份)"
    r"|(?:截至|截止)(?:到)?\s*(?:20\d{2}\s*年\s*)?(1[0-2]|[1-9])\s*月"
    r"|(?<![\d.])1\s*[-—–~～至到]+\s*(1[0-2]|[2-9])\s*月"
)

# The line a web page printed to PDF carries: 发布时间：2024-11-28 15:50 来源：北仑区发改局.
_PUBLISHED = re.compile(
    r"(?:发布时间|发布日期|成文日期|发文日期)\s*[:：]?\s*(20\d{2})\s*[-/.年]\s*(\d{1,2})"
)
_SOURCE = re.compile(
    rf"来源\s*[:：]\s*(?:[{_CJK}]{{2,3}}省)?(?:[{_CJK}]{{2,3}}市(?=[{_CJK}]{{2,4}}[区县]))?(.+)"
)


def _jurisdiction(text: str) -> str | None:
    m = _JURISDICTION.match(text)
    return m.group(1) if m and m.group(1) not in _GENERIC_JURISDICTION else None


def parse_title(title: str, lines: Sequence[str] = ()) -> TitleInfo:
    """'西青区 2023 年 20 项民心工程进度和责任清单' -> 西青区, 2023, kind peoples_heart.

    `lines` are the other lines above the table: where the title does not say the year or
    the jurisdiction, a 发布时间 line gives the year (the year before, for a month later than
    the one it was published in) and a 来源 line the jurisdiction (来源：北仑区发改局)."""
    t = clean_name(title)
    sources: dict[str, str] = {}
    year = int(m.group(1)) if (m := _YEAR.search(t)) else None
    jur = _jurisdiction(t)
    if year:
        sources["year"] = "title"
    if jur:
        sources["jurisdiction"] = "title"
    published_month = 0
    cleaned = [clean_name(line) for line in lines]
    for line in cleaned:
        if jur is None and (m := _SOURCE.search(line)):
            jur = _jurisdiction(m.group(1))
            sources["jurisdiction"] = "source"
        if year is None and (m := _PUBLISHED.search(line)):
            year, published_month = int(m.group(1)), int(m.group(2))
            sources["year"] = "published"
    for line in cleaned:  # a notice: its 文号 (〔2024〕), else the date it is signed on
        if year is None and (m := DOC_NUMBER.search(line)):
            year, published_month = int(m.group(1)), 12
            sources["year"] = "doc_number"
    for line in cleaned:
        if year is None and (m := _DATE_LINE.match(line.replace(" ", ""))):
            year, published_month = int(m.group(1)), int(m.group(2))
            sources["year"] = "date"
    month = None
    if q := parse_quarter(t):
        month = q * 3
    elif m := _TITLE_MONTH.search(t):
        month = int(next(g for g in m.groups() if g))
    if year is not None and not _YEAR.search(t) and month and month > published_month:
        year -= 1  # 12月进度表, published in January
    if "民心工程" in t:
        kind = "peoples_heart"
    elif "重点工作" in t or "重点任务" in t:
        kind = "key_tasks"
    else:
        kind = "livelihood"
    if month:
        sources["period"] = "title"
    return TitleInfo(
        jurisdiction=jur,
        year=year,
        month=month,
        kind=kind,
        quarterly=bool(parse_quarter(t)),
        sources=sources,
    )


def plan_title(title: str) -> str:
    """The plan a monthly table belongs to: the title without the month or quarter, so the
    tables of October and November update one plan."""
    t = clean_name(title)
    t = re.sub(r"(?<![\d.])(1[0-2]|[1-9])\s*月(?:份)?(?=(?:进度|进展|完成|工作|台账|情况))", "", t)
    t = re.sub(r"[(（]?(?:截至|截止)(?:到)?\s*(1[0-2]|[1-9])\s*月(?:底|末)?[)）]?", "", t)
    t = re.sub(r"(?<![\d.])1\s*[-—–~～至到]+\s*(1[0-2]|[2-9])\s*月(?:份)?", "", t)
    t = re.sub(r"(?:第)?[一二三四1-4]\s*季度", "", t)
    return t.strip()


# ---------------------------------------------------------------------------
# Numbering, rows that are not data, names that are sentences
# ---------------------------------------------------------------------------

_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ① … ⑳
_CATEGORY_NUMBER = re.compile(r"^[一二三四五六七八九十百]+\s*[、.．]?$")
_PROJECT_NUMBER = re.compile(r"^(\d{1,4})\s*[、.．]?$")
_SUB_LEVEL = re.compile(r"^[(（]\s*(\d{1,3})\s*[)）]\s*[、.．]?$")


def number_level(text: str | None) -> tuple[str, str] | None:
    """The level a 序号 names: 一、 -> ("category", "一"), 1. / 1、 / 1 -> ("project", "1"),
    (1) / （1） / ① -> ("sub", "1"); None for anything else (A1, 1.1, 3-2: kept as typed)."""
    t = (text or "").strip()
    if not t:
        return None
    if t[0] in _CIRCLED and len(t.rstrip("、.． ")) == 1:
        return "sub", str(_CIRCLED[t[0]])
    t = clean_name(fold_name(t))
    if m := _SUB_LEVEL.match(t):
        return "sub", str(int(m.group(1)))
    if m := _PROJECT_NUMBER.match(t):
        return "project", str(int(m.group(1)))
    if _CATEGORY_NUMBER.match(t):
        return "category", t.rstrip("、.． ")
    return None


_TOTAL = re.compile(r"^(?:合计|小计|总计|共计|累计合计|全区合计|全市合计|全县合计)[:：]?$")
_NOT_DATA = re.compile(
    r"^(?:审核人|审核|填表人|填报人|制表人|制表|统计人|经办人|负责人|分管领导|单位负责人|联系人|"
    r"联系电话|电话|填报单位|填报时间|填报日期|报送单位|报送时间|签字|盖章)\s*[:：]"
    r"|^[(（]?\s*(?:计量)?单位\s*[:：]\s*\S{1,6}[)）]?$"
    r"|[(（]\s*盖章\s*[)）]"
)


def is_total(text: str | None) -> bool:
    """合计, 小计, 总计, 合 计: a row of totals, not a project."""
    if not text or len(text) > 16 or "计" not in text:
        return False  # the common case, without cleaning the text
    return bool(_TOTAL.match(clean_name(text).replace(" ", "")))


def is_not_data_line(text: str | None) -> bool:
    """Signature and stamp lines (审核人：…, 填报单位：（盖章）  填报时间：…, 联系电话：…) and the
    unit line above or under a table (单位：万元)."""
    if not text or ("：" not in text and ":" not in text and "盖章" not in text):
        return False  # the common case, without cleaning the text
    return bool(_NOT_DATA.search(clean_name(fold_name(text or "")).strip()))


# Words of a task, not of a name: a leader or unit cell that holds them holds a sentence.
_TASK_WORDS = re.compile(
    r"加强|推进|推动|不断|扩大|落实|确保|开展|完善|提升|提高|跟踪|问效|做好|健全|强化|实现|"
    r"保障|督促|组织|建立"
)


_SENTENCE_PUNCT = re.compile("[，。；,;！!？?]")


@_memo
def is_sentence(name: str, *, unit: bool = False) -> bool:
    """A leader's name is 2 to 5 characters (a unit's ends like a unit): a longer token, or one
    with the words of a task (加强跟踪问效, 不断扩大…), is a sentence put in the wrong column."""
    n = name.strip()
    if not n:
        return False
    if _SENTENCE_PUNCT.search(n):
        return True
    if unit:
        return bool(_TASK_WORDS.search(n)) and not _has_unit_suffix(n)
    if _TASK_WORDS.search(n):
        return True
    return len(n) > 5 and not _ROLE.search(n)  # 区委分管领导 names a role, not a task


_PLAIN_NUMBER = re.compile(r"-?\d{1,15}(?:\.\d{1,6})?")


def parse_plain_number(text: str | None) -> Decimal | None:
    """A cell that is only a number (1,200 / 35.5 / -3): its value; None otherwise."""
    t = (text or "").strip()
    if not t or not (t[0].isdigit() or t[0] in "-－"):
        return None  # the common case: a text
    t = halfwidth(t).replace(",", "").replace("，", "")
    if not _PLAIN_NUMBER.fullmatch(t):
        return None
    return Decimal(t)


# ---------------------------------------------------------------------------
# Progress text under its own headings
# ---------------------------------------------------------------------------

PROGRESS_HEADINGS: dict[str, tuple[str, ...]] = {
    "completion": ("进展情况", "工作进展", "推进情况", "完成情况", "进度情况", "工作开展情况"),
    "problems": ("存在问题", "存在的问题", "困难问题", "存在困难", "问题及困难"),
    "next_steps": (
        "下步打算",
        "下一步打算",
        "下步计划",
        "下一步计划",
        "下步工作",
        "下一步工作",
        "下一步工作计划",
        "下步工作计划",
    ),
}
_HEADING_WORDS = sorted(
    ((w, role) for role, words in PROGRESS_HEADINGS.items() for w in words),
    key=lambda x: -len(x[0]),
)
_HEADING = re.compile(
    r"(?:^|(?<=[\n。；;]))\s*(?:[一二三四五六七八九十]+、|\d+[.、．]|[(（][一二三四五六七八九十\d]+[)）])?\s*"
    r"(" + "|".join(re.escape(w) for w, _r in _HEADING_WORDS) + r")\s*[:：]"
)


def split_progress(text: str | None) -> dict[str, str]:
    """One cell that holds 进展情况：… 存在问题：… 下步打算：… under their own headings, split by
    heading; text before the first heading is progress. {} when the cell names no heading of
    problems or next steps (a plain progress text is left whole)."""
    t = clean_text(text)
    marks = list(_HEADING.finditer(t))
    roles = {dict(_HEADING_WORDS)[m.group(1)] for m in marks}
    if not roles & {"problems", "next_steps"}:
        return {}
    out: dict[str, str] = {}
    head = t[: marks[0].start()].strip()
    if head:
        out["completion"] = head
    for i, m in enumerate(marks):
        role = dict(_HEADING_WORDS)[m.group(1)]
        end = marks[i + 1].start() if i + 1 < len(marks) else len(t)
        body = t[m.end() : end].strip()
        if body and not is_no_plan(body):
            out[role] = f"{out[role]}\n{body}" if role in out else body
    return out
