"""Reads of the overview dashboard: two queries over StatusCount, cached.

StatusCount holds, per plan and period, how many ItemStatus rows are in each shown status (and
computed status, mismatch, light), in total and by category, lead unit and leader; the
refresh_statuses that writes ItemStatus recounts the plans it touched
(progress.statuses.counts). So a cold overview reads the plan rows of the year (the months) and
the few hundred rows of its period (the headline, the lights and the four breakdowns) instead
of counting the year's ItemStatus rows.

Every count is a count of shown statuses (progress.statuses.shown): StatusCount's columns are
Count(filter=…) of the very conditions the `shown` annotation of the item list is built from,
so a figure and the list it links to always agree. The dashboards are for supervisors (their
own jurisdiction) and admins (any), who all read every sub-item of the jurisdiction, so the
counts depend on the jurisdiction, the period and the date only, never on the user: that is
what makes them cacheable (progress.statuses.cache: keyed by a per-jurisdiction version that
refresh_statuses bumps). Names of plans, categories, units and leaders are read fresh on every
request (a rename shows at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum

from progress import periods
from progress.models import ItemStatus, StatusCount
from progress.statuses import cache
from progress.statuses import counts as counts_of
from progress.statuses.shown import (
    ABSENT_KEY,
    COMPUTED,
    JUDGED_NOTHING,
    MISSING,
    PENDING,
    SHOWN,
    absent_status,
)
from progress.supervision.selectors import LIGHT_KEYS
from projects.models import Category, Jurisdiction, Leader, Plan, Unit

ATTENTION = ("lagging", MISSING)  # with the mismatches: what a top table puts first
TOP = 15  # rows of a breakdown on the overview; the rest behind "show all"

Counts = dict[str, int]  # total, mismatches, each SHOWN status (and more where said)


def _shown(row: dict, absent: str) -> Counts:
    """Counts of the conditions (StatusCount's columns) as the dashboards count them: total,
    mismatches and every SHOWN status (the absent rows are `absent`: missing after the deadline,
    pending before)."""
    counts = {"total": row["total"], "mismatches": row["mismatches"], **dict.fromkeys(SHOWN, 0)}
    for code in SHOWN:
        counts[code] = row.get(code, 0)
    counts[absent] += row[ABSENT_KEY]
    return counts


# --- the months: the trend and the periods with reports -----------------------------------


def month_counts(jurisdiction_id: int, last_closed: date) -> dict[date, Counts]:
    """One query over the plan rows of StatusCount (a few per period: one per plan), summed by
    period: each period's shown counts, mismatches and `reported` (rows with a report). It gives
    both the trend of any year and the periods with reports of the period menu."""
    rows = StatusCount.objects.filter(jurisdiction_id=jurisdiction_id, kind=counts_of.PLAN)
    sums = {name: Sum(name) for name in (*counts_of.SHOWN_COLUMNS, "reported")}
    months = {}
    for row in rows.values("period").annotate(**sums).order_by("period"):
        period = row["period"]
        absent = MISSING if period <= last_closed else PENDING
        months[period] = _shown(row, absent) | {"reported": row["reported"]}
    return months


@dataclass
class Month:
    period: date
    shown: dict[str, int]
    mismatch: int
    total: int

    @property
    def label(self) -> str:
        return periods.label(self.period)


def trend(months: dict[date, Counts], year: int) -> list[Month]:
    """The twelve months of the year (zeros for a month without rows, e.g. between the quarter
    ends of a quarterly plan)."""
    result = []
    for month in range(1, 13):
        period = date(year, month, 1)
        row = months.get(period, {})
        result.append(
            Month(
                period=period,
                shown={s: row.get(s, 0) for s in SHOWN},
                mismatch=row.get("mismatches", 0),
                total=row.get("total", 0),
            )
        )
    return result


def reported_periods(months: dict[date, Counts]) -> set[date]:
    return {period for period, row in months.items() if row["reported"]}


# --- one period: the headline counts and the breakdowns -----------------------------------


@dataclass
class Overview:
    total: int
    shown: dict[str, int]  # every SHOWN status
    computed: dict[str, int]  # every COMPUTED status and JUDGED_NOTHING
    mismatch: int


@dataclass
class PeriodCounts:
    """What the overview counts for one period: the cached part."""

    overview: Overview
    # breakdown key -> group id (None: items in no group) -> Counts
    groups: dict[str, dict[int | None, Counts]] = field(default_factory=dict)
    # supervision's red, yellow, green and none (no light): stored on ItemStatus by the same
    # refresh_statuses that bumps the cache version, so they are cached with the rest
    lights: dict[str, int] = field(default_factory=dict)


BREAKDOWN_KEYS = ("plan", "category", "unit", "leader")  # the item list's filter parameters


def period_counts(jurisdiction_id: int, period: date, absent: str) -> PeriodCounts:
    """One query: the period's StatusCount rows of the jurisdiction (per plan: the plan's row
    and one per category, lead unit and leader it has items of; a few hundred in all), added up
    in Python. The plans' rows sum to the headline counts and the lights (every row has a plan);
    a lead unit's or a leader's counts are the sums over the plans. A sub-item with two leaders
    counts under both; None: items in no group."""
    rows = StatusCount.objects.filter(jurisdiction_id=jurisdiction_id, period=period).order_by()
    columns = ("kind", "plan_id", "group_id", *counts_of.PLAN_COLUMNS)
    computed_names = [f"computed_{c}" for c in (*COMPUTED, JUDGED_NOTHING)]
    totals: Counts = dict.fromkeys(["total", "mismatches", *SHOWN, *computed_names], 0)
    lights: Counts = dict.fromkeys(LIGHT_KEYS, 0)
    sums: dict[str, dict[int | None, Counts]] = {key: {} for key in BREAKDOWN_KEYS}
    shown_columns = counts_of.SHOWN_COLUMNS
    for values in rows.values_list(*columns):
        row = dict(zip(columns, values, strict=True))
        kind = row["kind"]
        if kind == counts_of.PLAN:
            sums["plan"][row["plan_id"]] = dict(row)
            for name in computed_names:
                totals[name] += row[name]
            for key in LIGHT_KEYS:
                lights[key] += row[f"light_{key}"]
            continue
        group = sums[kind].get(row["group_id"])
        if group is None:
            sums[kind][row["group_id"]] = {name: row[name] for name in shown_columns}
        else:
            for name in shown_columns:
                group[name] += row[name]
    groups = {
        key: {pk: _shown(row, absent) for pk, row in by_group.items()}
        for key, by_group in sums.items()
    }
    for counts in groups["plan"].values():
        for name in ("total", "mismatches", *SHOWN):
            totals[name] += counts[name]
    overview = Overview(
        total=totals["total"],
        shown={s: totals[s] for s in SHOWN},
        computed={c: totals[f"computed_{c}"] for c in (*COMPUTED, JUDGED_NOTHING)},
        mismatch=totals["mismatches"],
    )
    return PeriodCounts(overview=overview, groups=groups, lights=lights)


def dashboard_counts(
    jurisdiction_id: int, period: date | None = None, *, today: date | None = None
) -> tuple[dict[date, Counts], PeriodCounts | None]:
    """The months of the jurisdiction and, when a period is given, that period's counts, from
    the cache when they are there. Two queries (of StatusCount) when nothing is cached, none
    when all is."""
    version, shared = cache.versions(jurisdiction_id)
    last_closed = periods.last_closed_period(today)
    base = f"{cache.PREFIX}:{jurisdiction_id}:{version}:{shared}:{last_closed:%Y%m}"
    months = cache.cached(f"{base}:months", lambda: month_counts(jurisdiction_id, last_closed))
    if period is None:
        return months, None
    absent = absent_status(period, today)
    counts = cache.cached(
        f"{base}:{period:%Y%m}:{absent}",
        lambda: period_counts(jurisdiction_id, period, absent),
    )
    return months, counts


# --- breakdown tables ---------------------------------------------------------------------


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
    count: int = 0  # groups in all, shown or not
    without: int = 0  # items in none of the groups (no category, no lead unit, no leader)
    complete: bool = True  # rows holds every group


def attention(counts: Counts) -> int:
    """What puts a group first: its lagging, missing and mismatched items."""
    return sum(counts[s] for s in ATTENTION) + counts["mismatches"]


def group_names(key: str, ids: list[int]) -> dict[int, tuple[str, str, tuple]]:
    """pk -> (name, context, the order of the full table), read fresh: one query."""
    if not ids:
        return {}
    if key == "plan":
        rows = Plan.objects.filter(pk__in=ids).values_list("pk", "title", "year")
        return {pk: (title, "", (-year, title)) for pk, title, year in rows}
    if key == "category":
        rows = Category.objects.filter(pk__in=ids).values_list("pk", "name", "order", "plan__title")
        return {pk: (name, plan, (plan, order)) for pk, name, order, plan in rows}
    model = Unit if key == "unit" else Leader
    return {
        pk: (name, "", (name,))
        for pk, name in model.objects.filter(pk__in=ids).values_list("pk", "name")
    }


def breakdown(counts: PeriodCounts, key: str, *, top: int | None = TOP) -> Breakdown:
    """The groups of one breakdown: with `top`, the `top` needing attention most (most lagging,
    missing and mismatched items first); without, all of them in the order of their names."""
    groups = counts.groups[key]
    result = Breakdown(key=key, without=groups.get(None, {}).get("total", 0))
    ids = [pk for pk in groups if pk is not None]
    result.count = len(ids)
    if top is not None and len(ids) > top:
        ids = sorted(ids, key=lambda pk: (-attention(groups[pk]), -groups[pk]["total"], pk))
        ids = ids[:top]
        result.complete = False
    names = group_names(key, ids)
    if top is None:
        ids = sorted(ids, key=lambda pk: (*names.get(pk, ("", "", ()))[2], pk))
    elif result.complete:
        ids = sorted(ids, key=lambda pk: (-attention(groups[pk]), -groups[pk]["total"], pk))
    for pk in ids:
        name, context, _order = names.get(pk, ("", "", ()))
        row = groups[pk]
        result.rows.append(
            Group(
                pk=pk,
                name=name,
                total=row["total"],
                shown={s: row[s] for s in SHOWN},
                mismatch=row["mismatches"],
                context=context,
            )
        )
    return result


# --- choices: jurisdiction, period --------------------------------------------------------


def default_jurisdiction() -> Jurisdiction | None:
    """Admins land on the first jurisdiction (by name) with any report, else the first one."""
    reported = ItemStatus.objects.filter(has_report=True).values("jurisdiction_id")
    with_reports = Jurisdiction.objects.filter(pk__in=reported).order_by("name")
    return with_reports.first() or Jurisdiction.objects.order_by("name").first()


def plan_years(jurisdiction_id: int) -> list[int]:
    return list(
        Plan.objects.filter(jurisdiction_id=jurisdiction_id)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def default_period(months: dict[date, Counts], today: date | None = None) -> date:
    """periods.pick_default over the (cached) months of the jurisdiction: no query."""
    return periods.pick_default(
        latest_reported=max(reported_periods(months), default=None),
        item_periods=months,
        now=periods.period_now(today),
    )
