"""The demo's 北仑区 (load_demo: the five samples, one 2024-11 report awaiting review) gives the
lights, flags and scorecard of docs/supervision.md, and the scorecard's figures are those of
the lists behind them."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from factories import SAMPLES

from progress.models import ItemStatus, ReportFlag
from progress.supervision import scorecard
from projects.models import Jurisdiction, User

pytestmark = pytest.mark.django_db

OCT, NOV = datetime.date(2024, 10, 1), datetime.date(2024, 11, 1)


@pytest.fixture
def demo():
    call_command("load_demo", samples=str(SAMPLES), stdout=StringIO())
    return Jurisdiction.objects.get(name="北仑区")


def test_beilun_lights_and_flags(demo, client_as):
    client = client_as(User.objects.get(username="supervisor_beilun"))
    october = client.get(reverse("supervision:lights"), {"period": "2024-10"}).context["counts"]
    # 正常 18, 办结 15, 超前 1: green; the one reported 滞后 (nothing for the rules to judge by)
    assert october == {"red": 0, "yellow": 1, "green": 34, "none": 0}
    (yellow,) = ItemStatus.objects.filter(jurisdiction=demo, period=OCT, light="yellow")
    assert yellow.reported_status == "lagging"
    assert yellow.light_reasons == [{"kind": "lagging_run", "light": "yellow", "run": 1}]
    # 办结 in October while the year-end milestones are not marked achieved
    flagged = ReportFlag.objects.filter(report__subitem__project__plan__jurisdiction=demo)
    early = flagged.filter(kind="completed_early")
    assert early.values("report__subitem").distinct().count() == 14
    assert all(f.report.status == "completed" for f in early)
    # and the demo's 2024-11 report, submitted when load_demo ran, long after its deadline
    (late,) = flagged.exclude(kind="completed_early")
    assert (late.kind, late.report.period) == ("late", NOV)


def test_beilun_scorecard_agrees_with_the_lists(demo, client_as):
    client = client_as(User.objects.get(username="supervisor_beilun"))
    card = scorecard.build(demo.pk, 2024)
    frame = card.frame.set_index("month")
    rows = ItemStatus.objects.filter(jurisdiction=demo)

    # items led per month: every sub-item with a lead unit, every month
    assert (
        frame.loc[[OCT]]["items"].sum() == rows.filter(period=OCT).exclude(lead_unit=None).count()
    )
    # missing in November: the missing-reports page's 19 (the 办结 15 are not owed, 1 awaits review)
    missing = client.get(reverse("review:missing"), {"period": "2024-11"})
    assert frame.loc[[NOV]]["missing"].sum() == 19 == missing.context["item_count"]
    # red lights in November: the lights page's red
    lights = client.get(reverse("supervision:lights"), {"period": "2024-11"}).context["counts"]
    assert frame.loc[[NOV]]["red"].sum() == lights["red"]
    # the ranking covers every lead unit, best first
    assert list(card.summary["score"]) == sorted(card.summary["score"], reverse=True)
    assert set(card.summary.index) == set(
        rows.exclude(lead_unit=None).values_list("lead_unit_id", flat=True)
    )
