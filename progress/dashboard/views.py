"""The overview dashboard: for one jurisdiction and period, how many items are on track, ahead,
lagging, completed, not started or not reported, where the numbers disagree with what the units
say, the months of the year, and the same counts by plan, category, lead unit and leader.
Every count links to the item list filtered to exactly those items.

Access: anonymous users go to the login page; anyone who is not a supervisor (leaders are
supervisors) or an admin gets 403. Supervisors see their own jurisdiction (asking for another
is 404); admins any (by default the first with reports). The period by default is the latest
with reports (progress.periods), chosen with the one month picker. Queries: 11 cold, 9 with
the counts cached (supervisors; admins one more, the jurisdictions), whatever the number of
items (tests/dashboard pins them); supervision's light counts come with the cached counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from progress import access, params, periods
from progress.dashboard import selectors as dash
from progress.statuses.shown import (
    COMPUTED,
    JUDGED_NOTHING,
    LABELS,
    MISSING,
    PENDING,
    SUBMITTED,
    SYMBOLS,
    UNKNOWN,
)
from projects import roles
from projects.models import Jurisdiction

MAIN = ("on_track", "ahead", "lagging", "completed", "not_started", MISSING)  # always shown
EXTRA = (SUBMITTED, PENDING, UNKNOWN)  # shown when there are any
BREAKDOWN_TITLES = {
    "plan": gettext_lazy("By plan"),
    "category": gettext_lazy("By category"),
    "unit": gettext_lazy("By lead unit"),
    "leader": gettext_lazy("By leader"),
}
WITHOUT_TEXT = {
    "plan": "",
    "category": gettext_lazy("Items without a category"),
    "unit": gettext_lazy("Items without a lead unit"),
    "leader": gettext_lazy("Items without a leader"),
}


@dataclass
class Cell:
    """One count on the page, with its share of the total and the filtered item list."""

    count: int
    url: str
    status: str = ""
    share: float | None = None

    @property
    def label(self) -> str:
        return str(LABELS.get(self.status, ""))

    @property
    def percent(self) -> str:
        return "" if self.share is None else f"{self.share * 100:.1f}%"


class Links:
    """Item-list URLs: ?period=YYYY-MM&jurisdiction=<id> plus the filters of one count."""

    def __init__(self, *, period: date, jurisdiction_id: int) -> None:
        self.base = reverse("items:list")
        self.common = {"period": periods.label(period), "jurisdiction": jurisdiction_id}

    def __call__(self, **filters) -> str:
        return f"{self.base}?{urlencode({**self.common, **filters})}"


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = access.supervisor(request)
    sees_all = roles.is_admin(user)
    jurisdiction = access.jurisdiction_for(request, user, default=dash.default_jurisdiction)
    context: dict = {
        "sees_all": sees_all,
        "jurisdiction": jurisdiction,
        "jurisdictions": Jurisdiction.objects.order_by("name") if sees_all else (),
        "mismatch_label": capfirst(_("status mismatch")),  # the model field's name: 状态不符
    }
    if jurisdiction is None:
        return render(request, "progress/dashboard/overview.html", context)

    asked = params.period_in_query(request)
    months_by_period, counts = dash.dashboard_counts(jurisdiction.pk, asked)
    reported = dash.reported_periods(months_by_period)
    period = asked or dash.default_period(months_by_period)
    if counts is None:
        _months, counts = dash.dashboard_counts(jurisdiction.pk, period)
    links = Links(period=period, jurisdiction_id=jurisdiction.pk)
    totals = counts.overview
    months = dash.trend(months_by_period, period.year)
    columns = [*MAIN, *(s for s in EXTRA if totals.shown[s])]
    # the months have a column for every status that occurs in the year
    trend_columns = [*MAIN, *(s for s in EXTRA if any(m.shown[s] for m in months))]

    def share(n: int) -> float | None:
        return n / totals.total if totals.total else None

    figures = [Cell(totals.shown[s], links(shown=s), s, share(totals.shown[s])) for s in columns]
    # what the units say (shown) next to what the numbers say (computed)
    comparison = [
        {
            "label": LABELS[s],
            "shown": Cell(totals.shown[s], links(shown=s), s, share(totals.shown[s])),
            "computed": Cell(totals.computed[s], links(computed=s), s, share(totals.computed[s])),
        }
        for s in COMPUTED
    ]
    comparison += [
        {
            "label": LABELS[s],
            "shown": Cell(totals.shown[s], links(shown=s), s, share(totals.shown[s])),
            "computed": None,
        }
        for s in (MISSING, *EXTRA)
        if s in columns
    ]
    comparison.append(
        {
            "label": LABELS[JUDGED_NOTHING],
            "shown": None,
            "computed": Cell(
                totals.computed[JUDGED_NOTHING],
                "",
                share=share(totals.computed[JUDGED_NOTHING]),
            ),
        }
    )
    # ?breakdown=<key>: that table in full; the others, and by default all, their top rows
    full = request.GET.get("breakdown", "")
    page = {"jurisdiction": jurisdiction.pk, "period": periods.label(period)}
    breakdowns = [
        _breakdown_table(
            dash.breakdown(counts, key, top=None if key == full else dash.TOP),
            columns,
            links,
            show_all=f"{reverse('dashboard:overview')}?{urlencode({**page, 'breakdown': key})}"
            f"#breakdown-{key}",
        )
        for key in dash.BREAKDOWN_KEYS
    ]
    deadline = periods.deadline(period)
    context.update(
        {
            "period": period,
            "period_value": periods.label(period),
            "reported_months": _reported_months(reported, period, jurisdiction.pk),
            "deadline": deadline,
            "deadline_passed": periods.deadline_passed(period),
            "total": Cell(totals.total, links(), share=1.0 if totals.total else None),
            "figures": figures,
            "mismatch": Cell(totals.mismatch, links(mismatch=1), share=share(totals.mismatch)),
            "comparison": comparison,
            "columns": [(s, LABELS[s]) for s in columns],
            "breakdowns": breakdowns,
            "lights": counts.lights,
            "trend_columns": [(s, LABELS[s]) for s in trend_columns],
            "trend_rows": [
                {"month": m, "counts": [m.shown[s] for s in trend_columns]} for m in months
            ],
            "chart_data": _chart_data(columns, figures, trend_columns, months, period),
        }
    )
    return render(request, "progress/dashboard/overview.html", context)


def _reported_months(reported: set[date], period: date, jurisdiction_id: int) -> list[dict]:
    """The months with reports, latest first, as links (the month picker steps one by one)."""
    base = reverse("dashboard:overview")
    return [
        {
            "value": periods.label(p),
            "url": f"{base}?{urlencode({'period': periods.label(p), 'jurisdiction': jurisdiction_id})}",
            "current": p == period,
        }
        for p in sorted(reported, reverse=True)
    ]


def _breakdown_table(
    result: dash.Breakdown, columns: list[str], links: Links, *, show_all: str
) -> dict:
    rows = []
    for group in result.rows:
        by = {result.key: group.pk}
        rows.append(
            {
                "group": group,
                "total": Cell(group.total, links(**by)),
                "cells": [Cell(group.shown[s], links(shown=s, **by), s) for s in columns],
                "mismatch": Cell(group.mismatch, links(mismatch=1, **by)),
            }
        )
    return {
        "key": result.key,
        "title": BREAKDOWN_TITLES[result.key],
        "rows": rows,
        "count": result.count,
        "complete": result.complete,
        "show_all": "" if result.complete else show_all,
        "without": result.without,
        "without_text": WITHOUT_TEXT[result.key],
    }


def _chart_data(
    columns: list[str],
    figures: list[Cell],
    trend_columns: list[str],
    months: list[dash.Month],
    period: date,
) -> dict:
    """What static/js/dashboard_charts.js draws, through json_script: plain numbers and texts."""
    return {
        "period": periods.label(period),
        "labels": {s: {"label": str(LABELS[s]), "symbol": SYMBOLS[s]} for s in SYMBOLS},
        "statuses": [
            {"code": s, "count": cell.count, "url": cell.url}
            for s, cell in zip(columns, figures, strict=True)
        ],
        "months": [m.label for m in months],
        "trend": [{"code": s, "counts": [m.shown[s] for m in months]} for s in trend_columns],
        "mismatch": [m.mismatch for m in months],
        "texts": {
            "items": _("Items"),
            "mismatch": capfirst(_("status mismatch")),
        },
    }
