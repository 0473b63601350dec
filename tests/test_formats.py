"""The legacy and odd formats of fixtures/formats (written by LibreOffice from the samples, see
fixtures/formats/make_formats.py), imported through the real import_tasklist command: each
gives its sample's figures (fixtures/samples/expected.json) and the very same import document.
Hidden rows, columns and an instructions sheet in front change nothing either."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from importers.readers import read_tables
from projects.models import Milestone, Plan, Project, SubItem

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "fixtures" / "samples"
FORMATS = ROOT / "fixtures" / "formats"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
ARGS = {
    "beilun-2024-10-progress.xlsx": ["--jurisdiction", "北仑区"],
    "shanting-2024-q1-ledger.docx": ["--jurisdiction", "山亭区"],
    "qingdao-2023-city-plan.xlsx": ["--jurisdiction", "青岛市"],
}
# fixture file -> the sample it was made from
MADE_FROM = {
    "xiqing-2023-minxin-plan.xls": "xiqing-2023-minxin-plan.xlsx",
    "beilun-2024-10-progress.xls": "beilun-2024-10-progress.xlsx",
    "qingdao-2023-city-plan.xls": "qingdao-2023-city-plan.xlsx",
    "beilun-2024-10-progress.ods": "beilun-2024-10-progress.xlsx",
    "qingdao-2023-city-plan.ods": "qingdao-2023-city-plan.xlsx",
    "xiqing-2023-work-report-tasks.doc": "xiqing-2023-work-report-tasks.docx",
    "shanting-2024-q1-ledger.doc": "shanting-2024-q1-ledger.docx",
    "beilun-2024-10-progress-html.xls": "beilun-2024-10-progress.xlsx",
    "xiqing-2023-minxin-plan-2003xml.xls": "xiqing-2023-minxin-plan.xlsx",
    "beilun-2024-10-progress-2003xml.xls": "beilun-2024-10-progress.xlsx",
    "beilun-hidden.xlsx": "beilun-2024-10-progress.xlsx",
    "beilun-hidden.xls": "beilun-2024-10-progress.xlsx",
    "beilun-hidden.ods": "beilun-2024-10-progress.xlsx",
    "xiqing-instructions.xlsx": "xiqing-2023-minxin-plan.xlsx",
    "xiqing-instructions.xls": "xiqing-2023-minxin-plan.xlsx",
}
# .doc is converted by LibreOffice: CI installs it (.ci/run); elsewhere these skip without it.
NEEDS_SOFFICE = pytest.mark.skipif(
    not shutil.which("soffice") and not os.environ.get("CI"), reason="needs LibreOffice (soffice)"
)
COMPARED = ("title", "jurisdiction", "year", "period", "kind", "summary", "projects", "errors")


def run_json(path: Path, sample: str, *extra: str) -> dict:
    out = io.StringIO()
    call_command("import_tasklist", str(path), *ARGS.get(sample, []), *extra, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    have_soffice = bool(shutil.which("soffice"))
    with django_db_blocker.unblock():
        samples = {s: run_json(SAMPLES / s, s, "--dry-run") for s in set(MADE_FROM.values())}
        made = {
            f: run_json(FORMATS / f, s, "--dry-run")
            for f, s in MADE_FROM.items()
            if have_soffice or not f.endswith(".doc")
        }
    return samples, made


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=[NEEDS_SOFFICE] if n.endswith(".doc") else [])
        for n in sorted(MADE_FROM)
    ],
)
def test_format_gives_the_samples_figures_and_document(documents, name):
    samples, made = documents
    sample = MADE_FROM[name]
    doc = made[name]
    assert doc["errors"] == []
    assert doc["summary"] == {**doc["summary"], **EXPECTED[sample]["summary"]}
    assert doc["year"] == EXPECTED[sample]["year"]
    assert doc["period"] == EXPECTED[sample].get("period")
    for key in COMPARED:
        assert doc[key] == samples[sample][key], key


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["xiqing-2023-work-report-tasks.doc", "xiqing-2023-minxin-plan.xls", "beilun-hidden.ods"],
)
def test_format_imports_for_real(name):
    """Written, not only counted: the rows in the database are the sample's."""
    sample = MADE_FROM[name]
    call_command(
        "import_tasklist", str(FORMATS / name), *ARGS.get(sample, []), stdout=io.StringIO()
    )
    want = EXPECTED[sample]["summary"]
    assert Plan.objects.count() == 1
    assert Project.objects.count() == want["projects"]
    assert SubItem.objects.count() == want["subitems"]
    assert Milestone.objects.count() == want["milestones"]


# --- what is hidden is not read ------------------------------------------------------------------


def _all_texts(tables) -> set[str]:
    return {c.text for t in tables for row in t.rows for c in row}


@pytest.mark.parametrize("ext", ["xlsx", "xls", "ods"])
def test_hidden_columns_and_row_hold_last_months_figures_and_are_not_read(ext):
    """The file really holds last month's texts and a withdrawn project, hidden; the reader
    leaves them out (so the import above equals the sample's)."""
    data = (FORMATS / f"beilun-hidden.{ext}").read_bytes()
    with CalamineWorkbook.from_filelike(io.BytesIO(data)) as wb:
        raw = {str(v) for row in wb.get_sheet_by_index(0).to_python() for v in row}
    assert "9月完成情况" in raw
    assert any(v.startswith("9月：") for v in raw)
    assert "已撤销的项目" in raw
    texts = _all_texts(read_tables(data, f"beilun-hidden.{ext}"))
    assert "10月完成情况" in texts
    assert "9月完成情况" not in texts
    assert not any(t.startswith("9月：") for t in texts)
    assert "已撤销的项目" not in texts


def test_hidden_variant_is_what_openpyxl_says_is_hidden():
    ws = openpyxl.load_workbook(FORMATS / "beilun-hidden.xlsx").active
    assert [k for k, d in ws.column_dimensions.items() if d.hidden] == ["H", "I", "J"]
    assert [r for r, d in ws.row_dimensions.items() if d.hidden] == [ws.max_row]


@pytest.mark.parametrize("ext", ["xlsx", "xls"])
def test_instructions_sheet_in_front_is_passed_over(ext):
    data = (FORMATS / f"xiqing-instructions.{ext}").read_bytes()
    tables = read_tables(data, f"xiqing-instructions.{ext}")
    assert tables[0].source == "填报说明"  # read, but it holds no table header
    assert len(tables) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["qingdao-2023-city-plan.xls", "qingdao-2023-city-plan.ods"])
def test_the_web_upload_accepts_the_new_formats(admin_client, name):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from importers.models import ImportBatch

    upload = SimpleUploadedFile(name, (FORMATS / name).read_bytes())
    page = admin_client.get(reverse("importers:upload")).content.decode()
    assert ".xls" in page and ".ods" in page and ".doc" in page  # the file input's accept list
    response = admin_client.post(
        reverse("importers:upload"), {"file": upload, "jurisdiction": "青岛市"}
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    batch = ImportBatch.objects.get()
    want = EXPECTED["qingdao-2023-city-plan.xlsx"]["summary"]
    assert {k: batch.summary["counts"][k] for k in want} == want
