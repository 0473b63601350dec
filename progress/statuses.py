"""Keep ItemStatus in step with reports, milestones and targets.

Reads everything a batch of sub-items needs in a handful of queries, runs the pure rules of
progress.status for every reporting period of the plan's year, and replaces the stored rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction

from progress import periods, status
from progress.models import IndicatorValue, ItemStatus, ProgressReport
from projects.models import IndicatorTarget, Milestone, SubItem

CHUNK = 2000
COUNTED_STATES = (ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)


def reporting_periods(year: int, cycle: str) -> list[date]:
    months = periods.QUARTER_END_MONTHS if cycle == "quarterly" else range(1, 13)
    return [date(year, m, 1) for m in months]


def counts_as_reported(report: ProgressReport) -> bool:
    """Drafts and returned reports are not reported yet; imported tables are."""
    return report.state in COUNTED_STATES


def refresh_statuses(
    *, subitem_ids: Iterable[int] | None = None, plan_ids: Iterable[int] | None = None
) -> int:
    """Recompute and store the status rows of the given sub-items (or every sub-item of the
    given plans). Returns the number of rows written."""
    qs = SubItem.objects.all()
    if subitem_ids is not None:
        qs = qs.filter(pk__in=list(subitem_ids))
    if plan_ids is not None:
        qs = qs.filter(project__plan_id__in=list(plan_ids))
    rows = list(qs.values_list("pk", "project__plan__year", "project__plan__reporting_cycle"))
    written = 0
    for i in range(0, len(rows), CHUNK):
        written += _refresh_chunk(rows[i : i + CHUNK])
    return written


def _refresh_chunk(rows: list[tuple[int, int, str]]) -> int:
    ids = [r[0] for r in rows]
    targets: dict[int, dict[int, list[status.Target]]] = defaultdict(lambda: defaultdict(list))
    names: dict[int, tuple[str, str]] = {}
    for ind_id, sub_id, name, unit, due, value in IndicatorTarget.objects.filter(
        indicator__subitem_id__in=ids
    ).values_list(
        "indicator_id",
        "indicator__subitem_id",
        "indicator__name",
        "indicator__unit",
        "due",
        "value",
    ):
        targets[sub_id][ind_id].append(status.Target(due, value))
        names[ind_id] = (name, unit)
    milestones: dict[int, list[tuple[int, date, str]]] = defaultdict(list)
    for ms_id, sub_id, due, text in Milestone.objects.filter(subitem_id__in=ids).values_list(
        "pk", "subitem_id", "due", "text"
    ):
        milestones[sub_id].append((ms_id, due, text))
    reports: dict[int, list[ProgressReport]] = defaultdict(list)
    for report in ProgressReport.objects.filter(subitem_id__in=ids).only(
        "pk", "subitem_id", "period", "state", "status"
    ):
        reports[report.subitem_id].append(report)
    values: dict[int, list[tuple[date, int, Decimal]]] = defaultdict(list)
    for sub_id, period, ind_id, value in IndicatorValue.objects.filter(
        report__subitem_id__in=ids, report__state__in=COUNTED_STATES
    ).values_list("report__subitem_id", "report__period", "indicator_id", "value"):
        values[sub_id].append((period, ind_id, value))
    achieved: dict[int, dict[int, date]] = defaultdict(dict)
    through = ProgressReport.milestones_achieved.through
    for sub_id, period, ms_id in (
        through.objects.filter(
            progressreport__subitem_id__in=ids, progressreport__state__in=COUNTED_STATES
        )
        .values_list("progressreport__subitem_id", "progressreport__period", "milestone_id")
        .order_by("progressreport__period")
    ):
        achieved[sub_id].setdefault(ms_id, period)

    lagging_below, ahead_above = settings.STATUS_LAGGING_BELOW, settings.STATUS_AHEAD_ABOVE
    new: list[tuple] = []
    for sub_id, year, cycle in rows:
        quarterly = cycle == "quarterly"
        by_period = {r.period: r for r in reports[sub_id]}
        sub_values = sorted(values[sub_id])
        for period in reporting_periods(year, cycle):
            _start, end = periods.period_bounds(period, quarterly=quarterly)
            report = by_period.get(period)
            counted = report is not None and counts_as_reported(report)
            latest: dict[int, Decimal] = {}
            for p, ind_id, value in sub_values:
                if p <= period:
                    latest[ind_id] = value
            completed = any(
                r.status == status.COMPLETED and r.period <= period and counts_as_reported(r)
                for r in reports[sub_id]
            )
            computed = status.compute(
                indicators=[
                    status.IndicatorInput(names[i][0], names[i][1], t, latest.get(i))
                    for i, t in targets[sub_id].items()
                ],
                milestones=[
                    status.MilestoneInput(due, text, achieved[sub_id].get(ms_id))
                    for ms_id, due, text in milestones[sub_id]
                ],
                period_start=period,
                period_end=end,
                reported_completed=completed,
                lagging_below=lagging_below,
                ahead_above=ahead_above,
            )
            reported = report.status if counted else ""
            new.append(
                (
                    sub_id,
                    period.isoformat(),
                    counted,
                    reported,
                    computed.status or "",
                    status.is_mismatch(reported, computed.status),
                )
            )
    with transaction.atomic():
        ItemStatus.objects.filter(subitem_id__in=ids).delete()
        _insert(new)
    return len(new)


def _insert(rows: list[tuple]) -> None:
    """Plain executemany: these rows are derived data, and the ORM's bulk_create spends
    seconds per 60,000 rows building model instances for nothing."""
    table = connection.ops.quote_name(ItemStatus._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(c)
        for c in (
            "subitem_id",
            "period",
            "has_report",
            "reported_status",
            "computed_status",
            "mismatch",
        )
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])
