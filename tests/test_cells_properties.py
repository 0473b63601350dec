"""Properties of the cell parsers, checked on generated cells (hypothesis). Pure: no database."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from importers.cells import (
    UNIT_SUFFIXES,
    UnitRef,
    clean_text,
    is_placeholder_unit,
    pair_persons,
    parse_due_label,
    parse_number,
    split_persons,
    split_schedule,
    split_units,
)
from projects.models import IndicatorTarget

PROPERTY = settings(max_examples=200, deadline=None)

# --- generated units --------------------------------------------------------------------------

# Characters of real unit names; no separators, brackets or markup, no 各 (placeholders are
# generated on their own below).
UNIT_CHARS = "市区县住房城乡建设财政民政教育卫生健康交通运输农业农村水务文化旅游体育科技人力资源社会保障应急管理生态环境自然规划杨柳青辛口张家窝精武李七庄"
SEPARATOR_CHARS = [" ", "\n", "、", ",", "，", "\u3000", "\t", "；"]

unit_names = st.builds(
    lambda body, suffix: body + suffix,
    st.text(alphabet=UNIT_CHARS, min_size=2, max_size=6),
    st.sampled_from(UNIT_SUFFIXES),
)
separators = st.text(alphabet=SEPARATOR_CHARS, min_size=1, max_size=3)
edges = st.text(alphabet=[" ", "\n", "\u3000"], max_size=2)


def joined(draw, items: list[str]) -> str:
    """Items joined by a random mix of separators, with white space around the cell."""
    text = draw(edges)
    for i, item in enumerate(items):
        if i:
            text += draw(separators)
        text += item
    return text + draw(edges)


@st.composite
def unit_cells(draw) -> tuple[list[str], str]:
    names = draw(st.lists(unit_names, min_size=1, max_size=8))
    return names, joined(draw, names)


@PROPERTY
@given(unit_cells())
def test_split_units_gives_back_the_names_in_order(cell):
    names, text = cell
    assert split_units(text) == [UnitRef(name) for name in names]


scopes = st.builds(
    lambda words, sep: sep.join(words),
    st.lists(st.text(alphabet=UNIT_CHARS, min_size=2, max_size=6), min_size=1, max_size=3),
    st.sampled_from(["、", ",", "，", "、 "]),
)
brackets = st.sampled_from([("(", ")"), ("（", "）")])


@st.composite
def scoped_unit_cells(draw) -> tuple[list[UnitRef], str]:
    refs = []
    for name in draw(st.lists(unit_names, min_size=1, max_size=5)):
        scope = draw(st.one_of(st.none(), scopes))
        refs.append(UnitRef(name, scope))
    items = []
    for ref in refs:
        opening, closing = draw(brackets)
        items.append(ref.name if ref.scope is None else f"{ref.name}{opening}{ref.scope}{closing}")
    return refs, joined(draw, items)


@PROPERTY
@given(scoped_unit_cells())
@example(
    (
        [UnitRef("市住房城乡建设局", "节能保暖、老旧小区改造"), UnitRef("市财政局")],
        "市住房城乡建设局(节能保暖、老旧小区改造)、市财政局",
    )
)
def test_split_units_keeps_separators_inside_brackets(cell):
    refs, text = cell
    assert split_units(text) == refs


# --- generated persons ------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田姜范方石姚谭廖邹熊陆郝孔白崔康毛邱秦江史顾侯邵孟龙段钱汤尹黎常乔贺"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华亮金花树建国红林星"
PLACEHOLDER_UNITS = ["各街镇", "各镇街", "各区(市)政府", "各相关单位"]
PLACEHOLDER_PERSONS = ["", "主要负责同志", "各街镇主要负责同志", "负责人"]

person_names = st.builds(
    lambda surname, given: surname + given,
    st.sampled_from(SURNAMES),
    st.text(alphabet=GIVEN, min_size=1, max_size=2),
)


@st.composite
def units_and_persons(draw) -> tuple[list[str], list[str], str]:
    """n units (some of them placeholders) and the 责任人 cell written the PDF way: a
    two-character name may come with a space between its characters (梁 亮)."""
    n = draw(st.integers(min_value=1, max_value=7))
    units, persons, written = [], [], []
    for _ in range(n):
        if draw(st.integers(0, 4)) == 0:
            units.append(draw(st.sampled_from(PLACEHOLDER_UNITS)))
            if placeholder := draw(st.sampled_from(PLACEHOLDER_PERSONS)):
                written.append(placeholder)
            continue
        units.append(draw(unit_names.filter(lambda u: u not in units)))
        person = draw(person_names)
        persons.append(person)
        padded = len(person) == 2 and draw(st.booleans())
        written.append(" ".join(person) if padded else person)
    text = joined(draw, written) if written else ""
    return units, persons, text


@PROPERTY
@given(units_and_persons())
@example((["区农业农村委", "辛口镇"], ["梁亮", "王树军"], "梁 亮 王树军"))
@example((["区民政局", "各街镇"], ["郭金花"], "郭金花\n各街镇 主要负责同志"))
@example((["杨柳青镇", "李七庄街"], ["张伟", "王超"], "张 伟 王 超"))
def test_persons_pair_back_with_their_units_in_order(case):
    units, persons, text = case
    assert split_persons(text) == persons
    pairs, matched = pair_persons(units, split_persons(text))
    assert matched
    named = [u for u in units if not is_placeholder_unit(u)]
    assert pairs == dict(zip(named, persons, strict=True))
    assert not any(is_placeholder_unit(u) for u in pairs)


# --- dates ------------------------------------------------------------------------------------

years = st.integers(min_value=2000, max_value=2100)
months = st.integers(min_value=1, max_value=12)
CN_QUARTERS = {1: "一", 2: "二", 3: "三", 4: "四"}


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@PROPERTY
@given(years, months, st.sampled_from(["{m}月底前", "{m}月份", "{m}月底", "{m} 月底前"]))
def test_month_labels_are_due_on_the_last_day_of_the_month(year, month, pattern):
    assert parse_due_label(pattern.format(m=month), year) == last_day(year, month)


@PROPERTY
@given(years, st.integers(min_value=1, max_value=4), st.sampled_from(["第{q}季度", "{q}季度"]))
def test_quarter_labels_are_due_at_the_quarter_end(year, quarter, pattern):
    due = last_day(year, quarter * 3)
    assert parse_due_label(pattern.format(q=CN_QUARTERS[quarter]), year) == due
    assert parse_due_label(pattern.format(q=quarter), year) == due


@PROPERTY
@given(years)
def test_whole_year_labels_are_due_on_december_31(year):
    for label in ("全年", "年底前", "下半年"):
        assert parse_due_label(label, year) == date(year, 12, 31)


@PROPERTY
@given(st.text(), years)
def test_parse_due_label_never_raises(text, year):
    due = parse_due_label(text, year)
    assert due is None or due.year == year


@PROPERTY
@given(
    years,
    st.lists(months, min_size=1, max_size=6, unique=True).map(sorted),
    st.sampled_from(["月底前", "月份"]),
)
def test_split_schedule_dates_every_month_marker_in_order(year, month_list, marker):
    text = " ".join(f"{m}{marker},完成第{i}阶段工作。" for i, m in enumerate(month_list, 1))
    segments = split_schedule(text, year)
    assert [due for due, _ in segments] == [last_day(year, m) for m in month_list]
    assert "".join(seg for _, seg in segments) == text.replace(" ", "")


# --- numbers ----------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@PROPERTY
@given(amounts, st.sampled_from(["", "人", "个", "户", "元", "平方米"]))
@example(Decimal("5.5"), "")
@example(Decimal("1.2"), "个")
def test_wan_multiplies_by_ten_thousand_exactly(x, measure):
    assert parse_number(f"{x:f}万{measure}") == x * 10_000


@PROPERTY
@given(amounts)
def test_a_plain_number_is_itself(x):
    assert parse_number(f"{x:f}") == x
    assert parse_number(f"{x:f}%") == x


def _target_bound() -> Decimal:
    """The first number IndicatorTarget.value cannot hold (max_digits - decimal_places)."""
    field = IndicatorTarget._meta.get_field("value")
    return Decimal(10) ** (field.max_digits - field.decimal_places)


@PROPERTY
@given(
    st.one_of(
        st.text(),
        st.from_regex(r"\A[0-9]{1,40}(\.[0-9]{1,6})?[万亿]?[人个%]?\Z"),
        st.from_regex(r"\A[^0-9]{0,5}[0-9]{1,40}[^0-9]{0,5}\Z"),
    )
)
@example("1" * 29)  # more digits than Decimal's 28-digit context
@example("9" * 21 + "亿")
@example("12345678901234567890.1234亿")
def test_parse_number_never_raises_and_fits_the_target_column(text):
    value = parse_number(text)
    assert value is None or Decimal(0) <= value < _target_bound()


# --- cleaning ---------------------------------------------------------------------------------

# Pieces of real cells: CJK, PDF spaces, HTML leftovers, line breaks, punctuation, digits.
FRAGMENTS = [
    "新",
    "建",
    "养老",
    "设施",
    "区民政局",
    " ",
    "  ",
    "\u3000",
    "\xa0",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "<p>",
    "</p>",
    "<br>",
    "<br/>",
    '<ol style="x">',
    "<li>",
    "</li>",
    "<",
    ">",
    "，",
    "。",
    "、",
    "；",
    ",",
    ".",
    "“",
    "”",
    "（",
    "）",
    "—",
    "1",
    "40",
    "%",
    "PPP",
    "Wi-Fi",
]
cells = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join),
    # "&" is left out: entities are decoded once per call, so a text that still reads as an
    # entity after one decoding (the double-escaped "&amp;lt;") decodes again on a second call.
    # That is what decoding means, not a defect, and real cells are escaped once at most:
    # the examples below keep escaped tags and entities in the property.
    st.text(alphabet=st.characters(blacklist_characters="&")),
)


@PROPERTY
@given(cells)
@example("实施老旧 住房改造 工程")
@example("一、 增加 教育 资源 配置")
@example("<p>新建 养老</p><p>服务 设施</p>")
@example("&lt;p&gt;新建 养老&lt;/p&gt;&nbsp;服务&amp;设施")
def test_clean_text_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once


@PROPERTY
@given(st.one_of(st.text(), st.none()))
@example("&lt;p&gt;&amp;&#0;&#x110000;&nbsp;")
def test_clean_text_never_raises_and_leaves_no_blank_lines(text):
    result = clean_text(text)
    assert isinstance(result, str)
    assert all(line.strip() for line in result.split("\n")) or result == ""
