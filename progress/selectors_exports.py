"""Reads for the exports and the public pages: the rows of each table with a fixed number of
queries, however many sub-items a plan has.

The big tables are iterated, not loaded: `.iterator(chunk_size=…)` with prefetches runs one
query for the sub-items and one per prefetch for every chunk, and yields plain rows
(progress.exports) that the builders write at once.

Only approved reports appear (imported reports are approved when they are imported): drafts,
submitted-but-unreviewed and returned reports never reach a table. Review comments,
attachments and contributions are never read here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from progress import periods
from progress.exports import (
    LedgerRow,
    MonthlyRow,
    PlanRow,
    Report,
    cn_ordinal,
    quarter_of,
)
from progress.models import ProgressReport, Publication, Status
from projects.models import (
    Category,
    CoUnit,
    Jurisdiction,
    Leader,
    Milestone,
    Person,
    Plan,
    Project,
    SubItem,
)

CHUNK = 2000
APPROVED = ProgressReport.State.APPROVED
REPORT_FIELDS = ("id", "subitem_id", "period", "status", "completion", "explanation")


def quarter_bounds(period: date) -> tuple[date, date]:
    """First and last day of the quarter that a month is in."""
    first = date(period.year, (quarter_of(period) - 1) * 3 + 1, 1)
    return first, periods.add_months(first, 3) - timedelta(days=1)


def reporting_periods(plan: Plan) -> list[date]:
    """The periods a plan reports on: every month of its year, or the quarter-end months."""
    months = (3, 6, 9, 12) if plan.reporting_cycle == Plan.Cycle.QUARTERLY else range(1, 13)
    return [date(plan.year, m, 1) for m in months]


def is_plan_period(plan: Plan, period: date | None) -> bool:
    return period is not None and period in reporting_periods(plan)


def _report(sub: SubItem, *, ledger: bool = False) -> Report | None:
    reports = sub.period_reports
    if not reports:
        return None
    r = reports[0]
    if ledger:  # only the ledger loads problems and next steps (a deferred field is a query)
        return Report(
            status=r.status,
            completion=r.completion,
            explanation=r.explanation,
            problems=r.problems,
            next_steps=r.next_steps,
        )
    return Report(status=r.status, completion=r.completion, explanation=r.explanation)


def _subitems(plan: Plan, period: date, *, report_fields: tuple[str, ...]) -> QuerySet[SubItem]:
    """The plan's sub-items in the order of the list, each with the period's approved report
    (`period_reports`) and `done_before`: completed in an approved report of an earlier period."""
    reports = ProgressReport.objects.filter(period=period, state=APPROVED).only(*report_fields)
    done_before = ProgressReport.objects.filter(
        subitem=OuterRef("pk"), period__lt=period, status=Status.COMPLETED, state=APPROVED
    )
    return (
        SubItem.objects.filter(project__plan=plan)
        .select_related("project", "lead_unit")
        .only(
            "id",
            "number",
            "name",
            "project__id",
            "project__number",
            "project__name",
            "project__order",
            "lead_unit__id",
            "lead_unit__name",
        )
        .annotate(done_before=Exists(done_before))
        .prefetch_related(
            Prefetch(
                "co_unit_links",
                queryset=CoUnit.objects.select_related("unit")
                .only("id", "subitem_id", "order", "unit__id", "unit__name")
                .order_by("order", "id"),
            ),
            Prefetch("reports", queryset=reports, to_attr="period_reports"),
        )
        .order_by("project__order", "project__id", "number", "id")
    )


def _leaders_prefetch() -> list[Prefetch]:
    leaders = Leader.objects.only("id", "name").order_by("name")
    return [Prefetch("leaders", queryset=leaders), Prefetch("project__leaders", queryset=leaders)]


def _leader_names(sub: SubItem) -> list[str]:
    names = [le.name for le in sub.leaders.all()]
    return names or [le.name for le in sub.project.leaders.all()]


def monthly_table_rows(
    plan: Plan, period: date, *, chunk_size: int = CHUNK
) -> Iterator[MonthlyRow]:
    """One row per sub-item in the order of the list, for the monthly progress table: the plan
    texts due in the period's quarter and the period's approved report."""
    first, last = quarter_bounds(period)
    due = Milestone.objects.filter(due__gte=first, due__lte=last).only(
        "id", "subitem_id", "due", "order", "text"
    )
    qs = _subitems(plan, period, report_fields=REPORT_FIELDS).prefetch_related(
        *_leaders_prefetch(),
        Prefetch("milestones", queryset=due.order_by("due", "order"), to_attr="period_milestones"),
    )
    for sub in qs.iterator(chunk_size=chunk_size):
        project = sub.project
        yield MonthlyRow(
            project_id=project.pk,
            number=project.number,
            project=project.name,
            name=sub.name,
            leaders=_leader_names(sub),
            lead_unit=sub.lead_unit.name if sub.lead_unit else "",
            co_units=[link.unit.name for link in sub.co_unit_links.all()],
            target="\n".join(m.text for m in sub.period_milestones),
            report=_report(sub),
            done_before=sub.done_before,
        )


def ledger_rows(plan: Plan, period: date, *, chunk_size: int = CHUNK) -> Iterator[LedgerRow]:
    """One row per sub-item for the quarterly ledger: units, and the period's approved report
    with its problems and next steps."""
    fields = (*REPORT_FIELDS, "problems", "next_steps")
    qs = _subitems(plan, period, report_fields=fields)
    for sub in qs.iterator(chunk_size=chunk_size):
        project = sub.project
        units = [sub.lead_unit.name] if sub.lead_unit else []
        units += [link.unit.name for link in sub.co_unit_links.all()]
        yield LedgerRow(
            project_id=project.pk,
            number=project.number,
            project=project.name,
            name=sub.name,
            units=units,
            report=_report(sub, ledger=True),
            done_before=sub.done_before,
        )


def plan_rows(plan: Plan, *, chunk_size: int = CHUNK) -> Iterator[PlanRow]:
    """One row per sub-item in the layout the yearly list was imported from (seed 000)."""
    categories = {
        pk: (order, name)
        for order, (pk, name) in enumerate(
            Category.objects.filter(plan=plan).order_by("order", "id").values_list("id", "name"),
            start=1,
        )
    }
    sizes = dict(
        Project.objects.filter(plan=plan).annotate(n=Count("subitems")).values_list("id", "n")
    )
    qs = (
        SubItem.objects.filter(project__plan=plan)
        .select_related("project", "lead_unit")
        .only(
            "id",
            "number",
            "name",
            "description",
            "project__id",
            "project__number",
            "project__name",
            "project__description",
            "project__order",
            "project__category_id",
            "lead_unit__id",
            "lead_unit__name",
        )
        .prefetch_related(
            Prefetch(
                "co_unit_links",
                queryset=CoUnit.objects.select_related("unit")
                .only("id", "subitem_id", "order", "unit__id", "unit__name")
                .order_by("order", "id"),
            ),
            Prefetch("persons", queryset=Person.objects.only("id", "name", "unit_id")),
            *_leaders_prefetch(),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.only(
                    "id", "subitem_id", "due", "order", "text"
                ).order_by("due", "order"),
            ),
        )
        .order_by("project__order", "project__id", "number", "id")
    )
    for sub in qs.iterator(chunk_size=chunk_size):
        project = sub.project
        units = ([sub.lead_unit] if sub.lead_unit else []) + [
            link.unit for link in sub.co_unit_links.all()
        ]
        by_unit: dict[int, str] = {}
        for person in sub.persons.all():
            by_unit.setdefault(person.unit_id, person.name)
        quarters: list[list[str]] = [[], [], [], []]
        for m in sub.milestones.all():
            if m.due.year == plan.year:
                quarters[quarter_of(m.due) - 1].append(m.text)
            else:  # a date outside the plan's year: the nearest end of the year
                quarters[0 if m.due.year < plan.year else 3].append(m.text)
        if sizes.get(project.pk, 1) > 1:
            details = f"({sub.number}) {sub.description or sub.name}"
        else:
            details = project.description or sub.description
        category = categories.get(project.category_id)
        yield PlanRow(
            category_id=project.category_id,
            category=f"{cn_ordinal(category[0])}、{category[1]}" if category else "",
            project_id=project.pk,
            number=project.number,
            project=project.name,
            details=details,
            units=[u.name for u in units],
            persons=[by_unit[u.pk] for u in units if u.pk in by_unit],
            quarters=["\n".join(q) for q in quarters],
            leaders=_leader_names(sub),
        )


# --- the exports page ----------------------------------------------------------------------


@dataclass
class PeriodLine:
    period: date
    approved: int
    publication: Publication | None

    @property
    def label(self) -> str:
        return periods.label(self.period)


def plan_periods(plan: Plan) -> tuple[int, list[PeriodLine]]:
    """The plan's sub-item count and its reporting periods, each with the number of approved
    reports and its publication (three queries)."""
    total = SubItem.objects.filter(project__plan=plan).count()
    counts = dict(
        ProgressReport.objects.filter(subitem__project__plan=plan, state=APPROVED)
        .values_list("period")
        .annotate(n=Count("id"))
        .values_list("period", "n")
    )
    publications = {
        p.period: p for p in Publication.objects.filter(plan=plan).select_related("published_by")
    }
    return total, [
        PeriodLine(period=p, approved=counts.get(p, 0), publication=publications.get(p))
        for p in reporting_periods(plan)
    ]


def exportable_plans(user) -> QuerySet[Plan]:
    """The plans a supervisor may export and publish: their jurisdiction's; admins every plan."""
    from projects import roles

    qs = Plan.objects.select_related("jurisdiction").annotate(
        published=Count("publications", distinct=True)
    )
    if roles.is_admin(user):
        return qs.order_by("jurisdiction__name", "-year", "title")
    if roles.is_supervisor(user) and user.jurisdiction_id:
        return qs.filter(jurisdiction_id=user.jurisdiction_id).order_by("-year", "title")
    return qs.none()


# --- the public pages ------------------------------------------------------------------------


def published_jurisdictions() -> QuerySet[Jurisdiction]:
    """Jurisdictions with at least one published table, with how many."""
    return (
        Jurisdiction.objects.annotate(published=Count("plans__publications"))
        .filter(published__gt=0)
        .order_by("name")
    )


def jurisdiction_publications(jurisdiction: Jurisdiction) -> QuerySet[Publication]:
    return (
        Publication.objects.filter(plan__jurisdiction=jurisdiction)
        .select_related("plan")
        .order_by("-plan__year", "plan__title", "-period")
    )


def publication(plan_id: int, period: date | None) -> Publication | None:
    if period is None:
        return None
    return (
        Publication.objects.filter(plan_id=plan_id, period=period)
        .select_related("plan__jurisdiction")
        .first()
    )
