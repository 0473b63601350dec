"""The public pages: published tables only, readable by everyone without a login, and nothing
private in them (drafts and unreviewed reports, review comments, attachments, persons' names
unless the office chose to show them)."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factories import (
    make_leader,
    make_milestone,
    make_person,
    make_plan,
    make_project,
    make_report,
    make_subitem,
    make_unit,
)

from progress.exports.services import publication_publish, publication_unpublish
from progress.models import Attachment, ProgressReport, ReviewEvent, Status
from projects.models import Plan

pytestmark = pytest.mark.django_db

PERIOD = datetime.date(2024, 3, 1)
State = ProgressReport.State
EVERYONE = ["anonymous", "admin_user", "supervisor", "other_supervisor", "reporter"]


@pytest.fixture
def plan(jurisdiction, unit, other_unit) -> Plan:
    """A monthly plan of 西青区 whose March reports are in every state of the workflow."""
    plan = make_plan(jurisdiction, title="2024年民生实事项目清单", year=2024)
    leader = make_leader(jurisdiction, "柴树芳")
    person = make_person(unit, "李伟志")
    project = make_project(plan, number="1", name="新建养老服务设施", leaders=[leader])
    rows = {
        "已审核子项": (State.APPROVED, "已审核的进展"),
        "草稿子项": (State.DRAFT, "草稿里的进展"),
        "待审核子项": (State.SUBMITTED, "待审核的进展"),
        "已退回子项": (State.RETURNED, "已退回的进展"),
    }
    for name, (state, completion) in rows.items():
        sub = make_subitem(
            project,
            name=name,
            lead_unit=unit,
            co_units=[other_unit],
            persons=[person],
            leaders=[leader],
        )
        make_milestone(sub, datetime.date(2024, 3, 31), f"{name}的一季度目标")
        report = make_report(sub, PERIOD, state=state, completion=completion)
        if state == State.RETURNED:
            ReviewEvent.objects.create(
                report=report, action=ReviewEvent.Action.RETURN, comment="退回意见：数据不实"
            )
        if state == State.APPROVED:
            ReviewEvent.objects.create(
                report=report, action=ReviewEvent.Action.APPROVE, comment="审核意见：同意"
            )
            Attachment.objects.create(
                report=report,
                file=ContentFile(b"x", name="photo.jpg"),
                original_name="现场照片.jpg",
                kind=Attachment.Kind.IMAGE,
                content_type="image/jpeg",
                size=1,
            )
    imported = make_subitem(project, name="导入子项", lead_unit=unit, leaders=[leader])
    make_report(
        imported,
        PERIOD,
        state=State.APPROVED,
        source=ProgressReport.Source.IMPORT,
        status=Status.LAGGING,
        completion="导入的进展",
        explanation="导入的说明",
    )
    return plan


@pytest.fixture
def published(plan, supervisor):
    return publication_publish(plan=plan, period=PERIOD, user=supervisor, show_persons=False)


def table_url(plan: Plan, period: str = "2024-03") -> str:
    return reverse("public:table", args=[plan.pk, period])


def xlsx_url(plan: Plan, period: str = "2024-03") -> str:
    return reverse("public:table_xlsx", args=[plan.pk, period])


def xlsx_text(response) -> str:
    data = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


# --- access: everyone reads published tables, nobody reads the others ---------------------------


@pytest.mark.parametrize("persona", EVERYONE)
def test_everyone_reads_published_tables(request, client_as, plan, published, persona):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = client_as(user)
    pages = {
        reverse("public:index"): plan.jurisdiction.name,
        reverse("public:jurisdiction", args=[plan.jurisdiction.pk]): plan.title,
        table_url(plan): "2024年西青区民生实事项目3月进度表",
    }
    for url, shown in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert shown in response.content.decode(), url
    response = client.get(xlsx_url(plan))
    assert response.status_code == 200
    assert "2024年西青区民生实事项目3月进度表" in xlsx_text(response)


@pytest.mark.parametrize("persona", EVERYONE)
def test_unpublished_periods_are_404_to_everyone(request, client_as, plan, published, persona):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = client_as(user)
    for url in (
        table_url(plan, "2024-02"),  # another period of the plan: not published
        xlsx_url(plan, "2024-02"),
        table_url(plan, "2024-13"),
        table_url(plan, "nonsense"),
        reverse("public:table", args=[plan.pk + 1000, "2024-03"]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_jurisdiction_with_nothing_published_is_404(client, plan, other_jurisdiction):
    other_plan = make_plan(other_jurisdiction, year=2024)
    make_subitem(make_project(other_plan))
    assert (
        client.get(reverse("public:jurisdiction", args=[plan.jurisdiction.pk])).status_code == 404
    )
    assert (
        client.get(reverse("public:jurisdiction", args=[other_jurisdiction.pk])).status_code == 404
    )
    assert client.get(table_url(plan)).status_code == 404
    assert client.get(table_url(other_plan)).status_code == 404
    page = client.get(reverse("public:index")).content.decode()
    assert plan.jurisdiction.name not in page and other_jurisdiction.name not in page


def test_unpublishing_takes_the_table_down(client, plan, published, supervisor):
    assert "已审核的进展" in client.get(table_url(plan)).content.decode()
    publication_unpublish(plan=plan, period=PERIOD, user=supervisor)
    assert client.get(table_url(plan)).status_code == 404
    assert client.get(xlsx_url(plan)).status_code == 404
    assert (
        client.get(reverse("public:jurisdiction", args=[plan.jurisdiction.pk])).status_code == 404
    )


def test_the_lists_show_published_tables_only(client, plan, published, supervisor, jurisdiction):
    hidden = make_plan(jurisdiction, title="2024年未发布的清单", year=2024)
    make_subitem(make_project(hidden))
    page = client.get(reverse("public:index")).content.decode()
    assert reverse("public:jurisdiction", args=[jurisdiction.pk]) in page
    page = client.get(reverse("public:jurisdiction", args=[jurisdiction.pk])).content.decode()
    assert table_url(plan) in page and xlsx_url(plan) in page
    assert "未发布的清单" not in page
    assert table_url(plan, "2024-02") not in page


def test_anonymous_visitors_see_the_public_link_and_no_private_navigation(client, published):
    page = client.get(reverse("public:index")).content.decode()
    assert f'href="{reverse("public:index")}"' in page
    assert reverse("review:queue") not in page
    assert reverse("exports:plans") not in page


def test_supervisors_find_the_exports_from_the_public_pages(client_as, supervisor, published):
    page = client_as(supervisor).get(reverse("public:index")).content.decode()
    assert reverse("exports:plans") in page


# --- nothing private ---------------------------------------------------------------------------


PRIVATE = [
    "草稿里的进展",
    "待审核的进展",
    "已退回的进展",
    "退回意见",
    "审核意见",
    "现场照片",
    "photo",
    "李伟志",  # a responsible person: never in a published table
]


def test_the_public_table_shows_approved_and_imported_reports_only(client, plan, published):
    response = client.get(table_url(plan))
    page = response.content.decode()
    assert "2024年西青区民生实事项目3月进度表" in page
    assert "已审核的进展" in page
    assert "导入的进展" in page and "导入的说明" in page
    for name in ("草稿子项", "待审核子项", "已退回子项"):
        assert name in page  # the sub-item is listed …
        assert f"{name}的一季度目标" in page  # … with its plan …
    assert page.count("未报送") == 2  # … and no report (a draft or a returned one is none)
    assert 'class="status status-submitted">待审核' in page  # submitted: not shown, not missing
    for secret in PRIVATE:
        assert secret not in page, secret
    # the status words of the table, with the site's status colours
    assert 'class="status status-lagging">滞后' in page
    assert 'class="status status-missing">未报送' in page
    assert "填报说明" in page


def test_the_public_xlsx_shows_approved_and_imported_reports_only(client, plan, published):
    text = xlsx_text(client.get(xlsx_url(plan)))
    assert "已审核的进展" in text and "导入的进展" in text
    for secret in PRIVATE:
        assert secret not in text, secret


def test_leaders_names_only_when_the_office_chooses(client, plan, published, supervisor):
    page = client.get(table_url(plan)).content.decode()
    assert "柴树芳" not in page and "区领导" not in page
    assert "柴树芳" not in xlsx_text(client.get(xlsx_url(plan)))

    publication_publish(plan=plan, period=PERIOD, user=supervisor, show_persons=True)
    page = client.get(table_url(plan)).content.decode()
    assert "柴树芳" in page and "区领导" in page
    assert "柴树芳" in xlsx_text(client.get(xlsx_url(plan)))
    assert "李伟志" not in page  # responsible persons are not part of the table at all


def test_a_quarterly_plan_is_published_as_its_ledger(client, jurisdiction, unit, supervisor):
    plan = make_plan(
        jurisdiction, title="2024年民生实事工作进展情况台账", reporting_cycle=Plan.Cycle.QUARTERLY
    )
    sub = make_subitem(make_project(plan, number="1", name="实施电网升级改造工程"), lead_unit=unit)
    make_report(
        sub,
        PERIOD,
        state=State.APPROVED,
        completion="累计完成25个村。",
        problems="",
        next_steps="有序推进。",
    )
    publication_publish(plan=plan, period=PERIOD, user=supervisor, show_persons=False)
    page = client.get(table_url(plan)).content.decode()
    assert "2024年西青区民生实事一季度工作进展情况台账" in page
    for header in ("目标任务", "项目内容", "责任单位", "进展情况", "存在问题", "下步打算"):
        assert header in page
    assert "累计完成25个村。" in page and "有序推进。" in page
    text = xlsx_text(client.get(xlsx_url(plan)))
    assert "下步打算" in text and "有序推进。" in text


def test_the_public_pages_keep_the_strict_csp(client, plan, published):
    response = client.get(table_url(plan))
    assert "Content-Security-Policy" in response
    page = response.content.decode()
    assert "style=" not in page and "<script>" not in page


# --- queries ------------------------------------------------------------------------------------


def build(jurisdiction, supervisor, n: int) -> Plan:
    plan = make_plan(jurisdiction, year=2024)
    lead, co = make_unit(jurisdiction), make_unit(jurisdiction)
    leader = make_leader(jurisdiction)
    project = None
    for i in range(n):
        if i % 4 == 0:
            project = make_project(plan, number=str(i // 4 + 1), leaders=[leader])
        sub = make_subitem(project, lead_unit=lead, co_units=[co], leaders=[leader])
        make_milestone(sub, datetime.date(2024, 3, 31), "一季度目标")
        make_report(sub, PERIOD, state=State.APPROVED)
    publication_publish(plan=plan, period=PERIOD, user=supervisor, show_persons=True)
    return plan


def test_the_public_table_runs_a_fixed_number_of_queries(client, jurisdiction, supervisor):
    counts = []
    for n in (10, 200):
        plan = build(jurisdiction, supervisor, n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(table_url(plan))
        assert response.status_code == 200
        assert response.content.decode().count("一季度目标") == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts

    counts = []
    for plan in Plan.objects.filter(jurisdiction=jurisdiction).order_by("pk"):
        with CaptureQueriesContext(connection) as queries:
            b"".join(client.get(xlsx_url(plan)).streaming_content)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_lists_run_a_fixed_number_of_queries(client, jurisdiction, supervisor):
    counts = []
    for n in (1, 5):
        for _ in range(n):
            build(jurisdiction, supervisor, 1)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("public:index"))
            client.get(reverse("public:jurisdiction", args=[jurisdiction.pk]))
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
