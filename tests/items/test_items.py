"""The item list (filters, sorting, pages, .xlsx export), the item page with its reasons in
words, and the unit and leader pages, through the real views and database (no mocks)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from factories import (
    access_matrix,
    make_category,
    make_indicator,
    make_leader,
    make_milestone,
    make_plan,
    make_project,
    make_report,
    make_subitem,
    make_unit,
    make_user,
)
from openpyxl import load_workbook
from queued import exported

from progress.models import ItemStatus, ProgressReport, ReviewEvent, Status
from progress.reporting import services
from progress.review import services as review_services
from progress.statuses import refresh_statuses
from projects import roles
from projects.models import (
    CoUnit,
    Jurisdiction,
    Leader,
    Milestone,
    Plan,
    Project,
    SubItem,
    Unit,
)

pytestmark = pytest.mark.django_db

PERIOD = "2024-05"
PERIOD_DATE = datetime.date(2024, 5, 1)
State = ProgressReport.State
LIST_URL = reverse("items:list")
EXPORT_URL = reverse("items:export")


# --- the world: one item of 西青区 led by 区教育局 with 区财政局 co-operating, one of 北仑区 ------


@pytest.fixture
def plan(jurisdiction) -> Plan:
    return make_plan(jurisdiction, title="2024年西青区民心工程", year=2024)


@pytest.fixture
def leader(jurisdiction) -> Leader:
    return make_leader(jurisdiction, "柴树芳")


@pytest.fixture
def subitem(plan, unit, co_unit, leader) -> SubItem:
    project = make_project(plan, number="10", name="新建10处养老服务设施", leaders=[leader])
    return make_subitem(
        project, name="新建社区养老驿站", lead_unit=unit, co_units=[co_unit], leaders=[leader]
    )


@pytest.fixture
def elsewhere(other_jurisdiction) -> SubItem:
    """An item of another jurisdiction, with its own unit and leader."""
    plan = make_plan(other_jurisdiction, title="2024年北仑区重点工作", year=2024)
    leader = make_leader(other_jurisdiction, "王北仑")
    return make_subitem(
        make_project(plan, name="教育设施增量提质", leaders=[leader]),
        name="新建北仑中学",
        lead_unit=make_unit(other_jurisdiction, "北仑区教育局"),
        leaders=[leader],
    )


@pytest.fixture
def world(subitem, elsewhere) -> dict:
    make_report(subitem, PERIOD_DATE, status=Status.ON_TRACK)
    make_report(elsewhere, PERIOD_DATE, status=Status.LAGGING)
    refresh_statuses()
    return {"subitem": subitem, "elsewhere": elsewhere}


def rows_of(response) -> list[ItemStatus]:
    return list(response.context["table"].paginated_rows.data)


def names(response) -> list[str]:
    return [row.subitem.name for row in rows_of(response)]


# --- access: every view x every role -------------------------------------------------------

EXPECTED = {
    #            admin sup  other-sup lead  co   unrelated anonymous
    "list": (200, 200, 200, 200, 200, 200, 302),
    # a supervisor's or admin's whole list: a worker writes it (tests/jobs); a unit's list is sent
    "export": (302, 302, 302, 200, 200, 200, 302),
    "detail": (200, 200, 404, 200, 200, 404, 302),
    "unit": (200, 200, 404, 200, 403, 403, 302),
    "leader": (200, 200, 404, 403, 403, 403, 302),
}
MATRIX = access_matrix(EXPECTED)


def urls_of(subitem: SubItem, leader: Leader) -> dict[str, str]:
    return {
        "list": f"{LIST_URL}?period={PERIOD}",
        "export": f"{EXPORT_URL}?period={PERIOD}",
        "detail": reverse("items:detail", args=[subitem.pk]),
        "unit": reverse("items:unit", args=[subitem.lead_unit_id]),
        "leader": reverse("items:leader", args=[leader.pk]),
    }


@pytest.mark.parametrize(("view", "role", "expected"), MATRIX)
def test_it_checks_access(client_as, request, world, leader, view, role, expected):
    user = request.getfixturevalue(role) if role else None

    response = client_as(user).get(urls_of(world["subitem"], leader)[view])

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login") if user is None else "/jobs/")
    if expected == 200:  # and the page shows what it is for
        shows = {
            "list": lambda: response.context["period"] == PERIOD_DATE,
            "export": lambda: response["Content-Type"].startswith("application/vnd.openxml"),
            "detail": lambda: world["subitem"].name in response.content.decode(),
            "unit": lambda: world["subitem"].lead_unit.name in response.content.decode(),
            "leader": lambda: leader.name in response.content.decode(),
        }
        assert shows[view](), view


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin_user", {"新建社区养老驿站", "新建北仑中学"}),
        ("supervisor", {"新建社区养老驿站"}),
        ("other_supervisor", {"新建北仑中学"}),
        ("reporter", {"新建社区养老驿站"}),
        ("co_reporter", {"新建社区养老驿站"}),
        ("other_reporter", set()),
    ],
)
def test_the_list_shows_each_role_its_scope(client_as, request, world, role, expected):
    response = client_as(request.getfixturevalue(role)).get(LIST_URL, {"period": PERIOD})

    assert set(names(response)) == expected
    assert response.context["count"] == len(expected)


def test_the_detail_page_of_a_missing_item_is_404(client_as, admin_user):
    assert client_as(admin_user).get(reverse("items:detail", args=[999])).status_code == 404


def test_a_unit_or_leader_of_another_jurisdiction_is_404_for_a_supervisor(
    client_as, supervisor, admin_user, world
):
    elsewhere = world["elsewhere"]
    other_leader = elsewhere.leaders.get()
    client = client_as(supervisor)
    assert client.get(reverse("items:unit", args=[elsewhere.lead_unit_id])).status_code == 404
    assert client.get(reverse("items:leader", args=[other_leader.pk])).status_code == 404
    admin = client_as(admin_user)
    unit_page = admin.get(reverse("items:unit", args=[elsewhere.lead_unit_id]))
    assert unit_page.status_code == 200
    assert unit_page.context["unit"] == elsewhere.lead_unit
    assert names(unit_page) == ["新建北仑中学"]
    leader_page = admin.get(reverse("items:leader", args=[other_leader.pk]))
    assert leader_page.status_code == 200
    assert "王北仑" in leader_page.content.decode() and names(leader_page) == ["新建北仑中学"]


def test_the_pages_refuse_other_methods(client_as, supervisor, world, leader):
    client = client_as(supervisor)
    for url in urls_of(world["subitem"], leader).values():
        assert client.post(url).status_code == 405


# --- the list: columns, filters, sorting, pages --------------------------------------------


@pytest.fixture
def varied(plan, unit, other_unit, co_unit, leader, jurisdiction) -> dict[str, SubItem]:
    """Four items of one plan for the filters: on track, lagging (and computed lagging: a
    mismatch with what a unit that says on track would say), not reported, completed."""
    education = make_category(plan, "一、增加教育资源配置", order=1)
    elderly = make_category(plan, "二、提升养老服务", order=2)
    other_leader = make_leader(jurisdiction, "梁亮")
    school = make_subitem(
        make_project(plan, number="1", name="新建改扩建学校", category=education),
        name="新建西青实验小学",
        lead_unit=unit,
        leaders=[leader],
    )
    kindergarten = make_subitem(
        make_project(plan, number="2", name="新增学前教育学位", category=education),
        name="新建公办幼儿园",
        lead_unit=unit,
        co_units=[co_unit],
        leaders=[other_leader],
    )
    care = make_subitem(
        make_project(plan, number="3", name="新建养老服务设施", category=elderly),
        name="建设老年助餐点",
        lead_unit=other_unit,
        leaders=[leader],
    )
    housing = make_subitem(
        make_project(plan, number="4", name="实施老旧住房改造工程", category=elderly),
        name="改造老旧小区",
        lead_unit=other_unit,
        leaders=[other_leader],
    )
    # an overdue milestone: computed lagging; the unit says on track -> mismatch
    make_milestone(school, datetime.date(2024, 3, 31), "完成选址")
    make_report(school, PERIOD_DATE, status=Status.ON_TRACK, state=State.APPROVED)
    make_report(kindergarten, PERIOD_DATE, status=Status.LAGGING, state=State.APPROVED)
    make_report(housing, PERIOD_DATE, status=Status.COMPLETED, state=State.APPROVED)
    refresh_statuses()
    return {"school": school, "kindergarten": kindergarten, "care": care, "housing": housing}


def test_the_list_shows_number_project_subitem_unit_leaders_statuses_and_a_link(
    en_client, supervisor, varied
):
    response = en_client(supervisor).get(LIST_URL, {"period": PERIOD})

    assert response.status_code == 200
    assert names(response) == [
        "新建西青实验小学",
        "新建公办幼儿园",
        "建设老年助餐点",
        "改造老旧小区",
    ]
    page = response.content.decode()
    for text in ("新建改扩建学校", "区教育局", "柴树芳", "梁亮", "Status mismatch", "Not reported"):
        assert text in page
    assert 'class="status status-lagging"' in page
    assert 'class="status status-missing"' in page
    assert 'class="status status-completed"' in page
    school = response.context["table"].paginated_rows[0]
    assert 'class="status status-lagging"' in school.get_cell("computed_status")
    assert 'class="status status-on_track"' in school.get_cell("shown")
    detail = reverse("items:detail", args=[varied["school"].pk])
    assert f'href="{detail}?period={PERIOD}"' in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "一、增加教育资源配置"}, ["新建西青实验小学", "新建公办幼儿园"]),
        ({"unit": "区民政局"}, ["建设老年助餐点", "改造老旧小区"]),
        ({"leader": "梁亮"}, ["新建公办幼儿园", "改造老旧小区"]),
        ({"shown": "lagging"}, ["新建公办幼儿园"]),
        ({"shown": "on_track"}, ["新建西青实验小学"]),
        ({"shown": "missing"}, ["建设老年助餐点"]),
        ({"missing": "1"}, ["建设老年助餐点"]),
        ({"computed": "lagging"}, ["新建西青实验小学"]),
        ({"computed": "completed"}, ["改造老旧小区"]),
        ({"mismatch": "1"}, ["新建西青实验小学"]),
        (
            {"mismatch": "0"},
            ["新建西青实验小学", "新建公办幼儿园", "建设老年助餐点", "改造老旧小区"],
        ),
        ({"q": "幼儿园"}, ["新建公办幼儿园"]),  # sub-item name
        ({"q": "养老服务"}, ["建设老年助餐点"]),  # project name
        ({"q": "民政"}, ["建设老年助餐点", "改造老旧小区"]),  # lead unit
        ({"q": "4"}, ["改造老旧小区"]),  # project number
        ({"q": "  "}, ["新建西青实验小学", "新建公办幼儿园", "建设老年助餐点", "改造老旧小区"]),
        ({"unit": "区教育局", "shown": "lagging"}, ["新建公办幼儿园"]),
        ({"shown": "bogus"}, []),  # a value that is not offered narrows to nothing
    ],
)
def test_each_filter_narrows_the_list(client_as, supervisor, varied, params, expected):
    lookups = {
        "category": lambda v: varied["school"].project.plan.categories.get(name=v).pk,
        "unit": lambda v: Unit.objects.get(name=v).pk,
        "leader": lambda v: Leader.objects.get(name=v).pk,
    }
    query = {"period": PERIOD}
    for key, value in params.items():
        query[key] = lookups[key](value) if key in lookups else value

    response = client_as(supervisor).get(LIST_URL, query)

    assert response.status_code == 200
    assert names(response) == expected


def test_the_plan_filter_and_the_admins_jurisdiction_filter(
    client_as, admin_user, supervisor, varied, plan, world
):
    other_plan = make_plan(plan.jurisdiction, title="2024年西青区重点工作", year=2024)
    make_subitem(make_project(other_plan), name="其他清单的子项")
    refresh_statuses()
    admin = client_as(admin_user)

    response = admin.get(LIST_URL, {"period": PERIOD, "plan": plan.pk})
    assert "其他清单的子项" not in names(response)
    assert "新建西青实验小学" in names(response)
    response = admin.get(LIST_URL, {"period": PERIOD, "plan": other_plan.pk})
    assert names(response) == ["其他清单的子项"]

    beilun = world["elsewhere"].project.plan.jurisdiction_id
    response = admin.get(LIST_URL, {"period": PERIOD, "jurisdiction": beilun})
    assert names(response) == ["新建北仑中学"]
    # a supervisor is held to their own jurisdiction: another one's id narrows to nothing
    response = client_as(supervisor).get(LIST_URL, {"period": PERIOD, "jurisdiction": beilun})
    assert names(response) == []
    # ... and their own (the dashboard's links carry it) changes nothing
    own = client_as(supervisor).get(
        LIST_URL, {"period": PERIOD, "jurisdiction": plan.jurisdiction_id}
    )
    assert len(names(own)) == 6


def test_a_reporter_filters_within_their_scope(client_as, reporter, varied, other_unit):
    response = client_as(reporter).get(LIST_URL, {"period": PERIOD, "unit": other_unit.pk})
    assert names(response) == []
    response = client_as(reporter).get(LIST_URL, {"period": PERIOD})
    assert names(response) == ["新建西青实验小学", "新建公办幼儿园"]


def test_the_list_defaults_to_the_latest_period_with_reports(client_as, supervisor, varied):
    make_report(varied["care"], datetime.date(2024, 7, 1), status=Status.AHEAD)
    refresh_statuses()

    response = client_as(supervisor).get(LIST_URL)

    assert response.context["period"] == datetime.date(2024, 7, 1)
    assert len(names(response)) == 4


def test_the_list_sorts_by_a_column(client_as, supervisor, varied):
    client = client_as(supervisor)
    by_name = names(client.get(LIST_URL, {"period": PERIOD, "sort": "subitem"}))
    assert by_name == sorted(by_name)
    reversed_ = names(client.get(LIST_URL, {"period": PERIOD, "sort": "-subitem"}))
    assert reversed_ == list(reversed(by_name))
    by_shown = client.get(LIST_URL, {"period": PERIOD, "sort": "shown"})
    assert [r.shown for r in rows_of(by_shown)] == sorted(r.shown for r in rows_of(by_shown))


def test_the_list_has_pages_of_50(client_as, supervisor, plan, unit):
    projects = Project.objects.bulk_create(
        Project(plan=plan, number=str(i), name=f"项目{i}", order=i) for i in range(1, 121)
    )
    SubItem.objects.bulk_create(
        SubItem(project=p, number=1, name=f"子项{i:03d}", lead_unit=unit)
        for i, p in enumerate(projects)
    )
    refresh_statuses()
    client = client_as(supervisor)

    first = client.get(LIST_URL, {"period": PERIOD})
    last = client.get(LIST_URL, {"period": PERIOD, "page": 3})

    assert first.context["count"] == 120
    assert len(rows_of(first)) == 50
    assert len(rows_of(last)) == 20
    assert 'aria-current="page">3<' in last.content.decode()


# --- the Beilun progress table of docs/samples.md --------------------------------------------------


def test_beilun_lagging_and_on_track_counts(client_as, admin_user, beilun):
    client = client_as(admin_user)

    lagging = client.get(LIST_URL, {"period": "2024-10", "shown": "lagging"})
    on_track = client.get(LIST_URL, {"period": "2024-10", "shown": "on_track"})
    everything = client.get(LIST_URL, {"period": "2024-10"})

    assert lagging.context["count"] == 1
    assert rows_of(lagging)[0].subitem.project.name == "教育设施增量提质"
    assert on_track.context["count"] == 18
    assert everything.context["count"] == 35
    assert client.get(LIST_URL).context["period"] == datetime.date(2024, 10, 1)


def test_beilun_supervisor_sees_the_same_counts(client_as, beilun):
    supervisor = make_user("beilun_supervisor", roles.SUPERVISOR, jurisdiction=beilun.jurisdiction)
    response = client_as(supervisor).get(
        LIST_URL, {"period": "2024-10", "shown": "on_track", "jurisdiction": beilun.jurisdiction_id}
    )
    assert response.context["count"] == 18


def test_q_finds_chinese_text_in_beilun(client_as, admin_user, beilun):
    response = client_as(admin_user).get(LIST_URL, {"period": "2024-10", "q": "教育设施"})

    assert response.context["count"] >= 1
    assert {r.subitem.project.name for r in rows_of(response)} == {"教育设施增量提质"}


# --- the export -------------------------------------------------------------------------------


def open_export(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return book.active


def test_the_export_has_the_rows_and_columns_of_the_filtered_list(en_client, admin_user, beilun):
    client = en_client(admin_user)
    params = {"period": "2024-10", "shown": "on_track", "sort": "subitem"}

    listed = client.get(LIST_URL, params)
    sheet = open_export(client.get(EXPORT_URL, params))

    title, filters, *rows = list(sheet.iter_rows(values_only=True))
    assert title[0] == "All jurisdictions: progress of the items, 2024-10"  # an admin
    assert filters[0] == "Filters: Reported status: On track"
    header = [
        str(c.header) for c in listed.context["table"].columns if c.name not in ("detail", "choose")
    ]
    assert list(rows[0]) == header
    assert len(rows) == 1 + 18
    assert [r[2] for r in rows[1:]] == [
        f"({r.subitem.number}) {r.subitem.name}" for r in rows_of(listed)
    ]
    assert {r[5] for r in rows[1:]} == {"On track"}
    assert sheet.print_title_rows == "$3:$3"  # the header on every printed page
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert all(value not in (None, "") for row in rows for value in row)  # blanks say why


def test_the_export_writes_every_page_not_only_the_first(client_as, admin_user, beilun):
    response = exported(client_as(admin_user), EXPORT_URL, {"period": "2024-10", "page": 2})
    sheet = open_export(response)
    assert sheet.max_row == 3 + 35  # the title, the filters, the header, the rows


@pytest.mark.parametrize(
    "text", ["=SUM(A1:A9)", "+1+2", "-3", "@cmd", '=HYPERLINK("x")', "\tcmd", "\r=1+1"]
)
def test_text_that_looks_like_a_formula_is_exported_as_text(
    client_as, supervisor, plan, unit, text
):
    make_subitem(make_project(plan, name=text), name=text, lead_unit=unit)
    refresh_statuses()

    sheet = open_export(exported(client_as(supervisor), EXPORT_URL, {"period": PERIOD}))

    row = next(sheet.iter_rows(min_row=4))
    assert row[1].value == text
    assert row[1].data_type == "s"
    assert row[1].quotePrefix  # the formula guard of every export (progress.formatting)
    assert row[2].value == f"(1) {text}"
    assert row[2].data_type == "s"


# --- the item page ----------------------------------------------------------------------------


@pytest.fixture
def employment(plan, unit, co_unit, leader) -> dict:
    """docs/samples.md's 新增就业 (人): 4600, 11000, 16000, 23000 at the quarter ends; 9800 reported
    for June, milestones overdue, done early and done on time."""
    sub = make_subitem(
        make_project(plan, number="8", name="促进就业", leaders=[leader]),
        name="新增就业岗位",
        description="全年新增就业23000人",
        lead_unit=unit,
        co_units=[co_unit],
        leaders=[leader],
    )
    indicator = make_indicator(sub, "新增就业", "人", targets=[4600, 11000, 16000, 23000])
    overdue = make_milestone(sub, datetime.date(2024, 3, 31), "完成招聘会筹备", order=1)
    early = make_milestone(sub, datetime.date(2024, 9, 30), "建成零工市场", order=2)
    on_time = make_milestone(sub, datetime.date(2024, 6, 30), "发放补贴", order=3)
    future = make_milestone(sub, datetime.date(2024, 12, 31), "全年目标", order=4)
    make_report(
        sub,
        datetime.date(2024, 3, 1),
        status=Status.ON_TRACK,
        state=State.APPROVED,
        values={indicator: 4000},
    )
    june = make_report(
        sub,
        datetime.date(2024, 6, 1),
        status=Status.ON_TRACK,
        state=State.APPROVED,
        completion="上半年新增就业9800人。",
        values={indicator: 9800},
        milestones_achieved=[early, on_time],
    )
    ReviewEvent.objects.create(report=june, action="return", comment="请补充零工市场照片。")
    refresh_statuses()
    return {
        "subitem": sub,
        "indicator": indicator,
        "milestones": {"overdue": overdue, "early": early, "on_time": on_time, "future": future},
    }


def detail_url(subitem: SubItem, period: str | None = None) -> str:
    url = reverse("items:detail", args=[subitem.pk])
    return f"{url}?period={period}" if period else url


def test_the_reason_reads_9800_of_11000_is_89_percent(en_client, supervisor, employment):
    response = en_client(supervisor).get(detail_url(employment["subitem"], "2024-06"))

    assert response.status_code == 200
    sentences = [r["text"] for r in response.context["reasons"]]
    assert "新增就业 9,800 / time-proportional target 11,000 = 89%" in sentences
    page = response.content.decode()
    assert "9,800" in page and "11,000" in page and "89%" in page


def test_the_milestone_reasons_say_overdue_early_and_on_time(en_client, supervisor, employment):
    response = en_client(supervisor).get(detail_url(employment["subitem"], "2024-06"))

    sentences = [r["text"] for r in response.context["reasons"]]
    assert "Milestone 2024-03-31 is overdue and not done: 完成招聘会筹备" in sentences
    assert "Milestone 2024-09-30 was done ahead of time: 建成零工市场" in sentences
    assert "Milestone 2024-06-30 was done on time: 发放补贴" in sentences
    # lagging (9,800 / 11,000 and an overdue milestone) while the unit says on track
    assert response.context["computed"] == "lagging"
    assert response.context["shown"] == "on_track"
    assert response.context["mismatch"]
    assert "Status mismatch" in response.content.decode()


def test_the_page_agrees_with_the_stored_status(client_as, supervisor, employment):
    sub = employment["subitem"]
    for month in range(1, 13):
        period = datetime.date(2024, month, 1)
        response = client_as(supervisor).get(detail_url(sub, f"2024-{month:02d}"))
        stored = ItemStatus.objects.get(subitem=sub, period=period)
        assert response.context["computed"] == stored.computed_status, period
        assert response.context["mismatch"] == stored.mismatch, period


def test_the_timeline_shows_done_due_and_overdue(client_as, supervisor, employment):
    response = client_as(supervisor).get(detail_url(employment["subitem"], "2024-06"))

    states = {m.text: m.state for m in response.context["timeline"]}
    assert states == {
        "完成招聘会筹备": "overdue",
        "发放补贴": "done",
        "建成零工市场": "done",
        "全年目标": "due",
    }
    early = next(m for m in response.context["timeline"] if m.text == "建成零工市场")
    assert early.early
    # in May nothing was marked done yet
    response = client_as(supervisor).get(detail_url(employment["subitem"], "2024-05"))
    assert {m.text: m.state for m in response.context["timeline"]}["发放补贴"] == "due"


def test_the_chart_data_has_targets_the_expected_line_and_reported_values(
    client_as, supervisor, employment
):
    response = client_as(supervisor).get(detail_url(employment["subitem"], "2024-06"))

    chart = response.context["chart_data"]["charts"][0]
    assert chart["labels"][0] == "2024-01" and chart["labels"][-1] == "2024-12"
    assert chart["target"][2] == 4600 and chart["target"][5] == 11000
    assert chart["target"][0] is None
    assert chart["expected"][5] == 11000 and chart["expected"][11] == 23000
    assert chart["actual"][2] == 4000 and chart["actual"][5] == 9800
    assert chart["actual"][4] is None
    page = response.content.decode()
    assert '<script id="item-chart-data" type="application/json">' in page
    assert "vendor/chart.umd.min.js" in page
    assert "js/item_charts.js" in page
    assert 'id="indicator-chart-' in page
    assert " style=" not in page  # strict CSP: no inline styles
    assert "Content-Security-Policy" in response.headers


def test_the_page_shows_plan_units_persons_leaders_and_the_history(
    en_client, supervisor, employment, plan
):
    from factories import make_person

    sub = employment["subitem"]
    sub.persons.add(make_person(sub.lead_unit, "郭金花"))
    make_category(plan)  # unrelated
    response = en_client(supervisor).get(detail_url(sub, "2024-06"))

    page = response.content.decode()
    for text in (
        plan.title,
        "8. 促进就业",
        "新增就业岗位",
        "全年新增就业23000人",
        "区教育局",
        "区财政局",
        "郭金花",
        "柴树芳",
        "上半年新增就业9800人。",
        "请补充零工市场照片。",
        "2024-03",
    ):
        assert text in page, text
    assert reverse("items:unit", args=[sub.lead_unit_id]) in page
    assert reverse("items:leader", args=[sub.leaders.get().pk]) in page
    assert [r.period.month for r in response.context["reports"]] == [6, 3]


def test_an_item_without_a_basis_says_so(en_client, supervisor, subitem):
    refresh_statuses()
    response = en_client(supervisor).get(detail_url(subitem, "2024-05"))

    assert response.context["reasons"] == []
    assert "Nothing to judge by yet" in response.content.decode()
    assert response.context["shown"] == "missing"


def test_a_reported_completion_is_explained(en_client, supervisor, subitem):
    make_report(subitem, datetime.date(2024, 4, 1), status=Status.COMPLETED)
    refresh_statuses()

    response = en_client(supervisor).get(detail_url(subitem, "2024-05"))

    assert response.context["computed"] == "completed"
    assert "The unit reported the item completed." in response.content.decode()


def test_a_draft_does_not_count_as_reported(en_client, reporter, subitem):
    make_report(subitem, PERIOD_DATE, status=Status.LAGGING, state=State.DRAFT)
    refresh_statuses()

    response = en_client(reporter).get(detail_url(subitem, PERIOD))

    assert response.context["shown"] == "missing"
    assert "does not count yet" in response.content.decode()


def test_the_item_period_must_be_a_month_of_the_plans_year(
    client_as, supervisor, subitem, jurisdiction, unit
):
    client = client_as(supervisor)
    # not a period: 400 naming it (issue 9.3); a period of another year: 404
    assert client.get(detail_url(subitem, "2024-13")).status_code == 400
    assert client.get(detail_url(subitem, "may")).status_code == 400
    assert client.get(detail_url(subitem, "2023-05")).status_code == 404
    quarterly = make_subitem(
        make_project(make_plan(jurisdiction, year=2024, reporting_cycle="quarterly")),
        lead_unit=unit,
    )
    response = client.get(detail_url(quarterly, "2024-05"))
    assert response.context["period"] == datetime.date(2024, 6, 1)


def test_the_item_page_defaults_to_the_latest_reported_period_of_a_past_year(
    client_as, supervisor, employment
):
    response = client_as(supervisor).get(detail_url(employment["subitem"]))
    assert response.context["period"] == datetime.date(2024, 6, 1)


# --- unit and leader pages --------------------------------------------------------------------


def _at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def record_world(plan, unit, leader) -> list[SubItem]:
    """Three items of 区教育局 under 柴树芳: in May one on time, one late, one not reported;
    in April all on time (one imported before its deadline)."""
    items = [
        make_subitem(make_project(plan), name=f"教育子项{i}", lead_unit=unit, leaders=[leader])
        for i in range(3)
    ]
    deadline_may = datetime.date(2024, 6, 5)
    make_report(items[0], PERIOD_DATE, submitted_at=_at(deadline_may, 23))
    make_report(
        items[1], PERIOD_DATE, submitted_at=_at(deadline_may + datetime.timedelta(days=1), 0)
    )
    for sub in items[:2]:
        make_report(sub, datetime.date(2024, 4, 1), submitted_at=_at(datetime.date(2024, 5, 2)))
    imported = make_report(items[2], datetime.date(2024, 4, 1), source="import")
    ProgressReport.objects.filter(pk=imported.pk).update(created_at=_at(datetime.date(2024, 5, 5)))
    # a draft is not a report yet
    make_report(items[2], PERIOD_DATE, state=State.DRAFT, submitted_at=None)
    refresh_statuses()
    return items


def _month(response, month: int):
    return next(m for m in response.context["record"] if m.period.month == month)


@pytest.mark.parametrize("page", ["unit", "leader"])
def test_the_reporting_record_counts_on_time_late_and_missing(
    client_as, supervisor, record_world, unit, leader, page
):
    url = reverse(f"items:{page}", args=[unit.pk if page == "unit" else leader.pk])

    response = client_as(supervisor).get(url, {"period": PERIOD})

    may, april, june = _month(response, 5), _month(response, 4), _month(response, 6)
    assert (may.expected, may.on_time, may.late, may.missing) == (3, 1, 1, 1)
    assert (april.on_time, april.late, april.missing) == (3, 0, 0)
    assert (june.on_time, june.late, june.missing) == (0, 0, 3)
    assert len(response.context["record"]) == 12
    assert response.context["count"] == 3
    assert {r.subitem.name for r in rows_of(response)} == {"教育子项0", "教育子项1", "教育子项2"}


def test_the_record_before_the_deadline_is_pending_not_missing(
    client_as, supervisor, jurisdiction, unit
):
    year = timezone.localdate().year
    plan = make_plan(jurisdiction, year=year)
    make_subitem(make_project(plan), lead_unit=unit)
    refresh_statuses()

    response = client_as(supervisor).get(
        reverse("items:unit", args=[unit.pk]), {"period": f"{year}-12"}
    )

    december = _month(response, 12)
    assert december.missing == 0 and december.pending == 1


def test_an_item_completed_earlier_is_not_asked_again(client_as, supervisor, subitem, unit):
    make_report(subitem, datetime.date(2024, 3, 1), status=Status.COMPLETED)
    refresh_statuses()

    response = client_as(supervisor).get(reverse("items:unit", args=[unit.pk]), {"period": PERIOD})

    may = _month(response, 5)
    assert (may.expected, may.missing, may.not_needed) == (0, 0, 1)


def test_the_unit_page_lists_co_operated_items_too(en_client, co_reporter, subitem, co_unit):
    refresh_statuses()
    response = en_client(co_reporter).get(
        reverse("items:unit", args=[co_unit.pk]), {"period": PERIOD}
    )

    assert response.status_code == 200
    assert response.context["count"] == 0
    assert [r.subitem.name for r in response.context["co_table"].paginated_rows.data] == [
        "新建社区养老驿站"
    ]


def test_the_unit_page_links_to_the_filtered_list(client_as, supervisor, subitem, unit):
    refresh_statuses()
    response = client_as(supervisor).get(reverse("items:unit", args=[unit.pk]), {"period": PERIOD})

    assert f"{LIST_URL}?period={PERIOD}&amp;unit={unit.pk}" in response.content.decode()


# --- query counts: 10 items and 1,000 ------------------------------------------------------------


def bulk_world(
    jurisdiction: Jurisdiction, unit: Unit, co_unit: Unit, leader: Leader, n: int
) -> None:
    """n sub-items of one plan, led by `unit` under `leader`, with a co-unit, a milestone and a
    May report for every other one; statuses refreshed. Bulk-created: fast at 1,000."""
    plan = Plan.objects.create(jurisdiction=jurisdiction, title=f"批量清单{n}", year=2024)
    category = make_category(plan, f"批量大项{n}")
    projects = Project.objects.bulk_create(
        Project(plan=plan, category=category, number=str(i), name=f"批量项目{i}", order=i)
        for i in range(1, n + 1)
    )
    subs = SubItem.objects.bulk_create(
        SubItem(project=p, number=1, name=f"批量子项{p.number}", lead_unit=unit) for p in projects
    )
    SubItem.leaders.through.objects.bulk_create(
        SubItem.leaders.through(subitem_id=s.pk, leader_id=leader.pk) for s in subs
    )
    CoUnit.objects.bulk_create(CoUnit(subitem=s, unit=co_unit) for s in subs)
    Milestone.objects.bulk_create(
        Milestone(subitem=s, due=datetime.date(2024, 6, 30), text="上半年完成") for s in subs
    )
    ProgressReport.objects.bulk_create(
        ProgressReport(
            subitem=s,
            period=PERIOD_DATE,
            status=Status.ON_TRACK,
            state=State.SUBMITTED,
            completion="推进中",
            submitted_at=_at(datetime.date(2024, 6, 3)),
        )
        for s in subs[::2]
    )
    refresh_statuses(plan_ids=[plan.pk])


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # warm up: session, caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # 200, or the job's page for an export a worker writes
    assert response.status_code == 200 or response["Location"].startswith("/jobs/"), url
    return len(queries)


@pytest.mark.parametrize("role", ["supervisor", "admin_user", "reporter"])
def test_list_and_pages_issue_the_same_queries_with_10_and_1000_items(
    client_as, request, jurisdiction, unit, co_unit, leader, employment, role
):
    user = request.getfixturevalue(role)
    client = client_as(user)
    urls = {
        "list": f"{LIST_URL}?period={PERIOD}",
        "list filtered": f"{LIST_URL}?period={PERIOD}&unit={unit.pk}&leader={leader.pk}&q=批量&shown=on_track&sort=-lead_unit",
        "item": detail_url(employment["subitem"], "2024-06"),
        "unit": f"{reverse('items:unit', args=[unit.pk])}?period={PERIOD}",
        "export": f"{EXPORT_URL}?period={PERIOD}",  # queued, except the reporter's
        "export filtered": f"{EXPORT_URL}?period={PERIOD}&unit={unit.pk}",  # sent
    }
    if role != "reporter":
        urls["leader"] = f"{reverse('items:leader', args=[leader.pk])}?period={PERIOD}"

    bulk_world(jurisdiction, unit, co_unit, leader, 10)
    few = {name: count_queries(client, url) for name, url in urls.items()}
    bulk_world(jurisdiction, unit, co_unit, leader, 990)
    many = {name: count_queries(client, url) for name, url in urls.items()}

    assert many == few
    response = client.get(urls["list"])
    assert response.context["count"] == 1000 + 1  # and the employment item
    assert len(rows_of(response)) == 50


# session, user, groups; the count; the filter's choices (jurisdictions for admins, plans,
# categories, units, leaders); the page's rows and their leaders (the period is in the URL).
# The list reads no cache: cold and warm are the same.
LIST_QUERIES = {"supervisor": 10, "admin_user": 11, "reporter": 10}


@pytest.mark.parametrize("role", ["supervisor", "admin_user", "reporter"])
def test_the_list_query_count_is_pinned_cold_and_warm_for_10_and_1000_items(
    client_as, request, jurisdiction, unit, co_unit, leader, role
):
    from django.core.cache import cache

    client = client_as(request.getfixturevalue(role))
    url = f"{LIST_URL}?period={PERIOD}"
    client.get(url)  # the session's first request
    counted = {}
    for n, more in ((10, 10), (1000, 990)):
        bulk_world(jurisdiction, unit, co_unit, leader, more)
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            response = client.get(url)
        assert response.context["count"] == n
        with CaptureQueriesContext(connection) as warm:
            client.get(url)
        counted[n] = (len(cold), len(warm))
    assert counted[10] == counted[1000]
    assert counted[10] == (LIST_QUERIES[role], LIST_QUERIES[role])


def test_the_item_page_queries_do_not_grow_with_its_history(
    client_as, supervisor, employment, reporter
):
    sub = employment["subitem"]
    client = client_as(supervisor)
    url = detail_url(sub, "2024-06")
    few = count_queries(client, url)

    indicator = make_indicator(sub, "职业技能培训", "人次", targets=[1500, 5000, 7500, 10000])
    for month in (1, 2, 4, 5, 7, 8):
        report = make_report(sub, datetime.date(2024, month, 1), values={indicator: month * 100})
        ReviewEvent.objects.create(report=report, action="approve", actor=reporter)
        ReviewEvent.objects.create(report=report, action="return", comment="退回", actor=supervisor)
        make_milestone(sub, datetime.date(2024, month, 28), f"{month}月节点", order=10 + month)
    refresh_statuses(subitem_ids=[sub.pk])
    many = count_queries(client, url)

    response = client.get(url)
    assert len(response.context["reports"]) == 8
    assert len(response.context["chart_data"]["charts"]) == 2
    assert many == few
    # session, user, groups; the sub-item, its co-units, persons, leaders; the stored status of
    # the period; six rule inputs; the reports and their review steps
    assert many <= 18, many  # with supervision's light and notices of the item (two)


def test_services_keep_the_list_current(client_as, supervisor, reporter, subitem):
    refresh_statuses()
    client = client_as(supervisor)
    assert rows_of(client.get(LIST_URL, {"period": PERIOD, "shown": "missing"}))

    services.report_save(
        subitem=subitem,
        period=PERIOD_DATE,
        user=reporter,
        data=services.ReportData(status=Status.ON_TRACK, completion="按计划推进"),
        expected_version=None,
        submit=True,
    )

    # submitted: awaiting review, then approved: its status
    assert names(client.get(LIST_URL, {"period": PERIOD, "shown": "submitted"})) == [
        "新建社区养老驿站"
    ]
    review_services.report_approve(report=subitem.reports.get(), user=supervisor)
    assert names(client.get(LIST_URL, {"period": PERIOD, "shown": "on_track"})) == [
        "新建社区养老驿站"
    ]
    assert not rows_of(client.get(LIST_URL, {"period": PERIOD, "shown": "submitted"}))


def test_a_supervisors_export_is_titled_with_the_jurisdiction_in_chinese(
    client_as, supervisor, plan, unit
):
    make_subitem(make_project(plan), lead_unit=None)
    refresh_statuses()
    sheet = open_export(client_as(supervisor).get(EXPORT_URL, {"period": PERIOD, "missing": "1"}))
    title, filters, _header, *rows = list(sheet.iter_rows(values_only=True))
    assert title[0] == f"{supervisor.jurisdiction.name}子项进度表（{PERIOD}）"
    assert filters[0] == "筛选条件：仅看未报送"
    assert "—（未指定牵头单位）" in [r[3] for r in rows]
