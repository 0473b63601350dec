"""Reads of the overview dashboard: a handful of grouped queries over ItemStatus alone, cached.

ItemStatus carries its sub-item's jurisdiction, plan, category and lead unit (refresh_statuses
writes them), so every count filters and groups that one table by (jurisdiction, period), with
no join up to the plans; only the leaders (many-to-many) need their link table.

Each row has a `shown` status, as progress.reporting.selectors.status_rows gives it: the reported status,
未报送 (missing) after the period's deadline, pending before it, unknown for a report without a
status. The dashboards are for supervisors (their own jurisdiction) and admins (any), who all
read every sub-item of the jurisdiction, so the counts depend on the jurisdiction, the period and
the date only, never on the user: that is what makes them cacheable.

Cache: the computed counts (never the HTML, never names) are kept in Django's cache under
(jurisdiction, period, a per-jurisdiction version number, ...). refresh_statuses — the only
writer of ItemStatus — bumps the version of every jurisdiction it touched once its transaction
commits, so a changed report, milestone or target is on the next request. Names of plans,
categories, units and leaders are read fresh on every request (a rename shows at once).
With Redis or DatabaseCache (production) the versions are shared by every app server; with the
LocMem default of local settings each process has its own cache and versions, so a change made
through another process is not seen by this one until its entry expires: fine for one dev
server, never for several workers.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from progress import periods
from progress.models import ItemStatus
from progress.reporting import selectors
from projects.models import Category, Jurisdiction, Leader, Plan, Unit

SHOWN = (
    selectors.SHOWN_STATUSES
)  # not_started on_track ahead lagging completed missing pending unknown
COMPUTED = ("not_started", "on_track", "ahead", "lagging", "completed")
JUDGED_NOTHING = "none"  # a computed status of "": no indicator or milestone to judge by yet
ATTENTION = ("lagging", "missing")  # with the mismatches: what a top table puts first
TOP = 15  # rows of a breakdown on the overview; the rest behind "show all"

CACHE_PREFIX = "dashboard:1"  # bump the number when the cached structures change
CACHE_TIMEOUT = 24 * 3600  # an entry also goes stale by version; this only frees memory


def _shown_case(absent: str) -> Case:
    """`shown` of one period's rows, for the rows themselves (period_rows)."""
    return Case(
        When(has_report=True, reported_status="", then=Value("unknown")),
        When(has_report=True, then=F("reported_status")),
        default=Value(absent),
        output_field=CharField(),
    )


def _counts(*, computed: bool = False) -> dict:
    """Count(...) of the total, the mismatches, each reported status, reports without one
    (unknown) and absent reports — plain column tests, no CASE per row: a third of the time of
    counting a `shown` annotation on PostgreSQL. `_shown` turns them into the shown statuses."""
    counts = {
        "total": Count("pk"),
        "mismatches": Count("pk", filter=Q(mismatch=True)),
        **{s: Count("pk", filter=Q(has_report=True, reported_status=s)) for s in COMPUTED},
        "unknown": Count("pk", filter=Q(has_report=True, reported_status="")),
        "absent": Count("pk", filter=Q(has_report=False)),
    }
    if computed:
        counts |= {f"computed_{c}": Count("pk", filter=Q(computed_status=c)) for c in COMPUTED}
        counts[f"computed_{JUDGED_NOTHING}"] = Count("pk", filter=Q(computed_status=""))
    return counts


def _shown(row: dict, absent: str) -> Counts:
    """A row of _counts() as the dashboards count it: total, mismatches and every SHOWN status
    (an absent report is `absent`: missing after the deadline, pending before)."""
    counts = {"total": row["total"], "mismatches": row["mismatches"], **dict.fromkeys(SHOWN, 0)}
    for s in (*COMPUTED, "unknown"):
        counts[s] = row[s]
    counts[absent] += row["absent"]
    return counts


def absent_status(period: date, today: date | None = None) -> str:
    return "missing" if selectors.deadline_passed(period, today) else "pending"


def last_closed_period(today: date | None = None) -> date:
    """The latest period whose deadline has passed (deadlines grow with the period)."""
    today = today or timezone.localdate()
    last_closed = periods.add_months(periods.month_start(today), 1)
    while not selectors.deadline_passed(last_closed, today):
        last_closed = periods.add_months(last_closed, -1)
    return last_closed


def period_rows(*, jurisdiction_id: int, period: date, today: date | None = None) -> QuerySet:
    """The ItemStatus rows of one jurisdiction and period, with `shown`."""
    return ItemStatus.objects.filter(jurisdiction_id=jurisdiction_id, period=period).annotate(
        shown=_shown_case(absent_status(period, today))
    )


Counts = dict[str, int]  # total, mismatches, each SHOWN status (and more where said)


# --- the cache ----------------------------------------------------------------------------


def _version_key(jurisdiction_id: int | None) -> str:
    return f"{CACHE_PREFIX}:version:{'all' if jurisdiction_id is None else jurisdiction_id}"


def versions(jurisdiction_id: int) -> tuple[int, int]:
    """The jurisdiction's version and the one every jurisdiction shares (bumped when a refresh
    cannot tell whose rows it removed). A missing one (never set, or evicted) starts at the
    clock in nanoseconds, never at a number an older entry may still be cached under."""
    keys = [_version_key(jurisdiction_id), _version_key(None)]
    got = cache.get_many(keys)
    for key in keys:
        if key not in got:
            cache.add(key, time.time_ns(), timeout=None)
            got[key] = cache.get(key)
    return got[keys[0]], got[keys[1]]


def bump_versions(jurisdiction_ids: Iterable[int], *, everywhere: bool = False) -> None:
    """Called by progress.statuses.refresh_statuses after its rows are committed."""
    for key in [_version_key(j) for j in set(jurisdiction_ids)] + (
        [_version_key(None)] if everywhere else []
    ):
        try:
            cache.incr(key)
        except ValueError:  # not in the cache: any new number will do
            cache.set(key, time.time_ns(), timeout=None)


def _cached(key: str, compute):
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=CACHE_TIMEOUT)
    return value


# --- the months: the trend and the periods with reports -----------------------------------


def month_counts(jurisdiction_id: int, last_closed: date) -> dict[date, Counts]:
    """One query grouped by period over every row of the jurisdiction: each period's shown
    counts, mismatches and `reported` (rows with a report). It gives both the trend of any year
    and the periods with reports of the period menu."""
    rows = ItemStatus.objects.filter(jurisdiction_id=jurisdiction_id).values("period")
    months = {}
    for row in rows.annotate(**_counts()).order_by("period"):
        period = row["period"]
        absent = "missing" if period <= last_closed else "pending"
        months[period] = _shown(row, absent) | {"reported": row["total"] - row["absent"]}
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


BREAKDOWN_KEYS = ("plan", "category", "unit", "leader")  # the item list's filter parameters


def period_counts(jurisdiction_id: int, period: date, absent: str) -> PeriodCounts:
    """Four queries, one per breakdown, each grouped by its column of ItemStatus; the plans'
    also count the computed statuses, and their sums are the headline counts (every row has a
    plan). A sub-item with two leaders counts under both; None: items in no group."""
    rows = ItemStatus.objects.filter(jurisdiction_id=jurisdiction_id, period=period).order_by()
    computed_names = [f"computed_{c}" for c in (*COMPUTED, JUDGED_NOTHING)]
    totals: Counts = dict.fromkeys(["total", "mismatches", *SHOWN, *computed_names], 0)
    groups: dict[str, dict[int | None, Counts]] = {key: {} for key in BREAKDOWN_KEYS}
    for row in rows.values("plan_id").annotate(**_counts(computed=True)):
        groups["plan"][row["plan_id"]] = counts = _shown(row, absent)
        for name in totals:
            totals[name] += counts[name] if name in counts else row[name]
    for key, column in (("category", "category_id"), ("unit", "lead_unit_id")):
        for row in rows.values(column).annotate(**_counts()):
            groups[key][row[column]] = _shown(row, absent)
    for row in rows.values("subitem__leaders").annotate(**_counts()):
        groups["leader"][row["subitem__leaders"]] = _shown(row, absent)
    overview = Overview(
        total=totals["total"],
        shown={s: totals[s] for s in SHOWN},
        computed={c: totals[f"computed_{c}"] for c in (*COMPUTED, JUDGED_NOTHING)},
        mismatch=totals["mismatches"],
    )
    return PeriodCounts(overview=overview, groups=groups)


def dashboard_counts(
    jurisdiction_id: int, period: date | None = None, *, today: date | None = None
) -> tuple[dict[date, Counts], PeriodCounts | None]:
    """The months of the jurisdiction and, when a period is given, that period's counts, from
    the cache when they are there. Five queries when nothing is cached, none when all is."""
    version, shared = versions(jurisdiction_id)
    last_closed = last_closed_period(today)
    base = f"{CACHE_PREFIX}:{jurisdiction_id}:{version}:{shared}:{last_closed:%Y%m}"
    months = _cached(f"{base}:months", lambda: month_counts(jurisdiction_id, last_closed))
    if period is None:
        return months, None
    absent = absent_status(period, today)
    counts = _cached(
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
