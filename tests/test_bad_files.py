"""Bad files, made here (never downloaded), through the real service and the real command.

Every bad file is refused by `run_import` (ImportFileError) and by `import_tasklist`
(CommandError) with a message that says what is wrong, and writes nothing. A few good files
check what the bad ones must not break: encodings, pasted text, merged cells, two-row headers.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import random
import re
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from importers.services import run_import
from importers.types import ImportFileError
from projects.models import (
    IndicatorTarget,
    Jurisdiction,
    Milestone,
    Person,
    Plan,
    Project,
    SubItem,
    Unit,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "fixtures" / "samples"
MB = 1024 * 1024
TITLE = "测试区2024年民生实事项目清单"
QUARTERS = ["第一季度", "第二季度", "第三季度", "第四季度"]
CSV_HEADER = ["序号", "项目名称", "牵头单位", "配合单位", "责任人", *QUARTERS, "分管区领导"]
PLAN_1 = ["1", "新建养老服务设施", "区民政局", "杨柳青镇、辛口镇", "郭金花"]
PLAN_2 = ["2", "新增就业岗位", "区人社局", "", "李 明"]
JOBS = [f"累计实现新增就业{n}人" for n in (4600, 11000, 16000, 23000)]
CSV_ROWS = [
    [*PLAN_1, "完成选址", "开工建设", "——", "建成投用", "柴树芳"],
    [*PLAN_2, *JOBS, "王 超"],
]
COUNTED = (Plan, Project, SubItem, Unit, Jurisdiction)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are translated; the assertions name the English ones."""
    with translation.override("en"):
        yield


# --- building files ---------------------------------------------------------------------------


def xlsx_bytes(rows: list[list[str | None]], merges: tuple[str, ...] = ()) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def small_plan_xlsx(title: str = TITLE) -> bytes:
    return xlsx_bytes(
        [
            [title],
            ["序号", "项目名称", "牵头单位", *QUARTERS],
            ["1", "新建养老服务设施", "区民政局", "完成选址", "开工建设", "——", "建成投用"],
            ["2", "新建口袋公园", "区城管委", "完成设计", "开工建设", "完工", "投入使用"],
        ]
    )


def docx_bytes(
    title: str,
    header: list[str],
    rows: list[list[str]],
    merges: tuple[tuple[int, int, int], ...] = (),
) -> bytes:
    """A document with a title paragraph and one table; merges are (row, first col, last col)
    of the data rows, and the merged cell keeps the text of its first column."""
    document = docx.Document()
    document.add_paragraph(title)
    table = document.add_table(rows=len(rows) + 1, cols=len(header))
    for c, text in enumerate(header):
        table.cell(0, c).text = text
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for r, first, last in merges:
        text = rows[r][first]
        merged = table.cell(r + 1, first).merge(table.cell(r + 1, last))
        merged.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def small_plan_docx() -> bytes:
    return docx_bytes(
        "测试区2024年重点工作任务清单",
        ["序号", "目标任务", "责任单位", *QUARTERS],
        [["1", "建设口袋公园", "区城管委", "完成设计", "开工建设", "完工", "投入使用"]],
    )


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    """The same zip with one member's bytes replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info))
    return out.getvalue()


def with_zeros(data: bytes, name: str, megabytes: int) -> bytes:
    """The same zip with one more member of `megabytes` MB of zeros, written in 1 MB chunks so
    that the uncompressed member never sits in memory (a few hundred KB compressed)."""
    out = io.BytesIO()
    chunk = bytes(MB)
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        with dst.open(name, "w") as fh:
            for _ in range(megabytes):
                fh.write(chunk)
    return out.getvalue()


_LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(2, 10)
)  # lol9 expands to 10**8 × "lol"
BILLION_LAUGHS = f'<!DOCTYPE lolz [<!ENTITY lol1 "lol">{_LAUGHS}]>'.encode()
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def with_doctype(data: bytes, part: str, *, padding: int = 0) -> bytes:
    """A valid-looking Office file whose `part` declares the billion laughs (after `padding`
    characters of XML comment) and uses the entity in its first text."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read(part)
    if xml.startswith(b"<?xml"):
        xml = xml.split(b"?>", 1)[1].lstrip()
    xml = xml.replace(b"<w:t>", b"<w:t>&lol9;", 1)
    comment = b"<!--" + b"x" * padding + b"-->" if padding else b""
    return replace_member(data, part, XML_DECLARATION + comment + BILLION_LAUGHS + xml)


def not_office_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "这不是 Office 文件")
        z.writestr("data/清单.csv", "序号,项目名称,牵头单位\n1,新建养老服务设施,区民政局\n")
    return out.getvalue()


def first_half(path: Path) -> bytes:
    data = path.read_bytes()
    return data[: len(data) // 2]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    return "\n".join(delimiter.join(row) for row in [[TITLE], CSV_HEADER, *rows]) + "\n"


# --- running them -----------------------------------------------------------------------------


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in COUNTED}


NOTHING = {m.__name__: 0 for m in COUNTED}


def command(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_tasklist", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(tmp_path: Path, data: bytes, filename: str, **options) -> str:
    """The file is refused by the service and by the command with the same message, and
    nothing is written. Returns the message."""
    with pytest.raises(ImportFileError) as by_service:
        run_import(data=data, filename=filename, **options)
    assert counts() == NOTHING
    path = tmp_path / filename
    path.write_bytes(data)
    args = [f"--{k}={v}" for k, v in options.items()]
    with pytest.raises(CommandError) as by_command:
        command(path, *args)
    assert counts() == NOTHING
    message = str(by_service.value)
    assert str(by_command.value) == message
    return message


# --- files that are not a table at all --------------------------------------------------------

# id, file, name, words the message must contain (what is wrong)
BAD_FILES = [
    ("empty-xlsx", lambda: b"", "清单.xlsx", ["empty"]),
    ("empty-docx", lambda: b"", "清单.docx", ["empty"]),
    ("empty-csv", lambda: b"", "清单.csv", ["empty"]),
    (
        "truncated-pdf",
        lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        "清单.pdf",
        ["damaged", ".pdf"],
    ),
    (
        "broken-doc",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "清单.doc",
        ["not a valid .doc", "damaged"],
    ),
    ("no-extension", small_plan_xlsx, "清单", ["type", ".xlsx"]),
    (
        "text-named-xlsx",
        lambda: "序号,项目名称,牵头单位\n1,新建养老服务设施,区民政局\n".encode(),
        "清单.xlsx",
        ["not a valid .xlsx", "damaged"],
    ),
    (
        "random-bytes-docx",
        lambda: random.Random(2024).randbytes(20_000),
        "清单.docx",
        ["not a valid .docx", "damaged"],
    ),
    (
        "truncated-sample-xlsx",
        lambda: first_half(SAMPLES / "xiqing-2023-minxin-plan.xlsx"),
        "xiqing-2023-minxin-plan.xlsx",
        ["truncated"],
    ),
    (
        "truncated-sample-docx",
        lambda: first_half(SAMPLES / "xiqing-2023-work-report-tasks.docx"),
        "xiqing-2023-work-report-tasks.docx",
        ["truncated"],
    ),
    ("zip-not-office-xlsx", not_office_zip, "清单.xlsx", ["not a valid .xlsx"]),
    ("zip-not-office-docx", not_office_zip, "清单.docx", ["not a valid .docx"]),
    (
        "xml-bomb-xlsx",
        lambda: with_doctype(small_plan_xlsx(), "xl/workbook.xml"),
        "清单.xlsx",
        ["XML", "refused"],
    ),
    (
        "xml-bomb-docx",
        lambda: with_doctype(small_plan_docx(), "word/document.xml"),
        "清单.docx",
        ["XML", "refused"],
    ),
    (
        "binary-csv",
        lambda: bytes(range(256)) * 16,
        "清单.csv",
        ["not text", "UTF-8", "GB18030", "UTF-16"],
    ),
    (
        "no-needed-columns-xlsx",
        lambda: xlsx_bytes([["姓名", "年龄", "地址"], ["张三", "30", "西青区"]]),
        "名单.xlsx",
        ["needed columns", "序号", "牵头单位"],
    ),
    (
        "no-needed-columns-csv",
        lambda: "姓名,年龄,地址\n张三,30,西青区\n".encode(),
        "名单.csv",
        ["needed columns"],
    ),
    (
        "no-lead-unit-column",
        lambda: xlsx_bytes(
            [
                [TITLE],
                ["序号", "项目名称", "第一季度", "第二季度", "分管区领导"],
                ["1", "新建养老服务设施", "完成选址", "开工建设", "柴树芳"],
            ]
        ),
        "清单.xlsx",
        ["no column for the responsible unit", "牵头单位", "Found columns", "项目名称"],
    ),
]


@pytest.mark.parametrize(
    ("make", "filename", "words"),
    [pytest.param(make, name, words, id=id_) for id_, make, name, words in BAD_FILES],
)
def test_bad_file_is_refused_and_writes_nothing(tmp_path, make, filename, words):
    message = refused(tmp_path, make(), filename)
    for word in words:
        assert word in message


def test_zip_bomb_over_the_uncompressed_cap_is_refused(tmp_path):
    # 300 MB of zeros compress to about 300 KB: the directory gives the bomb away.
    data = with_zeros(small_plan_xlsx(), "xl/media/image1.bin", 300)
    assert len(data) < MB
    message = refused(tmp_path, data, "清单.xlsx")
    assert "unpacks to 300.02 MB (314,591,010 bytes)" in message
    assert "200 MB (209,715,200 bytes)" in message


def test_zip_bomb_member_with_a_huge_ratio_under_the_cap_is_refused(tmp_path, settings):
    # 20 MB is far under the 200 MB cap, but one member compresses about 1000 to 1.
    data = with_zeros(small_plan_docx(), "word/media/image1.bin", 20)
    assert 20 * MB < settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    assert "zip bomb" in refused(tmp_path, data, "清单.docx")


def test_the_same_members_without_the_bomb_import(tmp_path):
    """The bomb tests are refused for the bomb: a small member of zeros is fine."""
    data = with_zeros(small_plan_xlsx(), "xl/media/image1.bin", 1)
    outcome = run_import(data=data, filename="清单.xlsx")
    assert outcome.applied
    assert Project.objects.count() == 2


def test_xml_bomb_used_in_a_worksheet_cell_is_refused(tmp_path):
    """The entity used in the sheet itself, where openpyxl reads the cells."""
    data = small_plan_xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace("完成选址".encode(), b"&lol9;")
    data = replace_member(
        data, "xl/worksheets/sheet1.xml", XML_DECLARATION + BILLION_LAUGHS + sheet
    )
    assert "XML" in refused(tmp_path, data, "清单.xlsx")


@pytest.mark.parametrize("variant", ["after-a-4-KB-comment", "utf-16"])
def test_xml_bomb_hidden_from_the_prolog_check_is_still_refused(tmp_path, variant):
    """check_zip reads only the first 4 KB of each part, as ASCII; past it, the parsers
    (lxml without entity resolution, defusedxml) still refuse to expand the laughs."""
    data = small_plan_docx()
    if variant == "utf-16":
        bomb = with_doctype(data, "word/document.xml")
        with zipfile.ZipFile(io.BytesIO(bomb)) as z:
            xml = z.read("word/document.xml").decode()
        xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
        data = replace_member(data, "word/document.xml", xml)
    else:
        data = with_doctype(data, "word/document.xml", padding=5000)
    refused(tmp_path, data, "清单.docx")


def test_upload_over_the_size_limit_is_refused(tmp_path, settings):
    data = small_plan_xlsx()
    settings.IMPORT_MAX_UPLOAD_BYTES = len(data) - 1
    assert "too large" in refused(tmp_path, data, "清单.xlsx")
    settings.IMPORT_MAX_UPLOAD_BYTES = len(data)
    assert run_import(data=data, filename="清单.xlsx").applied


def test_size_message_tells_the_size_from_the_limit(tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 2 * MB
    message = refused(tmp_path, b"x" * (2 * MB + 400 * 1024), "清单.xlsx")
    size, limit = re.findall(r"[\d.]+ MB", message)
    assert size != limit


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        command(tmp_path / "nowhere.xlsx")


def test_command_json_reports_the_refusal(tmp_path):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(b"")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_tasklist", str(path), "--json", stdout=out, stderr=io.StringIO())
    errors = json.loads(out.getvalue())["errors"]
    assert len(errors) == 1
    assert "empty" in errors[0]["message"]


# --- tables that are read but have errors: all or nothing -------------------------------------


def test_title_without_jurisdiction_is_an_error_and_writes_nothing(tmp_path):
    data = small_plan_xlsx(title="2024年民生实事项目清单")
    outcome = run_import(data=data, filename="清单.xlsx")
    assert not outcome.applied
    [error] = outcome.document["errors"]
    assert "jurisdiction" in error["message"]
    assert counts() == NOTHING

    path = tmp_path / "清单.xlsx"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 errors: nothing was imported"):
        call_command("import_tasklist", str(path), stdout=io.StringIO(), stderr=err)
    assert "--jurisdiction" in err.getvalue()
    assert counts() == NOTHING

    # the option fills the gap
    command(path, "--jurisdiction", "测试区")
    assert Plan.objects.get().jurisdiction.name == "测试区"


def duplicate_number_rows(second: list[str]) -> list[list[str]]:
    return [
        [TITLE],
        ["序号", "项目名称", "牵头单位", "第一季度"],
        ["1", "新建养老服务设施", "区民政局", "完成选址"],
        ["2", "新建口袋公园", "区城管委", "完成设计"],
        second,
    ]


@pytest.mark.parametrize(
    ("rows", "row"),
    [
        pytest.param(duplicate_number_rows(["1", "新建学校", "区教育局", "完成选址"]), 5, id="far"),
        pytest.param(
            duplicate_number_rows(["2", "新建学校", "区教育局", "完成选址"]), 5, id="adjacent"
        ),
    ],
)
def test_duplicate_number_with_another_name_is_an_error_and_writes_nothing(tmp_path, rows, row):
    data = xlsx_bytes(rows)
    outcome = run_import(data=data, filename="清单.xlsx")
    assert not outcome.applied
    [error] = outcome.document["errors"]
    assert (error["row"], error["column"]) == (row, "序号")
    assert "新建学校" in error["message"]
    assert counts() == NOTHING  # the good rows 1 and 2 are not written either

    path = tmp_path / "清单.xlsx"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_tasklist", str(path), stdout=io.StringIO(), stderr=err)
    assert f"row {row}, column 序号" in err.getvalue()
    assert counts() == NOTHING


def test_same_number_and_name_again_continues_the_project():
    """The contrast to the duplicate: 序号 and name repeated after a page break."""
    rows = duplicate_number_rows(["1", "新建养老服务设施", "杨柳青镇", "完成选址"])
    outcome = run_import(data=xlsx_bytes(rows), filename="清单.xlsx")
    assert outcome.applied
    assert Project.objects.count() == 2
    assert SubItem.objects.filter(project__number="1").count() == 2


def test_progress_table_without_a_month_is_an_error_and_writes_nothing():
    rows = [
        ["测试区2024年重点工作进度表"],
        ["序号", "重点工作", "牵头单位", "完成情况", "进度状态"],
        ["1", "教育设施增量提质", "区教育局", "已开工", "正常"],
    ]
    outcome = run_import(data=xlsx_bytes(rows), filename="进度.xlsx")
    assert not outcome.applied
    assert "period" in outcome.document["errors"][0]["message"]
    assert counts() == NOTHING
    assert run_import(data=xlsx_bytes(rows), filename="进度.xlsx", period="2024-10").applied


# --- good files: encodings, pasted text, merged cells, two-row headers ------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_csv_in_a_chinese_encoding_imports(tmp_path, encoding):
    data = csv_text(CSV_ROWS).encode(encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # really not UTF-8
    path = tmp_path / "清单.csv"
    path.write_bytes(data)
    command(path)
    plan = Plan.objects.get()
    assert (plan.title, plan.jurisdiction.name, plan.year) == (TITLE, "测试区", 2024)
    assert list(Project.objects.order_by("order").values_list("name", flat=True)) == [
        "新建养老服务设施",
        "新增就业岗位",
    ]
    sub = SubItem.objects.get(project__number="1")
    assert sub.lead_unit.name == "区民政局"
    assert [c.unit.name for c in sub.co_unit_links.order_by("order")] == ["杨柳青镇", "辛口镇"]
    assert Milestone.objects.filter(subitem=sub).count() == 3  # Q3 is ——
    assert Person.objects.get(name="李明").unit.name == "区人社局"


def test_pasted_tab_separated_text_imports():
    data = csv_text(CSV_ROWS, delimiter="\t").encode()
    outcome = run_import(data=data, filename="pasted.tsv")
    assert outcome.applied
    summary = outcome.document["summary"]
    assert (summary["projects"], summary["subitems"], summary["milestones"]) == (2, 2, 7)
    jobs = outcome.document["projects"][1]["subitems"][0]["indicators"]
    assert [(i["name"], i["unit"], [t["value"] for t in i["targets"]]) for i in jobs] == [
        ("新增就业", "人", [4600, 11000, 16000, 23000])
    ]
    assert outcome.document["projects"][1]["leaders"] == ["王超"]


def test_persons_pair_with_lead_and_co_units_in_order():
    rows = [["1", "新建养老服务设施", "区民政局", "杨柳青镇、辛口镇", "郭金花 张 伟 王树军"]]
    rows[0] += ["完成选址", "开工建设", "——", "建成投用", "柴树芳"]
    outcome = run_import(data=csv_text(rows).encode(), filename="清单.csv")
    persons = outcome.document["projects"][0]["subitems"][0]["persons"]
    assert persons == {"区民政局": "郭金花", "杨柳青镇": "张伟", "辛口镇": "王树军"}
    assert outcome.document["warnings"] == []


def test_docx_merged_schedule_cell_is_one_milestone_equal_neighbours_are_two():
    data = docx_bytes(
        "测试区2024年重点工作任务清单",
        ["序号", "目标任务", "责任单位", *QUARTERS, "责任区领导"],
        [
            # Q1-Q2 merged; Q3 and Q4 hold the same text in two cells
            ["1", "建设口袋公园", "区城管委", "完成设计和招标", "", "开工建设", "开工建设", "张三"],
            # one cell over the whole year
            ["2", "推进垃圾分类", "区城管委", "全年持续推进垃圾分类", "", "", "", "李四"],
            ["3", "新建学校", "区教育局", "——", "完成选址", "/", "开工建设", "王五"],
        ],
        merges=((0, 3, 4), (1, 3, 6)),
    )
    outcome = run_import(data=data, filename="任务.docx")
    assert outcome.applied
    dues = {
        p["number"]: [(m["due"], m["text"]) for m in p["subitems"][0]["milestones"]]
        for p in outcome.document["projects"]
    }
    assert dues == {
        "1": [
            ("2024-06-30", "完成设计和招标"),
            ("2024-09-30", "开工建设"),
            ("2024-12-31", "开工建设"),
        ],
        "2": [("2024-12-31", "全年持续推进垃圾分类")],
        "3": [("2024-06-30", "完成选址"), ("2024-12-31", "开工建设")],
    }
    assert Milestone.objects.count() == 6


def test_xlsx_with_title_two_row_header_repeated_header_and_notes():
    header = [["序号", "项目名称", "牵头单位", "时间节点", None, None, None, "分管区领导"]]
    header.append([None, None, None, *QUARTERS, None])
    rows = [
        ["附件1"],
        [TITLE],
        *header,
        ["1", "新建养老服务设施", "区民政局", "完成选址", "开工建设", "——", "建成投用", "柴树芳"],
        ["2", "新增就业岗位", "区人社局"]
        + [f"累计实现新增就业{n}人" for n in (4600, 11000, 16000, 23000)]
        + ["王超"],
        *header,  # repeated at a page break
        ["3", "改造老旧小区", "区住建委", "完成摸底", "开工", "/", "全面完成", "李明"],
        ["注：1.本表由区发改局汇总；2.时间节点以季度末为准。"],
        ["填报说明：请于每月5日前报送进展。"],
    ]
    merges = ("A3:A4", "B3:B4", "C3:C4", "D3:G3", "H3:H4")
    merges += ("A7:A8", "B7:B8", "C7:C8", "D7:G7", "H7:H8", "A10:H10")
    outcome = run_import(data=xlsx_bytes(rows, merges), filename="清单.xlsx")
    assert outcome.applied
    doc = outcome.document
    assert doc["title"] == TITLE
    assert doc["errors"] == doc["warnings"] == []
    assert {k: doc["summary"][k] for k in ("projects", "subitems", "milestones", "indicators")} == {
        "projects": 3,
        "subitems": 3,
        "milestones": 10,
        "indicators": 1,
    }
    assert [p["name"] for p in doc["projects"]] == [
        "新建养老服务设施",
        "新增就业岗位",
        "改造老旧小区",
    ]
    assert [m["due"] for m in doc["projects"][2]["subitems"][0]["milestones"]] == [
        "2024-03-31",
        "2024-06-30",
        "2024-12-31",
    ]
    assert Project.objects.count() == 3
    assert Milestone.objects.count() == 10


# --- files whose numbers break the importer ---------------------------------------------------


def _plan_with_schedule(texts: list[str]) -> bytes:
    return xlsx_bytes(
        [
            [TITLE],
            ["序号", "项目名称", "牵头单位", *QUARTERS[: len(texts)]],
            ["1", "推动经济发展", "区发改委", *texts],
        ]
    )


def test_a_very_long_number_is_not_a_crash(tmp_path):
    data = _plan_with_schedule(
        ["完成新增就业1" + "0" * 29 + "人", "完成新增就业2" + "0" * 29 + "人"]
    )
    try:
        outcome = run_import(data=data, filename="清单.xlsx")
    except ImportFileError:
        outcome = None
    assert outcome is None or outcome.document["errors"] or outcome.applied


def test_a_target_too_large_for_the_database_is_an_error_not_a_crash():
    data = _plan_with_schedule(["地区生产总值达到7000亿元", "地区生产总值达到15000亿元"])
    outcome = run_import(data=data, filename="清单.xlsx")
    if outcome.applied:
        values = IndicatorTarget.objects.order_by("due").values_list("value", flat=True)
        assert list(values) == [Decimal(7000 * 10**8), Decimal(15000 * 10**8)]
    else:
        assert outcome.document["errors"]


# --- small files that unpack into billions of cells -------------------------------------------

# The child reads the file under a memory and CPU limit and says what happened, so that a file
# that would take the machine down only takes the child down.
_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_DATA, (256 * 2**20, 256 * 2**20))
resource.setrlimit(resource.RLIMIT_CPU, (4, 4))
import django
django.setup()
from django.utils import translation
translation.activate("en")
from importers.services import parse_file
from importers.types import ImportFileError
try:
    plan = parse_file(data=open(sys.argv[1], "rb").read(), filename=sys.argv[2])
    print(json.dumps({"outcome": "parsed", "projects": len(plan.projects)}))
except ImportFileError as exc:
    cause = exc
    while cause is not None and not isinstance(cause, MemoryError):
        cause = cause.__cause__
    print(json.dumps({"outcome": "refused", "message": str(exc), "memory": cause is not None}))
"""


def read_isolated(tmp_path: Path, data: bytes, filename: str) -> dict:
    path = tmp_path / filename
    path.write_bytes(data)
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)}
    try:
        child = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), filename],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout"}
    if child.returncode != 0:
        return {"outcome": f"died ({child.returncode})", "stderr": child.stderr[-500:]}
    return json.loads(child.stdout.strip().splitlines()[-1])


def far_cell_xlsx() -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(small_plan_xlsx()))
    wb.active["XFD1048576"] = "注"  # the last cell of the sheet: 16384 × 1048576 positions
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def wide_row_csv() -> bytes:
    rows = [f"{n},项目{n},区民政局" for n in range(1, 1001)]
    return (f"{TITLE}\n序号,项目名称,牵头单位\n" + "\n".join(rows) + "\n" + "," * 100_000).encode()


def wide_filled_row_csv() -> bytes:
    rows = [f"{n},项目{n},区民政局" for n in range(1, 1001)]
    wide = ",".join(["x"] * 80_000)
    return (f"{TITLE}\n序号,项目名称,牵头单位\n" + "\n".join(rows) + "\n" + wide).encode()


def merged_to_the_last_cell_xlsx() -> bytes:
    """One <mergeCell ref="A5:XFD1048576"/> in a sheet of three rows: openpyxl makes a
    MergedCell for every position of the range while it loads the workbook."""
    data = small_plan_xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    merge = b'<mergeCells count="1"><mergeCell ref="A5:XFD1048576"/></mergeCells>'
    sheet = sheet.replace(b"<pageMargins", merge + b"<pageMargins", 1)
    assert merge in sheet
    return replace_member(data, "xl/worksheets/sheet1.xml", sheet)


def wide_span_docx() -> bytes:
    document = docx.Document(io.BytesIO(small_plan_docx()))
    cell = document.add_table(rows=1, cols=1).cell(0, 0)
    span = OxmlElement("w:gridSpan")
    span.set(qn("w:val"), str(10**9))
    cell._tc.get_or_add_tcPr().append(span)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_the_isolated_reader_reads_a_good_file(tmp_path):
    """The harness of the cell-bomb tests works: a good file parses in the child."""
    assert read_isolated(tmp_path, small_plan_xlsx(), "清单.xlsx") == {
        "outcome": "parsed",
        "projects": 2,
    }


@pytest.mark.skipif(sys.platform != "linux", reason="the memory limit needs Linux RLIMIT_DATA")
@pytest.mark.parametrize(
    ("make", "filename"),
    [
        pytest.param(far_cell_xlsx, "清单.xlsx", id="xlsx-cell-at-XFD1048576"),
        pytest.param(wide_row_csv, "清单.csv", id="csv-1000-rows-and-one-of-100000-commas"),
        pytest.param(wide_filled_row_csv, "清单.csv", id="csv-1000-rows-and-one-of-80000-fields"),
        pytest.param(wide_span_docx, "清单.docx", id="docx-gridSpan-10**9"),
        pytest.param(merged_to_the_last_cell_xlsx, "清单.xlsx", id="xlsx-merged-A5-to-XFD1048576"),
    ],
)
def test_a_small_file_with_billions_of_cells_is_refused_not_read(tmp_path, make, filename):
    data = make()
    assert len(data) < 200 * 1024
    result = read_isolated(tmp_path, data, filename)
    assert result["outcome"] in ("parsed", "refused"), result
    assert not result.get("memory"), result


# --- the guards hold whatever the XML looks like (issue 9) ------------------------------------


def merged_xlsx(merge_element: bytes) -> bytes:
    """small_plan_xlsx with one more <mergeCells> block holding `merge_element`."""
    data = small_plan_xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    block = b'<mergeCells count="1">' + merge_element + b"</mergeCells>"
    sheet = sheet.replace(b"<pageMargins", block + b"<pageMargins", 1)
    assert block in sheet
    return replace_member(data, "xl/worksheets/sheet1.xml", sheet)


MERGE_VARIANTS = {
    "double-quoted": b'<mergeCell ref="A5:XFD1048576"/>',
    "single-quoted": b"<mergeCell ref='A5:XFD1048576'/>",
    "attribute-after-another": b"<mergeCell xmlns:x='urn:x' x:note='a' ref='A5:XFD1048576'/>",
    "spaces-around-equals": b'<mergeCell   ref = "A5:XFD1048576" />',
    "corners-reversed": b'<mergeCell ref="XFD1048576:A5"/>',
    "prefixed-element": b'<s:mergeCell xmlns:s="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ref="A5:XFD1048576"/>',
}


@pytest.mark.skipif(sys.platform != "linux", reason="the memory limit needs Linux RLIMIT_DATA")
@pytest.mark.parametrize("variant", list(MERGE_VARIANTS))
def test_a_huge_merged_range_is_refused_however_its_xml_is_written(tmp_path, variant):
    """Under a 256 MB and 4 s CPU limit: refused from the parsed XML, never expanded."""
    data = merged_xlsx(MERGE_VARIANTS[variant])
    assert len(data) < 12 * 1024
    result = read_isolated(tmp_path, data, "清单.xlsx")
    assert result["outcome"] == "refused", result
    assert "merges more cells" in result["message"]


def test_many_small_merged_ranges_over_the_limit_are_refused(tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 1000
    merges = b"".join(f'<mergeCell ref="A{r}:J{r}"/>'.encode() for r in range(10, 130))
    assert "merges more cells" in refused(tmp_path, merged_xlsx(merges), "清单.xlsx")


def test_a_far_cell_is_refused_by_the_pre_scan_naming_it(tmp_path):
    """python-calamine would allocate the whole sheet up to the farthest cell (and abort the
    process); the pre-scan of the sheet XML refuses first and says where the cell is."""
    message = refused(tmp_path, far_cell_xlsx(), "清单.xlsx")
    assert "more than 50,000 rows (row 1,048,576 holds data)" in message
    wb = openpyxl.load_workbook(io.BytesIO(small_plan_xlsx()))
    wb.active["XFD10"] = "注"  # far to the right: 10 rows by 16,384 columns is under the limit
    wb.active["XFD200"] = "注"  # 200 rows by 16,384 columns is not
    out = io.BytesIO()
    wb.save(out)
    message = refused(tmp_path, out.getvalue(), "清单.xlsx")
    assert "200 rows by 16,384 columns (to cell XFD200)" in message


def far_cell_xls() -> bytes:
    """A real .xls (LibreOffice's) with one cell record moved to the last cell, IV65536: the
    Workbook stream rewritten in place with olefile, same length."""
    import olefile

    from importers.readers.xls import VALUE_RECORDS, _records

    data = (ROOT / "fixtures" / "formats" / "qingdao-2023-city-plan.xls").read_bytes()
    ole = olefile.OleFileIO(io.BytesIO(data), write_mode=True)
    stream = bytearray(ole.openstream("Workbook").read())
    positions = [pos for rtype, body, pos in _records(bytes(stream), 0) if rtype in VALUE_RECORDS]
    assert not positions  # the globals substream holds no cells: walk the sheet's records
    from importers.readers.xls import BOUNDSHEET

    offset = next(
        int.from_bytes(body[:4], "little")
        for rtype, body, _ in _records(bytes(stream), 0)
        if rtype == BOUNDSHEET
    )
    pos = next(p for rtype, _b, p in _records(bytes(stream), offset) if rtype in VALUE_RECORDS)
    stream[pos + 4 : pos + 8] = (65535).to_bytes(2, "little") + (255).to_bytes(2, "little")
    ole.write_stream("Workbook", bytes(stream))
    out = ole.fp.getvalue()
    ole.close()
    return out


def test_a_far_cell_in_an_xls_is_refused_before_calamine_reads_it(tmp_path):
    message = refused(tmp_path, far_cell_xls(), "清单.xls")
    assert "(row 65,536 holds data)" in message


def far_cell_ods() -> bytes:
    data = (ROOT / "fixtures" / "formats" / "qingdao-2023-city-plan.ods").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        content = z.read("content.xml")
    far = (
        b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>'
        b'<table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p>'
        b"</table:table-cell></table:table-row></table:table>"
    )
    content = content.replace(b"</table:table>", far, 1)
    return replace_member(data, "content.xml", content)


def test_a_far_cell_in_an_ods_is_refused_before_calamine_reads_it(tmp_path):
    message = refused(tmp_path, far_cell_ods(), "清单.ods")
    assert "50,000 rows" in message


def test_a_csv_over_the_row_limit_is_refused_early_in_little_memory(settings):
    """Issue 9: 200,000 rows (7 MB) against the 50,000-row limit: refused in the first
    streaming pass, which keeps nothing; memory measured in this process with tracemalloc."""
    import time
    import tracemalloc

    assert settings.IMPORT_MAX_ROWS == 50_000
    rows = "".join(f"{n},新建养老服务设施第{n}处,区民政局,完成选址\n" for n in range(200_000))
    data = f"{TITLE}\n序号,项目名称,牵头单位,第一季度\n{rows}".encode()
    assert len(data) > 7 * MB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ImportFileError) as refusal:
            run_import(data=data, filename="清单.csv")
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "more than 50,000 rows" in str(refusal.value)
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB"  # the file itself is 7 MB and not copied
    assert elapsed < 20  # seconds, under tracemalloc on a slow shared machine
    assert counts() == NOTHING


def test_a_csv_at_the_row_limit_is_read(settings):
    settings.IMPORT_MAX_ROWS = 1_002
    rows = "".join(f"{n},项目{n},区民政局,完成选址\n" for n in range(1, 1001))
    data = f"{TITLE}\n序号,项目名称,牵头单位,第一季度\n{rows}".encode()
    assert (
        run_import(data=data, filename="清单.csv", dry_run=True).document["summary"]["projects"]
        == 1000
    )
    settings.IMPORT_MAX_ROWS = 1_001
    with pytest.raises(ImportFileError, match="more than 1,001 rows"):
        run_import(data=data, filename="清单.csv", dry_run=True)


# --- clear messages (issue 9 point 7) ---------------------------------------------------------

FORMATS = ROOT / "fixtures" / "formats"


@pytest.mark.parametrize("name", ["encrypted.xlsx", "encrypted.xls"])
def test_a_password_protected_workbook_says_so(tmp_path, name):
    data = (FORMATS / name).read_bytes()
    assert "encrypted" in refused(tmp_path, data, name)
    with translation.override("zh-hans"), pytest.raises(ImportFileError) as refusal:
        run_import(data=data, filename=name)
    assert "文件已加密，请另存为无密码的文件" in str(refusal.value)


def test_an_encrypted_xlsx_under_an_xls_name_says_so_too(tmp_path):
    data = (FORMATS / "encrypted.xlsx").read_bytes()
    assert "encrypted" in refused(tmp_path, data, "清单.xls")


def test_an_over_long_cell_is_named_by_sheet_cell_and_length(tmp_path, settings):
    settings.IMPORT_MAX_CELL_CHARS = 10_000
    long_text = "很长的说明" * 3000  # 15,000 characters
    data = xlsx_bytes([[TITLE], ["序号", "项目名称", "牵头单位"], ["1", long_text, "区民政局"]])
    message = refused(tmp_path, data, "清单.xlsx")
    assert "cell B3" in message and "15,000 characters" in message and "10,000" in message
    with translation.override("zh-hans"), pytest.raises(ImportFileError) as refusal:
        run_import(data=data, filename="清单.xlsx")
    assert "B3" in str(refusal.value) and "字" in str(refusal.value)


@pytest.mark.parametrize("length", [40_000, 200_000])  # under and over csv's own field limit
def test_an_over_long_csv_field_is_refused_with_its_row(tmp_path, length):
    data = csv_text([[*PLAN_1, "x" * length]]).encode()
    message = refused(tmp_path, data, "清单.csv")
    assert "row 3" in message and "characters" in message


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        pytest.param(
            "序号,项目名称,牵头单位\n1,Café crème,Zürich\n".encode("utf-16-le"),
            "UTF-16 LE without a byte order mark",
            id="utf-16-without-bom",
        ),
        pytest.param("序号,项目名称,牵头单位\n".encode("utf-32"), "UTF-32", id="utf-32-with-bom"),
        pytest.param(
            "Numéro,Intitulé,Unité\n1,Crèche à Zürich,Mairie élargie\n".encode("cp1252"),
            "cp125",  # charset-normalizer says cp1250 or cp1252 for so short a text
            id="latin",
        ),
    ],
)
def test_text_in_an_unsupported_encoding_names_what_was_detected(tmp_path, data, detected):
    message = refused(tmp_path, data, "清单.csv")
    assert "encoding" in message
    assert detected in message
    with translation.override("zh-hans"), pytest.raises(ImportFileError) as refusal:
        run_import(data=data, filename="清单.csv")
    assert "编码" in str(refusal.value)


def test_file_too_large_names_both_sizes_precisely(tmp_path, settings):
    data = small_plan_xlsx()
    settings.IMPORT_MAX_UPLOAD_BYTES = len(data) - 1
    message = refused(tmp_path, data, "清单.xlsx")
    assert f"({len(data):,} bytes)" in message
    assert f"({len(data) - 1:,} bytes)" in message
    with translation.override("zh-hans"), pytest.raises(ImportFileError) as refusal:
        run_import(data=data, filename="清单.xlsx")
    assert f"{len(data):,} 字节" in str(refusal.value)


# --- text encodings and separators (issue 11 point 1) ------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "filename", "delimiter"),
    [
        ("utf-8", "清单.csv", ","),
        ("utf-8-sig", "清单.csv", ","),
        ("gb18030", "清单.csv", ","),
        ("gbk", "清单.txt", "\t"),
        ("utf-16", "清单.csv", ","),  # with BOM, little-endian
        ("utf-16-be-bom", "清单.txt", "\t"),
        ("utf-16", "清单.tsv", "\t"),
        ("utf-8", "清单.txt", ","),
    ],
)
def test_text_files_in_every_supported_encoding_import_alike(encoding, filename, delimiter):
    text = csv_text(CSV_ROWS, delimiter=delimiter)
    data = (
        codecs.BOM_UTF16_BE + text.encode("utf-16-be")
        if encoding == "utf-16-be-bom"
        else text.encode(encoding)
    )
    doc = run_import(data=data, filename=filename, dry_run=True).document
    assert doc["errors"] == []
    assert (doc["title"], doc["jurisdiction"], doc["year"]) == (TITLE, "测试区", 2024)
    assert doc["summary"]["projects"] == 2
    assert doc["summary"]["milestones"] == 7
    assert doc["projects"][0]["subitems"][0]["co_units"] == ["杨柳青镇", "辛口镇"]


# --- .doc without LibreOffice, and a conversion that hangs --------------------------------------


def test_a_doc_without_libreoffice_says_how_to_get_it(tmp_path, settings):
    settings.IMPORT_SOFFICE = str(tmp_path / "no-soffice-here")
    data = (FORMATS / "shanting-2024-q1-ledger.doc").read_bytes()
    message = refused(tmp_path, data, "台账.doc")
    assert "LibreOffice" in message and "apt-get install libreoffice-writer-nogui" in message
    assert ".docx" in message


def test_a_conversion_over_the_time_limit_is_stopped(tmp_path, settings):
    """A stand-in soffice that never finishes (a real process): stopped at the limit, its
    whole process group killed."""
    fake = tmp_path / "soffice"
    pid_file = tmp_path / "child.pid"
    fake.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pid_file}\nwait\n")
    fake.chmod(0o755)
    settings.IMPORT_SOFFICE = str(fake)
    settings.IMPORT_CONVERT_TIMEOUT = 1
    data = (FORMATS / "shanting-2024-q1-ledger.doc").read_bytes()
    message = refused(tmp_path, data, "台账.doc")
    assert "longer than 1 seconds" in message
    child = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(child, 0)  # raises once the sleeping grandchild is gone
            time.sleep(0.1)
        os.kill(child, 0)


# --- what is hidden, and where cells are ---------------------------------------------------------


def test_a_hidden_sheet_is_not_read():
    wb = openpyxl.Workbook()
    old = wb.active
    old.title = "上月"
    for row in [[TITLE], ["序号", "项目名称", "牵头单位"], ["1", "旧项目", "区民政局"]]:
        old.append(row)
    old.sheet_state = "hidden"
    new = wb.create_sheet("本月")
    for row in [[TITLE], ["序号", "项目名称", "牵头单位"], ["1", "新项目", "区民政局"]]:
        new.append(row)
    out = io.BytesIO()
    wb.save(out)
    doc = run_import(data=out.getvalue(), filename="清单.xlsx", dry_run=True).document
    assert [p["name"] for p in doc["projects"]] == ["新项目"]


def test_cells_keep_their_place_when_a_sheet_starts_below_and_right_of_a1():
    """Pins how python-calamine's iter_rows pads (rows from 0, columns from the first used)."""
    from importers.readers import read_tables

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["E3"], ws["D6"] = "序号", "项目名称", "区民政局"
    ws.merge_cells("C4:C5")
    ws["C4"] = "1"
    out = io.BytesIO()
    wb.save(out)
    [table] = read_tables(out.getvalue(), "x.xlsx")
    assert table.row_numbers == [3, 4, 5, 6]
    assert [c.text for c in table.rows[0]] == ["", "", "序号", "", "项目名称"]
    assert table.rows[1][2].text == table.rows[2][2].text == "1"
    assert table.rows[1][2].origin == table.rows[2][2].origin == (3, 2)
    assert table.rows[3][3].text == "区民政局"
