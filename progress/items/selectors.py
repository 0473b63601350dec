"""Reads of the item list, the item page and the unit and leader pages.

Every function returns what its page shows in a fixed number of queries, however many items,
reports or periods there are: the list is one joined query per page (plus the leaders), the item
page loads its one sub-item's rule inputs like progress.statuses does for a chunk, and the
reporting record of a unit or a leader is one query grouped by period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, FilteredRelation, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from progress import periods, statuses
from progress.models import ItemStatus, ProgressReport, ReviewEvent
from progress.reporting import selectors
from progress.statuses import status_rules as status
from projects import roles
from projects.models import Category, CoUnit, Jurisdiction, Leader, Person, Plan, SubItem, Unit

# --- the list -------------------------------------------------------------------------------

LIST_ORDER = ("subitem__project__plan_id", "subitem__project__order", "subitem__number")


def default_period(user, today: date | None = None) -> date:
    """The latest period with any report the user may read; without one, the period being
    filled now."""
    latest = selectors.latest_period_with_reports(user)
    if latest is not None:
        return latest
    today = today or timezone.localdate()
    return periods.current_period(today, settings.REPORT_DEADLINE_DAY)


def list_rows(user, period: date, *, today: date | None = None) -> QuerySet[ItemStatus]:
    """The list's rows: ItemStatus of one period in the user's scope, with `shown`, joined to
    the sub-item, its project, plan, category and lead unit, leaders prefetched (as
    `subitem.leader_list`)."""
    return (
        selectors.status_rows(user, period, today=today)
        .select_related(
            "subitem__project__plan",
            "subitem__project__category",
            "subitem__lead_unit",
        )
        .prefetch_related(
            Prefetch(
                "subitem__leaders",
                queryset=Leader.objects.only("id", "name").order_by("name"),
                to_attr="leader_list",  # a plain list: no queryset per row in the export
            )
        )
        .order_by(*LIST_ORDER)
    )


def _jurisdiction_ids(user) -> list[int] | None:
    """The jurisdictions whose plans, units and leaders the filter offers; None: all."""
    if roles.is_admin(user):
        return None
    if user.jurisdiction_id:
        return [user.jurisdiction_id]
    if user.unit_id:
        return [user.unit.jurisdiction_id]
    return []


def filter_choices(user) -> dict[str, QuerySet]:
    """The querysets behind the filter's selects (and the values it accepts)."""
    ids = _jurisdiction_ids(user)

    def mine(qs: QuerySet, path: str) -> QuerySet:
        return qs if ids is None else qs.filter(**{f"{path}__in": ids})

    return {
        "jurisdiction": mine(Jurisdiction.objects.order_by("name"), "pk"),
        "plan": mine(Plan.objects.order_by("-year", "title"), "jurisdiction_id"),
        "category": mine(
            Category.objects.order_by("-plan__year", "plan__title", "order"),
            "plan__jurisdiction_id",
        ),
        "unit": mine(Unit.objects.order_by("name"), "jurisdiction_id"),
        "leader": mine(Leader.objects.order_by("name"), "jurisdiction_id"),
    }


# --- the item page --------------------------------------------------------------------------


def item_subitem(user) -> QuerySet[SubItem]:
    """visible_subitems with what the item page prints: co-units, persons (with their unit) and
    leaders, each in one query."""
    return selectors.visible_subitems(user).prefetch_related(
        Prefetch(
            "co_unit_links",
            queryset=CoUnit.objects.select_related("unit").order_by("order", "pk"),
        ),
        Prefetch(
            "persons", queryset=Person.objects.select_related("unit").order_by("unit", "name")
        ),
        Prefetch("leaders", queryset=Leader.objects.order_by("name")),
    )


@dataclass(frozen=True)
class TimelineEntry:
    due: date
    text: str
    state: str  # done | due | overdue
    achieved_in: date | None = None
    early: bool = False


@dataclass
class IndicatorSeries:
    """One indicator's chart: targets, the time-proportional line and the reported values by
    period, on the reporting periods of the plan's year."""

    pk: int
    name: str
    unit: str
    labels: list[str] = field(default_factory=list)
    target: list[Decimal | None] = field(default_factory=list)
    expected: list[Decimal | None] = field(default_factory=list)
    actual: list[Decimal | None] = field(default_factory=list)
    targets: list[status.Target] = field(default_factory=list)


@dataclass
class ItemPage:
    period: date
    quarterly: bool
    evaluation: statuses.Evaluation
    inputs: statuses.RuleInputs
    timeline: list[TimelineEntry]
    series: list[IndicatorSeries]
    reports: list[ProgressReport]  # every period, latest first, with .events


def reporting_period_of(plan: Plan, period: date) -> date:
    """A quarterly plan reports on the quarter-end months: another month moves to its quarter."""
    if plan.reporting_cycle == Plan.Cycle.QUARTERLY:
        return periods.quarter_period(period)
    return period


def item_default_period(subitem: SubItem, inputs: statuses.RuleInputs, today: date) -> date:
    """The period being filled now when it is in the plan's year; else the latest one with a
    report that counts, or the last period of the plan's year."""
    plan = subitem.project.plan
    now = reporting_period_of(plan, periods.current_period(today, settings.REPORT_DEADLINE_DAY))
    if now.year == plan.year:
        return now
    counted = [p for p, r in inputs.reports.items() if statuses.counts_as_reported(r)]
    if counted:
        return max(counted)
    if now.year > plan.year:
        return date(plan.year, 12, 1)
    return statuses.reporting_periods(plan.year, plan.reporting_cycle)[0]


def item_page(subitem: SubItem, period: date | None, *, today: date | None = None) -> ItemPage:
    """The status of one sub-item for one period with its reasons, the milestone timeline, the
    indicator charts and the report history: 8 queries, whatever the history."""
    today = today or timezone.localdate()
    plan = subitem.project.plan
    quarterly = plan.reporting_cycle == Plan.Cycle.QUARTERLY
    inputs = statuses.load_rule_inputs([subitem.pk])[subitem.pk]
    if period is None:
        period = item_default_period(subitem, inputs, today)
    period = reporting_period_of(plan, period)
    evaluation = statuses.evaluate(inputs, period, quarterly=quarterly)
    reports = list(
        ProgressReport.objects.filter(subitem_id=subitem.pk)
        .select_related("submitted_by")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ReviewEvent.objects.select_related("actor").order_by("at", "id"),
            )
        )
        .order_by("-period")
    )
    return ItemPage(
        period=period,
        quarterly=quarterly,
        evaluation=evaluation,
        inputs=inputs,
        timeline=timeline(inputs, evaluation),
        series=indicator_series(inputs, plan.year, quarterly=quarterly),
        reports=reports,
    )


def timeline(inputs: statuses.RuleInputs, evaluation: statuses.Evaluation) -> list[TimelineEntry]:
    """Each milestone as of the period: done (marked achieved by a report that counts, up to
    the period), overdue (its date passed before the period's end) or due."""
    entries = []
    for ms_id, due, text in sorted(inputs.milestones, key=lambda m: (m[1], m[0])):
        achieved = inputs.achieved.get(ms_id)
        if achieved is not None and achieved <= evaluation.period:
            early = periods.period_bounds(achieved)[1] < status.own_window_start(due)
            entries.append(TimelineEntry(due, text, "done", achieved, early))
        elif due < evaluation.period_end:
            entries.append(TimelineEntry(due, text, "overdue"))
        else:
            entries.append(TimelineEntry(due, text, "due"))
    return entries


def indicator_series(
    inputs: statuses.RuleInputs, year: int, *, quarterly: bool
) -> list[IndicatorSeries]:
    plan_periods = statuses.reporting_periods(year, "quarterly" if quarterly else "monthly")
    reported: dict[tuple[int, date], Decimal] = {
        (ind_id, p): value for p, ind_id, value in inputs.values
    }
    result = []
    for ind_id, (name, unit) in inputs.indicators.items():
        targets = sorted(inputs.targets.get(ind_id, []), key=lambda t: t.due)
        series = IndicatorSeries(pk=ind_id, name=name, unit=unit, targets=targets)
        for p in plan_periods:
            start, end = periods.period_bounds(p, quarterly=quarterly)
            series.labels.append(periods.label(p))
            in_period = [t.value for t in targets if start <= t.due <= end]
            series.target.append(in_period[-1] if in_period else None)
            series.expected.append(status.expected_value(targets, end) if targets else None)
            series.actual.append(reported.get((ind_id, p)))
        result.append(series)
    return result


# --- units and leaders ----------------------------------------------------------------------


def unit_default_period(user, unit: Unit) -> date:
    latest = (
        ItemStatus.objects.filter(has_report=True, subitem__lead_unit_id=unit.pk)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    return latest or default_period(user)


def leader_default_period(user, leader: Leader) -> date:
    latest = (
        ItemStatus.objects.filter(has_report=True, subitem__leaders=leader.pk)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    return latest or default_period(user)


@dataclass(frozen=True)
class MonthRecord:
    """How the reports of one period came in: on time, late, missing (deadline passed, none),
    pending (deadline not passed yet, none), and not needed (completed in an earlier period)."""

    period: date
    deadline: date
    expected: int
    on_time: int
    late: int
    missing: int
    pending: int
    not_needed: int

    @property
    def label(self) -> str:
        return periods.label(self.period)


def _deadline_end(period: date) -> datetime:
    """The first moment after the reporting deadline day, in the site's time zone."""
    day = periods.deadline(period, settings.REPORT_DEADLINE_DAY) + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min))


def reporting_record(user, where: Q, year: int, *, today: date | None = None) -> list[MonthRecord]:
    """For every month of the year, how the reports of the items matching `where` came in.

    One query grouped by period over ItemStatus (one row per item and reporting period, so a
    quarterly plan counts on its quarter-end months only). A report counts when it was
    submitted, approved or imported; it is on time when it was submitted (or, imported,
    created) by the end of the deadline day.
    """
    today = today or timezone.localdate()
    months = [date(year, m, 1) for m in range(1, 13)]
    on_time = Q(pk__in=[])
    for p in months:
        on_time |= Q(period=p, report_at__lt=_deadline_end(p))
    grouped = {
        row["period"]: row
        for row in ItemStatus.objects.filter(where, period__gte=months[0], period__lte=months[-1])
        .filter(selectors.scope_q(user, "subitem__"))
        # the report of the same sub-item and period, joined once (a correlated subquery in
        # every count took seconds on 1,000 items)
        .annotate(
            counted_report=FilteredRelation(
                "subitem__reports",
                condition=Q(
                    subitem__reports__period=F("period"),
                    subitem__reports__state__in=statuses.COUNTED_STATES,
                ),
            )
        )
        .annotate(report_at=Coalesce("counted_report__submitted_at", "counted_report__created_at"))
        .values("period")
        .annotate(
            total=Count("pk"),
            reported=Count("pk", filter=Q(has_report=True)),
            on_time=Count("pk", filter=Q(has_report=True) & on_time),
            not_needed=Count("pk", filter=Q(has_report=False, computed_status=status.COMPLETED)),
        )
        .order_by("period")
    }
    result = []
    for p in months:
        row = grouped.get(p, {})
        total, reported = row.get("total", 0), row.get("reported", 0)
        not_needed = row.get("not_needed", 0)
        absent = total - reported - not_needed
        passed = selectors.deadline_passed(p, today)
        result.append(
            MonthRecord(
                period=p,
                deadline=periods.deadline(p, settings.REPORT_DEADLINE_DAY),
                expected=total - not_needed,
                on_time=row.get("on_time", 0),
                late=reported - row.get("on_time", 0),
                missing=absent if passed else 0,
                pending=0 if passed else absent,
                not_needed=not_needed,
            )
        )
    return result


def record_totals(record: list[MonthRecord]) -> dict[str, int]:
    keys = ("expected", "on_time", "late", "missing", "pending", "not_needed")
    return {k: sum(getattr(m, k) for m in record) for k in keys}
