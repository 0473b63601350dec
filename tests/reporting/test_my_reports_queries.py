"""我的填报's query count, pinned (issue 14): the same for a unit leading 10 sub-items and one
leading 1,000, with reports, drafts, items completed earlier and co-operations among them, so
an N+1 over the rows (or the plans they are grouped by) would show."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factories import make_plan

from progress.models import Contribution, ProgressReport, Status
from progress.statuses import refresh_statuses
from projects.models import Project, SubItem

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = (datetime.date(2024, m, 1) for m in (3, 4, 5))
QUERIES = 6  # only ever lowered (11 until the groups were read once a request; 8 until the
# whole lists were read as plain values in one query, 7 until their rows came with them)


def _add(plans, unit, co_unit, start: int, n: int) -> None:
    """n sub-items led by `unit` (over the plans), each with an approved April report; every
    third with a May draft, every fifth reported 办结 in March; and n led by `co_unit` that
    `unit` co-operates on, with a May contribution. Bulk writes, then the stored statuses."""
    projects = Project.objects.bulk_create(
        Project(plan=plans[i % len(plans)], number=str(i + 1), name=f"项目{i}", order=i + 1)
        for i in range(start, start + 2 * n)
    )
    subs = SubItem.objects.bulk_create(
        SubItem(
            project=p,
            number=1,
            name=f"子项{start + i}",
            lead_unit=unit if i % 2 == 0 else co_unit,
        )
        for i, p in enumerate(projects)
    )
    led, co_led = subs[0::2], subs[1::2]
    for sub in co_led:
        sub.co_units.add(unit)
    reports = []
    for i, sub in enumerate(led):
        reports.append(
            ProgressReport(
                subitem=sub,
                period=APRIL,
                status=Status.ON_TRACK,
                state=ProgressReport.State.APPROVED,
                completion="按计划推进。",
            )
        )
        if i % 3 == 0:
            reports.append(
                ProgressReport(
                    subitem=sub, period=MAY, state=ProgressReport.State.DRAFT, completion="草稿"
                )
            )
        if i % 5 == 0:
            reports.append(
                ProgressReport(
                    subitem=sub,
                    period=MARCH,
                    status=Status.COMPLETED,
                    state=ProgressReport.State.APPROVED,
                    completion="已办结。",
                )
            )
    ProgressReport.objects.bulk_create(reports)
    Contribution.objects.bulk_create(
        Contribution(subitem=sub, period=MAY, unit=unit, text="配合") for sub in co_led
    )
    refresh_statuses()


def _queries(client, url: str) -> tuple[int, object]:
    client.get(url)  # warm up: session, caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_my_reports_queries_are_pinned_for_10_and_1000_items(
    client_as, reporter, jurisdiction, unit, co_unit
):
    plans = [make_plan(jurisdiction, title=f"2024年清单{k}", year=2024) for k in range(3)]
    client = client_as(reporter)
    url = f"{reverse('reporting:my_reports')}?period=2024-05"
    counted = {}
    for n, start, more in ((10, 0, 10), (1000, 20, 990)):
        _add(plans, unit, co_unit, start, more)
        queries, response = _queries(client, url)
        shown = len(response.context["to_report"]) + len(response.context["completed_earlier"])
        assert shown == n
        assert len(response.context["cooperating"]) == n
        counted[n] = queries
    assert counted[10] == counted[1000], counted
    assert counted[10] == QUERIES, counted
    # a later page of the items and of the co-operations (100 a page) takes the same queries
    queries, response = _queries(client, f"{url}&page=5&co_page=3")
    assert (response.context["page"].number, response.context["co_page"].number) == (5, 3)
    assert queries == QUERIES
