"""progress.periods: the arithmetic, the deadlines, and the period each page opens on; and the
reporting periods of a plan (Plan.is_quarterly, Plan.reporting_periods())."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_plan, make_project, make_report, make_subitem

from progress import periods
from progress.models import ItemStatus, ProgressReport, Status
from progress.statuses import refresh_statuses
from projects.models import Plan

JAN, MAR, OCT, NOV, DEC = (date(2024, m, 1) for m in (1, 3, 10, 11, 12))


def test_a_plan_reports_every_month_or_each_quarter_end():
    monthly = Plan(year=2024, reporting_cycle=Plan.Cycle.MONTHLY)
    quarterly = Plan(year=2024, reporting_cycle=Plan.Cycle.QUARTERLY)
    assert not monthly.is_quarterly and quarterly.is_quarterly
    assert monthly.reporting_periods() == [date(2024, m, 1) for m in range(1, 13)]
    assert quarterly.reporting_periods() == [MAR, date(2024, 6, 1), date(2024, 9, 1), DEC]
    assert quarterly.reports_on(MAR) and not quarterly.reports_on(OCT)
    assert not monthly.reports_on(date(2023, 10, 1)) and not monthly.reports_on(None)


def test_bounds_of_a_month_and_of_a_quarter():
    assert periods.period_bounds(NOV) == (NOV, date(2024, 11, 30))
    assert periods.period_bounds(DEC, quarterly=True) == (OCT, date(2024, 12, 31))
    assert periods.quarter_bounds(NOV) == (OCT, date(2024, 12, 31))
    assert periods.previous_period(MAR, quarterly=True) == date(2023, 12, 1)


@pytest.mark.parametrize(
    ("latest", "items", "now", "expected"),
    [
        (OCT, [OCT, NOV], NOV, OCT),  # the latest period with a report, even before now
        (None, [OCT, NOV], NOV, NOV),  # no report: now, when it has items
        (None, [JAN, DEC], date(2026, 10, 1), DEC),  # plans of an earlier year: their last
        (None, [date(2030, 3, 1)], NOV, date(2030, 3, 1)),  # only later plans: the first
        (None, [], NOV, NOV),  # nothing at all: now
    ],
)
def test_the_period_a_page_opens_on(latest, items, now, expected):
    assert periods.pick_default(latest_reported=latest, item_periods=items, now=now) == expected


@pytest.mark.django_db
def test_the_defaults_read_the_stored_statuses(unit):
    """default_period, period_to_fill and missing_default on a plan of 2024 seen in 2026."""
    plan = make_plan(unit.jurisdiction, year=2024)
    first, second = (make_subitem(make_project(plan), lead_unit=unit) for _ in range(2))
    make_report(first, OCT, status=Status.COMPLETED, state=ProgressReport.State.APPROVED)
    make_report(second, OCT, status=Status.ON_TRACK, state=ProgressReport.State.APPROVED)
    refresh_statuses(plan_ids=[plan.pk])
    rows = ItemStatus.objects.filter(plan=plan)
    today = date(2026, 11, 20)

    assert periods.default_period(rows, today) == OCT  # the latest with reports
    # the start page: from October on, the first period with something still to report
    assert periods.period_to_fill(rows.filter(lead_unit=unit), today) == NOV
    # the missing page: the last closed period with anything due (the second item)
    assert periods.missing_default(rows, today) == DEC
    assert periods.last_closed_period(today) == date(2026, 10, 1)
