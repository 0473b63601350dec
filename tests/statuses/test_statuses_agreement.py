"""Every page tells the same truth: on the demo data of `make run`, the dashboard's counts, the
item list's rows per shown status, the missing-reports page, the reminders and the monthly
export agree item by item (docs/status.md: the shown status).

北仑区 imported its 2024-10 table (35 items, 15 of them 办结) and has one 2024-11 report waiting
for review; 西青区 has plans of 2023 and no report at all. Real import, real views, real files.
"""

from __future__ import annotations

import datetime
import io
from collections import Counter
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from factories import SAMPLES
from queued import exported as export_download

from progress.exports.layouts import status_words
from progress.models import ItemStatus
from progress.reminders.selectors import collect_reminders
from progress.statuses.shown import SHOWN
from projects.models import Plan, SubItem, User

pytestmark = pytest.mark.django_db

NOV = datetime.date(2024, 11, 1)
OCT = datetime.date(2024, 10, 1)


@pytest.fixture
def demo(db) -> None:
    call_command("load_demo", samples=str(SAMPLES), stdout=StringIO())


def dashboard(client, period: datetime.date | None) -> tuple[datetime.date, dict[str, int]]:
    params = {"period": f"{period:%Y-%m}"} if period else {}
    response = client.get(reverse("dashboard:overview"), params)
    assert response.status_code == 200
    figures = {cell.status: cell.count for cell in response.context["figures"]}
    return response.context["period"], figures


def listed(client, period: datetime.date) -> dict[str, set[int]]:
    """The item list, filtered by each shown status in turn: the sub-items it shows."""
    shown = {}
    for code in SHOWN:
        response = client.get(reverse("items:list"), {"period": f"{period:%Y-%m}", "shown": code})
        assert response.status_code == 200
        shown[code] = {row.subitem_id for row in response.context["table"].data}
        assert response.context["count"] == len(shown[code])
    return shown


def missing_page(client, period: datetime.date) -> set[int]:
    response = client.get(reverse("review:missing"), {"period": f"{period:%Y-%m}"})
    assert response.status_code == 200
    return {item.pk for group in response.context["groups"] for item in group.items}


def exported(client, jurisdiction_id: int, period: datetime.date) -> dict[int, str]:
    """Every monthly table of the jurisdiction's plans for the period: sub-item -> 进度状态."""
    words = {}
    for plan in Plan.objects.filter(jurisdiction_id=jurisdiction_id):
        if not plan.reports_on(period):
            continue
        url = reverse("exports:monthly", args=[plan.pk, f"{period:%Y-%m}"])
        response = export_download(client, url)  # a worker writes it
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        header = [c.value for c in sheet[4]]
        name_col, status_col = header.index("主要内容"), header.index("进度状态")
        # data rows from row 5; the notes under the table are merged cells with no 主要内容
        rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[name_col]]
        subitems = SubItem.objects.filter(project__plan=plan).order_by(
            "project__order", "project_id", "number", "id"
        )
        assert len(rows) == subitems.count(), plan
        for sub, row in zip(subitems, rows, strict=True):
            assert row[name_col] == sub.name
            words[sub.pk] = row[status_col]
    return words


def assert_agree(username: str, period: datetime.date | None) -> dict[str, int]:
    """One supervisor, one period (None: the dashboard's default): every page, item by item.
    Returns the dashboard's figures."""
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    period, figures = dashboard(client, period)
    shown = listed(client, period)
    rows = ItemStatus.objects.filter(jurisdiction_id=user.jurisdiction_id, period=period)
    every = set(rows.values_list("subitem_id", flat=True))

    # the dashboard counts what the list shows; every item is in exactly one status
    assert {code: len(ids) for code, ids in shown.items() if code in figures} == figures
    assert sum(len(ids) for ids in shown.values()) == len(every) == rows.count()
    assert set().union(*shown.values()) == every
    # the missing-reports page lists exactly the items shown as 未报送
    assert missing_page(client, period) == shown["missing"]
    # the reminders ask for exactly those (every one has a lead unit here)
    reminders = collect_reminders(period=period, jurisdiction_id=user.jurisdiction_id)
    assert {item.pk for r in reminders for item in r.items} == shown["missing"]
    # the monthly tables say the same, in the office's words
    words = exported(client, user.jurisdiction_id, period)
    assert set(words) == every
    by_item = {pk: code for code, ids in shown.items() for pk in ids}
    assert {pk: status_words()[by_item[pk]] for pk in every} == words
    return figures


def test_beilun_2024_11_and_2024_10_agree_everywhere(demo):
    november = assert_agree("supervisor_beilun", NOV)
    # the 15 items completed in October are 办结, the report waiting for review is 待审核
    assert {s: n for s, n in november.items() if n} == {
        "completed": 15,
        "missing": 19,
        "submitted": 1,
    }
    october = assert_agree("supervisor_beilun", OCT)
    assert {s: n for s, n in october.items() if n} == {
        "on_track": 18,
        "completed": 15,
        "lagging": 1,
        "ahead": 1,
    }


def test_beilun_opens_on_its_latest_period_with_reports(demo, client):
    client.force_login(User.objects.get(username="supervisor_beilun"))
    assert dashboard(client, None)[0] == NOV
    assert client.get(reverse("items:list")).context["period"] == NOV
    # the missing-reports page: the last period whose deadline passed with anything due
    assert client.get(reverse("review:missing")).context["period"] == datetime.date(2024, 12, 1)


def test_xiqing_agrees_on_the_period_it_opens_on(demo):
    """西青区 has no report: its pages open on the last period of its plans' year, where every
    item is 未报送."""
    figures = assert_agree("supervisor", None)
    total = SubItem.objects.filter(project__plan__jurisdiction__name="西青区").count()
    assert Counter({s: n for s, n in figures.items() if n}) == Counter(missing=total)


def test_an_item_completed_earlier_is_completed_on_its_own_page(demo, client):
    client.force_login(User.objects.get(username="supervisor_beilun"))
    row = ItemStatus.objects.filter(period=NOV, completed_in=OCT).select_related("subitem").first()
    url = reverse("items:detail", args=[row.subitem_id])

    response = client.get(url, {"period": "2024-11"})

    assert response.context["shown"] == "completed"
    assert response.context["completed_in"] == OCT
    page = response.content.decode()
    assert "已于 2024-10 办结，不再报送" in page
    assert "截止" not in page.split('id="status-heading"')[1].split("</dl>")[0]
