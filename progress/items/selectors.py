"""Reads of the item list, the item page and the unit and leader pages.

Every function returns what its page shows in a fixed number of queries, however many items,
reports or periods there are: the list is one joined query per page (plus the leaders), the item
page loads its one sub-item's rule inputs like progress.statuses does for a chunk, and the
reporting record of a unit or a leader is one query grouped by period. Every shown status is
progress.statuses.shown's, read from the stored ItemStatus rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, FilteredRelation, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from progress import access, periods, statuses
from progress.models import ItemStatus, ProgressReport, ReviewEvent
from progress.statuses import status_rules
from progress.statuses.shown import COMPLETED_EARLIER, REPORT, absent_status, shown_case
from projects import roles
from projects.models import Category, CoUnit, Jurisdiction, Leader, Person, Plan, SubItem, Unit

# --- the list -------------------------------------------------------------------------------

# ItemStatus's copies of the sub-item's place: the first page comes in this order from the
# indexes item_status_list_order (one jurisdiction) and item_status_list_all (admins).
LIST_ORDER = ("plan_id", "project_order", "subitem_number")


def scope_rows(user) -> QuerySet[ItemStatus]:
    """The stored statuses of every sub-item the user may read, of every period: the rules of
    progress.access.scope_q, asked of ItemStatus's own copies of the sub-item's jurisdiction
    and lead unit (refresh_statuses keeps them), so no join is needed to filter or count."""
    if not user.is_authenticated:
        return ItemStatus.objects.none()
    if roles.is_admin(user):
        return ItemStatus.objects.all()
    q = Q(pk__in=[])
    if roles.has_role(user, roles.SUPERVISOR) and user.jurisdiction_id:
        q |= Q(jurisdiction_id=user.jurisdiction_id)
    if user.unit_id:
        q |= Q(lead_unit_id=user.unit_id)
        q |= Q(subitem_id__in=CoUnit.objects.filter(unit_id=user.unit_id).values("subitem_id"))
    return ItemStatus.objects.filter(q)


def status_rows(user, period: date, *, today: date | None = None) -> QuerySet[ItemStatus]:
    """ItemStatus rows of one period that the user may read, each with its `shown` status."""
    return (
        scope_rows(user)
        .filter(period=period)
        .annotate(shown=shown_case(absent_status(period, today)))
    )


# What the list's rows show (progress.items.tables: the page's cells and the export's): the
# rest of the five rows behind each line (the sub-item's description, the plan, ...) is not
# read, so not loaded. Sorting and filtering are in SQL and need none of it.
LIST_FIELDS = (
    "subitem_id",
    "has_report",
    "completed_in",
    "computed_status",
    "mismatch",
    "light",
    "light_reasons",
    "subitem__number",
    "subitem__name",
    "subitem__project__number",
    "subitem__project__name",
    "subitem__lead_unit__name",
)


def list_rows(user, period: date, *, today: date | None = None) -> QuerySet[ItemStatus]:
    """The list's rows: ItemStatus of one period in the user's scope, with `shown`, joined to
    the sub-item, its project and lead unit (LIST_FIELDS of them), leaders prefetched (as
    `subitem.leader_list`)."""
    return (
        status_rows(user, period, today=today)
        .select_related("subitem__project", "subitem__lead_unit")
        .only(*LIST_FIELDS)
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
    return access.visible_subitems(user).prefetch_related(
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
    targets: list[status_rules.Target] = field(default_factory=list)


@dataclass
class ItemPage:
    period: date
    quarterly: bool
    shown: str  # the shown status of the period (progress.statuses.shown), as on the list
    completed_in: date | None  # completed in this earlier period: not reported again
    evaluation: statuses.Evaluation
    inputs: statuses.RuleInputs
    timeline: list[TimelineEntry]
    series: list[IndicatorSeries]
    reports: list[ProgressReport]  # every period, latest first, with .events


def reporting_period_of(plan: Plan, period: date) -> date:
    """A quarterly plan reports on the quarter-end months: another month moves to its quarter."""
    return periods.quarter_period(period) if plan.is_quarterly else period


def item_page(subitem: SubItem, period: date | None, *, today: date | None = None) -> ItemPage:
    """The status of one sub-item for one period with its reasons, the milestone timeline, the
    indicator charts and the report history: 10 queries, whatever the history."""
    today = today or timezone.localdate()
    plan = subitem.project.plan
    rows = ItemStatus.objects.filter(subitem_id=subitem.pk)
    if period is None:
        period = periods.default_period(rows, today)
    period = reporting_period_of(plan, period)
    stored = (
        rows.filter(period=period)
        .annotate(shown=shown_case(absent_status(period, today)))
        .values("shown", "completed_in")
        .first()
    ) or {"shown": absent_status(period, today), "completed_in": None}
    inputs = statuses.load_rule_inputs([subitem.pk])[subitem.pk]
    evaluation = statuses.evaluate(inputs, period, quarterly=plan.is_quarterly)
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
        quarterly=plan.is_quarterly,
        shown=stored["shown"],
        completed_in=stored["completed_in"],
        evaluation=evaluation,
        inputs=inputs,
        timeline=timeline(inputs, evaluation),
        series=indicator_series(inputs, plan),
        reports=reports,
    )


def timeline(inputs: statuses.RuleInputs, evaluation: statuses.Evaluation) -> list[TimelineEntry]:
    """Each milestone as of the period: done (marked achieved by a report that counts, up to
    the period), overdue (its date passed before the period's end) or due."""
    entries = []
    for ms_id, due, text in sorted(inputs.milestones, key=lambda m: (m[1], m[0])):
        achieved = inputs.achieved.get(ms_id)
        if achieved is not None and achieved <= evaluation.period:
            early = periods.month_end(achieved) < status_rules.own_window_start(due)
            entries.append(TimelineEntry(due, text, "done", achieved, early))
        elif due < evaluation.period_end:
            entries.append(TimelineEntry(due, text, "overdue"))
        else:
            entries.append(TimelineEntry(due, text, "due"))
    return entries


def indicator_series(inputs: statuses.RuleInputs, plan: Plan) -> list[IndicatorSeries]:
    quarterly = plan.is_quarterly
    reported: dict[tuple[int, date], Decimal] = {
        (ind_id, p): value for p, ind_id, value in inputs.values
    }
    result = []
    for ind_id, (name, unit) in inputs.indicators.items():
        targets = sorted(inputs.targets.get(ind_id, []), key=lambda t: t.due)
        series = IndicatorSeries(pk=ind_id, name=name, unit=unit, targets=targets)
        for p in plan.reporting_periods():
            start, end = periods.period_bounds(p, quarterly=quarterly)
            series.labels.append(periods.label(p))
            in_period = [t.value for t in targets if start <= t.due <= end]
            series.target.append(in_period[-1] if in_period else None)
            series.expected.append(status_rules.expected_value(targets, end) if targets else None)
            series.actual.append(reported.get((ind_id, p)))
        result.append(series)
    return result


# --- units and leaders ----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRecord:
    """How the reports of one period came in: on time, late, missing (deadline passed, none),
    pending (deadline not passed yet, none), and not needed (completed in an earlier period):
    the shown statuses of the period, counted by the conditions of progress.statuses.shown."""

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
    day = periods.deadline(period) + timedelta(days=1)
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
        .filter(access.scope_q(user, "subitem__"))
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
            reported=Count("pk", filter=REPORT),
            on_time=Count("pk", filter=REPORT & on_time),
            not_needed=Count("pk", filter=COMPLETED_EARLIER),
        )
        .order_by("period")
    }
    result = []
    for p in months:
        row = grouped.get(p, {})
        total, reported = row.get("total", 0), row.get("reported", 0)
        not_needed = row.get("not_needed", 0)
        absent = total - reported - not_needed
        passed = periods.deadline_passed(p, today)
        result.append(
            MonthRecord(
                period=p,
                deadline=periods.deadline(p),
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
