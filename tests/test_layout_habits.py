"""The habits of the files offices send (docs/sources.md), each in a file built from the sample
lists by fixtures/habits/make_habits.py and imported through the real import_tasklist command:
what a person sees, totals and notes; numbering levels; full-width typing; deadline columns;
progress text under headings and status words; sentences in name columns; Word notices. The
.xls and .doc versions were written by LibreOffice from the same builders and give the same
import."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from progress.models import IndicatorValue, ProgressReport
from projects.models import Leader, Milestone, Plan, SubItem, Unit

ROOT = Path(__file__).resolve().parent.parent
HABITS = ROOT / "fixtures" / "habits"
SAMPLES = ROOT / "fixtures" / "samples"
_spec = importlib.util.spec_from_file_location("make_habits", HABITS / "make_habits.py")
make_habits = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_habits)

NEEDS_SOFFICE = pytest.mark.skipif(
    not shutil.which("soffice") and not os.environ.get("CI"), reason="needs LibreOffice (soffice)"
)
SAME = ("title", "jurisdiction", "year", "period", "summary", "projects", "warnings", "skipped")


def run(path: Path, *args: str) -> dict:
    """import_tasklist --json; the document also when the command fails on errors."""
    out = io.StringIO()
    with contextlib.suppress(CommandError), translation.override("zh-hans"):
        call_command("import_tasklist", str(path), *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def build(name: str, tmp_path: Path, **kwargs) -> Path:
    return make_habits.BUILDERS[name](tmp_path / name, **kwargs)


def messages(issues: list[dict]) -> list[str]:
    return [i["message"] for i in issues]


# --- what a person sees -----------------------------------------------------------------------


@pytest.mark.django_db
def test_hidden_totals_notes_and_signatures_are_not_data(tmp_path):
    sample = run(SAMPLES / "qingdao-2023-city-plan.xlsx", "--jurisdiction", "青岛市", "--dry-run")
    doc = run(build("qingdao-seen.xlsx", tmp_path), "--jurisdiction", "青岛市")
    hidden = sample["projects"][15]
    # the hidden row (project 16) and the hidden column (last year's lead units) are not read
    assert doc["projects"] == sample["projects"][:15]
    assert doc["summary"]["projects"] == 15
    assert doc["summary"]["subitems"] == 25 - len(hidden["subitems"])
    assert doc["summary"]["milestones"] == sample["summary"]["milestones"] - sum(
        len(s["milestones"]) for s in hidden["subitems"]
    )
    assert not Unit.objects.filter(name="市旧牵头局").exists()
    # a column no role reads is named, not silently dropped
    assert doc["unread_columns"] == ["计划投资（万元）"]
    # each row that is not data is listed with its reason
    reasons = {s["row"]: s["message"] for s in doc["skipped"]}
    assert [reasons[r] for r in sorted(reasons)] == [
        "合计行（小计）。",
        "合计行（合计）。",
        "表下注释：“注:具体实施过程中,计划进度和区市(部门)任务量可能微调,总”",
        "表下注释：“2. 各区（市）政府按季度报送进展情况。”",
        "签字、盖章或计量单位行：“填报单位：（盖章）        填报时间：2023年1月5”",
        "签字、盖章或计量单位行：“审核人：张三      填表人：李四      联系电话：0”",
    ]
    # the 小计 agrees with its rows; the 合计 is off by one and named with the right sum
    money = sum(100 * k for k in range(1, 16))
    assert doc["warnings"] == [
        {
            "row": min(r for r, m in reasons.items() if "（合计）" in m),
            "column": "计划投资（万元）",
            "message": f"合计数 {money + make_habits.WRONG_BY} 与上方各行之和 {money} 不一致。",
        }
    ]
    assert Plan.objects.get().projects.count() == 15  # written: warnings are no errors


@NEEDS_SOFFICE
@pytest.mark.django_db
def test_the_xls_written_by_libreoffice_imports_the_same(tmp_path):
    fresh = run(build("qingdao-seen.xlsx", tmp_path), "--jurisdiction", "青岛市", "--dry-run")
    legacy = run(HABITS / "qingdao-seen.xls", "--jurisdiction", "青岛市", "--dry-run")
    assert {k: legacy[k] for k in SAME} == {k: fresh[k] for k in SAME}


# --- numbering levels, deadline columns ---------------------------------------------------------


@pytest.mark.django_db
def test_numbering_levels_make_categories_projects_and_subitems(tmp_path):
    doc = run(build("minxin-levels.xlsx", tmp_path))
    assert doc["errors"] == []
    assert (doc["year"], doc["jurisdiction"]) == (2023, "西青区")
    assert doc["summary"] | {"units": 0, "indicators": 0} == {
        "categories": 3,
        "projects": 4,
        "subitems": 6,
        "milestones": 6,
        "indicators": 0,
        "reports": 0,
        "units": 0,
        "leaders": 1,
    }
    projects = {p["number"]: p for p in doc["projects"]}
    assert list(projects) == ["1", "2", "3", "4"]  # 1. / 2、 / 3 / 4.
    assert [projects[n]["category"] for n in "1234"] == [
        "增加教育资源配置",
        "增加教育资源配置",
        "着力完善养老服务",
        "提升医疗服务设施",
    ]
    # (1) （2） and ① ② are sub-items; without a name of their own, the task text names them
    subs = [(s["number"], s["name"], s["lead_unit"]) for s in projects["3"]["subitems"]]
    assert subs == [
        (1, "新建日间照料中心5处，为老年人提供助餐服务", "区民政局"),
        (2, "新建农村幸福院5处", "杨柳青镇"),
    ]
    assert [s["name"] for s in projects["4"]["subitems"]] == [
        "推进与市级龙头中医医疗机构合作，启动人员招聘",
        "完善科室设置",
    ]
    # 完成时限: 2023年8月, 9月底前, a date cell, the number 2023.12, 12月底前, 9月底
    dues = {
        (p["number"], s["number"]): [m["due"] for m in s["milestones"]]
        for p in doc["projects"]
        for s in p["subitems"]
    }
    assert dues == {
        ("1", 1): ["2023-08-31"],
        ("2", 1): ["2023-09-30"],
        ("3", 1): ["2023-06-30"],
        ("3", 2): ["2023-12-31"],
        ("4", 1): ["2023-12-31"],
        ("4", 2): ["2023-09-30"],
    }
    # 长期坚持 is no date: named, not guessed
    assert messages(doc["warnings"]) == [
        "完成时限“长期坚持”不是日期（如 2024-06-30、2024.6、2024年8月、9月底前或年底前），未据此生成节点。"
    ]
    assert Milestone.objects.count() == 6
    assert list(
        SubItem.objects.filter(project__number="3")
        .order_by("number")
        .values_list("name", flat=True)
    ) == ["新建日间照料中心5处，为老年人提供助餐服务", "新建农村幸福院5处"]


# --- full-width typing --------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_width_typing_reads_like_half_width(tmp_path):
    doc = run(build("qingdao-fullwidth.xlsx", tmp_path), "--jurisdiction", "青岛市")
    sample = run(SAMPLES / "qingdao-2023-city-plan.xlsx", "--jurisdiction", "青岛市", "--dry-run")
    assert doc["errors"] == []
    assert doc["year"] == 2023  # ２０２３年
    assert doc["title"] == "青岛市2023年市办实事项目一览表"
    assert [p["number"] for p in doc["projects"]] == ["1", "2", "3"]  # １． ２． ３．
    # 3月底前, 5.5万人: the milestones and indicators of the half-width sample
    for got, want in zip(doc["projects"], sample["projects"][:3], strict=True):
        assert got["name"] == want["name"]
        assert [(m["due"], m["text"]) for s in got["subitems"] for m in s["milestones"]] == [
            (m["due"], m["text"]) for s in want["subitems"] for m in s["milestones"]
        ]
        assert [s["indicators"] for s in got["subitems"]] == [
            s["indicators"] for s in want["subitems"]
        ]
    assert doc["projects"][0]["subitems"][0]["indicators"][0]["targets"][0] == {
        "due": "2023-03-31",
        "value": 55000,
    }
    # 各区（市）政府 and 各区(市)政府 are one unit; 赵　林 is one person
    assert Unit.objects.filter(name__startswith="各区").count() == 1
    assert Unit.objects.get(name__startswith="各区").name == "各区(市)政府"
    assert {
        p["subitems"][0]["persons"].get(p["subitems"][0]["lead_unit"]) for p in doc["projects"]
    } == {"赵林"}


# --- progress text, status words, shares, sentences ------------------------------------------


@pytest.mark.django_db
def test_progress_text_status_words_shares_and_sentences(tmp_path):
    doc = run(build("beilun-progress-text.xlsx", tmp_path), "--jurisdiction", "北仑区")
    assert doc["errors"] == []
    assert (doc["period"], doc["sources"]["period"]) == ("2024-10", "title")
    subs = [s for p in doc["projects"] for s in p["subitems"]]
    assert len(subs) == 7
    # one cell under its own headings is split into the report's fields
    first = subs[0]["report"]
    assert first["completion"].startswith("新建北仑区外国语学校:桩基施工完成")
    assert "存在问题" not in first["completion"] and "下步打算" not in first["completion"]
    assert first["problems"] == "地质情况复杂，桩基施工进度受影响。"
    assert first["next_steps"] == "加快主体施工，确保年底前完成年度目标。"
    # the words beyond the six, through one table; 良好 is named, not guessed
    assert [s["report"]["status"] for s in subs] == [
        "on_track",  # 顺利推进
        "completed",  # 已办结
        "not_started",  # 未开工
        "lagging",  # 进度滞后
        "on_track",  # 部分完成
        "on_track",  # 正在推进
        None,  # 良好
    ]
    # 完成比例: "85%" and 0.85 are both 85, the value of a percent indicator of the report
    assert [s["report"]["percent"] for s in subs] == [85, 85, 100, None, 60, 30, 45]
    assert [s["indicators"] for s in subs][:2] == [
        [{"name": "完成比例", "unit": "%", "targets": [], "value": 85}]
    ] * 2
    assert doc["summary"]["indicators"] == 6
    values = IndicatorValue.objects.filter(report__period=date(2024, 10, 1))
    assert sorted(values.values_list("indicator__name", "indicator__unit", "value")) == [
        ("完成比例", "%", Decimal(v)) for v in (30, 45, 60, 85, 85, 100)
    ]
    # 计划完成时间: a date cell and 2024年12月 are one milestone each
    assert {m["due"] for s in subs for m in s["milestones"]} == {"2024-12-31"}
    assert sum(len(s["milestones"]) for s in subs) == 7
    assert messages(doc["warnings"]) == [
        "“加强跟踪问效”像是一句话而不是领导姓名：未从该单元格读取领导。",
        "“不断扩大覆盖面，确保实效”像是一句话而不是单位名称：未从该单元格读取单位。",
        "该项未填写责任单位。",
        "进度状态“良好”不属于未启动/正常/超前/滞后/办结，已留空。",
    ]
    assert not Leader.objects.filter(name__contains="跟踪").exists()
    assert not Unit.objects.filter(name__contains="扩大").exists()
    assert doc["projects"][0]["leaders"] == ["储杨洋", "金昕"]  # not 加强跟踪问效
    assert ProgressReport.objects.filter(problems__startswith="地质情况复杂").count() == 1


# --- Word notices ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("doc_number", "year_from"), [(True, "doc_number"), (False, "date")])
def test_notice_takes_the_tables_caption_and_the_year_of_its_number_or_date(
    tmp_path, doc_number, year_from
):
    path = build("beilun-notice.docx", tmp_path, doc_number=doc_number)
    doc = run(path, "--jurisdiction", "北仑区", "--dry-run")
    assert doc["errors"] == []
    # the caption 民生实事项目10月进度表, not the notice's heading or its first paragraph
    assert doc["title"] == "民生实事项目进度表"
    assert (doc["year"], doc["period"]) == (2024, "2024-10")
    assert doc["sources"] == {"year": year_from, "period": "title", "jurisdiction": "option"}
    assert doc["summary"]["projects"] == 2 and doc["summary"]["reports"] == 7


@NEEDS_SOFFICE
@pytest.mark.django_db
def test_the_doc_notice_written_by_libreoffice_imports_the_same(tmp_path):
    fresh = run(build("beilun-notice.docx", tmp_path), "--jurisdiction", "北仑区", "--dry-run")
    legacy = run(HABITS / "beilun-notice.doc", "--jurisdiction", "北仑区", "--dry-run")
    assert {k: legacy[k] for k in SAME} == {k: fresh[k] for k in SAME}
    assert legacy["sources"]["year"] == "doc_number"


# --- a file with errors ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_notice_without_year_writes_nothing_and_says_what_is_missing(tmp_path):
    import docx

    path = build("beilun-notice.docx", tmp_path, doc_number=False)
    document = docx.Document(path)
    for p in document.paragraphs:
        if p.text.startswith("2024年11月"):
            p.text = "十一月五日"
    document.save(path)
    doc = run(path, "--jurisdiction", "北仑区")
    assert doc["year"] is None
    assert messages(doc["errors"]) == [
        "标题未写明年度：请在“年度”栏填写（命令行使用 --year）。",
        "表格含进展情况但未写明月份：请在“报告期”栏按 YYYY-MM 格式填写（命令行使用 --period）。",
    ]
    assert not Plan.objects.exists() and not ProgressReport.objects.exists()
    fixed = run(path, "--jurisdiction", "北仑区", "--year", "2024")
    assert fixed["errors"] == [] and fixed["sources"]["year"] == "option"
    assert ProgressReport.objects.count() == 7


@pytest.mark.django_db
def test_projects_numbered_like_headings_stay_projects(tmp_path):
    """一、二、 numbering the projects themselves (their units on the same row) is no heading."""
    rows = [
        ["西青区2023年重点项目清单"],
        ["序号", "项目名称", "牵头单位", "完成时限"],
        ["一、", "开办西青区兴华中学", "区教育局", "9月底前"],
        ["二、", "改造张家窝镇华旭小学操场", "张家窝镇", "年底前"],
    ]
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    path = tmp_path / "headings.xlsx"
    wb.save(path)
    doc = run(path, "--dry-run")
    assert doc["errors"] == []
    assert doc["summary"]["categories"] == 0
    assert [(p["number"], p["name"]) for p in doc["projects"]] == [
        ("一", "开办西青区兴华中学"),
        ("二", "改造张家窝镇华旭小学操场"),
    ]
