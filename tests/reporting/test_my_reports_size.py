"""我的填报 for a unit that leads 250 or 1,000 items stays under 120 KB of HTML (issue 14): compact
rows grouped by plan, 100 a page, with a summary per plan of the whole period."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from factories import make_plan, make_project, make_report, make_subitem

from progress.models import ProgressReport, Status
from progress.statuses import refresh_statuses

pytestmark = pytest.mark.django_db

LIMIT = 120 * 1024
APRIL, MAY = datetime.date(2024, 4, 1), datetime.date(2024, 5, 1)


@pytest.mark.parametrize("n", [250, 1000])
def test_items_stay_under_120_kb(client_as, reporter, jurisdiction, unit, n):
    plans = [
        make_plan(jurisdiction, title=f"2024年{name}民生实事项目清单", year=2024)
        for name in ("区级", "街道", "重点")
    ]
    total = n
    for n in range(total):
        project = make_project(
            plans[n % 3], number=str(n + 1), name=f"实施老旧小区改造提升工程第{n}批次项目建设"
        )
        sub = make_subitem(
            project, name=f"完成{n}个老旧小区雨污分流、外立面整治和配套设施改造", lead_unit=unit
        )
        # last month's report, with a long completion text as the units write them
        make_report(
            sub,
            APRIL,
            status=Status.LAGGING if n % 5 == 0 else Status.ON_TRACK,
            state=ProgressReport.State.APPROVED,
            completion="已完成施工招标，进场施工，完成雨污分流管网铺设约60%，外立面整治完成40%。"
            * 3,
            refresh=False,
        )
        if n % 4 == 0:
            make_report(sub, MAY, state=ProgressReport.State.DRAFT, refresh=False)
    refresh_statuses()

    response = client_as(reporter).get(reverse("reporting:my_reports"), {"period": "2024-05"})

    assert response.status_code == 200
    assert len(response.context["to_report"]) == total
    size = len(response.content)
    print(f"我的填报, {total} items: {size / 1024:.1f} KB")
    assert size < LIMIT, f"{size / 1024:.1f} KB"
    html = response.content.decode()
    for plan in plans:  # every plan in the summary, even one the first page does not show
        assert plan.title in html
    summary = response.context["plan_summary"]
    assert sum(line["items"] for line in summary) == total
