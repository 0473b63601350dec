"""Reporting periods: the date arithmetic, the deadlines and the period each page opens on.

A period is the first day of the month it reports on. Monthly plans report every month,
quarterly plans on the quarter-end months (Plan.reporting_periods() says which). The report for
a period is due on the deadline day (settings.REPORT_DEADLINE_DAY, default the 5th) of the month
after it.

The arithmetic is pure. The defaults at the end read the stored statuses (one ItemStatus row per
sub-item and reporting period), already narrowed by the caller to what the page shows:

- default_period: the latest period with a report; without one, the period being filled now
  if it has items, else the nearest period that has items. Every page that shows statuses
  (dashboard, item list, item, unit and leader pages) opens on it.
- period_to_fill: the reporter's start page (我的填报) opens on the period still to be filled.
- missing_default: the missing-reports page opens on the last period whose deadline has passed
  and that has anything due.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(period: date, n: int) -> date:
    index = period.year * 12 + period.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(period: date) -> date:
    return add_months(period, 1) - timedelta(days=1)


def quarter_period(period: date) -> date:
    """The quarter-end month of the quarter a month is in."""
    return date(period.year, ((period.month - 1) // 3 + 1) * 3, 1)


def quarter_bounds(period: date) -> tuple[date, date]:
    """First and last day of the quarter that a month is in."""
    end = quarter_period(period)
    return add_months(end, -2), month_end(end)


def previous_period(period: date, *, quarterly: bool = False) -> date:
    return add_months(period, -3 if quarterly else -1)


def period_bounds(period: date, *, quarterly: bool = False) -> tuple[date, date]:
    """First and last day the period covers (a quarter for quarterly plans)."""
    return quarter_bounds(period) if quarterly else (period, month_end(period))


# The years a period may be in: those a plan may have (Plan's plan_year_sane constraint), so
# that the arithmetic of the pages (the month before, the month after) never leaves date's range.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_PERIOD = re.compile(r"\s*([0-9]{4})-(0?[1-9]|1[0-2])\s*", re.ASCII)


def parse_period(text: str | None) -> date | None:
    """'2024-10' -> date(2024, 10, 1); None for anything else: other digits than ASCII's, a
    month out of 1-12, a year out of FIRST_YEAR-LAST_YEAR. The one parser of periods
    (progress.params reads the URLs and forms through it)."""
    m = _PERIOD.fullmatch(text or "")
    if not m or not FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
        return None
    return date(int(m.group(1)), int(m.group(2)), 1)


def label(period: date) -> str:
    return f"{period:%Y-%m}"


# --- deadlines ----------------------------------------------------------------------------


def deadline(period: date, deadline_day: int | None = None) -> date:
    """The day the report of a period is due: the deadline day of the next month."""
    if deadline_day is None:
        deadline_day = settings.REPORT_DEADLINE_DAY
    return add_months(period, 1).replace(day=min(deadline_day, 28))


def deadline_passed(period: date, today: date | None = None) -> bool:
    return (today or timezone.localdate()) > deadline(period)


def current_period(today: date, deadline_day: int, *, quarterly: bool = False) -> date:
    """The period whose report is being filled now: until the deadline day, last month's."""
    period = month_start(today) if today.day > deadline_day else add_months(month_start(today), -1)
    return quarter_period(period) if quarterly else period


def period_now(today: date | None = None) -> date:
    return current_period(today or timezone.localdate(), settings.REPORT_DEADLINE_DAY)


def last_closed_period(today: date | None = None) -> date:
    """The latest period whose deadline has passed: the one before the period being filled
    now (until the deadline day that is the month before last, after it last month)."""
    return add_months(period_now(today), -1)


# --- the period a page opens on -----------------------------------------------------------


def pick_default(*, latest_reported: date | None, item_periods: Iterable[date], now: date) -> date:
    """The latest period with a report; without one, `now` if it has items, else the latest
    period with items before it, else the first after it; `now` when there are no items."""
    if latest_reported is not None:
        return latest_reported
    with_items = sorted(set(item_periods))
    if not with_items or now in with_items:
        return now
    before = [p for p in with_items if p <= now]
    return before[-1] if before else with_items[0]


def _periods(rows: QuerySet) -> QuerySet:
    return rows.order_by("period").values_list("period", flat=True).distinct()


def default_period(rows: QuerySet, today: date | None = None) -> date:
    """pick_default over ItemStatus rows (already narrowed to the page's items): one query
    when any has a report, two otherwise."""
    reported = rows.filter(has_report=True).order_by("-period")
    latest = reported.values_list("period", flat=True).first()
    return pick_default(
        latest_reported=latest,
        item_periods=_periods(rows) if latest is None else (),
        now=period_now(today),
    )


def period_to_fill(rows: QuerySet, today: date | None = None) -> date:
    """The reporter's start page: ItemStatus rows of the items the unit leads. The period being
    filled now when the unit has items in it; else, from the latest period the unit reported
    on, the first that still has an item to report (or that latest period when none has);
    without any report, the latest period with items."""
    from progress.statuses.shown import ABSENT

    now = period_now(today)
    if rows.filter(period=now).exists():
        return now
    past = rows.filter(period__lte=now)
    reported = past.filter(has_report=True).order_by("-period")
    latest = reported.values_list("period", flat=True).first()
    if latest is not None:
        owed = past.filter(ABSENT, period__gte=latest).order_by("period")
        return owed.values_list("period", flat=True).first() or latest
    return pick_default(latest_reported=None, item_periods=_periods(rows), now=now)


def missing_default(rows: QuerySet, today: date | None = None) -> date:
    """The missing-reports page: the last period whose deadline has passed and that has
    anything due (an item not completed in an earlier period), among these ItemStatus rows;
    without one, the last closed period."""
    closed = last_closed_period(today)
    due = rows.filter(period__lte=closed, completed_in__isnull=True).order_by("-period")
    return due.values_list("period", flat=True).first() or closed
