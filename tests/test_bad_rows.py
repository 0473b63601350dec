"""Bad rows: the corpus of tables that are read fine but hold something that must not pass.

Text longer than its field is an error on its row and column (never a DataError or a 500, on
SQLite and PostgreSQL alike); exact duplicate rows and names that a spreadsheet would take for
a formula are warnings; a header without data rows is an error. Every file is made here,
through the real service, command and views.
"""

from __future__ import annotations

import io

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation
from test_bad_files import QUARTERS, docx_bytes, xlsx_bytes

from importers import cells
from importers.models import ImportBatch
from importers.services import run_import
from importers.types import ImportFileError
from progress.models import ProgressReport
from projects.models import (
    Category,
    Indicator,
    Jurisdiction,
    Leader,
    Person,
    Plan,
    Project,
    SubItem,
    Unit,
    UnitAlias,
)

pytestmark = pytest.mark.django_db

TITLE = "测试区2024年民生实事项目清单"
HEADER = ["大项", "序号", "项目名称", "牵头单位", "配合单位", "责任人"]
HEADER += ["第一季度", "第二季度", "第三季度", "第四季度", "分管区领导"]
GOOD = ["一、养老服务", "1", "新建养老服务设施", "区民政局", "杨柳青镇", "郭金花 张伟"]
GOOD += ["完成选址", "开工建设", "——", "建成投用", "柴树芳"]
SECOND = ["一、养老服务", "2", "新建口袋公园", "区城管委", "", "李明"]
SECOND += ["完成设计", "开工建设", "完工", "投入使用", "柴树芳"]
DATA_ROW = 3  # title, header, then the first data row


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def csv_bytes(*rows: list[str], title: str = TITLE) -> bytes:
    return "\n".join(",".join(r) for r in [[title], HEADER, *rows]).encode()


def with_cell(column: str, value: str) -> list[str]:
    row = list(GOOD)
    row[HEADER.index(column)] = value
    return row


def written() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Plan, Project, SubItem, Unit, Jurisdiction)}


# --- 4. text that does not fit its field ----------------------------------------------------------

# case: column, value; each is one character longer than its field or far longer
TOO_LONG = {
    "lead unit of 150 characters": ("牵头单位", "区" + "很" * 148 + "局"),
    "co-operating unit of 150 characters": ("配合单位", "区" + "长" * 148 + "局"),
    "person of 51 characters": ("责任人", "张" * 51),
    "leader of 60 characters": ("分管区领导", "柴" * 60),
    "25-digit 序号": ("序号", "1" * 25),
    "21-character 序号": ("序号", "1" * 21),
    "project name of 1001 characters": ("项目名称", "建" * 1001),
    "category of 250 characters": ("大项", "一、" + "类" * 248),
}


@pytest.mark.parametrize("case", list(TOO_LONG))
def test_text_longer_than_its_field_is_an_error_on_its_row_and_column(tmp_path, case):
    column, value = TOO_LONG[case]
    data = csv_bytes(with_cell(column, value), SECOND)
    outcome = run_import(data=data, filename="清单.csv")
    assert not outcome.applied
    errors = outcome.document["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(DATA_ROW, column)], errors
    assert "characters" in errors[0]["message"]
    assert written() == dict.fromkeys(written(), 0)

    path = tmp_path / "清单.csv"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_tasklist", str(path), stdout=io.StringIO(), stderr=err)
    assert f"row {DATA_ROW}, column {column}" in err.getvalue()
    assert written() == dict.fromkeys(written(), 0)


@pytest.mark.parametrize("case", list(TOO_LONG))
def test_text_that_just_fits_is_imported_whole(case):
    column, value = TOO_LONG[case]
    limit = {
        "牵头单位": 100,
        "配合单位": 100,
        "责任人": 50,
        "分管区领导": 50,
        "序号": 20,
        "项目名称": 1000,
        "大项": 200,
    }[column]
    fits = value[: limit - 1] + value[-1]
    outcome = run_import(data=csv_bytes(with_cell(column, fits), SECOND), filename="清单.csv")
    assert outcome.applied, outcome.document["errors"]


def test_a_title_longer_than_a_plan_title_is_an_error():
    title = "测试区2024年民生实事项目清单" + "及" * 200
    outcome = run_import(data=csv_bytes(GOOD, title=title), filename="清单.csv")
    assert not outcome.applied
    [error] = outcome.document["errors"]
    assert "title" in error["message"] and "200" in error["message"]
    assert not Plan.objects.exists()


def test_a_jurisdiction_longer_than_its_field_is_an_error(tmp_path):
    data = csv_bytes(GOOD, title="2024年民生实事项目清单")
    outcome = run_import(data=data, filename="清单.csv", jurisdiction="测" * 51 + "区")
    assert not outcome.applied
    [error] = outcome.document["errors"]
    assert "jurisdiction" in error["message"] and "50" in error["message"]
    assert not Jurisdiction.objects.exists()


def test_a_sub_item_name_of_1001_characters_is_an_error_on_its_column():
    header = ["序号", "项目名称", "主要内容", "牵头单位", "第一季度"]
    rows = [[TITLE], header, ["1", "教育设施", "新" * 1001, "区教育局", "完成选址"]]
    data = "\n".join(",".join(r) for r in rows).encode()
    outcome = run_import(data=data, filename="清单.csv")
    assert [(e["row"], e["column"]) for e in outcome.document["errors"]] == [(3, "主要内容")]
    assert not Plan.objects.exists()


# The CharFields that an import writes, and how each is kept within its length: checked on
# import (a case above) or bounded by how the value is made (checked here).
CHECKED = {
    (Jurisdiction, "name"),
    (Unit, "name"),
    (Unit, "key"),
    (UnitAlias, "alias"),
    (Person, "name"),
    (Leader, "name"),
    (Plan, "title"),
    (Category, "name"),
    (Project, "number"),
    (Project, "name"),
    (SubItem, "name"),
}
BOUNDED = {
    (Jurisdiction, "level"): "the default of Jurisdiction.Level",
    (Plan, "kind"): "one of Plan.Kind",
    (Plan, "reporting_cycle"): "one of Plan.Cycle",
    (Plan, "source_file"): "the file name, cut to 255 like ImportBatch.original_name",
    (Indicator, "name"): "cells._good_name keeps names of 24 characters or fewer",
    (Indicator, "unit"): "one of cells.MEASURES",
    (ProgressReport, "status"): "one of Status",
    (ProgressReport, "state"): "always approved",
    (ProgressReport, "source"): "always import",
    (ImportBatch, "original_name"): "cut to 255",
    (ImportBatch, "jurisdiction_name"): "the form's 50, or the checked jurisdiction",
    (ImportBatch, "period"): "validated as YYYY-MM",
    (ImportBatch, "state"): "one of ImportBatch.State",
}
WRITTEN_MODELS = {m for m, _ in CHECKED | set(BOUNDED)}


def test_every_char_field_an_import_writes_is_checked_or_bounded():
    fields = {
        (model, f.name)
        for model in WRITTEN_MODELS
        for f in model._meta.get_fields()
        if isinstance(f, models.CharField) and not f.primary_key
    }
    assert fields == CHECKED | set(BOUNDED)
    unit_limit = Unit._meta.get_field("name").max_length
    assert Unit._meta.get_field("key").max_length >= unit_limit
    assert UnitAlias._meta.get_field("alias").max_length >= unit_limit
    assert max(len(m) for m in cells.MEASURES) <= Indicator._meta.get_field("unit").max_length
    assert not cells._good_name("新" * 25)
    assert Indicator._meta.get_field("name").max_length >= 24
    for model, name in BOUNDED:
        field = model._meta.get_field(name)
        if field.choices:
            assert max(len(v) for v, _ in field.choices) <= field.max_length


def test_a_long_file_name_is_kept_within_the_plan_source_field():
    name = "清" * 300 + ".csv"
    outcome = run_import(data=csv_bytes(GOOD), filename=name)
    assert outcome.applied
    assert len(Plan.objects.get().source_file) <= 255


# --- 6. duplicate rows and formula-like names ----------------------------------------------------


def test_an_exact_duplicate_row_is_a_warning_with_both_row_numbers_not_a_sub_item():
    outcome = run_import(data=csv_bytes(GOOD, SECOND, GOOD), filename="清单.csv")
    assert outcome.applied
    doc = outcome.document
    assert doc["summary"]["subitems"] == 2
    [warning] = [w for w in doc["warnings"] if "repeats" in w["message"]]
    assert warning["row"] == 5
    assert "row 3" in warning["message"]
    assert SubItem.objects.count() == 2


def test_two_duplicates_of_one_row_are_two_warnings():
    outcome = run_import(data=csv_bytes(GOOD, GOOD, SECOND, GOOD), filename="清单.csv")
    repeats = [w for w in outcome.document["warnings"] if "repeats" in w["message"]]
    assert [w["row"] for w in repeats] == [4, 6]
    assert SubItem.objects.count() == 2


def test_rows_that_differ_in_one_cell_are_not_duplicates():
    other = list(GOOD)
    other[HEADER.index("牵头单位")] = "区卫健委"
    outcome = run_import(data=csv_bytes(GOOD, other), filename="清单.csv")
    assert not [w for w in outcome.document["warnings"] if "repeats" in w["message"]]
    assert SubItem.objects.count() == 2


FORMULA_LIKE = {
    "牵头单位": "=区民政局",
    "配合单位": "+杨柳青镇",
    "责任人": "@郭金花",
    "分管区领导": "-柴树芳",
}


@pytest.mark.parametrize("column", list(FORMULA_LIKE))
def test_a_name_that_starts_like_a_formula_is_a_warning_on_its_row_and_column(column):
    outcome = run_import(
        data=csv_bytes(with_cell(column, FORMULA_LIKE[column]), SECOND), filename="清单.csv"
    )
    assert outcome.applied
    warnings = [w for w in outcome.document["warnings"] if "formula" in w["message"]]
    assert [(w["row"], w["column"]) for w in warnings] == [(DATA_ROW, column)]
    assert FORMULA_LIKE[column] in warnings[0]["message"]


# --- 1. no data rows --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(csv_bytes(), id="header-only"),
        pytest.param(csv_bytes(["", "", "", "", "", ""]), id="header-and-empty-row"),
    ],
)
def test_a_table_without_data_rows_is_an_error(data):
    outcome = run_import(data=data, filename="清单.csv")
    assert not outcome.applied
    assert ["no data rows" in e["message"] for e in outcome.document["errors"]] == [True]
    assert not Plan.objects.exists()


# --- 7. the pasted text over the request limit, in the site's language ------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_paste_over_the_request_limit_is_refused_in_the_sites_language(
    admin_user, settings, language
):
    """Django refuses the body before the view (the CSRF check reads the form first): the
    page that says so is in the user's language, with what to do, not a bare 400."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(admin_user)
    client.get(reverse("importers:upload"))
    token = client.cookies["csrftoken"].value
    text = "\t".join(HEADER) + "\n" + ("\t".join(GOOD) + "\n") * 100
    response = client.post(
        reverse("importers:upload"), {"text": text, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert f'lang="{language}"' in page
    expected = "粘贴的内容过大" if language == "zh-hans" else "The pasted text is too large"
    assert expected in page
    assert "MB" in page
    assert not ImportBatch.objects.exists()


def test_a_paste_over_the_import_limit_says_pasted_text_not_file(client_as, admin_user, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    client = client_as(admin_user)
    text = "\t".join(HEADER) + "\n" + ("\t".join(GOOD) + "\n") * 20
    response = client.post(reverse("importers:upload"), {"text": text, "year": "2024"})
    assert response.status_code == 200
    assert response.context["form"].has_error("text", "too_large")
    assert "粘贴的内容过大" in response.content.decode()


# --- the same cases in the other formats ---------------------------------------------------------


def test_header_only_xlsx_and_docx_are_errors():
    header = ["序号", "项目名称", "牵头单位", *QUARTERS]
    for data, name in (
        (xlsx_bytes([[TITLE], header]), "清单.xlsx"),
        (docx_bytes(TITLE, header, []), "清单.docx"),
    ):
        outcome = run_import(data=data, filename=name)
        assert ["no data rows" in e["message"] for e in outcome.document["errors"]] == [True], name
    assert not Plan.objects.exists()


def test_a_duplicate_xlsx_row_warns_but_a_row_merged_into_the_one_above_is_silent():
    header = ["序号", "项目名称", "牵头单位", *QUARTERS]
    row = ["1", "新建养老服务设施", "区民政局", "完成选址", "开工建设", "——", "建成投用"]
    outcome = run_import(data=xlsx_bytes([[TITLE], header, row, row]), filename="清单.xlsx")
    assert [w["row"] for w in outcome.document["warnings"] if "repeats" in w["message"]] == [4]
    assert SubItem.objects.count() == 1

    # every cell of the second row merged with the first: one row to the reader's eye, and
    # no warning about a duplicate that the file does not show
    data = docx_bytes(TITLE, header, [row, row])
    document = docx.Document(io.BytesIO(data))
    table = document.tables[0]
    for c in range(len(header)):
        table.cell(1, c).merge(table.cell(2, c)).text = row[c]
    out = io.BytesIO()
    document.save(out)
    outcome = run_import(data=out.getvalue(), filename="清单.docx")
    assert outcome.document["summary"]["subitems"] == 1
    assert not [w for w in outcome.document["warnings"] if "repeats" in w["message"]]


# --- control characters ---------------------------------------------------------------------------


def _with_control(control: str, kind: str) -> bytes:
    """The two-row plan with `control` in its title, a name and a quarter's text: in a CSV as
    the character itself, in an .xlsx as the _xHHHH_ escape that Excel writes for it."""
    mark = control if kind == "csv" else f"_x{ord(control):04X}_"
    row = with_cell("项目名称", f"新建养老{mark}服务设施")
    row[HEADER.index("第一季度")] = f"完成{mark}选址"
    if kind == "csv":
        return csv_bytes(row, SECOND, title=TITLE + mark)
    return xlsx_bytes([[TITLE + mark], HEADER, row, SECOND])


@pytest.mark.parametrize(
    "control, kind",
    [
        ("\x00", "xlsx"),
        ("\x01", "xlsx"),
        ("\x01", "csv"),
        ("\x0b", "csv"),
        ("\x1f", "csv"),
        ("\x7f", "csv"),
    ],
)
def test_control_characters_in_cells_are_dropped_not_an_error(control, kind):
    """A NUL or another control character that an export left in a cell (PostgreSQL cannot
    store NUL in text at all: COPY and INSERT fail) is dropped, on every database."""
    outcome = run_import(data=_with_control(control, kind), filename=f"清单.{kind}")
    assert outcome.applied, outcome.document["errors"]
    assert Plan.objects.get().title == TITLE
    names = sorted(SubItem.objects.values_list("name", flat=True))
    assert names == ["新建养老服务设施", "新建口袋公园"]
    sub = SubItem.objects.get(name="新建养老服务设施")
    assert sub.milestones.order_by("due").first().text == "完成选址"


def test_a_nul_in_a_text_file_is_refused_as_binary():
    """In a CSV a NUL says the file is not text (UTF-16 without its byte order mark, or not
    text at all): refused with the reason, nothing written."""
    with pytest.raises(ImportFileError, match="not text"):
        run_import(data=_with_control("\x00", "csv"), filename="清单.csv")
    assert written() == dict.fromkeys(written(), 0)
