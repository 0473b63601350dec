"""The cell parsers of the layout habits (docs/sources.md): deadlines, numbering levels,
full-width forms, progress text under headings, status words, rows that are not data."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from importers import cells

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("2024-06-30", date(2024, 6, 30)),
        ("2024/6/30", date(2024, 6, 30)),
        ("2024年6月30日", date(2024, 6, 30)),
        ("2024.6", date(2024, 6, 30)),
        ("2024.06", date(2024, 6, 30)),
        ("2024年8月", date(2024, 8, 31)),
        ("2024-08", date(2024, 8, 31)),
        ("2024.12", date(2024, 12, 31)),
        ("２０２４．１２", date(2024, 12, 31)),
        ("6月底", date(2023, 6, 30)),
        ("9月底前", date(2023, 9, 30)),
        ("12月底前", date(2023, 12, 31)),
        ("12月底前完成", date(2023, 12, 31)),
        ("年底前", date(2023, 12, 31)),
        ("上半年", date(2023, 6, 30)),
        ("三季度末", date(2023, 9, 30)),
        ("2024年底前", date(2024, 12, 31)),
        ("长期坚持", None),
        ("6月底前完成主体工程", None),  # a plan text, not a deadline
        ("2024-02-30", None),
        ("——", None),
    ],
)
def test_parse_deadline(text, due):
    assert cells.parse_deadline(text, 2023) == due


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("一、", ("category", "一")),
        ("十二.", ("category", "十二")),
        ("1.", ("project", "1")),
        ("1、", ("project", "1")),
        ("１．", ("project", "1")),
        ("12", ("project", "12")),
        ("(1)", ("sub", "1")),
        ("（1）", ("sub", "1")),
        ("（１）", ("sub", "1")),
        ("①", ("sub", "1")),
        ("⑫、", ("sub", "12")),
        ("A1", None),
        ("1.1", None),
        ("", None),
    ],
)
def test_number_level(text, level):
    assert cells.number_level(text) == level


def test_full_width_forms_fold_where_they_carry_meaning():
    assert cells.clean_text("新增就业５．５万人，完成８５％") == "新增就业5.5万人，完成85%"
    assert cells.split_units("各区（市）政府、区教育局") == [
        cells.UnitRef("各区(市)政府"),
        cells.UnitRef("区教育局"),
    ]
    assert cells.split_persons("赵　林、王超") == ["赵林", "王超"]
    assert [u.name for u in cells.split_units("区教育局／区财政局;区民政局")] == [
        "区教育局",
        "区财政局",
        "区民政局",
    ]
    assert cells.parse_title("西青区２０２３年民心工程清单").year == 2023


def test_progress_text_is_split_by_its_headings():
    text = "1至10月完成投资5亿元。\n二、存在问题：资金不足。\n下一步打算：年底前竣工。"
    assert cells.split_progress(text) == {
        "completion": "1至10月完成投资5亿元。",
        "problems": "资金不足。",
        "next_steps": "年底前竣工。",
    }
    assert cells.split_progress("进展情况：已完成主体。") == {}  # nothing else to split off


def test_the_status_words_of_the_docs_are_the_table_of_the_code():
    docs = (DOCS / "status.md").read_text(encoding="utf-8")
    table = docs[: docs.index("This is one table in the code")]
    documented = {
        word: code
        for code, words in re.findall(r"^\| `(\w+)` \| \S+ \| (.+) \|$", table, re.M)
        for word in words.split(", ")
    }
    assert documented == cells.STATUS_WORDS
    assert cells.parse_status("部分完成") == "on_track"
    assert cells.parse_status("部分完成，部分滞后") == "lagging"
    assert cells.parse_status("未完成") == "lagging"
    assert cells.parse_status("良好") is None


@pytest.mark.parametrize(
    ("text", "total", "not_data"),
    [
        ("合计", True, False),
        ("合 计", True, False),
        ("小计：", True, False),
        ("总计", True, False),
        ("合计完成投资", False, False),
        ("单位：万元", False, True),
        ("填报单位：（盖章）  填报时间：2024年1月", False, True),
        ("审核人：张三", False, True),
        ("联系电话：12345678", False, True),
        ("区教育局", False, False),
    ],
)
def test_rows_that_are_not_data(text, total, not_data):
    assert cells.is_total(text) is total
    assert cells.is_not_data_line(text) is not_data


@pytest.mark.parametrize(
    ("name", "unit", "sentence"),
    [
        ("柴树芳", False, False),
        ("区委分管领导", False, False),
        ("加强跟踪问效", False, True),
        ("不断扩大各类举措的惠及面", False, True),
        ("区教育局", True, False),
        ("市住房城乡建设局", True, False),
        ("确保实效", True, True),
    ],
)
def test_sentences_in_name_columns(name, unit, sentence):
    assert cells.is_sentence(name, unit=unit) is sentence
