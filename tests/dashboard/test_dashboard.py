"""The overview dashboard: access for every role, the Beilun table's counts, the shown statuses
(missing after the deadline, pending before it), mismatches, breakdowns, the months of the year,
links that land on the item list with exactly the counted rows, and a fixed number of queries.
Real database, real views, no mocks."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from factories import (
    BEILUN,
    import_sample,
    make_category,
    make_indicator,
    make_jurisdiction,
    make_leader,
    make_plan,
    make_project,
    make_report,
    make_subitem,
    make_unit,
    make_user,
)

from progress import periods
from progress.dashboard import selectors as dash
from progress.items.selectors import status_rows
from progress.models import ItemStatus, ProgressReport, Status
from progress.review.services import report_return
from progress.statuses import counts, refresh_statuses
from projects import roles
from projects.models import Jurisdiction, Plan, Project, SubItem

pytestmark = [pytest.mark.django_db]

URL = reverse("dashboard:overview")
OCT = datetime.date(2024, 10, 1)
MAR = datetime.date(2024, 3, 1)
State = ProgressReport.State


@pytest.fixture(autouse=True)
def cold_cache():
    """The counts are cached by jurisdiction id, and ids come back after a rolled-back test."""
    cache.clear()
    yield
    cache.clear()


def import_beilun() -> Jurisdiction:
    return import_sample(BEILUN, "北仑区").jurisdiction


def figure_counts(response) -> dict[str, int]:
    """The figures of the overview as the page prints them: id="count-<status>" → number."""
    html = response.content.decode()
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(
            r'id="count-(\w+)"[^>]*>.*?<span class="figure__value">(\d+)</span>', html, re.S
        )
    }


def count_links(response) -> list[tuple[str, int]]:
    """Every count on the page that is a link to the item list: (url, number)."""
    base = reverse("items:list")
    html = response.content.decode()
    found = []
    for href, body in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.S):
        href = unescape(href)
        if not href.startswith(base + "?"):
            continue
        number = re.search(r'figure__value">(\d+)<', body) or re.fullmatch(r"\s*(\d+)\s*", body)
        assert number, body
        found.append((href, int(number.group(1))))
    return found


def full_tables(client: Client, response) -> dict[str, dict]:
    """Every breakdown in full: the table of ?breakdown=<key> for each key (the overview shows
    the top rows only)."""
    params = {
        "jurisdiction": response.context["jurisdiction"].pk,
        "period": response.context["period_value"],
    }
    tables = {}
    for key in dash.BREAKDOWN_KEYS:
        full = client.get(URL, {**params, "breakdown": key})
        table = next(t for t in full.context["breakdowns"] if t["key"] == key)
        assert table["complete"] and len(table["rows"]) == table["count"]
        tables[key] = table
    return tables


# --- access -----------------------------------------------------------------------------


@pytest.fixture
def item(jurisdiction, unit) -> SubItem:
    plan = make_plan(jurisdiction, year=2024)
    subitem = make_subitem(make_project(plan), lead_unit=unit)
    make_report(subitem, MAR, status=Status.LAGGING)
    refresh_statuses(plan_ids=[plan.pk])
    return subitem


def test_it_checks_access(
    en_client,
    item,
    jurisdiction,
    admin_user,
    supervisor,
    other_supervisor,
    reporter,
    other_reporter,
):
    mine = {"jurisdiction": jurisdiction.pk}
    # anonymous: to the login page
    response = en_client(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    # reporters, of the item's unit or another: not for them
    for user in (reporter, other_reporter):
        assert en_client(user).get(URL).status_code == 403
        assert en_client(user).get(URL, mine).status_code == 403
    # the supervisor of the jurisdiction, with and without the parameter
    for params in ({}, mine):
        response = en_client(supervisor).get(URL, params)
        assert response.status_code == 200
        assert response.context["jurisdiction"] == jurisdiction
        assert response.context["total"].count == 1
    # a supervisor elsewhere: their own (empty) jurisdiction, never this one
    response = en_client(other_supervisor).get(URL)
    assert response.status_code == 200
    assert response.context["jurisdiction"] == other_supervisor.jurisdiction
    assert response.context["total"].count == 0
    assert en_client(other_supervisor).get(URL, mine).status_code == 404
    # admins: any jurisdiction; the default is the first with reports
    response = en_client(admin_user).get(URL)
    assert response.status_code == 200
    assert response.context["jurisdiction"] == jurisdiction
    response = en_client(admin_user).get(URL, {"jurisdiction": other_supervisor.jurisdiction_id})
    assert response.status_code == 200
    assert response.context["total"].count == 0
    # nonsense
    assert en_client(admin_user).get(URL, {"jurisdiction": 999999}).status_code == 404
    assert en_client(admin_user).get(URL, {"jurisdiction": "x"}).status_code == 404
    assert en_client(supervisor).get(URL, {"jurisdiction": "x"}).status_code == 404
    assert en_client(supervisor).post(URL).status_code == 405


def test_a_supervisor_without_jurisdiction_is_told_so(en_client):
    nowhere = make_user("nowhere", roles.SUPERVISOR)
    response = en_client(nowhere).get(URL)
    assert response.status_code == 200
    assert b"Your account has no jurisdiction yet" in response.content
    assert b"chart-data" not in response.content


def test_the_nav_links_the_dashboard_for_supervisors_and_admins(
    en_client, item, admin_user, supervisor, reporter
):
    home = reverse("home")
    for user in (admin_user, supervisor):
        assert f'href="{URL}"' in en_client(user).get(home).content.decode()
    assert f'href="{URL}"' not in en_client(reporter).get(home).content.decode()


def test_admins_land_on_the_first_jurisdiction_with_reports(en_client, admin_user, item):
    make_plan(make_jurisdiction("上海区"), year=2024)  # sorts first, no reports
    response = en_client(admin_user).get(URL)
    assert response.context["jurisdiction"] == item.project.plan.jurisdiction
    assert response.context["period"] == MAR


# --- the Beilun table -------------------------------------------------------------------


def test_beilun_overview(en_client):
    beilun = import_beilun()
    supervisor = make_user("beilun", roles.SUPERVISOR, jurisdiction=beilun)
    response = en_client(supervisor).get(URL)
    assert response.status_code == 200
    assert response.context["period"] == OCT  # the latest period with reports
    assert response.context["deadline"] == datetime.date(2024, 11, 5)
    shown = {cell.status: cell.count for cell in response.context["figures"]}
    assert shown == {
        "on_track": 18,
        "completed": 15,
        "lagging": 1,
        "ahead": 1,
        "not_started": 0,
        "missing": 0,
    }
    # the page prints the same numbers
    printed = figure_counts(response)
    assert printed["total"] == 35
    assert {s: printed[s] for s in shown} == shown
    assert printed["mismatch"] == response.context["mismatch"].count
    # shares of the total
    lagging = next(c for c in response.context["figures"] if c.status == "lagging")
    assert lagging.percent == "2.9%"
    # reported and computed side by side
    comparison = {str(row["label"]): row for row in response.context["comparison"]}
    assert comparison["On track"]["shown"].count == 18
    assert sum(r["computed"].count for r in comparison.values() if r["computed"]) == 35
    # the breakdowns in full add up to the total (a sub-item with two leaders counts under
    # both); the overview shows the top 15 of each, those needing attention first
    top = {t["key"]: t for t in response.context["breakdowns"]}
    tables = full_tables(en_client(supervisor), response)
    assert top["unit"]["count"] == len(tables["unit"]["rows"]) > dash.TOP
    assert len(top["unit"]["rows"]) == dash.TOP and top["unit"]["show_all"]
    assert top["unit"]["rows"][0]["group"].name == "教育局"  # the one lagging item
    assert top["plan"]["complete"] and not top["plan"]["show_all"]
    for key in ("plan", "unit", "category"):
        assert sum(r["total"].count for r in tables[key]["rows"]) + tables[key]["without"] == 35
    assert sum(r["total"].count for r in tables["leader"]["rows"]) >= 35
    lagging_units = [r["group"].name for r in tables["unit"]["rows"] if r["cells"][2].count]
    assert lagging_units == ["教育局"]  # project 1 (教育设施增量提质), 部分滞后
    # the months of the year: only October reported; the rest were due and are missing
    months = response.context["trend_rows"]
    assert [r["month"].label for r in months] == [f"2024-{m:02}" for m in range(1, 13)]
    october = months[9]["month"]
    assert october.shown["on_track"] == 18 and october.shown["missing"] == 0
    assert months[8]["month"].shown["missing"] == 35
    # the chart data
    data = response.context["chart_data"]
    assert data["months"] == [r["month"].label for r in months]
    assert [s["count"] for s in data["statuses"]] == [18, 1, 1, 15, 0, 0]
    assert b'<script id="chart-data" type="application/json">' in response.content


def test_the_page_speaks_chinese_by_default(client_as, supervisor, item):
    content = client_as(supervisor).get(URL).content.decode()
    for word in ("正常", "超前", "滞后", "办结", "未启动", "状态不符"):
        assert word in content


def test_beilun_counts_through_the_selectors_match_the_stored_statuses():
    beilun = import_beilun()
    admin = make_user("root", roles.ADMIN, is_superuser=True)
    counts = dash.period_counts(beilun.pk, OCT, "missing").overview
    stored = Counter(
        ItemStatus.objects.filter(period=OCT).values_list("reported_status", flat=True)
    )
    assert {s: n for s, n in counts.shown.items() if n} == stored
    assert counts.total == 35
    rows = status_rows(admin, OCT).filter(jurisdiction=beilun)
    assert Counter(rows.values_list("shown", flat=True)) == stored  # the list's `shown`
    assert admin.is_superuser  # admins and supervisors count the same rows


# --- statuses shown -----------------------------------------------------------------------


def test_missing_after_the_deadline_pending_before(en_client, jurisdiction, supervisor):
    today = timezone.localdate()
    now = periods.current_period(today, settings.REPORT_DEADLINE_DAY)  # not due yet
    closed = periods.add_months(now, -1)  # due and past
    plans = {make_plan(jurisdiction, year=year).pk for year in {now.year, closed.year}}
    reported, silent = [], []
    for plan in Plan.objects.filter(pk__in=plans):
        project = make_project(plan)
        reported.append(make_subitem(project))
        silent.append(make_subitem(project))
    for sub in reported:
        for period in {now, closed}:
            if period.year == sub.project.plan.year:
                make_report(sub, period, status=Status.ON_TRACK, state=State.APPROVED)
    refresh_statuses(plan_ids=plans)
    client = en_client(supervisor)

    past = client.get(URL, {"period": periods.label(closed)})
    assert past.context["deadline_passed"]
    assert {c.status: c.count for c in past.context["figures"]} == {
        "on_track": 1,
        "ahead": 0,
        "lagging": 0,
        "completed": 0,
        "not_started": 0,
        "missing": 1,
    }
    assert b"an item without one counts as not reported" in past.content

    current = client.get(URL, {"period": periods.label(now)})
    assert not current.context["deadline_passed"]
    figures = {c.status: c.count for c in current.context["figures"]}
    assert figures["missing"] == 0 and figures["pending"] == 1  # pending appears when there is any
    assert b"status-pending" in current.content
    assert b"an item without one is not late yet" in current.content
    # in the months of the year, each month by its own deadline
    months = {r["month"].period: r["month"] for r in current.context["trend_rows"]}
    assert months[now].shown["pending"] == 1
    if closed.year == now.year:
        assert months[closed].shown["missing"] == 1


def test_a_report_without_status_is_unknown(en_client, jurisdiction, supervisor, item):
    ItemStatus.objects.filter(subitem=item, period=MAR).update(
        reported_status="", awaiting_review=False
    )
    counts.recount([item.project.plan_id])  # as refresh_statuses does after its writes
    response = en_client(supervisor).get(URL, {"period": "2024-03"})
    figures = {c.status: c.count for c in response.context["figures"]}
    assert figures["unknown"] == 1 and figures["lagging"] == 0


def test_mismatch_and_computed_counts(en_client, jurisdiction, supervisor):
    plan = make_plan(jurisdiction, year=2024)
    project = make_project(plan)
    behind = make_subitem(project)
    indicator = make_indicator(behind, targets=[4600, 11000, 16000, 23000])
    # the unit says on track, the numbers say lagging (1000 of the expected 4600)
    make_report(behind, MAR, status=Status.ON_TRACK, state=State.APPROVED, values={indicator: 1000})
    fine = make_subitem(project)
    fine_indicator = make_indicator(fine, targets=[100, 200, 300, 400])
    make_report(
        fine, MAR, status=Status.ON_TRACK, state=State.APPROVED, values={fine_indicator: 100}
    )
    refresh_statuses(plan_ids=[plan.pk])
    response = en_client(supervisor).get(URL, {"period": "2024-03"})
    assert response.context["mismatch"].count == 1
    assert figure_counts(response)["mismatch"] == 1
    rows = {str(r["label"]): r for r in response.context["comparison"]}
    assert rows["On track"]["shown"].count == 2
    assert rows["On track"]["computed"].count == 1
    assert rows["Lagging"]["computed"].count == 1
    assert rows["Lagging"]["shown"].count == 0
    query = parse_qs(urlsplit(rows["Lagging"]["computed"].url).query)
    assert query == {
        "period": ["2024-03"],
        "jurisdiction": [str(jurisdiction.pk)],
        "computed": ["lagging"],
    }
    query = parse_qs(urlsplit(response.context["mismatch"].url).query)
    assert query["mismatch"] == ["1"]


def test_breakdowns_by_plan_category_unit_and_leader(en_client, jurisdiction, supervisor):
    plan = make_plan(jurisdiction, year=2024, title="甲清单")
    other_plan = make_plan(jurisdiction, year=2024, title="乙清单")
    education = make_category(plan, "教育", order=1)
    unit_a, unit_b = make_unit(jurisdiction, "区教育局"), make_unit(jurisdiction, "区民政局")
    zhang, li = make_leader(jurisdiction, "张三"), make_leader(jurisdiction, "李四")
    both = make_subitem(
        make_project(plan, category=education), lead_unit=unit_a, leaders=[zhang, li]
    )
    one = make_subitem(make_project(plan), lead_unit=unit_b, leaders=[zhang])
    none = make_subitem(make_project(other_plan), lead_unit=None)
    make_report(both, MAR, status=Status.LAGGING, state=State.APPROVED)
    make_report(one, MAR, status=Status.ON_TRACK, state=State.APPROVED)
    make_report(none, MAR, status=Status.AHEAD, state=State.APPROVED)
    refresh_statuses(plan_ids=[plan.pk, other_plan.pk])

    response = en_client(supervisor).get(URL, {"period": "2024-03"})
    tables = {t["key"]: t for t in response.context["breakdowns"]}
    columns = [s for s, _label in response.context["columns"]]

    def table(key):
        return {
            r["group"].name: {s: c.count for s, c in zip(columns, r["cells"], strict=True)}
            | {"total": r["total"].count}
            for r in tables[key]["rows"]
        }

    assert table("plan")["甲清单"]["total"] == 2
    assert table("plan")["甲清单"]["lagging"] == 1
    assert table("plan")["乙清单"]["ahead"] == 1
    assert table("category") == {"教育": table("category")["教育"]}
    assert table("category")["教育"]["lagging"] == 1
    assert tables["category"]["without"] == 2
    assert table("unit")["区教育局"]["lagging"] == 1
    assert table("unit")["区民政局"]["on_track"] == 1
    assert tables["unit"]["without"] == 1
    assert table("leader")["张三"]["total"] == 2
    assert table("leader")["李四"] == table("leader")["李四"] | {"total": 1, "lagging": 1}
    assert tables["leader"]["without"] == 1
    # each row's links carry its own filter
    zhang_row = next(r for r in tables["leader"]["rows"] if r["group"].name == "张三")
    lagging = zhang_row["cells"][columns.index("lagging")]
    assert parse_qs(urlsplit(lagging.url).query) == {
        "period": ["2024-03"],
        "jurisdiction": [str(jurisdiction.pk)],
        "shown": ["lagging"],
        "leader": [str(zhang.pk)],
    }


def test_month_picker_and_a_period_without_items(en_client, supervisor, item):
    client = en_client(supervisor)
    response = client.get(URL, {"period": "garbage"})
    assert response.status_code == 400  # named on the page (issue 9.3), not silently replaced
    assert "garbage" in response.content.decode()
    response = client.get(URL, {"period": ""})
    assert response.context["period"] == MAR  # the default
    html = response.content.decode()
    assert html.count('class="month-picker"') == 1  # the one month picker (issue 12.12)
    assert 'type="month" id="month-picker" name="period" value="2024-03"' in html
    assert [m["value"] for m in response.context["reported_months"]] == ["2024-03"]

    response = client.get(URL, {"period": "2019-05"})
    assert response.status_code == 200
    assert response.context["total"].count == 0
    assert b"No item of this jurisdiction is reported on in this period" in response.content
    assert b"chart-data" not in response.content
    assert b'href="?period=2019-04"' in response.content  # stepping on from an empty month
    assert [m["value"] for m in response.context["reported_months"]] == ["2024-03"]


def test_quarterly_plans_count_on_the_quarter_ends_only(en_client, jurisdiction, supervisor):
    plan = make_plan(jurisdiction, year=2024, reporting_cycle=Plan.Cycle.QUARTERLY)
    sub = make_subitem(make_project(plan))
    make_report(sub, MAR, status=Status.ON_TRACK, state=State.APPROVED)
    refresh_statuses(plan_ids=[plan.pk])
    client = en_client(supervisor)
    assert client.get(URL, {"period": "2024-03"}).context["total"].count == 1
    assert client.get(URL, {"period": "2024-04"}).context["total"].count == 0
    months = client.get(URL, {"period": "2024-03"}).context["trend_rows"]
    assert [r["month"].total for r in months] == [0, 0, 1] * 4


# --- every count is a link to the item list with as many rows --------------------------


def assert_links_match_the_list(client: Client, response) -> int:
    """Every count link of the overview, and of each "show all" table behind it, lands on the
    item list with as many rows."""
    links = count_links(response)
    for table in response.context["breakdowns"]:
        if table["show_all"]:
            full = client.get(table["show_all"])
            assert full.status_code == 200
            links += [link for link in count_links(full) if link not in links]
    for url, number in links:
        listed = client.get(url)
        assert listed.status_code == 200, url
        assert listed.context["count"] == number, url
    return len(links)


def test_beilun_counts_equal_the_item_list(en_client):
    beilun = import_beilun()
    supervisor = make_user("beilun", roles.SUPERVISOR, jurisdiction=beilun)
    client = en_client(supervisor)
    response = client.get(URL)
    followed = assert_links_match_the_list(client, response)
    # the total, six figures and the mismatches, the comparison, and the breakdowns' rows
    assert followed > 50
    lagging = client.get(response.context["figures"][2].url)
    assert response.context["figures"][2].status == "lagging"
    assert lagging.context["count"] == 1
    assert "教育设施增量提质" in lagging.content.decode()


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_mixed_counts_equal_the_item_list(en_client, jurisdiction, role, request):
    """Every shown and computed status, mismatches, items without category, lead unit or
    leader, items with two leaders, and another jurisdiction's items that must not leak in."""
    user = request.getfixturevalue("supervisor" if role == "supervisor" else "admin_user")
    bulk_items(jurisdiction, 60)
    bulk_items(make_jurisdiction("北仑区"), 20)
    client = en_client(user)
    for period in ("2024-10", "2024-03"):
        response = client.get(URL, {"jurisdiction": jurisdiction.pk, "period": period})
        assert response.context["total"].count == 60
        assert assert_links_match_the_list(client, response) > 50


# --- the query count ----------------------------------------------------------------------


def bulk_items(jurisdiction: Jurisdiction, n: int, *, year: int = 2024) -> Plan:
    """n sub-items in one plan, spread over 3 categories, 5 lead units and 3 leaders (every
    third item has two), with an ItemStatus row for every month: a mix of every shown and
    computed status and some mismatches. bulk_create throughout: 1,000 items in about a second."""
    plan = make_plan(jurisdiction, year=year)
    categories = [make_category(plan, order=i) for i in range(3)]
    units = [make_unit(jurisdiction) for _ in range(5)]
    leaders = [make_leader(jurisdiction) for _ in range(3)]
    projects = Project.objects.bulk_create(
        Project(
            plan=plan,
            category=categories[i % 3] if i % 4 else None,
            number=str(i + 1),
            name=f"项目{i + 1}",
            order=i,
        )
        for i in range((n + 1) // 2)
    )
    subs = SubItem.objects.bulk_create(
        SubItem(
            project=projects[i // 2],
            number=i % 2 + 1,
            name=f"子项{i}",
            lead_unit=units[i % 5] if i % 7 else None,
        )
        for i in range(n)
    )
    through = SubItem.leaders.through
    through.objects.bulk_create(
        [through(subitem_id=s.pk, leader_id=leaders[i % 3].pk) for i, s in enumerate(subs)]
        + [
            through(subitem_id=s.pk, leader_id=leaders[(i + 1) % 3].pk)
            for i, s in enumerate(subs)
            if i % 3 == 0
        ]
    )
    statuses = ["on_track", "ahead", "lagging", "completed", "not_started", ""]
    ItemStatus.objects.bulk_create(
        ItemStatus(
            subitem=s,
            jurisdiction=jurisdiction,
            plan=plan,
            category_id=projects[i // 2].category_id,
            lead_unit_id=s.lead_unit_id,
            period=datetime.date(year, month, 1),
            has_report=(i + month) % 6 != 5,
            reported_status=statuses[(i + month) % 6] if (i + month) % 6 != 5 else "",
            computed_status=statuses[(i * 7 + month) % 6],
            mismatch=(i + month) % 4 == 0,
        )
        for i, s in enumerate(subs)
        for month in range(1, 13)
    )
    counts.recount([plan.pk])  # what refresh_statuses ends with
    return plan


def queries_for(client: Client, params: dict) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_queries_do_not_grow_with_the_items(en_client, jurisdiction, role, request):
    """Cold (cache cleared) and warm, for 10 and 1,000 items. bulk_items writes ItemStatus
    directly, without refresh_statuses, so the cache is cleared by hand after it."""
    user = request.getfixturevalue("supervisor" if role == "supervisor" else "admin_user")
    client = en_client(user)
    params = {"jurisdiction": jurisdiction.pk, "period": "2024-10"}
    counted = {}
    for n, more in ((10, 10), (1000, 990)):
        bulk_items(jurisdiction, more)
        cache.clear()
        cold, response = queries_for(client, params)
        assert response.context["total"].count == n
        warm, response = queries_for(client, params)
        assert response.context["total"].count == n
        every = queries_for(client, {**params, "breakdown": "category"})[0]  # warm, in full
        counted[n] = (cold, warm, every)
    assert counted[10] == counted[1000]
    cold, warm, every = counted[10]
    # cold: session, user, groups, jurisdiction; the two queries of the kept counts
    # (StatusCount: the months, from the plan rows; the period's rows, every breakdown and
    # supervision's lights); the names of the rows shown, one query per breakdown;
    # supervision's notices (not cached). Admins: the jurisdictions too. Warm: the same less
    # the two queries of counts.
    assert cold == {"supervisor": 11, "admin": 12}[role]
    assert warm == cold - 2
    assert every == warm
    # without parameters: the default jurisdiction (admins) and period instead, no more
    cache.clear()
    assert queries_for(client, {})[0] == cold
    assert queries_for(client, {})[0] == warm


def test_a_changed_report_is_on_the_next_overview(
    en_client, supervisor, admin_user, item, django_capture_on_commit_callbacks
):
    """No stale counts: refresh_statuses bumps the jurisdiction's cache version."""
    client = en_client(supervisor)
    params = {"period": "2024-03"}

    def figures():
        response = client.get(URL, params)
        return {c.status: c.count for c in response.context["figures"]}, response

    before, response = figures()
    assert before["submitted"] == 1 and before["missing"] == 0  # awaiting review
    assert figures()[0] == before  # now from the cache
    report = item.reports.get(period=MAR)
    with django_capture_on_commit_callbacks(execute=True):
        report_return(report=report, user=admin_user, comment="请补充说明。")
    after, response = figures()
    assert "submitted" not in after and after["missing"] == 1  # returned: not reported
    months = {r["month"].period: r["month"] for r in response.context["trend_rows"]}
    assert months[MAR].shown["missing"] == 1
    assert response.context["reported_months"] == []  # the months with reports too
    # a new report of another period shows on the period menu and in the months
    with django_capture_on_commit_callbacks(execute=True):
        make_report(item, datetime.date(2024, 4, 1), status=Status.AHEAD, state=State.APPROVED)
        refresh_statuses(subitem_ids=[item.pk])
    response = client.get(URL, {"period": "2024-04"})
    assert {c.status: c.count for c in response.context["figures"]}["ahead"] == 1
    reported = [m["value"] for m in response.context["reported_months"]]
    assert reported == ["2024-04"]


def test_a_deleted_subitem_invalidates_every_jurisdiction(
    en_client, supervisor, item, django_capture_on_commit_callbacks
):
    """refresh_statuses for a sub-item that is gone cannot tell its jurisdiction: it bumps the
    version all jurisdictions share."""
    client = en_client(supervisor)
    assert client.get(URL, {"period": "2024-03"}).context["total"].count == 1
    with django_capture_on_commit_callbacks(execute=True):
        subitem_id = item.pk
        item.reports.all().delete()
        item.delete()
        refresh_statuses(subitem_ids=[subitem_id])
    assert client.get(URL, {"period": "2024-03"}).context["total"].count == 0


def test_the_counts_add_up_over_many_items(en_client, jurisdiction, supervisor):
    bulk_items(jurisdiction, 300)
    client = en_client(supervisor)
    response = client.get(URL, {"period": "2024-10"})
    total = response.context["total"].count
    assert total == 300
    figures = {c.status: c.count for c in response.context["figures"]}
    assert sum(figures.values()) == total
    stored = ItemStatus.objects.filter(period=datetime.date(2024, 10, 1))
    assert response.context["mismatch"].count == stored.filter(mismatch=True).count()
    tables = full_tables(client, response)
    for key in ("plan", "category", "unit"):
        assert sum(r["total"].count for r in tables[key]["rows"]) + tables[key]["without"] == total
    months = response.context["trend_rows"]
    assert len(months) == 12
    assert all(r["month"].total == 300 for r in months)
    assert months[9]["month"].shown == {s: figures.get(s, 0) for s in dash.SHOWN}


@pytest.mark.django_db
def test_deleting_a_plan_in_the_admin_clears_the_cached_counts(admin_client):

    plan = import_sample(BEILUN, "北仑区")
    url = reverse("dashboard:overview")
    before = admin_client.get(url, {"jurisdiction": plan.jurisdiction_id, "period": "2024-10"})
    assert before.status_code == 200
    response = admin_client.post(
        reverse("admin:projects_plan_delete", args=[plan.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert before.context["total"].count == 35
    after = admin_client.get(url, {"jurisdiction": plan.jurisdiction_id, "period": "2024-10"})
    assert after.status_code == 200
    assert after.context["total"].count == 0
