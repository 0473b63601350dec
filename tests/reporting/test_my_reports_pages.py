"""我的填报 in pages (issue 14): 100 items to report a page (MY_REPORTS_PAGE_SIZE), in the order
of before (plan, project, number), grouped by plan on each page; a summary per plan above the
table counts every item of the period; a bad ?page= shows the first or last page; a submit
comes back to the page that holds the item; a unit sees its own items only, on every page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from factories import make_plan

from progress.models import ProgressReport, Status
from progress.reporting.services import EDITABLE
from progress.statuses import refresh_statuses
from projects.models import Project, SubItem

pytestmark = pytest.mark.django_db

APRIL, MAY = datetime.date(2024, 4, 1), datetime.date(2024, 5, 1)
URL = "reporting:my_reports"


def _items(plans, unit, other_unit, n: int) -> list[SubItem]:
    """n sub-items led by `unit` over the plans (in the page's order: plan title, project order),
    every third with a May draft, every seventh submitted, every eleventh approved; and as many
    led by `other_unit` in the same plans, interleaved. Returns the unit's, in page order."""
    projects = Project.objects.bulk_create(
        Project(plan=plans[i * len(plans) // (2 * n)], number=str(i + 1), name=f"项目{i}", order=i)
        for i in range(2 * n)
    )
    subs = SubItem.objects.bulk_create(
        SubItem(
            project=p,
            number=1,
            name=f"子项{i:04d}号",
            lead_unit=unit if i % 2 == 0 else other_unit,
        )
        for i, p in enumerate(projects)
    )
    mine = subs[0::2]
    reports = []
    for i, sub in enumerate(subs):
        reports.append(
            ProgressReport(
                subitem=sub,
                period=APRIL,
                status=Status.ON_TRACK,
                completion="按计划推进。",
                state=ProgressReport.State.APPROVED,
            )
        )
        state = (
            ProgressReport.State.APPROVED
            if i % 11 == 0
            else ProgressReport.State.SUBMITTED
            if i % 7 == 0
            else ProgressReport.State.DRAFT
            if i % 3 == 0
            else None
        )
        if state is not None:
            reports.append(
                ProgressReport(
                    subitem=sub, period=MAY, state=state, status=Status.ON_TRACK, completion="草稿"
                )
            )
    ProgressReport.objects.bulk_create(reports)
    refresh_statuses()
    return mine


@pytest.fixture
def plans(jurisdiction):
    return [make_plan(jurisdiction, title=f"2024年清单{k}", year=2024) for k in range(3)]


def _get(client, **query):
    response = client.get(reverse(URL), {"period": "2024-05", **query})
    assert response.status_code == 200
    return response


def _shown(response) -> list[int]:
    return [item.pk for item in response.context["page"].object_list]


def test_pages_of_100_in_the_order_of_before(client_as, reporter, unit, other_unit, plans):
    mine = _items(plans, unit, other_unit, 250)
    client = client_as(reporter)

    first, second, third = (_get(client, page=n) for n in (1, 2, 3))

    assert _shown(first) + _shown(second) + _shown(third) == [s.pk for s in mine]
    assert len(_shown(first)) == 100 and len(_shown(third)) == 50
    html = second.content.decode()
    assert mine[100].name in html and mine[199].name in html  # item 101 opens page 2
    assert mine[99].name not in html and mine[200].name not in html
    # the rows are still grouped by plan: each plan of the page under its own heading
    headings = re.findall(r'<h3 class="plan-group__title">([^<]+) <', html)
    assert headings == sorted({s.project.plan.title for s in mine[100:200]})
    # the whole period is counted in the title and the summary, not only the page
    assert len(second.context["to_report"]) == 250
    assert "250" in html


def test_period_is_kept_by_the_page_links(client_as, reporter, unit, other_unit, plans):
    _items(plans, unit, other_unit, 150)

    html = _get(client_as(reporter), page=1).content.decode()

    assert 'href="?period=2024-05&amp;page=2"' in html
    assert 'rel="next"' in html


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("abc", 1),
        ("", 1),
        ("0", 3),
        ("-1", 3),
        ("999", 3),
        ("1.5", 1),
        ("2", 2),
        ("9" * 40, 3),
        ("１", 1),
    ],
)
def test_a_bad_page_shows_the_first_or_last_page(
    client_as, reporter, unit, other_unit, plans, value, number
):
    _items(plans, unit, other_unit, 250)

    response = _get(client_as(reporter), page=value)

    assert response.context["page"].number == number


def test_the_summary_counts_every_item_behind_it(client_as, reporter, unit, other_unit, plans):
    mine = _items(plans, unit, other_unit, 250)

    response = _get(client_as(reporter), page=2)

    summary = response.context["plan_summary"]
    assert sum(line["items"] for line in summary) == 250
    for line in summary:
        subs = SubItem.objects.filter(project__plan=line["plan"], lead_unit=unit)
        may = {r.subitem_id: r.state for r in ProgressReport.objects.filter(period=MAY)}
        to_fill = sum(1 for s in subs if may.get(s.pk) in (None, *EDITABLE))
        assert line["items"] == subs.count()
        assert (line["to_fill"], line["submitted"]) == (to_fill, subs.count() - to_fill)
        # the link to the plan goes to the page of its first item
        first = next(i for i, s in enumerate(mine) if s.project.plan_id == line["plan"].pk)
        assert line["page"] == first // 100 + 1
        assert line["plan"].title in response.content.decode()
    assert {line["submitted"] for line in summary} != {0}  # the data has submitted reports


def test_a_unit_never_sees_another_units_items_on_any_page(
    client_as, reporter, other_reporter, unit, other_unit, plans
):
    mine = _items(plans, unit, other_unit, 250)
    others = SubItem.objects.filter(lead_unit=other_unit)
    assert others.count() == 250

    for user, own, foreign in ((reporter, mine, others), (other_reporter, others, mine)):
        client = client_as(user)
        seen = []
        for n in (1, 2, 3):
            response = _get(client, page=n)
            seen += _shown(response)
            html = response.content.decode()
            assert not any(s.name in html for s in foreign)
        assert sorted(seen) == sorted(s.pk for s in own)


def test_a_submit_comes_back_to_the_page_of_the_item(client_as, reporter, unit, other_unit, plans):
    mine = _items(plans, unit, other_unit, 250)
    item = next(s for i, s in enumerate(mine) if i >= 150 and not s.reports.filter(period=MAY))
    client = client_as(reporter)

    response = client.post(
        reverse("reporting:report_edit", args=[item.pk, "2024-05"]),
        {"action": "submit", "status": Status.ON_TRACK, "completion": "完成。", "version": ""},
    )

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.context["page"].number == 2
    assert item.pk in _shown(page)
    assert response["Location"].endswith(f"&item={item.pk}")  # the page comes from ?item=
    # an item of another unit (or no item) names no page: the first page
    other = SubItem.objects.filter(lead_unit=other_unit).last()
    assert _get(client, item=other.pk).context["page"].number == 1
    assert _get(client, item="x").context["page"].number == 1
    # an explicit ?page= wins over ?item=
    assert _get(client, item=item.pk, page=3).context["page"].number == 3


def test_co_operations_in_pages_and_a_contribution_comes_back_to_its_page(
    client_as, reporter, unit, other_unit, plans
):
    _items(plans, other_unit, unit, 120)  # `unit` leads none of these 240 ...
    led = list(SubItem.objects.filter(lead_unit=other_unit).order_by("project__order"))
    for sub in led:  # ... and co-operates on the 120 `other_unit` leads
        sub.co_units.add(unit)
    client = client_as(reporter)

    first, second = (_get(client, co_page=n) for n in (1, 2))

    assert [s.pk for s in first.context["co_page"].object_list] == [s.pk for s in led[:100]]
    assert [s.pk for s in second.context["co_page"].object_list] == [s.pk for s in led[100:]]
    html = second.content.decode()
    assert led[100].name in html and led[99].name not in html
    assert 'href="?period=2024-05&amp;co_page=1"' in html
    assert _get(client, co_page="x").context["co_page"].number == 1

    item = led[110]
    response = client.post(
        reverse("reporting:contribution_edit", args=[item.pk, "2024-05"]), {"text": "配合完成。"}
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).context["co_page"].number == 2


def test_a_contribution_keeps_the_clerk_on_the_page_of_the_items_to_report(
    client_as, reporter, unit, other_unit, plans
):
    _items(plans, unit, other_unit, 150)  # 150 items to report: two pages
    led = list(SubItem.objects.filter(lead_unit=other_unit).order_by("project__order"))
    for sub in led:  # and 150 co-operations: two pages
        sub.co_units.add(unit)
    client = client_as(reporter)
    item = led[120]  # on the second page of the co-operations

    shown = _get(client, page=2, co_page=2)
    link = re.search(
        rf'href="([^"]*/items/{item.pk}/2024-05/contribution/[^"]*)"', shown.content.decode()
    )
    assert link is not None and link.group(1).endswith("?page=2")  # the form knows the page
    response = client.post(link.group(1), {"text": "配合完成。"})

    assert response.status_code == 302
    back = client.get(response["Location"])
    assert (back.context["page"].number, back.context["co_page"].number) == (2, 2)
    assert item.contributions.get().text == "配合完成。"
    # from the first page of the items to report, back to the first page of them
    first = _get(client, co_page=2).content.decode()
    link = re.search(rf'href="([^"]*/items/{item.pk}/2024-05/contribution/[^"]*)"', first)
    assert link.group(1).endswith("/contribution/")
    response = client.post(link.group(1), {"text": "配合完成二。"})
    back = client.get(response["Location"])
    assert (back.context["page"].number, back.context["co_page"].number) == (1, 2)
