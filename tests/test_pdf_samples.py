"""The samples printed to PDF import like the files they were printed from, through the real
command: the same figures and spot checks (docs/samples.md, fixtures/samples/expected.json) and the
same JSON document but for the new lines inside free text, and the page of every row.

The PDFs are in fixtures/pdf, made once by fixtures/pdf/make_pdfs.sh (LibreOffice headless):
Writer for the .docx (rows split by page breaks, no repeated header), Calc for the .xlsx (the
header rows repeated on every page, merged cells cut by page breaks).
"""

import io
import json
from pathlib import Path

import pytest
import test_samples
from django.core.management import call_command
from test_samples import ARGS, EXPECTED, SAMPLES, TABLE, row_counts

from importers.models import ImportBatch
from projects.models import Plan, SubItem

PDFS = SAMPLES.parent / "pdf"


def pdf_of(name: str) -> Path:
    return PDFS / (Path(name).stem + ".pdf")


def run_json(path: Path, *extra: str, args: list[str]) -> dict:
    out = io.StringIO()
    call_command("import_tasklist", str(path), *args, *extra, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    """name -> (the source file's document, its PDF's document), both dry runs."""
    with django_db_blocker.unblock():
        return {
            name: (
                run_json(SAMPLES / name, "--dry-run", args=ARGS.get(name, [])),
                run_json(pdf_of(name), "--dry-run", args=ARGS.get(name, [])),
            )
            for name in TABLE
        }


def _without_pages_and_new_lines(value):
    """The document with the PDF's page numbers left out and the new lines inside texts read
    as nothing: where a line of Chinese filled a cell, a wrap and a new line look the same.
    The skipped rows are left out too: the notes under a sheet's table are rows of the sheet,
    but a PDF prints them outside the ruled table, where the PDF reader never takes them."""
    if isinstance(value, dict):
        return {
            k: _without_pages_and_new_lines(v)
            for k, v in value.items()
            if k not in ("page", "skipped")
        }
    if isinstance(value, list):
        return [_without_pages_and_new_lines(v) for v in value]
    if isinstance(value, str):
        return value.replace("\n", "")
    return value


@pytest.mark.parametrize("name", sorted(TABLE))
def test_summary_is_the_same_as_from_the_file_it_was_printed_from(documents, name):
    source, pdf = documents[name]
    assert pdf["errors"] == []
    assert pdf["summary"] == source["summary"]
    for key, want in TABLE[name].items():
        assert pdf["summary"][key] == want, key
    assert (pdf["title"], pdf["year"], pdf["period"]) == (
        source["title"],
        EXPECTED[name]["year"],
        EXPECTED[name].get("period"),
    )


@pytest.mark.parametrize(("name", "check"), list(test_samples._checks()))
def test_spot_checks_hold_for_the_pdf(documents, name, check):
    test_samples.test_spot_checks({name: documents[name][1]}, name, check)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_whole_document_is_the_same_but_for_new_lines_in_texts(documents, name):
    source, pdf = documents[name]
    assert _without_pages_and_new_lines(pdf) == _without_pages_and_new_lines(source)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_row_of_a_pdf_has_its_page_and_other_files_have_none(documents, name):
    source, pdf = documents[name]
    subitems = [s for p in pdf["projects"] for s in p["subitems"]]
    pages = [s["page"] for s in subitems]
    assert pages == sorted(pages)
    assert pages[0] >= 1
    assert all("page" in p for p in pdf["projects"])
    assert not any("page" in s for p in source["projects"] for s in p["subitems"])
    assert not any("page" in p for p in source["projects"])


def test_pages_of_rows_that_a_page_break_cut(documents):
    """Task 117 runs over four pages, its 序号 and name printed again on page 89 (one project,
    six sub-items); in the ledger, task 6's first row was split by the break between pages 6
    and 7 and is one sub-item."""
    tasks = documents["xiqing-2023-work-report-tasks.docx"][1]
    task = next(p for p in tasks["projects"] if p["number"] == "117")
    assert [s["page"] for s in task["subitems"]] == [87, 87, 88, 89, 89, 90]
    assert [s["lead_unit"] for s in task["subitems"]][-1] == "消防救援支队"
    ledger = documents["shanting-2024-q1-ledger.docx"][1]
    six = next(p for p in ledger["projects"] if p["number"] == "6")
    assert [s["page"] for s in six["subitems"]] == [6, 8, 8]  # page 7 is the rest of the first
    assert six["name"] == "实施道路交通提升工程"


def test_beilun_statuses_and_lagging_explanation_from_the_pdf(documents):
    """The progress table's figures of test_samples, from the PDF Calc printed with the two
    header rows repeated on each page."""
    name = "beilun-2024-10-progress.xlsx"
    test_samples.test_beilun_statuses_and_lagging_explanation({name: documents[name][1]})


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["beilun-2024-10-progress.xlsx", "xiqing-2023-minxin-plan.xlsx"])
def test_the_pdf_after_its_file_changes_nothing_but_the_source(name):
    """Importing the PDF of a list already imported from its file finds every row the same:
    only the plan's source file changes. Nothing is written twice."""
    run_json(SAMPLES / name, args=ARGS.get(name, []))
    before = row_counts()
    doc = run_json(pdf_of(name), args=ARGS.get(name, []))
    assert doc["changes"]["plans"]["updated"] == 1
    for kind, counts in doc["changes"].items():
        if kind != "plans":
            assert counts["created"] == counts["updated"] == counts["not_in_file"] == 0, kind
            assert counts["withdrawn"] == 0, kind
    assert row_counts() == before
    assert Plan.objects.get().source_file == pdf_of(name).name


@pytest.mark.django_db
def test_a_pdf_imports_for_real_and_is_kept_on_record():
    name = "shanting-2024-q1-ledger.docx"
    doc = run_json(pdf_of(name), args=ARGS[name])
    assert doc["changes"]["subitems"]["created"] == 25
    assert SubItem.objects.count() == 25
    batch = ImportBatch.objects.get()
    assert batch.original_name == pdf_of(name).name
    assert batch.file.name.endswith(".pdf")


def test_pages_cut_from_a_long_pdf_keep_split_rows_and_running_names_whole():
    """Pages 288-290 of a 310-page print of the plan (fixtures/pdf/make_pdfs.sh says how it
    was made): 经开集 / 团 is a row of one line per cell split by the page break, and task 3017's
    name runs on past the page beside its empty 序号, over the next page's sub-rows."""
    from importers.cells import clean_name
    from importers.readers import read_tables

    (table,) = read_tables((PDFS / "tasks-pages-288-290.pdf").read_bytes(), "tasks.pdf")
    numbers = [clean_name(row[0].text) for row in table.rows]
    units = [clean_name(row[2].text) for row in table.rows]
    assert numbers == ["3015", "3016", "3016", "3016", "3016", "3017", "3017"]
    assert units == [
        "协同办南站公司",
        "工信局",
        "科技局",
        "经开集团",
        "永泰恒基",
        "工信局",
        "经开集团",
    ]
    assert table.row_pages == [1, 1, 2, 2, 3, 3, 3]
    names = [row[1] for row in table.rows[-2:]]
    assert names[0] == names[1]  # one merged cell, its text from both pages
    assert clean_name(names[0].text).startswith("壮大集成电路产业")
    assert "芯国际" in clean_name(names[0].text)
