"""The cell parsers on the real-world cases of docs/sources.md. Pure functions: no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from importers.cells import (
    Quantity,
    UnitRef,
    build_indicators,
    clean_category,
    clean_name,
    clean_text,
    extract_quantities,
    is_no_plan,
    pair_persons,
    parse_due_label,
    parse_number,
    parse_status,
    parse_title,
    plan_title,
    split_persons,
    split_schedule,
    split_sub_number,
    split_units,
)

# --- cleaning ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("实施老旧 住房改造 工程", "实施老旧住房改造工程"),  # PDF spaces inside words
        ("新建 10 处 养老 服务 设施", "新建10处养老服务设施"),
        ("完成 40% 超过 序时", "完成40%超过序时"),
        ("新建\u3000养老\u00a0设施", "新建养老设施"),  # ideographic and no-break spaces
        ("<p>新建 养老 服务设施</p><p>10处</p>", "新建养老服务设施\n10处"),
        ('<ol style="margin:0"><li>完成选址</li><li>开工建设</li></ol>', "完成选址\n开工建设"),
        ("第一行<br/>第二行", "第一行\n第二行"),
        ("&nbsp;新建&amp;改造", "新建&改造"),
        ("第一行\r\n\r\n  第二行  ", "第一行\n第二行"),  # lines kept, blank lines dropped
        ("推广 PPP 模式 项目", "推广 PPP 模式项目"),  # spaces next to ASCII words stay
        ("Wi-Fi  hotspots", "Wi-Fi hotspots"),
        (None, ""),
        ("", ""),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


def test_clean_text_removes_escaped_html_tags_too():
    raw = "&lt;p&gt;新建养老设施&lt;/p&gt;"
    assert clean_text(raw) == "新建养老设施"
    assert clean_text(clean_text(raw)) == clean_text(raw)


def test_clean_text_removes_pdf_spaces_before_chinese_punctuation():
    assert clean_text("新建 ，改造 。完成 40% ；开工 、验收") == "新建，改造。完成40%；开工、验收"


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("区综合行政\n执法局", "区综合行政执法局"),  # a unit name broken across lines
        ("梁 亮", "梁亮"),
        (" 区民政局 ", "区民政局"),
    ],
)
def test_clean_name(raw, name):
    assert clean_name(raw) == name


@pytest.mark.parametrize(
    ("raw", "category"),
    [
        ("一、 增加 教育 资源 配置", "增加教育资源配置"),
        ("二、提升医疗服务水平", "提升医疗服务水平"),
        ("十二. 加强 社会 保障", "加强社会保障"),
        ("增加教育资源配置", "增加教育资源配置"),
    ],
)
def test_clean_category(raw, category):
    assert clean_category(raw) == category


@pytest.mark.parametrize("text", ["——", "—", "/", "／", " / ", "无", "", None])
def test_no_plan_markers(text):
    assert is_no_plan(text)


@pytest.mark.parametrize("text", ["完成选址", "0", "无障碍设施改造"])
def test_plan_texts_are_not_no_plan(text):
    assert not is_no_plan(text)


def test_split_sub_number():
    assert split_sub_number("(2) 开展职业技能培训") == (2, "开展职业技能培训")
    assert split_sub_number("（1）实现新增就业") == (1, "实现新增就业")
    assert split_sub_number("开展职业技能培训") == (None, "开展职业技能培训")


# --- units, persons ---------------------------------------------------------------------------

TOWNS = ["区民政局", "杨柳青镇", "辛口镇", "张家窝镇", "精武镇", "李七庄街"]


@pytest.mark.parametrize(
    "text",
    [
        "区民政局 杨柳青镇 辛口镇 张家窝镇 精武镇 李七庄街",
        "区民政局\n杨柳青镇\n辛口镇\n张家窝镇\n精武镇\n李七庄街",
        "区民政局、杨柳青镇、辛口镇、张家窝镇、精武镇、李七庄街",
        "区民政局,杨柳青镇,辛口镇,张家窝镇,精武镇,李七庄街",
        "区民政局，杨柳青镇，辛口镇，张家窝镇，精武镇，李七庄街",
        "区民政局、 杨柳青镇 ,辛口镇\n张家窝镇，\n精武镇  李七庄街",
        "<p>区民政局 杨柳青镇</p><p>辛口镇 张家窝镇 精武镇 李七庄街</p>",
    ],
)
def test_split_units_on_every_separator(text):
    assert split_units(text) == [UnitRef(name) for name in TOWNS]


def test_split_units_joins_a_name_broken_across_lines():
    assert split_units("区综合行政\n执法局") == [UnitRef("区综合行政执法局")]
    assert split_units("区综合行政\n执法局\n山兴集团") == [
        UnitRef("区综合行政执法局"),
        UnitRef("山兴集团"),
    ]


def test_split_units_keeps_scopes():
    assert split_units("市住房城乡建设局(节能保暖工程) 市住房城乡建设局(老旧小区改造)") == [
        UnitRef("市住房城乡建设局", "节能保暖工程"),
        UnitRef("市住房城乡建设局", "老旧小区改造"),
    ]
    # 、 and , inside the brackets do not split, in ASCII and in full-width brackets
    assert split_units("市住房城乡建设局（节能保暖、老旧小区改造）、市财政局") == [
        UnitRef("市住房城乡建设局", "节能保暖、老旧小区改造"),
        UnitRef("市财政局"),
    ]
    assert split_units("市卫生健康委(医院, 社区)") == [UnitRef("市卫生健康委", "医院, 社区")]


def test_split_units_keeps_a_bracket_inside_a_name():
    assert split_units("市财政局, 市自然资源和规划局, 各区(市)政府") == [
        UnitRef("市财政局"),
        UnitRef("市自然资源和规划局"),
        UnitRef("各区(市)政府"),
    ]


@pytest.mark.parametrize("text", ["——", "/", "", None, "无"])
def test_split_units_of_no_unit(text):
    assert split_units(text) == []


@pytest.mark.parametrize(
    ("text", "persons"),
    [
        ("梁 亮", ["梁亮"]),  # one person, padded by the PDF
        ("梁 亮 王树军", ["梁亮", "王树军"]),
        (
            "郭金花 张 伟 王树军 赵 林 乔金星 王 超",
            ["郭金花", "张伟", "王树军", "赵林", "乔金星", "王超"],
        ),
        ("王 超 赵 林", ["王超", "赵林"]),
        ("梁军、庞铁强", ["梁军", "庞铁强"]),
        ("梁军\n庞铁强", ["梁军", "庞铁强"]),
        ("各街镇 主要负责同志", []),  # a placeholder, not a person
        ("郭金花\n各街镇主要负责同志", ["郭金花"]),
        ("——", []),
        ("", []),
    ],
)
def test_split_persons(text, persons):
    assert split_persons(text) == persons


def test_pair_persons_in_unit_order():
    assert pair_persons(["区农业农村委", "辛口镇"], ["梁亮", "王树军"]) == (
        {"区农业农村委": "梁亮", "辛口镇": "王树军"},
        True,
    )


def test_pair_persons_skips_placeholder_units():
    # the placeholder 各街镇 has no named person: the others pair in order around it
    assert pair_persons(["区民政局", "各街镇", "辛口镇"], ["郭金花", "王树军"]) == (
        {"区民政局": "郭金花", "辛口镇": "王树军"},
        True,
    )
    # a person written for every unit: the placeholder's is dropped
    assert pair_persons(["区民政局", "各街镇"], ["郭金花", "张伟"]) == (
        {"区民政局": "郭金花"},
        True,
    )


def test_pair_persons_says_when_the_counts_differ():
    assert pair_persons(["区民政局", "杨柳青镇"], ["郭金花"]) == ({"区民政局": "郭金花"}, False)
    assert pair_persons(["区民政局"], ["郭金花", "张伟"]) == ({"区民政局": "郭金花"}, False)


# --- status -----------------------------------------------------------------------------------

STATUS_WORDS = {
    "not_started": ["未启动", "未开工"],
    "on_track": ["正常", "顺利推进", "按计划推进", "序时推进"],
    "ahead": ["超前", "提前"],
    "lagging": ["滞后", "部分滞后", "进度滞后", "推进缓慢"],
    "completed": ["办结", "完成", "已完成", "建成"],
}


@pytest.mark.parametrize(
    ("word", "code"), [(w, code) for code, words in STATUS_WORDS.items() for w in words]
)
def test_parse_status_knows_every_source_word(word, code):
    assert parse_status(word) == code
    assert parse_status(f" {' '.join(word)} ") == code  # padded by a PDF


@pytest.mark.parametrize("text", ["", None, "见附件", "良好"])
def test_parse_status_of_unknown_words_is_none(text):
    assert parse_status(text) is None


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "due"),
    [
        ("第一季度", date(2023, 3, 31)),
        ("第二季度", date(2023, 6, 30)),
        ("第三季度", date(2023, 9, 30)),
        ("第四季度", date(2023, 12, 31)),
        ("一季度", date(2023, 3, 31)),
        ("四季度计划目标", date(2023, 12, 31)),
        ("第 二 季度", date(2023, 6, 30)),
        ("3月底前", date(2023, 3, 31)),
        ("2月底前", date(2023, 2, 28)),
        ("11月底前", date(2023, 11, 30)),
        ("7月份", date(2023, 7, 31)),
        ("12月份", date(2023, 12, 31)),
        ("全年", date(2023, 12, 31)),
        ("上半年", date(2023, 6, 30)),
        ("年底前", date(2023, 12, 31)),
    ],
)
def test_parse_due_label(label, due):
    assert parse_due_label(label, 2023) == due


def test_parse_due_label_in_a_leap_year():
    assert parse_due_label("2月底前", 2024) == date(2024, 2, 29)


@pytest.mark.parametrize("label", ["", "备注", "责任单位"])
def test_parse_due_label_of_no_date(label):
    assert parse_due_label(label, 2023) is None


def test_split_schedule_by_month_ends():
    text = (
        "3月底前,城镇新增就业5.5万人。 6月底前,城镇新增就业17万人。 "
        "9月底前,城镇新增就业28万人。 12月底前,全面完成目标任务。"
    )
    assert split_schedule(text, 2023) == [
        (date(2023, 3, 31), "3月底前,城镇新增就业5.5万人。"),
        (date(2023, 6, 30), "6月底前,城镇新增就业17万人。"),
        (date(2023, 9, 30), "9月底前,城镇新增就业28万人。"),
        (date(2023, 12, 31), "12月底前,全面完成目标任务。"),
    ]


def test_split_schedule_joins_text_without_a_date_to_the_segment_before():
    text = "3月底前,出台补贴办法。 7月份,为托育机构发放补贴。 此后,每半年集中审核发放。"
    assert split_schedule(text, 2023) == [
        (date(2023, 3, 31), "3月底前,出台补贴办法。"),
        (date(2023, 7, 31), "7月份,为托育机构发放补贴。此后,每半年集中审核发放。"),
    ]


def test_split_schedule_without_dates():
    assert split_schedule("持续推进垃圾分类", 2023) == []


# --- numbers and indicators -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5.5万", Decimal(55000)),
        ("1.2万个", Decimal(12000)),
        ("40%", Decimal(40)),
        ("11000 人", Decimal(11000)),
        ("17万人", Decimal(170000)),
        ("3亿元", Decimal(300000000)),
        ("0.5公里", Decimal("0.5")),
        ("完成 300 户", Decimal(300)),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "无", "全面完成", None])
def test_parse_number_without_a_number(text):
    assert parse_number(text) is None


def test_extract_quantities_names_the_number():
    assert extract_quantities("累计实现新增就业 11000 人") == [
        Quantity("新增就业", Decimal(11000), "人", cumulative=True)
    ]
    assert extract_quantities("开展职业技能培训1500人次") == [
        Quantity("职业技能培训", Decimal(1500), "人次")
    ]
    assert extract_quantities("3月底前,城镇新增就业5.5万人。") == [
        Quantity("城镇新增就业", Decimal(55000), "人")
    ]
    assert extract_quantities("继续开展文艺演出5场") == [
        Quantity("文艺演出", Decimal(5), "场", incremental=True)
    ]


def test_extract_quantities_ignores_dates_and_nameless_numbers():
    assert extract_quantities("3月底前,完成选址") == []
    assert extract_quantities("完成300") == []


Q_ENDS = [date(2023, 3, 31), date(2023, 6, 30), date(2023, 9, 30), date(2023, 12, 31)]


def test_build_indicators_cumulative_targets():
    texts = [f"累计实现新增就业{n}人" for n in (4600, 11000, 16000, 23000)]
    assert build_indicators(list(zip(Q_ENDS, texts, strict=True))) == [
        (
            "新增就业",
            "人",
            dict(zip(Q_ENDS, map(Decimal, (4600, 11000, 16000, 23000)), strict=True)),
        )
    ]


def test_build_indicators_percent_targets():
    milestones = [(Q_ENDS[1], "完成工程总进度的40%"), (Q_ENDS[2], "完成工程总进度的80%")]
    assert build_indicators(milestones) == [
        ("工程总进度", "%", {Q_ENDS[1]: Decimal(40), Q_ENDS[2]: Decimal(80)})
    ]


def test_build_indicators_continued_work_adds_to_the_target_before():
    milestones = [(Q_ENDS[0], "开展文艺演出5场"), (Q_ENDS[1], "继续开展文艺演出5场")]
    assert build_indicators(milestones) == [
        ("文艺演出", "场", {Q_ENDS[0]: Decimal(5), Q_ENDS[1]: Decimal(10)})
    ]


def test_build_indicators_whole_target_takes_the_yearly_figure_from_the_description():
    milestones = [
        (Q_ENDS[0], "3月底前,城镇新增就业5.5万人。"),
        (Q_ENDS[1], "6月底前,城镇新增就业17万人。"),
        (Q_ENDS[2], "9月底前,城镇新增就业28万人。"),
        (Q_ENDS[3], "12月底前,全面完成目标任务。"),
    ]
    [(name, measure, targets)] = build_indicators(milestones, "全年实现城镇新增就业35万人")
    assert (name, measure) == ("城镇新增就业", "人")
    assert list(targets.items()) == list(
        zip(Q_ENDS, map(Decimal, (55000, 170000, 280000, 350000)), strict=True)
    )
    # without the description, the last milestone has no number: three targets
    [(_, _, targets)] = build_indicators(milestones)
    assert list(targets) == Q_ENDS[:3]


def test_build_indicators_needs_a_trajectory():
    # one number is a plan detail, not an indicator
    assert build_indicators([(Q_ENDS[3], "新建养老服务设施10处")]) == []
    # a falling number is not a target trajectory
    assert build_indicators([(Q_ENDS[0], "新建公园10处"), (Q_ENDS[1], "新建公园5处")]) == []


# --- titles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "jurisdiction", "year", "month", "kind"),
    [
        ("西青区 2023 年 20 项民心工程进度和责任清单", "西青区", 2023, None, "peoples_heart"),
        ("西青区2023年政府工作报告重点工作任务分解", "西青区", 2023, None, "key_tasks"),
        ("北仑区2024年重点工作10月份进度表", "北仑区", 2024, 10, "key_tasks"),
        ("山亭区2024年第一季度民生实事项目台账", "山亭区", 2024, 3, "livelihood"),
        ("青岛市2023年市办实事实施计划", "青岛市", 2023, None, "livelihood"),
        ("2024年民生实事项目清单", None, 2024, None, "livelihood"),
        ("全区2024年为民办实事项目清单", None, 2024, None, "livelihood"),
        ("民生实事项目清单", None, None, None, "livelihood"),
    ],
)
def test_parse_title(title, jurisdiction, year, month, kind):
    info = parse_title(title)
    assert (info.jurisdiction, info.year, info.month, info.kind) == (
        jurisdiction,
        year,
        month,
        kind,
    )


def test_parse_title_does_not_take_a_count_for_a_month():
    assert parse_title("西青区2023年20项民心工程清单").month is None


@pytest.mark.parametrize(
    ("title", "plan"),
    [
        ("北仑区2024年重点工作10月份进度表", "北仑区2024年重点工作进度表"),
        ("北仑区2024年重点工作11月份进度表", "北仑区2024年重点工作进度表"),
        ("山亭区2024年第一季度民生实事项目台账", "山亭区2024年民生实事项目台账"),
        ("山亭区2024年第二季度民生实事项目台账", "山亭区2024年民生实事项目台账"),
        ("西青区 2023 年 20 项民心工程进度和责任清单", "西青区2023年20项民心工程进度和责任清单"),
    ],
)
def test_plan_title_drops_the_month_or_quarter(title, plan):
    assert plan_title(title) == plan
