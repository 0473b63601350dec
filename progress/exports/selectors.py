"""Reads for the exports and the public pages: the rows of each table with a fixed number of
queries, however many sub-items a plan has.

The big tables are iterated, not loaded: the sub-items come from one streamed query
(`.iterator(chunk_size=2000)`), and for every chunk of 2,000 one query per related kind
(co-units, leaders, milestones, reports) fetches plain values for the chunk's ids. No model
instances are made (a prefetch would make and cache one per related row, which is most of
the time of a 20,000-row table); the rows yielded are the plain dataclasses of
progress.exports.layouts, which the builders write at once.

Only approved reports appear (imported reports are approved when they are imported): drafts,
submitted-but-unreviewed and returned reports never reach a table. Each row's status is its
shown status (progress.statuses.shown), joined from the stored ItemStatus of the period in the
same streamed query, so a table says what the dashboard and the item list say (待审核 for a
report not yet approved, 办结 for an item completed earlier). Review comments, attachments and
contributions are never read here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import batched

from django.db.models import Count, FilteredRelation, Q, QuerySet

from progress import periods
from progress.exports.layouts import LedgerRow, MonthlyRow, PlanRow, Report, quarter_of
from progress.models import ItemStatus, ProgressReport, Publication
from progress.statuses.shown import (
    ABSENT,
    AWAITING_REVIEW,
    COMPLETED_EARLIER,
    REVIEWED,
    absent_status,
    shown_case,
)
from projects import roles
from projects.models import Category, CoUnit, Milestone, Plan, Project, SubItem, active_q
from projects.naming import chinese_ordinal

CHUNK = 2000
APPROVED = ProgressReport.State.APPROVED


def _by_subitem(rows, key: int = 0) -> dict[int, list]:
    """Group (subitem_id, …) value rows by their first element, keeping their order."""
    out: dict[int, list] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


def _names(through, owner: str, ids: list[int]) -> dict[int, list[str]]:
    """Leader names by sub-item or project (an M2M through table), ordered by name."""
    rows = (
        through.objects.filter(**{f"{owner}_id__in": ids})
        .order_by("leader__name", "leader_id")
        .values_list(f"{owner}_id", "leader__name")
    )
    return {k: [name for _, name in v] for k, v in _by_subitem(rows).items()}


def _co_units(ids: list[int]) -> dict[int, list[str]]:
    rows = (
        CoUnit.objects.filter(subitem_id__in=ids)
        .order_by("subitem_id", "order", "id")
        .values_list("subitem_id", "unit__name")
    )
    return {k: [name for _, name in v] for k, v in _by_subitem(rows).items()}


def _reports(ids: list[int], period: date, *, ledger: bool) -> dict[int, Report]:
    fields = ["subitem_id", "status", "completion", "explanation"]
    if ledger:  # only the ledger reads problems and next steps
        fields += ["problems", "next_steps"]
    rows = ProgressReport.objects.filter(
        subitem_id__in=ids, period=period, state=APPROVED
    ).values_list(*fields)
    return {r[0]: Report(*r[1:]) for r in rows}


def _subitem_rows(plan: Plan, period: date | None, chunk_size: int) -> Iterator[list[dict]]:
    """The plan's active sub-items in the order of the list, as value rows in chunks: one query,
    streamed; with a period, each with its `shown` status in that period (its ItemStatus row
    joined once)."""
    qs = SubItem.objects.active().filter(project__plan=plan)
    fields = [
        "id",
        "number",
        "name",
        "description",
        "project_id",
        "project__number",
        "project__name",
        "project__description",
        "project__category_id",
        "lead_unit__name",
    ]
    if period is not None:
        qs = qs.annotate(
            st=FilteredRelation("statuses", condition=Q(statuses__period=period))
        ).annotate(shown=shown_case(absent_status(period), prefix="st__"))
        fields.append("shown")
    rows = (
        qs.order_by("project__order", "project_id", "number", "id")
        .values(*fields)
        .iterator(chunk_size=chunk_size)
    )
    yield from (list(chunk) for chunk in batched(rows, chunk_size))


def _leaders_of(rows: list[dict]) -> dict[int, list[str]]:
    """Each sub-item's leaders; the project's where the sub-item names none."""
    ids = [r["id"] for r in rows]
    mine = _names(SubItem.leaders.through, "subitem", ids)
    missing = {r["project_id"] for r in rows if r["id"] not in mine}
    projects = _names(Project.leaders.through, "project", sorted(missing)) if missing else {}
    return {r["id"]: mine.get(r["id"]) or projects.get(r["project_id"], []) for r in rows}


def monthly_table_rows(
    plan: Plan, period: date, *, chunk_size: int = CHUNK
) -> Iterator[MonthlyRow]:
    """One row per sub-item in the order of the list, for the monthly progress table: the plan
    texts due in the period's quarter and the period's approved report. Five queries per
    chunk of sub-items (co-units, leaders, project leaders, milestones, reports) and one for
    the sub-items themselves."""
    first, last = periods.quarter_bounds(period)
    for rows in _subitem_rows(plan, period, chunk_size):
        ids = [r["id"] for r in rows]
        co_units = _co_units(ids)
        leaders = _leaders_of(rows)
        targets = _by_subitem(
            Milestone.objects.active()
            .filter(subitem_id__in=ids, due__gte=first, due__lte=last)
            .order_by("subitem_id", "due", "order", "id")
            .values_list("subitem_id", "text")
        )
        reports = _reports(ids, period, ledger=False)
        for r in rows:
            yield MonthlyRow(
                project_id=r["project_id"],
                number=r["project__number"],
                project=r["project__name"],
                name=r["name"],
                leaders=leaders[r["id"]],
                lead_unit=r["lead_unit__name"] or "",
                co_units=co_units.get(r["id"], []),
                target="\n".join(text for _, text in targets.get(r["id"], [])),
                report=reports.get(r["id"]),
                shown=r["shown"],
            )


def ledger_rows(plan: Plan, period: date, *, chunk_size: int = CHUNK) -> Iterator[LedgerRow]:
    """One row per sub-item for the quarterly ledger: units, and the period's approved report
    with its problems and next steps."""
    for rows in _subitem_rows(plan, period, chunk_size):
        ids = [r["id"] for r in rows]
        co_units = _co_units(ids)
        reports = _reports(ids, period, ledger=True)
        for r in rows:
            lead = [r["lead_unit__name"]] if r["lead_unit__name"] else []
            yield LedgerRow(
                project_id=r["project_id"],
                number=r["project__number"],
                project=r["project__name"],
                name=r["name"],
                units=lead + co_units.get(r["id"], []),
                report=reports.get(r["id"]),
                shown=r["shown"],
            )


def plan_rows(plan: Plan, *, chunk_size: int = CHUNK) -> Iterator[PlanRow]:
    """One row per sub-item in the layout the yearly list was imported from (seed 000)."""
    categories = {
        pk: f"{chinese_ordinal(order)}、{name}"
        for order, (pk, name) in enumerate(
            Category.objects.filter(plan=plan).order_by("order", "id").values_list("id", "name"),
            start=1,
        )
    }
    sizes = dict(
        Project.objects.filter(plan=plan)
        .annotate(n=Count("subitems", filter=active_q("subitems__")))
        .values_list("id", "n")
    )
    for rows in _subitem_rows(plan, None, chunk_size):
        ids = [r["id"] for r in rows]
        co_units = _co_units(ids)
        leaders = _leaders_of(rows)
        persons: dict[int, dict[str, str]] = {}
        for sub_id, unit, name in (
            SubItem.persons.through.objects.filter(subitem_id__in=ids)
            .order_by("person__name", "person_id")
            .values_list("subitem_id", "person__unit__name", "person__name")
        ):
            persons.setdefault(sub_id, {}).setdefault(unit, name)
        milestones = _by_subitem(
            Milestone.objects.active()
            .filter(subitem_id__in=ids)
            .order_by("subitem_id", "due", "order", "id")
            .values_list("subitem_id", "due", "text")
        )
        for r in rows:
            units = ([r["lead_unit__name"]] if r["lead_unit__name"] else []) + co_units.get(
                r["id"], []
            )
            quarters: list[list[str]] = [[], [], [], []]
            for _, due, text in milestones.get(r["id"], []):
                if due.year == plan.year:
                    quarters[quarter_of(due) - 1].append(text)
                else:  # a date outside the plan's year: the nearest end of the year
                    quarters[0 if due.year < plan.year else 3].append(text)
            if sizes.get(r["project_id"], 1) > 1:
                details = f"({r['number']}) {r['description'] or r['name']}"
            else:
                details = r["project__description"] or r["description"]
            mine = persons.get(r["id"], {})
            yield PlanRow(
                category_id=r["project__category_id"],
                category=categories.get(r["project__category_id"], ""),
                project_id=r["project_id"],
                number=r["project__number"],
                project=r["project__name"],
                details=details,
                units=units,
                persons=[mine[u] for u in units if u in mine],
                quarters=["\n".join(q) for q in quarters],
                leaders=leaders[r["id"]],
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
    total = SubItem.objects.active().filter(project__plan=plan).count()
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
        for p in plan.reporting_periods()
    ]


def exportable_plans(user) -> QuerySet[Plan]:
    """The plans a supervisor may export and publish: their jurisdiction's; admins every plan."""
    qs = Plan.objects.select_related("jurisdiction").annotate(
        published=Count("publications", distinct=True)
    )
    if roles.is_admin(user):
        return qs.order_by("jurisdiction__name", "-year", "title")
    if roles.is_supervisor(user) and user.jurisdiction_id:
        return qs.filter(jurisdiction_id=user.jurisdiction_id).order_by("-year", "title")
    return qs.none()


def publication(plan_id: int, period: date | None) -> Publication | None:
    """The publication of a plan's period, if it is published."""
    if period is None:
        return None
    return (
        Publication.objects.filter(plan_id=plan_id, period=period)
        .select_related("plan__jurisdiction")
        .first()
    )


@dataclass(frozen=True)
class Readiness:
    """How complete a plan's period is, for the warning before publishing it."""

    total: int
    reviewed: int  # approved (or imported) reports
    awaiting_review: int  # submitted, not yet approved
    absent: int  # no report (drafts and returned reports are none)
    completed_earlier: int  # completed in an earlier period: not reported again

    @property
    def complete(self) -> bool:
        return not self.awaiting_review and not self.absent


def publish_readiness(plan: Plan, period: date) -> Readiness:
    """The plan's items of the period by what the public table would show: one query over
    the stored statuses, with the shown status's own conditions."""
    counts = ItemStatus.objects.filter(plan_id=plan.pk, period=period).aggregate(
        total=Count("pk"),
        reviewed=Count("pk", filter=REVIEWED),
        awaiting_review=Count("pk", filter=AWAITING_REVIEW),
        absent=Count("pk", filter=ABSENT),
        completed_earlier=Count("pk", filter=COMPLETED_EARLIER),
    )
    return Readiness(**counts)
