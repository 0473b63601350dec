"""The start page: each role's work, and every supervisor figure equal to the list it links to."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factories import make_milestone, make_plan, make_project, make_report, make_subitem

from progress.models import ProgressReport, ReviewEvent, Status
from progress.start import selectors
from progress.statuses import refresh_statuses
from projects.models import Plan

pytestmark = pytest.mark.django_db

HOME = reverse("home")
MARCH, APRIL = datetime.date(2024, 3, 1), datetime.date(2024, 4, 1)
State = ProgressReport.State


def build(jurisdiction, unit, other_unit, *, n: int = 1) -> None:
    """n times: in 2024-04 (the latest period with reports) one approved lagging report, one
    approved on-track report whose milestone is overdue (a mismatch), one submitted, one
    missing, one draft; 2024-03 all reported but one."""
    plan = Plan.objects.filter(jurisdiction=jurisdiction).first() or make_plan(
        jurisdiction, title="2024年民生实事项目清单", year=2024
    )
    first = plan.projects.count()
    for k in range(first, first + n):
        project = make_project(plan, number=str(k + 1), name=f"项目{k}")
        lagging = make_subitem(project, name=f"滞后{k}", lead_unit=unit)
        make_report(lagging, APRIL, status=Status.LAGGING, state=State.APPROVED)
        behind = make_subitem(project, name=f"不符{k}", lead_unit=other_unit)
        make_milestone(behind, datetime.date(2024, 2, 15))
        make_report(behind, APRIL, status=Status.ON_TRACK, state=State.APPROVED)
        waiting = make_subitem(project, name=f"待审{k}", lead_unit=unit)
        make_report(waiting, APRIL, state=State.SUBMITTED)
        make_subitem(project, name=f"未报{k}", lead_unit=unit)
        draft = make_subitem(project, name=f"草稿{k}", lead_unit=unit)
        make_report(draft, APRIL, state=State.DRAFT)
        for sub in (lagging, behind, waiting, draft):
            make_report(sub, MARCH, state=State.APPROVED)
    refresh_statuses()  # as the import does for new items


def test_it_checks_access(client_as, admin_user, supervisor, reporter, other_supervisor):
    assert client_as(None).get(HOME).status_code == 302
    for user in (admin_user, supervisor, reporter, other_supervisor):
        assert client_as(user).get(HOME).status_code == 200


def test_each_figure_equals_the_list_behind_its_link(
    client_as, supervisor, jurisdiction, unit, other_unit, other_jurisdiction
):
    build(jurisdiction, unit, other_unit, n=2)
    # another jurisdiction's items count nowhere
    build(other_jurisdiction, None, None, n=1)
    client = client_as(supervisor)
    page = client.get(HOME)
    figures = page.context["figures"]
    assert figures.period == APRIL
    counts = figures.counts
    assert counts == {"awaiting_review": 2, "missing": 4, "lagging": 2, "mismatch": 2}

    queue = client.get(page.context["figure_links"]["awaiting_review"])
    assert queue.context["page"].paginator.count == counts["awaiting_review"]
    missing = client.get(page.context["figure_links"]["missing"])
    assert missing.context["item_count"] == counts["missing"]
    assert missing.context["period"] == figures.missing_period
    for code in ("lagging", "mismatch"):
        listed = client.get(page.context["figure_links"][code])
        assert listed.context["count"] == counts[code], code
    html = page.content.decode()
    for code in selectors.FIGURES:
        link = page.context["figure_links"][code].replace("&", "&amp;")
        assert f'href="{link}" data-figure="{code}"' in html


def test_admins_count_every_jurisdiction(
    client_as, admin_user, jurisdiction, unit, other_unit, other_jurisdiction
):
    build(jurisdiction, unit, other_unit)
    build(other_jurisdiction, None, None)
    client = client_as(admin_user)
    page = client.get(HOME)
    counts = page.context["figures"].counts
    assert counts["awaiting_review"] == 2 and counts["lagging"] == 2
    listed = client.get(page.context["figure_links"]["lagging"])
    assert listed.context["count"] == 2


def test_the_figures_take_the_same_queries_for_more_items(
    client_as, supervisor, jurisdiction, unit, other_unit
):
    client = client_as(supervisor)
    build(jurisdiction, unit, other_unit, n=1)
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    build(jurisdiction, unit, other_unit, n=8)
    with CaptureQueriesContext(connection) as many:
        client.get(HOME)
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as figures:
        selectors.supervisor_figures(supervisor, jurisdiction.pk)
    assert len(figures) == 4  # 5 until the groups were read once per user object


def test_the_menu_carries_the_counts_once_known(
    client_as, supervisor, jurisdiction, unit, other_unit
):
    build(jurisdiction, unit, other_unit)
    client = client_as(supervisor)
    client.get(HOME)
    html = client.get(reverse("items:list")).content.decode()
    assert re.search(r'href="/review/"[^>]*>[^<]*<span class="nav-count"[^>]*>1</span>', html)


def test_the_reporter_sees_returned_items_first_with_the_comment(
    en_client, reporter, supervisor, jurisdiction, unit, other_unit
):
    build(jurisdiction, unit, other_unit)
    returned = ProgressReport.objects.get(subitem__name="待审0", period=APRIL)
    from progress.review import services

    services.report_return(report=returned, user=supervisor, comment="请补充完成数量。")
    page = en_client(reporter).get(HOME)
    todo = page.context["todo"]
    assert todo.period == APRIL  # the period still to be filled, not the approved March
    assert [item.name for item in todo.items] == ["待审0", "未报0", "草稿0"]
    assert todo.items[0].return_comment == "请补充完成数量。"
    assert todo.done_count == 1  # the lagging report, approved
    html = page.content.decode()
    assert "请补充完成数量。" in html
    assert html.count("Overdue") == 3  # every deadline of 2024 has passed
    assert ReviewEvent.objects.filter(action="return").count() == 1


def test_the_reporter_todo_takes_the_same_queries_for_more_items(
    client_as, reporter, jurisdiction, unit, other_unit
):
    client = client_as(reporter)
    build(jurisdiction, unit, other_unit, n=1)
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    build(jurisdiction, unit, other_unit, n=6)
    with CaptureQueriesContext(connection) as many:
        client.get(HOME)
    assert len(many) == len(few)


def test_messages_are_a_plain_list_inside_one_live_region(client_as, supervisor):
    """Found by the month's walk (test_month_walk_browser): role="status" on each <li> broke the
    list for axe-core (aria-allowed-role, list) on every page after a message; the live region
    wraps the list instead."""
    page = client_as(supervisor).post(reverse("review:approve_selected"), follow=True)
    html = page.content.decode()
    region = re.search(
        r'<div role="status">\s*<ul class="messages">(.*?)</ul>\s*</div>', html, re.S
    )
    assert region, html
    items = re.findall(r"<li[^>]*>", region.group(1))
    assert len(items) == 1
    assert all("role=" not in tag for tag in items)
    assert "请先勾选要批准的报告。" in region.group(1)
