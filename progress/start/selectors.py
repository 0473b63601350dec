"""Reads of the start page: the supervisor's figures and the reporter's to-do list.

The supervisor's figures are computed from the same filters as the lists they link to, so a
number and its list never disagree (tests/start pins each pair):

- 待审核: progress.review.selectors.review_queue (every period), linked to the queue;
- 未报送: ItemStatus rows without a report (shown.ABSENT) of that same period once its deadline
  has passed (else of periods.missing_default, the last period whose deadline has passed),
  linked to the missing-reports page of that period;
- 滞后 and 状态不符: the rows of the jurisdiction's default period (periods.default_period, the
  period the dashboard opens on) whose shown status is lagging / whose computed status
  disagrees with the reported one, linked to the item list with shown=lagging / mismatch=1.

Queries: four or five, whatever the number of items (one more when no period has a report yet). The
figures are cached under the jurisdiction's status version (progress.statuses.cache), so the
menu shows the same counts without a query once the start page has computed them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from progress import periods
from progress.models import ProgressReport, ReviewEvent
from progress.reporting.selectors import my_items, unit_rows
from progress.reporting.services import still_to_submit
from progress.review.selectors import jurisdiction_rows, review_queue
from progress.statuses import cache
from progress.statuses.shown import ABSENT, conditions
from projects.models import SubItem

AWAITING = "awaiting_review"
MISSING = "missing"
LAGGING = "lagging"
MISMATCH = "mismatch"
FIGURES = (AWAITING, MISSING, LAGGING, MISMATCH)


@dataclass(frozen=True)
class SupervisorFigures:
    """The counts of the supervisor's start page and the periods they are of."""

    jurisdiction_id: int | None  # None: every jurisdiction (admins)
    period: date  # of 滞后 and 状态不符
    missing_period: date  # of 未报送
    counts: dict[str, int]

    def url(self, code: str) -> str:
        """The list a figure counts: the review queue, the missing-reports page or the items."""
        where = {} if self.jurisdiction_id is None else {"jurisdiction": self.jurisdiction_id}
        if code == AWAITING:
            return reverse("review:queue")
        if code == MISSING:
            params = {"period": periods.label(self.missing_period), **where}
            return f"{reverse('review:missing')}?{urlencode(params)}"
        flag = {"shown": "lagging"} if code == LAGGING else {"mismatch": "1"}
        params = {"period": periods.label(self.period), **where, **flag}
        return f"{reverse('items:list')}?{urlencode(params)}"


def _menu_key(user, jurisdiction_id: int | None, today: date) -> str:
    version, shared = cache.versions(jurisdiction_id) if jurisdiction_id else (0, 0)
    # the queue is the supervisor's whole jurisdiction (admins: all), never one user's
    who = "all" if jurisdiction_id is None else jurisdiction_id
    return f"{cache.PREFIX}:start:{who}:{version}:{shared}:{today:%Y%m%d}"


def supervisor_figures(
    user, jurisdiction_id: int | None, *, today: date | None = None
) -> SupervisorFigures:
    """The four figures of one jurisdiction (None: all, for admins)."""
    today = today or timezone.localdate()
    rows = jurisdiction_rows(jurisdiction_id)
    period = periods.default_period(rows, today)
    # 未报送 of the same period once its deadline has passed; before that, the period the
    # missing-reports page opens on (the last one whose deadline has passed)
    if periods.deadline_passed(period, today):
        missing_period = period
    else:
        missing_period = periods.missing_default(rows, today)
    lagging = conditions()[LAGGING]
    counts = rows.filter(period__in={period, missing_period}).aggregate(
        missing=Count("pk", filter=Q(period=missing_period) & ABSENT),
        lagging=Count("pk", filter=Q(period=period) & lagging),
        mismatch=Count("pk", filter=Q(period=period, mismatch=True)),
    )
    counts[AWAITING] = review_queue(user).count()
    figures = SupervisorFigures(
        jurisdiction_id=jurisdiction_id,
        period=period,
        missing_period=missing_period,
        counts=counts,
    )
    if jurisdiction_id is not None:  # admins' figures span every jurisdiction: not cached
        cache.cached(_menu_key(user, jurisdiction_id, today), lambda: counts)
    return figures


def menu_counts(user, jurisdiction_id: int | None, *, today: date | None = None) -> dict:
    """The start page's counts for the menu when the cache holds them (no query); else {}."""
    if jurisdiction_id is None:
        return {}
    from django.core.cache import cache as django_cache

    today = today or timezone.localdate()
    return django_cache.get(_menu_key(user, jurisdiction_id, today)) or {}


# --- the reporter -------------------------------------------------------------------------


@dataclass
class ReporterTodo:
    period: date
    deadline: date
    overdue: bool  # the deadline has passed
    items: list[SubItem]  # still to fill: returned first, then not filled, then drafts
    done_count: int  # submitted or approved
    completed_earlier_count: int


TODO_ORDER = {ProgressReport.State.RETURNED: 0, None: 1, ProgressReport.State.DRAFT: 2}


def reporter_todo(user, *, period: date | None = None, today: date | None = None) -> ReporterTodo:
    """The reporter's items of the period still to fill (by default the period still to be
    filled, periods.period_to_fill), each with `.return_comment` when returned (the last
    return's or reopen's comment) and `.overdue`. Four queries."""
    today = today or timezone.localdate()
    period = period or periods.period_to_fill(unit_rows(user), today)
    items = my_items(user, period)
    overdue = periods.deadline_passed(period, today)
    todo, done, completed = [], 0, 0
    for item in items:
        if item.completed_in:
            completed += 1
            continue
        if not still_to_submit(item.current.state if item.current else None):
            done += 1  # submitted or approved
            continue
        item.overdue = overdue
        item.return_comment = ""
        todo.append(item)
    returned = [i.current.pk for i in todo if i.current and i.current.state == "returned"]
    if returned:
        events = (
            ReviewEvent.objects.filter(
                report_id__in=returned,
                action__in=[ReviewEvent.Action.RETURN, ReviewEvent.Action.REOPEN],
            )
            .select_related("actor")
            .order_by("report_id", "at", "id")
        )
        last = {event.report_id: event for event in events}
        for item in todo:
            event = last.get(item.current.pk) if item.current else None
            if event is not None:
                item.return_comment = event.comment
                item.returned_by = event.actor
    todo.sort(key=lambda i: TODO_ORDER.get(i.current.state if i.current else None, 3))
    return ReporterTodo(
        period=period,
        deadline=periods.deadline(period),
        overdue=overdue,
        items=todo,
        done_count=done,
        completed_earlier_count=completed,
    )
