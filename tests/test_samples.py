"""The five samples give docs/samples.md's figures and spot checks, through the real command."""

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from progress.models import ProgressReport
from projects.models import (
    Category,
    CoUnit,
    Indicator,
    IndicatorTarget,
    Leader,
    Milestone,
    Person,
    Plan,
    Project,
    SubItem,
    Unit,
)

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))

# docs/samples.md's table, written out here so the test does not only trust expected.json.
TABLE = {
    "xiqing-2023-minxin-plan.xlsx": dict(
        categories=20, projects=31, subitems=39, milestones=151, reports=0
    ),
    "xiqing-2023-work-report-tasks.docx": dict(
        categories=0, projects=123, subitems=197, milestones=652, reports=0
    ),
    "beilun-2024-10-progress.xlsx": dict(
        categories=0, projects=10, subitems=35, milestones=34, reports=35
    ),
    "shanting-2024-q1-ledger.docx": dict(
        categories=0, projects=10, subitems=25, milestones=0, reports=25
    ),
    "qingdao-2023-city-plan.xlsx": dict(categories=0, projects=16, subitems=25, reports=0),
}
ARGS = {
    "beilun-2024-10-progress.xlsx": ["--jurisdiction", "北仑区"],
    "shanting-2024-q1-ledger.docx": ["--jurisdiction", "山亭区"],
    "qingdao-2023-city-plan.xlsx": ["--jurisdiction", "青岛市"],
}
COUNTED = (
    Plan,
    Category,
    Project,
    SubItem,
    CoUnit,
    Milestone,
    Indicator,
    IndicatorTarget,
    ProgressReport,
    Unit,
    Person,
    Leader,
)


def run_json(name: str, *extra: str) -> dict:
    out = io.StringIO()
    call_command(
        "import_tasklist", str(SAMPLES / name), *ARGS.get(name, []), *extra, "--json", stdout=out
    )
    return json.loads(out.getvalue())


def row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in COUNTED}


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return {name: run_json(name, "--dry-run") for name in TABLE}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_summary_matches_product_table(documents, name):
    summary = documents[name]["summary"]
    for key, want in TABLE[name].items():
        assert summary[key] == want, key
    assert summary == {**summary, **EXPECTED[name]["summary"]}
    assert documents[name]["errors"] == []


@pytest.mark.parametrize("name", sorted(TABLE))
def test_year_and_period(documents, name):
    doc = documents[name]
    assert doc["year"] == EXPECTED[name]["year"]
    assert doc["period"] == EXPECTED[name].get("period")


def _project(doc: dict, number: str) -> dict:
    return next(p for p in doc["projects"] if p["number"] == number)


def _checks():
    for name, spec in EXPECTED.items():
        for i, check in enumerate(spec["checks"]):
            yield pytest.param(
                name, check, id=f"{name.split('-')[0]}-{name.split('-')[2]}-{i}-p{check['project']}"
            )


@pytest.mark.parametrize(("name", "check"), list(_checks()))
def test_spot_checks(documents, name, check):
    project = _project(documents[name], check["project"])
    sub = project["subitems"][check.get("sub", 0)]
    if "name" in check:
        assert project["name"] == check["name"]
    if "category" in check:
        assert project["category"] == check["category"]
    if "lead" in check:
        assert sub["lead_unit"] == check["lead"]
    if "co" in check:
        assert sub["co_units"] == check["co"]
    if "persons" in check:
        assert check["persons"].items() <= sub["persons"].items()
    if "leaders" in check:
        assert project["leaders"] == check["leaders"]
    if "dues" in check:
        assert [m["due"] for m in sub["milestones"]] == check["dues"]
    if "nsub" in check:
        assert len(project["subitems"]) == check["nsub"]
    if "leads" in check:
        assert [s["lead_unit"] for s in project["subitems"]] == check["leads"]
    if "targets" in check:
        assert check["targets"] in [[t["value"] for t in i["targets"]] for i in sub["indicators"]]
    if "status" in check:
        assert sub["report"]["status"] == check["status"]


def test_minxin_indicator_names_units_and_dates(documents):
    doc = documents["xiqing-2023-minxin-plan.xlsx"]
    p8 = _project(doc, "8")
    jobs = p8["subitems"][0]["indicators"][0]
    assert (jobs["name"], jobs["unit"]) == ("新增就业", "人")
    assert [t["due"] for t in jobs["targets"]] == [
        "2023-03-31",
        "2023-06-30",
        "2023-09-30",
        "2023-12-31",
    ]
    training = p8["subitems"][1]["indicators"][0]
    assert (training["name"], training["unit"]) == ("职业技能培训", "人次")
    p26 = _project(doc, "26")["subitems"][0]["indicators"][0]
    assert p26["unit"] == "%"
    assert [(t["due"], t["value"]) for t in p26["targets"]] == [
        ("2023-06-30", 40),
        ("2023-09-30", 80),
    ]
    assert len(_project(doc, "1")["subitems"][0]["milestones"]) == 3  # Q4 is ——


def test_minxin_names_are_cleaned_of_pdf_spaces(documents):
    doc = documents["xiqing-2023-minxin-plan.xlsx"]
    p11 = _project(doc, "11")
    assert p11["subitems"][0]["persons"]["区农业农村委"] == "梁亮"
    p3 = _project(doc, "3")
    assert p3["name"] == "新建10处养老服务设施"
    assert p3["subitems"][0]["persons"] == {
        "区民政局": "郭金花",
        "杨柳青镇": "张伟",
        "辛口镇": "王树军",
        "张家窝镇": "赵林",
        "精武镇": "乔金星",
        "李七庄街": "王超",
    }


def test_work_report_merged_schedule_counts_once(documents):
    doc = documents["xiqing-2023-work-report-tasks.docx"]
    task1 = _project(doc, "1")["subitems"][0]
    assert [m["due"] for m in task1["milestones"]] == ["2023-12-31"]
    # two neighbouring quarters with equal text are two milestones (task 2, Q3 and Q4)
    task2 = _project(doc, "2")["subitems"][0]
    assert len(task2["milestones"]) == 4
    assert task2["milestones"][2]["text"] == task2["milestones"][3]["text"]
    assert "<p>" not in json.dumps(doc, ensure_ascii=False)


def test_beilun_statuses_and_lagging_explanation(documents):
    doc = documents["beilun-2024-10-progress.xlsx"]
    reports = [s["report"] for p in doc["projects"] for s in p["subitems"]]
    assert (
        Counter(r["status"] for r in reports)
        == EXPECTED["beilun-2024-10-progress.xlsx"]["statuses"]
    )
    lagging = [
        (p["number"], s["report"])
        for p in doc["projects"]
        for s in p["subitems"]
        if s["report"]["status"] == "lagging"
    ]
    assert len(lagging) == 1
    number, report = lagging[0]
    assert number == "1"
    assert "滞后" in report["explanation"]
    assert all(r["period"] == "2024-10" for r in reports)


def test_shanting_problems_none_is_empty(documents):
    doc = documents["shanting-2024-q1-ledger.docx"]
    reports = [s["report"] for p in doc["projects"] for s in p["subitems"]]
    assert all(r["problems"] != "无" for r in reports)
    assert reports[0]["problems"] == ""
    sub = _project(doc, "3")["subitems"][1]
    assert sub["name"].startswith("新建提升6处口袋公园")


def test_qingdao_scoped_units_and_dates(documents):
    doc = documents["qingdao-2023-city-plan.xlsx"]
    p2 = _project(doc, "2")
    assert [s["name"] for s in p2["subitems"]] == ["节能保暖工程", "老旧小区改造"]
    jobs = _project(doc, "1")["subitems"][0]["indicators"][0]
    assert (jobs["name"], jobs["unit"]) == ("城镇新增就业", "人")
    assert [t["due"] for t in jobs["targets"]] == [
        "2023-03-31",
        "2023-06-30",
        "2023-09-30",
        "2023-12-31",
    ]
    assert _project(doc, "3")["subitems"][0]["milestones"][-1]["due"] == "2023-11-30"
    assert "2023-07-31" in [m["due"] for m in _project(doc, "5")["subitems"][0]["milestones"]]


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    run_json("xiqing-2023-minxin-plan.xlsx", "--dry-run")
    assert all(n == 0 for n in row_counts().values())


@pytest.mark.django_db
def test_importing_every_sample_twice_leaves_the_same_rows():
    for name in TABLE:
        run_json(name)
    first = row_counts()
    assert first["Plan"] == 5 and first["SubItem"] == sum(t["subitems"] for t in TABLE.values())
    for name in TABLE:
        doc = run_json(name)
        assert all(
            c["created"] == c["updated"] == c["not_in_file"] == c["withdrawn"] == 0
            for c in doc["changes"].values()
        ), name
    assert row_counts() == first


@pytest.mark.django_db
def test_audit_trail_records_imported_rows():
    run_json("beilun-2024-10-progress.xlsx")
    report = ProgressReport.objects.first()
    assert report.history.count() == 1
    assert report.history.first().history_type == "+"


@pytest.mark.django_db
def test_edited_file_updates_in_place_and_keeps_reports(tmp_path):
    import openpyxl

    run_json("beilun-2024-10-progress.xlsx")
    sub = SubItem.objects.get(project__number="1", number=1)
    web = ProgressReport.objects.create(
        subitem=SubItem.objects.get(project__number="2", number=1),
        period="2024-11-01",
        status="on_track",
        completion="十一月进展",
        source=ProgressReport.Source.WEB,
    )
    before = row_counts()

    wb = openpyxl.load_workbook(SAMPLES / "beilun-2024-10-progress.xlsx")
    ws = wb.active
    ws["C5"] = "新建北仑区外国语学校(已更名)"
    edited = tmp_path / "beilun-edited.xlsx"
    wb.save(edited)
    out = io.StringIO()
    call_command("import_tasklist", str(edited), "--jurisdiction", "北仑区", "--json", stdout=out)
    doc = json.loads(out.getvalue())
    assert doc["changes"]["subitems"]["updated"] == 1
    assert row_counts() == before
    sub.refresh_from_db()
    assert sub.name == "新建北仑区外国语学校(已更名)"
    assert sub.reports.get().status == "lagging"  # the imported report stays attached
    web.refresh_from_db()
    assert web.completion == "十一月进展"


@pytest.mark.django_db
def test_unit_aliases_make_one_unit_per_jurisdiction():
    run_json("xiqing-2023-minxin-plan.xlsx")  # 区教育局
    run_json("xiqing-2023-work-report-tasks.docx")  # 教育局
    units = Unit.objects.filter(jurisdiction__name="西青区", key="教育局")
    assert units.count() == 1
    unit = units.get()
    assert {a.alias for a in unit.aliases.all()} | {unit.name} == {"区教育局", "教育局"}


@pytest.mark.django_db
def test_command_keeps_each_applied_import_on_record(settings, tmp_path):
    from importers.models import ImportBatch

    settings.MEDIA_ROOT = tmp_path
    run_json("qingdao-2023-city-plan.xlsx", "--dry-run")
    assert ImportBatch.objects.count() == 0
    run_json("qingdao-2023-city-plan.xlsx")
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.APPLIED
    assert batch.plan.title.startswith("2023年市办实事项目")
    assert batch.file.read() == (SAMPLES / "qingdao-2023-city-plan.xlsx").read_bytes()
