"""Cell parsers: text in, structured values out. Pure functions, no ORM, no I/O."""

from __future__ import annotations

import calendar
import functools
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise

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
    text = strip_html(str(text)).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = text.replace(SOFT_BREAK, "")
    lines = []
    for line in text.split("\n"):
        line = _INNER_SPACE.sub("", line)
        line = _SPACE_AFTER_PUNCT.sub("", line)
        line = _MULTISPACE.sub(" ", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


@_memo
def clean_name(text: str | None) -> str:
    """Clean a short name: one line, no spaces between Chinese characters."""
    text = clean_text(text)
    # A name broken across lines is one name (区综合行政 / 执法局).
    return re.sub(rf"\n(?=[{_CJK}])|(?<=[{_CJK}])\n", "", text).replace("\n", " ").strip()


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


def first_clause(text: str, limit: int = 60) -> str:
    """The leading clause of a description, used as a sub-item name."""
    head = re.split(r"[。；;\n]", text, maxsplit=1)[0].strip()
    if len(head) > limit:
        head = re.split(r"[，,]", head, maxsplit=1)[0].strip()
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
_LIST_SEPARATORS = "、，,；;"
_ROLE = re.compile(r"领导|负责|同志|书记|主任")  # words of a role, not of a name


@dataclass(frozen=True)
class UnitRef:
    name: str
    scope: str | None = None  # 市住房城乡建设局(节能保暖工程) -> scope 节能保暖工程


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split on spaces, new lines and list separators, but never inside brackets.

    Returns (token, separator-before) pairs: " " when only white space came before the token,
    "、" when a list separator did, SOFT_BREAK when only a PDF line end did, "" for the first.
    """
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


def _has_unit_suffix(name: str) -> bool:
    base = re.sub(r"[(（][^)）]*[)）]$", "", name)
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
        base = re.sub(r"[(（].*$", "", nxt)  # 市南区 / 政府(中山路改造提升)
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
    text = strip_html(text or "").strip()
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
        m = re.match(r"^(.+?)[(（]([^()（）]+)[)）]$", name)
        if m and _has_unit_suffix(m.group(1)) and not m.group(1).endswith("区("):
            refs.append(UnitRef(m.group(1), m.group(2).strip()))
        else:
            refs.append(UnitRef(name))
    return refs


def split_groups(text: str | None) -> list[str]:
    """Split a cell into white-space separated groups (one per scoped lead unit), keeping
    bracketed parts whole. Where a PDF's line ended (SOFT_BREAK) a new group begins only
    after a whole unit name and before a name of 市/区/县 (…各区(市)政府 / 市发展改革委…)."""
    text = strip_html(text or "").strip()
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
        if len(tok) == 1 and re.match(rf"[{_CJK}]", tok):
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

_STATUS_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("lagging", ("滞后", "推进缓慢", "缓慢", "未完成")),
    ("not_started", ("未启动", "未开工", "尚未启动")),
    ("ahead", ("超前", "提前")),
    ("completed", ("办结", "已完成", "完成", "建成", "完工")),
    ("on_track", ("正常", "顺利推进", "按计划推进", "序时推进", "推进中", "有序推进")),
]


def parse_status(text: str | None) -> str | None:
    """部分滞后 -> lagging, 办结 -> completed, … ; None when the words are unknown."""
    t = clean_name(text)
    if not t:
        return None
    for code, words in _STATUS_WORDS:
        if any(w in t for w in words):
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


@_memo
def parse_number(text: str) -> Decimal | None:
    """'5.5万' -> 55000, '1.2万个' -> 12000, '40%' -> 40."""
    m = re.search(r"(\d+(?:\.\d+)?)\s*(万|亿)?", text or "")
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


@dataclass(frozen=True)
class Quantity:
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

    yearly = extract_quantities(description) if description else []
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
    year = int(m.group(1)) if (m := _YEAR.search(t)) else None
    jur = _jurisdiction(t)
    published_month = 0
    for line in lines:
        line = clean_name(line)
        if jur is None and (m := _SOURCE.search(line)):
            jur = _jurisdiction(m.group(1))
        if year is None and (m := _PUBLISHED.search(line)):
            year, published_month = int(m.group(1)), int(m.group(2))
    month = None
    if q := parse_quarter(t):
        month = q * 3
    elif m := re.search(
        r"(?<![\d.])(1[0-2]|[1-9])\s*月(?:份)?(?:进度|进展|完成|工作|台账|情况|份)", t
    ):
        month = int(m.group(1))
    if year is not None and not _YEAR.search(t) and month and month > published_month:
        year -= 1  # 12月进度表, published in January
    if "民心工程" in t:
        kind = "peoples_heart"
    elif "重点工作" in t or "重点任务" in t:
        kind = "key_tasks"
    else:
        kind = "livelihood"
    return TitleInfo(
        jurisdiction=jur, year=year, month=month, kind=kind, quarterly=bool(parse_quarter(t))
    )


def plan_title(title: str) -> str:
    """The plan a monthly table belongs to: the title without the month or quarter, so the
    tables of October and November update one plan."""
    t = clean_name(title)
    t = re.sub(r"(?<![\d.])(1[0-2]|[1-9])\s*月(?:份)?(?=(?:进度|进展|完成|工作|台账|情况))", "", t)
    t = re.sub(r"(?:第)?[一二三四1-4]\s*季度", "", t)
    return t.strip()
