"""Exports: the monthly progress table (seed 002), the quarterly ledger (seed 003, .xlsx and
.docx) and the yearly plan list (seed 000), through the real importer, views and database.

Round trips: the Beilun sample imported and exported again gives the sample's cells back; the
exported monthly table and ledger import to the same counts; the exported plan list imports
back into the same plan (and into an empty database, to the same plan again)."""

from __future__ import annotations

import datetime
import io
import tracemalloc
from collections import Counter
from collections.abc import Callable

import docx
import openpyxl
import pytest
from django.db import connection
from django.http import FileResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factories import (
    BEILUN,
    MINXIN,
    SHANTING,
    import_sample,
    make_category,
    make_leader,
    make_milestone,
    make_person,
    make_plan,
    make_project,
    make_report,
    make_subitem,
    make_unit,
    make_user,
)
from queued import exported, run_queued

from importers import cells
from importers.document import to_document
from importers.services import parse_file, run_import
from progress.exports import layouts, xlsx
from progress.exports.services import PublishError, publication_publish, publication_unpublish
from progress.jobs.models import Job
from progress.models import ProgressReport, Publication, Status
from projects import roles
from projects.models import (
    Jurisdiction,
    Leader,
    Person,
    Plan,
    Unit,
    UnitAlias,
    User,
)

pytestmark = pytest.mark.django_db

State = ProgressReport.State


# --- helpers ---------------------------------------------------------------------------------


def content(response) -> bytes:
    assert isinstance(response, FileResponse), type(response)
    assert response.streaming
    return b"".join(response.streaming_content)


def open_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def resolved_rows(ws, first_row: int, width: int) -> list[list[str]]:
    """The sheet's rows from `first_row`, every position of a merged cell holding its value
    (as the importer reads them), up to the notes under the table."""
    origin = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                origin[(r, c)] = (rng.min_row, rng.min_col)
    rows = []
    for r in range(first_row, ws.max_row + 1):
        values = []
        for c in range(1, width + 1):
            value = ws.cell(*origin.get((r, c), (r, c))).value
            values.append("" if value is None else str(value))
        if values[0].startswith("填报说明") or not any(values[1:]):
            break
        rows.append(values)
    return rows


def _text(value: str) -> str:
    """A free-text cell as the importer keeps it: cleaned, and "/" or "——" meaning nothing."""
    value = cells.clean_text(value)
    return "" if cells.is_no_plan(value) else value


def monthly_meaning(rows: list[list[str]]) -> list[tuple]:
    """What the importer reads from each row of a monthly table (seed 002's columns), with the
    same cleaning: a leader cell left empty inherits the row above within the project, the
    units of the 牵头单位 and 配合单位 cells form one list (the first is the lead unit), the
    status is the importer's reading of the words (部分滞后 and 滞后 are both lagging)."""
    out = []
    previous: tuple | None = None
    for values in rows:
        number, project, name, leaders, lead, co, target, done, status, why = values
        number = cells.clean_name(number)
        names = cells.split_leaders(leaders)
        if not names and previous and previous[0] == number:
            names = previous[3]
        units = [u.name for u in cells.split_units(lead)] + [u.name for u in cells.split_units(co)]
        row = (
            number,
            cells.clean_name(project),
            cells.clean_text(name) if "\n" in name else cells.clean_name(name),
            names,
            units,
            _text(target),
            _text(done),
            cells.parse_status(status),
            _text(why),
        )
        out.append(row)
        previous = row
    return out


def sample_cells(path) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(path).active


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def beilun_supervisor(beilun) -> User:
    return make_user("supervisor_beilun", roles.SUPERVISOR, jurisdiction=beilun.jurisdiction)


@pytest.fixture
def minxin(samples_dir) -> Plan:
    return import_sample(MINXIN)


@pytest.fixture
def shanting(samples_dir) -> Plan:
    return import_sample(SHANTING, "山亭区")


def admin_get(client_as, admin_user, url: str) -> bytes:
    return content(exported(client_as(admin_user), url))


# --- 1. the monthly table in the layout of seed 002 -------------------------------------------


def test_monthly_table_gives_back_the_cells_of_seed_002(
    samples_dir, beilun, beilun_supervisor, client_as
):
    url = reverse("exports:monthly", args=[beilun.pk, "2024-10"])
    response = exported(client_as(beilun_supervisor), url)
    assert response["Content-Type"] == xlsx.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    ws = open_xlsx(content(response))
    sample = sample_cells(samples_dir / BEILUN)

    # the title names the jurisdiction, the year and the month, like seed 002's
    assert ws["A2"].value == "2024年北仑区政府民生实事项目10月进度表"
    assert sample["A2"].value == "2024年区政府民生实事项目10月进度表"
    # the two header rows and their merges are the sample's
    for r in (3, 4):
        assert [c.value for c in ws[r]] == [c.value for c in sample[r]][: ws.max_column]
    header_merges = {str(m) for m in ws.merged_cells.ranges if m.max_row <= 4}
    assert header_merges == {str(m) for m in sample.merged_cells.ranges if m.max_row <= 4}
    # 序号 and 重点工作 merged over each project's sub-items, exactly where the sample has them
    assert {str(m) for m in ws.merged_cells.ranges} == {str(m) for m in sample.merged_cells.ranges}

    # row by row, column by column, the sample's content after the importer's cleaning
    ours = resolved_rows(ws, 5, 10)
    theirs = resolved_rows(sample, 5, 10)
    assert len(ours) == len(theirs) == 35
    for n, (a, b) in enumerate(zip(monthly_meaning(ours), monthly_meaning(theirs), strict=True)):
        assert a == b, f"row {n + 5}"
    # one lead unit per sub-item: where the sample names two (教育局、公建中心), the second is a
    # co-operating unit in the database, so the export lists it under 配合单位
    assert ws["E5"].value == "教育局" and sample["E5"].value == "教育局、公建中心"
    assert ws["F5"].value.startswith("公建中心、")
    # a status reads as the office's word for it
    assert (ws["I5"].value, sample["I5"].value) == ("滞后", "部分滞后")
    assert ws["G38"].value == "/"  # no plan text in the quarter

    # the 填报说明 under the table, as in the sample
    notes = [ws.cell(r, 1).value for r in range(40, 43)]
    assert [cells.clean_text(n) for n in notes] == [
        cells.clean_text(sample.cell(r, 1).value) for r in range(40, 43)
    ]
    assert {f"A{r}:J{r}" for r in (40, 41, 42)} <= {str(m) for m in ws.merged_cells.ranges}


def test_monthly_table_is_ready_to_print(beilun, beilun_supervisor, client_as):
    url = reverse("exports:monthly", args=[beilun.pk, "2024-10"])
    ws = open_xlsx(content(exported(client_as(beilun_supervisor), url)))
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$3:$4"  # the two header rows on every page
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0  # as many pages down as needed
    assert ws.freeze_panes == "A5"
    assert ws["A1"].value.startswith("导出时间:")  # not published: when this copy was made


def test_monthly_table_imports_back_to_the_same_counts(beilun, beilun_supervisor, client_as):
    url = reverse("exports:monthly", args=[beilun.pk, "2024-10"])
    data = content(exported(client_as(beilun_supervisor), url))

    outcome = run_import(data=data, filename="exported.xlsx", jurisdiction="北仑区")

    assert outcome.applied, outcome.document["errors"]
    summary = outcome.document["summary"]
    assert (summary["projects"], summary["subitems"], summary["reports"]) == (10, 35, 35)
    assert outcome.document["period"] == "2024-10"
    assert not outcome.document["warnings"]
    statuses = Counter(
        ProgressReport.objects.filter(subitem__project__plan_id=outcome.plan_id).values_list(
            "status", flat=True
        )
    )
    assert statuses == {"on_track": 18, "completed": 15, "lagging": 1, "ahead": 1}
    assert outcome.plan_id != beilun.pk  # the title names the jurisdiction: a plan of its own
    assert outcome.changes["units"]["created"] == 0  # the same units, matched by name


def test_monthly_table_shows_only_approved_reports(jurisdiction, supervisor, client_as, unit):
    plan = make_plan(jurisdiction, title="2024年民生实事项目清单", year=2024)
    project = make_project(plan, number="1", name="新建养老服务设施")
    states = {
        "已审核": State.APPROVED,
        "草稿": State.DRAFT,
        "待审核": State.SUBMITTED,
        "已退回": State.RETURNED,
    }
    for name, state in states.items():
        sub = make_subitem(project, name=name, lead_unit=unit)
        make_milestone(sub, datetime.date(2024, 3, 31), f"{name}一季度目标")
        make_report(sub, datetime.date(2024, 3, 1), state=state, completion=f"{name}的进展")
    done = make_subitem(project, name="二月已办结", lead_unit=unit)
    make_report(done, datetime.date(2024, 2, 1), state=State.APPROVED, status=Status.COMPLETED)

    url = reverse("exports:monthly", args=[plan.pk, "2024-03"])
    rows = resolved_rows(open_xlsx(content(exported(client_as(supervisor), url))), 5, 10)

    by_name = {r[2]: r for r in rows}
    assert by_name["已审核"][6] == "已审核一季度目标"
    assert by_name["已审核"][7:9] == ["已审核的进展", "正常"]
    for name in ("草稿", "已退回"):  # no report that counts
        assert by_name[name][7:9] == ["", "未报送"], name
        assert by_name[name][6] == f"{name}一季度目标"
    # submitted, not yet approved: its text is not shown, and it is not missing either
    assert by_name["待审核"][7:9] == ["", "待审核"]
    # completed earlier: not reported again, marked “/” as the 填报说明 asks
    assert by_name["二月已办结"][7:9] == ["/", "办结"]
    assert by_name["二月已办结"][6] == "/"  # nothing due this quarter


# --- 2. the quarterly ledger of seed 003 ------------------------------------------------------


def test_ledger_xlsx_and_docx_import_back_to_the_same_ledger(
    samples_dir, shanting, client_as, admin_user
):
    original = to_document(
        parse_file(
            data=(samples_dir / SHANTING).read_bytes(), filename=SHANTING, jurisdiction="山亭区"
        )
    )
    for name in ("ledger_xlsx", "ledger_docx"):
        url = reverse(f"exports:{name}", args=[shanting.pk, "2024-03"])
        data = admin_get(client_as, admin_user, url)
        filename = "ledger." + name.rsplit("_", 1)[1]
        again = to_document(parse_file(data=data, filename=filename, jurisdiction="山亭区"))
        assert not again["errors"] and not again["warnings"], name
        assert again["summary"] == original["summary"], name
        assert again["projects"] == original["projects"], name
        assert again["title"] == "2024年山亭区民生实事工作进展情况台账"
        assert again["period"] == "2024-03"


def test_ledger_xlsx_layout(shanting, client_as, admin_user):
    url = reverse("exports:ledger_xlsx", args=[shanting.pk, "2024-03"])
    ws = open_xlsx(admin_get(client_as, admin_user, url))
    assert ws["A1"].value == "2024年山亭区民生实事一季度工作进展情况台账"
    assert [c.value for c in ws[2]] == [
        "序号",
        "目标任务",
        "项目内容",
        "责任单位",
        "进展情况",
        "存在问题",
        "下步打算",
    ]
    assert ws.print_title_rows == "$2:$2"
    assert ws.page_setup.orientation == "landscape"
    rows = resolved_rows(ws, 3, 7)
    park = next(r for r in rows if r[2] == "建成启用体育公园。")
    assert park[0] == "3" and park[1] == "实施城市品质提升工程"
    assert park[3] == "区体育事业发展中心\n山兴集团"
    assert park[5].startswith("1.建设用地未划拨")
    first = rows[0]
    assert first[5] == "无"  # no problems reads 无, as the ledger writes it
    assert "A5:A8" in {str(m) for m in ws.merged_cells.ranges}  # project 3 has four sub-items


def test_ledger_docx_layout(shanting, client_as, admin_user):
    url = reverse("exports:ledger_docx", args=[shanting.pk, "2024-03"])
    response = exported(client_as(admin_user), url)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    document = docx.Document(io.BytesIO(content(response)))
    assert document.paragraphs[0].text == "2024年山亭区民生实事一季度工作进展情况台账"
    assert document.sections[0].orientation == docx.enum.section.WD_ORIENT.LANDSCAPE
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "序号",
        "目标任务",
        "项目内容",
        "责任单位",
        "进展情况",
        "存在问题",
        "下步打算",
    ]
    header = table.rows[0]._tr.trPr
    assert header is not None and header.find(docx.oxml.ns.qn("w:tblHeader")) is not None
    assert len(table.rows) == 26
    # project 3's number is one merged cell over its four sub-items
    assert table.cell(3, 0)._tc is table.cell(6, 0)._tc
    assert table.cell(3, 0)._tc is not table.cell(7, 0)._tc


# --- 3. the yearly plan list, which imports back into the same plan ---------------------------


def snapshot(plan: Plan) -> dict:
    """Everything an import writes for a plan, by names (not keys), to compare two databases."""
    plan = Plan.objects.get(pk=plan.pk)
    out = {"title": plan.title, "year": plan.year, "kind": plan.kind, "projects": []}
    for project in plan.projects.select_related("category").order_by("order"):
        subs = []
        for sub in project.subitems.select_related("lead_unit").order_by("number"):
            subs.append(
                {
                    "number": sub.number,
                    "name": sub.name,
                    "description": sub.description,
                    "lead": sub.lead_unit.name if sub.lead_unit else None,
                    "co": [link.unit.name for link in sub.co_unit_links.order_by("order")],
                    "persons": sorted((p.unit.name, p.name) for p in sub.persons.all()),
                    "leaders": sorted(le.name for le in sub.leaders.all()),
                    "milestones": [
                        (m.due, m.text, m.order) for m in sub.milestones.order_by("order")
                    ],
                    "indicators": [
                        (i.name, i.unit, [(t.due, t.value) for t in i.targets.order_by("due")])
                        for i in sub.indicators.order_by("name", "unit")
                    ],
                }
            )
        out["projects"].append(
            {
                "number": project.number,
                "category": project.category.name if project.category else None,
                "name": project.name,
                "description": project.description,
                "leaders": sorted(le.name for le in project.leaders.all()),
                "subitems": subs,
            }
        )
    return out


def empty_the_database(jurisdiction: Jurisdiction) -> None:
    Plan.objects.filter(jurisdiction=jurisdiction).delete()
    Person.objects.filter(unit__jurisdiction=jurisdiction).delete()
    UnitAlias.objects.filter(jurisdiction=jurisdiction).delete()
    Unit.objects.filter(jurisdiction=jurisdiction).delete()
    Leader.objects.filter(jurisdiction=jurisdiction).delete()
    jurisdiction.delete()


def test_plan_list_imports_back_into_the_same_plan(samples_dir, minxin, client_as, admin_user):
    original = to_document(parse_file(data=(samples_dir / MINXIN).read_bytes(), filename=MINXIN))
    before = snapshot(minxin)
    data = admin_get(client_as, admin_user, reverse("exports:plan", args=[minxin.pk]))

    # the document the importer reads from the export is the original import's
    again = to_document(parse_file(data=data, filename="plan.xlsx"))
    assert not again["errors"] and not again["warnings"]
    for key in ("title", "jurisdiction", "year", "kind", "summary", "projects"):
        assert again[key] == original[key], key

    # imported into the same database it is the same plan, and nothing changes
    outcome = run_import(data=data, filename="plan.xlsx")
    assert outcome.applied and outcome.plan_id == minxin.pk
    for kind, counts in outcome.changes.items():
        if kind == "plans":  # the plan records the new source file's name, nothing else
            assert counts["created"] == counts["not_in_file"] == 0
            continue
        assert (counts["created"], counts["updated"], counts["not_in_file"]) == (0, 0, 0), kind
    assert snapshot(minxin) == before

    # into an empty database it makes the same plan again
    empty_the_database(minxin.jurisdiction)
    outcome = run_import(data=data, filename="plan.xlsx")
    assert outcome.applied
    assert snapshot(Plan.objects.get(pk=outcome.plan_id)) == before


def test_plan_list_layout(minxin, samples_dir, client_as, admin_user):
    ws = open_xlsx(admin_get(client_as, admin_user, reverse("exports:plan", args=[minxin.pk])))
    sample = sample_cells(samples_dir / MINXIN)
    assert ws["A1"].value == "附件"
    assert ws["A2"].value == "西青区2023年20项民心工程进度和责任清单"
    assert [c.value for c in ws[4]][6:10] == ["第一季度", "第二季度", "第三季度", "第四季度"]
    header_merges = {str(m) for m in ws.merged_cells.ranges if m.min_row in (3, 4)}
    assert header_merges == {str(m) for m in sample.merged_cells.ranges if m.min_row in (3, 4)}
    assert ws.print_title_rows == "$3:$4"
    assert ws.page_setup.orientation == "landscape"
    rows = resolved_rows(ws, 5, 11)
    assert rows[0][:3] == ["一、增加教育资源配置", "1", "开办西青区兴华中学"]
    assert rows[0][9] == "——"  # Q4 has no plan
    project3 = next(r for r in rows if r[1] == "3")
    assert project3[4] == "区民政局、杨柳青镇、辛口镇、张家窝镇、精武镇、李七庄街"
    assert project3[5].split("、")[:2] == ["郭金花", "张伟"]
    eight = [r for r in rows if r[1] == "8"]
    assert [r[3][:3] for r in eight] == ["(1)", "(2)"]


# --- access ----------------------------------------------------------------------------------


@pytest.fixture
def plan(jurisdiction, unit) -> Plan:
    plan = make_plan(jurisdiction, title="2024年民生实事项目清单", year=2024)
    sub = make_subitem(make_project(plan, number="1"), lead_unit=unit)
    make_report(sub, datetime.date(2024, 3, 1), state=State.APPROVED)
    return plan


def export_urls(plan: Plan) -> list[str]:
    return [
        reverse("exports:index", args=[plan.pk]),
        reverse("exports:plan", args=[plan.pk]),
        reverse("exports:monthly", args=[plan.pk, "2024-03"]),
        reverse("exports:ledger_xlsx", args=[plan.pk, "2024-03"]),
        reverse("exports:ledger_docx", args=[plan.pk, "2024-03"]),
    ]


PERSONAS = [
    ("anonymous", 302),
    ("admin_user", 200),
    ("supervisor", 200),
    ("other_supervisor", 404),  # another jurisdiction's plan
    ("reporter", 403),  # reporters do not export or publish
    ("other_reporter", 403),
]


@pytest.mark.parametrize(("persona", "expected"), PERSONAS)
def test_it_checks_access(request, client_as, plan, persona, expected):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = client_as(user)
    index, *files = export_urls(plan)
    response = client.get(index)
    assert response.status_code == expected
    if expected == 200:
        assert plan.title in response.content.decode()  # the plan's periods page
    for url in files:
        response = client.get(url)
        if expected == 200:  # a whole jurisdiction's file: a worker writes it
            assert response.status_code == 302, url
            assert response["Location"].startswith("/jobs/"), url
            download = exported(client, url)
            assert download["Content-Disposition"].startswith("attachment"), url
        else:
            assert response.status_code == expected, url
        if expected == 302:
            assert response["Location"].startswith(reverse("login"))
    assert Job.objects.exists() is (expected == 200)
    response = client.post(
        reverse("exports:publish", args=[plan.pk, "2024-03"]),
        {"action": "publish", "confirmed": "1"},
    )
    assert response.status_code == (302 if expected == 200 else expected)
    assert Publication.objects.filter(plan=plan).exists() is (expected == 200)


@pytest.mark.parametrize(("persona", "expected"), PERSONAS)
def test_plans_page_checks_access(request, client_as, plan, persona, expected):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    response = client_as(user).get(reverse("exports:plans"))
    assert response.status_code == {404: 200}.get(expected, expected)
    if response.status_code == 200:
        shown = plan.title in response.content.decode()
        assert shown is (persona != "other_supervisor")


@pytest.mark.parametrize("period", ["2024-13", "2023-03", "2024", "x", "2024-3-1"])
def test_a_period_outside_the_plan_is_404(client_as, supervisor, plan, period):
    client = client_as(supervisor)
    for name in ("exports:monthly", "exports:ledger_xlsx", "exports:ledger_docx"):
        assert client.get(reverse(name, args=[plan.pk, period])).status_code == 404
    url = reverse("exports:publish", args=[plan.pk, period])
    assert client.post(url, {"action": "publish"}).status_code == 404


def test_a_quarterly_plan_has_quarter_periods_only(client_as, supervisor, plan):
    plan.reporting_cycle = Plan.Cycle.QUARTERLY
    plan.save()
    client = client_as(supervisor)
    assert client.get(reverse("exports:monthly", args=[plan.pk, "2024-02"])).status_code == 404
    assert client.get(reverse("exports:monthly", args=[plan.pk, "2024-03"])).status_code == 302
    page = client.get(reverse("exports:index", args=[plan.pk])).content.decode()
    assert "2024-03" in page and "2024-02" not in page


def test_publish_requires_post(client_as, supervisor, plan):
    url = reverse("exports:publish", args=[plan.pk, "2024-03"])
    assert client_as(supervisor).get(url).status_code == 405


# --- publishing --------------------------------------------------------------------------------


def test_publish_update_and_unpublish_through_the_page(en_client, supervisor, plan):
    client = en_client(supervisor)
    url = reverse("exports:publish", args=[plan.pk, "2024-03"])
    index = reverse("exports:index", args=[plan.pk])

    response = client.post(url, {"action": "publish", "confirmed": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == index
    assert "The table of 2024-03 is published." in response.content.decode()
    pub = Publication.objects.get(plan=plan)
    assert (pub.period, pub.show_persons, pub.published_by) == (
        datetime.date(2024, 3, 1),
        False,
        supervisor,
    )
    assert reverse("public:table", args=[plan.pk, "2024-03"]) in response.content.decode()

    client.post(url, {"action": "publish", "show_persons": "on", "confirmed": "1"})
    pub.refresh_from_db()
    assert pub.show_persons is True

    response = client.post(url, {"action": "unpublish", "confirmed": "1"}, follow=True)
    assert "is no longer public" in response.content.decode()
    assert not Publication.objects.filter(plan=plan).exists()
    # every step is in the history, with who did it
    history = Publication.history.filter(plan_id=plan.pk).order_by("history_date")
    assert [h.history_type for h in history] == ["+", "~", "-"]
    assert {h.history_user for h in history} == {supervisor}

    response = client.post(url, {"action": "bogus", "confirmed": "1"}, follow=True)
    assert "Choose publish or unpublish." in response.content.decode()


def test_publish_service_checks_the_period(plan, supervisor):
    with pytest.raises(PublishError):
        publication_publish(
            plan=plan, period=datetime.date(2023, 3, 1), user=supervisor, show_persons=False
        )
    pub = publication_publish(
        plan=plan, period=datetime.date(2024, 3, 1), user=supervisor, show_persons=False
    )
    again = publication_publish(
        plan=plan, period=datetime.date(2024, 3, 1), user=supervisor, show_persons=False
    )
    assert again.published_at == pub.published_at  # nothing changed, nothing written
    assert Publication.history.count() == 1
    assert publication_unpublish(plan=plan, period=datetime.date(2024, 3, 1), user=supervisor)
    assert not publication_unpublish(plan=plan, period=datetime.date(2024, 3, 1), user=supervisor)


def test_index_page_lists_the_periods_with_downloads(client_as, supervisor, plan):
    response = client_as(supervisor).get(reverse("exports:index", args=[plan.pk]))
    page = response.content.decode()
    for month in range(1, 13):
        assert reverse("exports:monthly", args=[plan.pk, f"2024-{month:02d}"]) in page
    assert reverse("exports:plan", args=[plan.pk]) in page
    assert 'name="show_persons"' in page
    assert "1 / 1" in page  # March: one approved report of one sub-item


# --- queries: fixed, however many sub-items ------------------------------------------------------


def build_plan(jurisdiction: Jurisdiction, n: int) -> Plan:
    """A plan of n sub-items in projects of five, each with leaders, co-units, persons, a
    milestone of the quarter and an approved report; categories every other project."""
    plan = make_plan(jurisdiction, title=f"2024年民生实事项目清单{n}", year=2024)
    lead, co = make_unit(jurisdiction), make_unit(jurisdiction)
    leader = make_leader(jurisdiction)
    person = make_person(lead)
    category = make_category(plan)
    project = None
    for i in range(n):
        if i % 5 == 0:
            project = make_project(
                plan,
                number=str(i // 5 + 1),
                category=category if i % 10 == 0 else None,
                leaders=[leader],
            )
        sub = make_subitem(
            project, lead_unit=lead, co_units=[co], persons=[person], leaders=[leader]
        )
        make_milestone(sub, datetime.date(2024, 3, 31), "一季度目标")
        make_report(
            sub,
            datetime.date(2024, 3, 1),
            state=State.APPROVED,
            problems="无",
            next_steps="继续推进",
        )
    return plan


def _rows_queries(queries) -> int:
    """The queries of a worker's run but the progress it writes (at most twice a second, so
    their number depends on the time the rows take, not on their number)."""
    return sum(
        1
        for q in queries.captured_queries
        if not (q["sql"].startswith("UPDATE") and '"progress_job"' in q["sql"].split("SET")[0])
    )


@pytest.mark.parametrize("name", ["monthly", "ledger_xlsx", "ledger_docx", "plan"])
def test_exports_run_a_fixed_number_of_queries(client_as, supervisor, jurisdiction, name):
    """The request (which queues the job) and the worker's run each a fixed number."""
    asked, written = [], []
    client = client_as(supervisor)
    for n in (10, 200):
        plan = build_plan(jurisdiction, n)
        args = [plan.pk] if name == "plan" else [plan.pk, "2024-03"]
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(f"exports:{name}", args=args))
        assert response.status_code == 302
        asked.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            assert run_queued() == 1
        written.append(_rows_queries(queries))
        job = Job.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
        assert job.state == Job.State.DONE, job.error
        assert (job.done, job.total) == (n, n)
        data = content(client.get(reverse("jobs:download", args=[job.pk])))
        if name != "ledger_docx":
            assert open_xlsx(data).max_row >= n + 2
    assert asked[0] == asked[1], asked
    assert written[0] == written[1], written


def test_index_page_runs_a_fixed_number_of_queries(client_as, supervisor, jurisdiction):
    counts = []
    client = client_as(supervisor)
    for n in (10, 50):
        plan = build_plan(jurisdiction, n)
        publication_publish(
            plan=plan, period=datetime.date(2024, 3, 1), user=supervisor, show_persons=True
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("exports:index", args=[plan.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- streaming: a write-only workbook, memory that does not grow with the rows -------------------


def monthly_rows(n: int):
    for i in range(n):
        yield layouts.MonthlyRow(
            project_id=i // 4,
            number=str(i // 4 + 1),
            project=f"项目{i // 4}",
            name=f"子项{i}：新建社区食堂，完成选址与设计。" * 2,
            leaders=["张三"],
            lead_unit="区民政局",
            co_units=["区财政局", "各街道"],
            target="完成主体工程建设，累计完成总工程量的60%。" * 2,
            report=layouts.Report(
                status="on_track", completion=f"第{i}项：已完成主体结构施工。" * 3
            ),
        )


def traced_peak(write: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        write()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_monthly_builder_streams(tmp_path):
    """Ten times the rows do not take ten times the memory: rows go to the file as they come.
    What is kept is one merged range per project and merged column (written after the rows, as
    the file format wants), a few hundred bytes per project."""

    def build(n: int) -> Callable[[], object]:
        def run() -> int:
            with open(tmp_path / f"m{n}.xlsx", "wb") as out:
                return xlsx.write_monthly_xlsx(
                    out, title="t", period=datetime.date(2024, 10, 1), rows=monthly_rows(n)
                )

        return run

    small = traced_peak(build(500))
    large = traced_peak(build(5000))
    assert large < 3 * small, (small, large)
    ws = openpyxl.load_workbook(tmp_path / "m5000.xlsx", read_only=True).active
    assert sum(1 for _ in ws.iter_rows(values_only=True)) == 4 + 5000 + 3


def test_export_view_streams_a_write_only_workbook(client_as, supervisor, plan):
    url = reverse("exports:monthly", args=[plan.pk, "2024-03"])
    response = exported(client_as(supervisor), url)
    data = content(response)  # a FileResponse, sent in blocks
    assert int(response["Content-Length"]) == len(data)
    # openpyxl's write-only mode writes inline strings; the normal mode a shared-string table
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
        assert b't="inlineStr"' in sheet
        assert "xl/sharedStrings.xml" not in z.namelist()
    assert open_xlsx(data)["C5"].value.startswith("子项")


def test_titles_read_like_the_office_titles():
    period = datetime.date(2024, 10, 1)
    assert (
        layouts.monthly_title(
            jurisdiction="北仑区",
            plan_title="2024年区政府民生实事项目进度表",
            year=2024,
            period=period,
        )
        == "2024年北仑区政府民生实事项目10月进度表"
    )
    assert (
        layouts.monthly_title(
            jurisdiction="西青区",
            plan_title="西青区2023年20项民心工程进度和责任清单",
            year=2023,
            period=datetime.date(2023, 3, 1),
        )
        == "2023年西青区20项民心工程3月进度表"
    )
    assert (
        layouts.ledger_title(
            jurisdiction="北仑区",
            plan_title="2024年区政府民生实事项目进度表",
            year=2024,
            period=period,
            quarterly=False,
        )
        == "2024年北仑区政府民生实事项目10月工作进展情况台账"
    )
    from projects.naming import chinese_ordinal

    assert chinese_ordinal(1) == "一" and chinese_ordinal(20) == "二十"
    assert chinese_ordinal(12) == "十二" and chinese_ordinal(105) == "一百零五"


def test_plan_rows_put_milestones_in_their_quarter(client_as, admin_user, jurisdiction, unit):
    plan = make_plan(jurisdiction, title="2024年民生实事项目清单", year=2024)
    sub = make_subitem(make_project(plan, number="1", name="新建公园"), lead_unit=unit)
    make_milestone(sub, datetime.date(2024, 4, 30), "4月底前完成设计", order=1)
    make_milestone(sub, datetime.date(2024, 6, 30), "6月底前开工", order=2)
    make_milestone(sub, datetime.date(2024, 12, 31), "全面建成", order=3)
    ws = open_xlsx(admin_get(client_as, admin_user, reverse("exports:plan", args=[plan.pk])))
    assert [ws.cell(5, c).value for c in range(7, 11)] == [
        "——",
        "4月底前完成设计\n6月底前开工",
        "——",
        "全面建成",
    ]


def test_publishing_asks_first_and_warns_with_the_numbers(en_client, supervisor, plan, unit):
    from progress.statuses import refresh_statuses

    project = plan.projects.get()
    make_report(make_subitem(project, lead_unit=unit), datetime.date(2024, 3, 1))  # submitted
    make_subitem(project, lead_unit=unit)  # no report
    make_subitem(project, lead_unit=unit)  # no report
    refresh_statuses()
    client = en_client(supervisor)
    url = reverse("exports:publish", args=[plan.pk, "2024-03"])

    response = client.post(url, {"action": "publish", "show_persons": "on"})

    assert response.status_code == 200
    assert not Publication.objects.exists()  # nothing public yet
    page = response.content.decode()
    assert 'name="confirmed" value="1"' in page and 'name="show_persons" value="on"' in page
    assert 'id="publish-warning"' in page
    assert "1 report(s) await review and 2 item(s) have no report" in page
    assert "Publish anyway" in page

    client.post(url, {"action": "publish", "confirmed": "1"})
    asked = client.post(url, {"action": "unpublish"})
    assert "Take the table of 2024-03 down?" in asked.content.decode()
    assert Publication.objects.exists()  # still public until confirmed


def test_a_complete_period_is_published_without_a_warning(en_client, supervisor, plan):
    url = reverse("exports:publish", args=[plan.pk, "2024-03"])
    page = en_client(supervisor).post(url, {"action": "publish"}).content.decode()
    assert 'id="publish-warning"' not in page
    assert "Publish anyway" not in page
