"""Reads of the overview dashboard: every table on it is one grouped query over ItemStatus.

The rows are progress.selectors.status_rows (scoped to the user, each with `shown`: the reported
status, 未报送 after the deadline, pending before it, unknown for a report without a status)
narrowed to one jurisdiction. The counts of the overview, of each breakdown row and of the item
list behind each link are counts of the same rows, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from progress import periods, selectors
from progress.models import ItemStatus
from projects.models import Jurisdiction, Plan

SHOWN = (
    selectors.SHOWN_STATUSES
)  # not_started on_track ahead lagging completed missing pending unknown
COMPUTED = ("not_started", "on_track", "ahead", "lagging", "completed")
JUDGED_NOTHING = "none"  # a computed status of "": no indicator or milestone to judge by yet


def _shown_counts(prefix: str = "") -> dict:
    """Count(...) of the total, the mismatches and each shown status, keyed `<prefix><status>`."""
    return {
        "total": Count("pk"),
        "mismatches": Count("pk", filter=Q(mismatch=True)),
        **{f"{prefix}{s}": Count("pk", filter=Q(shown=s)) for s in SHOWN},
    }


def period_rows(user, *, jurisdiction_id: int, period: date, today: date | None = None):
    """The ItemStatus rows of one jurisdiction and period that the user may read, with `shown`."""
    return selectors.status_rows(user, period, today=today).filter(
        subitem__project__plan__jurisdiction_id=jurisdiction_id
    )


def year_rows(user, *, jurisdiction_id: int, year: int, today: date | None = None) -> QuerySet:
    """Every ItemStatus row of a year, with `shown` as status_rows gives it for each period: an
    absent report is missing once that period's deadline has passed, pending before."""
    today = today or timezone.localdate()
    # deadlines grow with the period: "deadline passed" is "period up to the last closed one"
    last_closed = periods.add_months(periods.month_start(today), 1)
    while not selectors.deadline_passed(last_closed, today):
        last_closed = periods.add_months(last_closed, -1)
    return (
        ItemStatus.objects.filter(
            period__year=year, subitem__project__plan__jurisdiction_id=jurisdiction_id
        )
        .filter(selectors.scope_q(user, "subitem__"))
        .annotate(
            shown=Case(
                When(has_report=True, reported_status="", then=Value("unknown")),
                When(has_report=True, then=F("reported_status")),
                When(period__lte=last_closed, then=Value("missing")),
                default=Value("pending"),
                output_field=CharField(),
            )
        )
    )


# --- the overview -------------------------------------------------------------------------


@dataclass
class Overview:
    total: int
    shown: dict[str, int]  # every SHOWN status
    computed: dict[str, int]  # every COMPUTED status and JUDGED_NOTHING
    mismatch: int


def overview_counts(rows: QuerySet) -> Overview:
    """One query: the counts of the shown statuses, of the computed ones, and the mismatches."""
    got = rows.aggregate(
        **_shown_counts("shown_"),
        **{f"computed_{c}": Count("pk", filter=Q(computed_status=c)) for c in COMPUTED},
        computed_none=Count("pk", filter=Q(computed_status="")),
    )
    return Overview(
        total=got["total"],
        shown={s: got[f"shown_{s}"] for s in SHOWN},
        computed={c: got[f"computed_{c}"] for c in (*COMPUTED, JUDGED_NOTHING)},
        mismatch=got["mismatches"],
    )


@dataclass
class Month:
    period: date
    shown: dict[str, int]
    mismatch: int
    total: int

    @property
    def label(self) -> str:
        return periods.label(self.period)


def trend(year_qs: QuerySet, year: int) -> list[Month]:
    """One query grouped by period: the shown counts of every month of the year (zeros for a
    month without rows, e.g. between the quarter ends of a quarterly plan)."""
    grouped = {
        row["period"]: row
        for row in year_qs.values("period").annotate(**_shown_counts()).order_by("period")
    }
    months = []
    for month in range(1, 13):
        period = date(year, month, 1)
        row = grouped.get(period, {})
        months.append(
            Month(
                period=period,
                shown={s: row.get(s, 0) for s in SHOWN},
                mismatch=row.get("mismatches", 0),
                total=row.get("total", 0),
            )
        )
    return months


# --- breakdowns ---------------------------------------------------------------------------


@dataclass
class Group:
    """One row of a breakdown: a plan, a category, a lead unit or a leader, with its counts."""

    pk: int
    name: str
    total: int
    shown: dict[str, int]
    mismatch: int
    context: str = ""  # e.g. the plan of a category


@dataclass
class Breakdown:
    key: str  # the item list's filter parameter: plan, category, unit, leader
    rows: list[Group] = field(default_factory=list)
    without: int = 0  # items in none of the groups (no category, no lead unit, no leader)


BREAKDOWNS = {
    # key: (id path, name path, context path or None, ordering)
    "plan": (
        "subitem__project__plan_id",
        "subitem__project__plan__title",
        None,
        ("-subitem__project__plan__year", "subitem__project__plan__title"),
    ),
    "category": (
        "subitem__project__category_id",
        "subitem__project__category__name",
        "subitem__project__plan__title",
        ("subitem__project__plan__title", "subitem__project__category__order"),
    ),
    "unit": (
        "subitem__lead_unit_id",
        "subitem__lead_unit__name",
        None,
        ("subitem__lead_unit__name",),
    ),
    # a sub-item with two leaders counts under both
    "leader": (
        "subitem__leaders__id",
        "subitem__leaders__name",
        None,
        ("subitem__leaders__name",),
    ),
}


def breakdown(rows: QuerySet, key: str) -> Breakdown:
    """One query: the rows grouped by plan, category, lead unit or leader, counted by status."""
    id_path, name_path, context_path, ordering = BREAKDOWNS[key]
    fields = [id_path, name_path] + ([context_path] if context_path else [])
    result = Breakdown(key=key)
    grouped = rows.values(*fields).annotate(**_shown_counts()).order_by(*ordering, id_path)
    for row in grouped:
        if row[id_path] is None:
            result.without += row["total"]
            continue
        result.rows.append(
            Group(
                pk=row[id_path],
                name=row[name_path],
                total=row["total"],
                shown={s: row[s] for s in SHOWN},
                mismatch=row["mismatches"],
                context=row[context_path] if context_path else "",
            )
        )
    return result


# --- choices: jurisdiction, period --------------------------------------------------------


def default_jurisdiction() -> Jurisdiction | None:
    """Admins land on the first jurisdiction (by name) with any report, else the first one."""
    with_reports = Jurisdiction.objects.filter(
        plans__projects__subitems__statuses__has_report=True
    ).order_by("name")
    return with_reports.first() or Jurisdiction.objects.order_by("name").first()


def plan_years(jurisdiction_id: int) -> list[int]:
    return list(
        Plan.objects.filter(jurisdiction_id=jurisdiction_id)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def reported_periods(user, jurisdiction_id: int) -> set[date]:
    """The periods with any report the user may read in the jurisdiction."""
    return set(
        ItemStatus.objects.filter(
            has_report=True, subitem__project__plan__jurisdiction_id=jurisdiction_id
        )
        .filter(selectors.scope_q(user, "subitem__"))
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )


def default_period(reported: set[date], years: list[int], today: date | None = None) -> date:
    """The latest period with reports; without any, the period being filled now, or December
    of the latest plan year when the plans are all of other years."""
    if reported:
        return max(reported)
    today = today or timezone.localdate()
    now = periods.current_period(today, settings.REPORT_DEADLINE_DAY)
    if not years or now.year in years:
        return now
    return date(max(years), 12, 1)
