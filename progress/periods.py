"""Reporting periods: pure date arithmetic, no ORM.

A period is the first day of the month it reports on. Monthly plans report every month,
quarterly plans on the quarter-end months. The report for a period is due on the deadline day
(a setting, default the 5th) of the month after it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

QUARTER_END_MONTHS = (3, 6, 9, 12)


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(period: date, n: int) -> date:
    index = period.year * 12 + period.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def deadline(period: date, deadline_day: int) -> date:
    nxt = add_months(period, 1)
    return nxt.replace(day=min(deadline_day, 28))


def current_period(today: date, deadline_day: int, *, quarterly: bool = False) -> date:
    """The period whose report is being filled now: until the deadline day, last month's."""
    period = month_start(today) if today.day > deadline_day else add_months(month_start(today), -1)
    return quarter_period(period) if quarterly else period


def quarter_period(period: date) -> date:
    """The quarter-end month of the quarter a month is in."""
    return date(period.year, ((period.month - 1) // 3 + 1) * 3, 1)


def previous_period(period: date, *, quarterly: bool = False) -> date:
    return add_months(period, -3 if quarterly else -1)


def is_reporting_period(period: date, *, quarterly: bool) -> bool:
    return period.day == 1 and (not quarterly or period.month in QUARTER_END_MONTHS)


def period_bounds(period: date, *, quarterly: bool = False) -> tuple[date, date]:
    """First and last day the period covers (a quarter for quarterly plans)."""
    start = add_months(period, -2) if quarterly else period
    return start, add_months(period, 1) - timedelta(days=1)


_PERIOD = re.compile(r"\s*(\d{4})-(0?[1-9]|1[0-2])\s*")


def parse_period(text: str | None) -> date | None:
    """'2024-10' -> date(2024, 10, 1); None for anything else."""
    m = _PERIOD.fullmatch(text or "")
    return date(int(m.group(1)), int(m.group(2)), 1) if m else None


def label(period: date) -> str:
    return f"{period:%Y-%m}"
