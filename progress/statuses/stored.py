"""Keep ItemStatus in step with reports, milestones and targets.

Reads everything a batch of sub-items needs in a handful of queries, runs the pure rules of
progress.statuses.status_rules for every reporting period of the plan's year, and replaces the
stored rows. Each row also says whether the period's report awaits review and in which earlier
period the item was completed (办结): progress.statuses.shown reads the shown status from them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from progress import periods
from progress.models import IndicatorValue, ItemStatus, ProgressReport
from progress.statuses import cache, counts, unreported
from progress.statuses import status_rules as status
from projects.models import Indicator, Milestone, Plan, SubItem
from projects.sql import copy_rows

CHUNK = 2000
FLUSH_ROWS = CHUNK * 12  # rows built before they are inserted (memory)
PLAN_AT_ONCE = 10_000  # sub-items of whole plans refreshed in one go (more: in CHUNKs)
COUNTED_STATES = (ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)


def counts_as_reported(report: ProgressReport) -> bool:
    """Drafts and returned reports are not reported yet; imported tables are."""
    return report.state in COUNTED_STATES


def refresh_statuses(
    *,
    subitem_ids: Iterable[int] | None = None,
    plan_ids: Iterable[int] | None = None,
    fast: bool = True,
    recount_plans: Iterable[int] = (),
) -> int:
    """Recompute and store the status rows of the given sub-items (or every sub-item of the
    given plans); withdrawn (撤销) sub-items lose theirs. Returns the number of rows written.
    With fast=False every period of every sub-item is evaluated the straightforward way (the
    reference the tests hold the short way of progress.statuses.unreported against).
    recount_plans: plans whose kept counts are recounted in full besides (those the sub-items
    were stored under before a correction moved them)."""
    qs = SubItem.objects.all()
    if subitem_ids is not None:
        qs = qs.filter(pk__in=list(subitem_ids))
    if plan_ids is not None:
        qs = qs.filter(project__plan_id__in=list(plan_ids))
    # whole plans in the list's order (their rows are inserted so); a few sub-items in any
    read = (qs if plan_ids is not None else qs.order_by()).values_list(
        "pk",
        "project__plan_id",
        "project__plan__jurisdiction_id",
        "project__category_id",
        "lead_unit_id",
        "project__order",
        "number",
        "withdrawn_at",
        "project__plan__year",  # the plan's periods, read with its sub-items
        "project__plan__reporting_cycle",
    )
    rows, plans = [], {}
    for row in read:
        rows.append(row[:8])
        if row[1] not in plans:
            plans[row[1]] = Plan(pk=row[1], year=row[8], reporting_cycle=row[9])
    plan_periods = {pk: (plan.reporting_periods(), plan.is_quarterly) for pk, plan in plans.items()}
    # asked-for sub-items that are gone (deleted) leave no plan nor jurisdiction behind
    gone = subitem_ids is not None and len(rows) < len(set(subitem_ids))
    # a few sub-items on their own (a report's workflow, a withdrawal): the overview's kept
    # counts move by the difference between their old rows and their new ones
    # (progress.statuses.counts.apply_changes); otherwise their plans are recounted
    changes = None
    if plan_ids is None and not recount_plans and not gone and len(rows) <= counts.FEW_ITEMS:
        changes = counts.Changes()
    written = 0
    if subitem_ids is None and plan_ids is not None and len(rows) <= PLAN_AT_ONCE:
        # every sub-item of the plans at once: the queries name the plans, not thousands of
        # sub-item ids (Django prepares each id of an IN list: a second per 60,000)
        written = _refresh_chunk(rows, plan_periods, fast=fast, plan_ids=list(plan_ids))
    else:
        for i in range(0, len(rows), CHUNK):
            written += _refresh_chunk(rows[i : i + CHUNK], plan_periods, fast=fast, changes=changes)
    # the kept counts of what was refreshed, brought up to date before the cached dashboards
    # are dropped: outside a transaction on_commit runs at once, and a page asked in between
    # would cache the old counts again
    if changes is not None:
        counts.apply_changes(changes)
    else:
        counts.after_refresh(plan_ids={row[1] for row in rows} | set(recount_plans), gone=gone)
    # the dashboards' cached counts of these jurisdictions are stale from now on (every one
    # when some sub-item is gone)
    touched = {row[2] for row in rows}
    transaction.on_commit(lambda: invalidate_dashboards(touched, everywhere=gone))
    return written


def on_subitems_changed(sender, *, subitem_ids: list[int], user=None, **kwargs):
    """projects.signals.subitems_changed: recompute their statuses; more than
    STATUS_BACKGROUND_ITEMS of them (with the user who changed them) in a worker, returning
    its job."""
    ids = list(subitem_ids)
    if user is not None and len(ids) > settings.STATUS_BACKGROUND_ITEMS:
        from progress.statuses.jobs import statuses_refresh_job

        return statuses_refresh_job(subitem_ids=ids, user=user)
    # a correction can move a sub-item to other groups (leaders, lead unit, category, even
    # another plan), which a refresh of a few sub-items does not recount (it cannot tell
    # which groups they left): the overview's counts of the plans their statuses were stored
    # under and of those they are in now are recounted in full (progress.statuses.counts)
    stored_under = set(
        ItemStatus.objects.filter(subitem_id__in=ids)
        .order_by()
        .values_list("plan_id", flat=True)
        .distinct()
    )
    refresh_statuses(subitem_ids=ids, recount_plans=stored_under)
    return None


def on_plans_removed(sender, **kwargs) -> None:
    """projects.signals.plans_removed: their statuses went with them; no count is fresh."""
    counts.recount_all()
    invalidate_dashboards([], everywhere=True)


def on_leader_deleted(sender, instance, **kwargs) -> None:
    """A deleted leader takes its links to sub-items with it (not their statuses): the overview's
    by-leader counts of the jurisdiction are recounted, and its cached counts go."""
    counts.recount_jurisdiction(instance.jurisdiction_id)
    jurisdiction_id = instance.jurisdiction_id
    transaction.on_commit(lambda: invalidate_dashboards([jurisdiction_id]))


def invalidate_dashboards(jurisdiction_ids: Iterable[int], *, everywhere: bool = False) -> None:
    """Bump the cache versions the overview dashboard keys its counts by (called after the
    commit, so no request can cache the old rows again under the new version)."""
    cache.bump_versions(jurisdiction_ids, everywhere=everywhere)


def completed_report(subitem_id: int, period: date) -> ProgressReport | None:
    """The report of an earlier period that completed the item (status_rules.completed_in over
    its reports that count), or None. The reporting pages ask before offering a form."""
    counted = (
        ProgressReport.objects.filter(
            subitem_id=subitem_id, period__lt=period, state__in=COUNTED_STATES
        )
        .only("pk", "period", "status", "state", "submitted_at", "submitted_by")
        .order_by()  # the model's ordering (by sub-item) joins up to the plans for nothing
    )
    return completed_among(counted, period)


def completed_among(reports: Iterable[ProgressReport], period: date) -> ProgressReport | None:
    """completed_report over reports of the item already read (any periods: those before
    `period` that count are considered)."""
    by_period = {r.period: r for r in reports if r.period < period and counts_as_reported(r)}
    done_in = status.completed_in(((p, r.status) for p, r in by_period.items()), period)
    return None if done_in is None else by_period[done_in]


@dataclass
class RuleInputs:
    """What the rules of progress.statuses.status_rules read for one sub-item, loaded from the database."""

    indicators: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (name, unit)
    targets: dict[int, list[status.Target]] = field(default_factory=dict)  # by indicator id
    milestones: list[tuple[int, date, str]] = field(default_factory=list)  # (id, due, text)
    reports: dict[date, ProgressReport] = field(default_factory=dict)  # by period
    values: list[tuple[date, int, Decimal]] = field(default_factory=list)  # counted, by period
    achieved: dict[int, date] = field(default_factory=dict)  # milestone id -> first period


@dataclass(frozen=True)
class Evaluation:
    """The rules applied to one sub-item for one period."""

    period: date
    period_start: date
    period_end: date
    report: ProgressReport | None
    counted: bool  # a submitted, approved or imported report of this period
    awaiting_review: bool  # that report is submitted, not yet approved
    reported: str  # its status ("" without a counted report)
    completed_in: date | None  # an earlier period whose counted report said 办结
    computed: status.Computed
    mismatch: bool
    latest: dict[int, Decimal]  # indicator id -> latest counted value up to the period


def load_rule_inputs(
    subitem_ids: Iterable[int], *, plan_ids: list[int] | None = None
) -> dict[int, RuleInputs]:
    """Everything the rules read for these sub-items, in five queries however many there are
    (callers chunk long lists). Reports carry only their id, period, state and status. With
    `plan_ids` (the plans every one of these sub-items belongs to) the queries select by plan
    and leave out the rows of the plans' other sub-items (withdrawn ones)."""
    ids = list(subitem_ids)
    inputs: dict[int, RuleInputs] = {pk: RuleInputs() for pk in ids}

    def scope(path: str) -> dict:
        """`path` leads to the sub-item's id (subitem_id, report__subitem_id, …)."""
        if plan_ids is None:
            return {f"{path}__in": ids}
        return {f"{path.removesuffix('_id')}__project__plan_id__in": plan_ids}

    if plan_ids is not None:  # rows of sub-items not asked for go to a throwaway
        spare: defaultdict[int, RuleInputs] = defaultdict(RuleInputs)
        spare.update(inputs)
        inputs, asked = spare, inputs
    # explicit orderings: the models' default ones join the sub-item and project tables.
    # The active indicators with their targets (a LEFT JOIN: one row per target, or one
    # without a target), in one query.
    for ind_id, sub_id, name, unit, due, value in (
        Indicator.objects.filter(**scope("subitem_id"))
        .active()
        .order_by("subitem_id", "pk", "targets__due")
        .values_list("pk", "subitem_id", "name", "unit", "targets__due", "targets__value")
    ):
        item = inputs[sub_id]
        item.indicators[ind_id] = (name, unit)
        if due is not None:
            item.targets.setdefault(ind_id, []).append(status.Target(due, value))
    for ms_id, sub_id, due, text in (
        Milestone.objects.filter(**scope("subitem_id"))
        .active()
        .order_by("subitem_id", "due", "order")
        .values_list("pk", "subitem_id", "due", "text")
    ):
        inputs[sub_id].milestones.append((ms_id, due, text))
    for report in (
        ProgressReport.objects.filter(**scope("subitem_id"))
        .order_by()
        .only(
            "pk", "subitem_id", "period", "state", "status", "completion", "source", "submitted_at"
        )
    ):
        inputs[report.subitem_id].reports[report.period] = report
    for sub_id, period, ind_id, value in IndicatorValue.objects.filter(
        report__state__in=COUNTED_STATES, **scope("report__subitem_id")
    ).values_list("report__subitem_id", "report__period", "indicator_id", "value"):
        inputs[sub_id].values.append((period, ind_id, value))
    through = ProgressReport.milestones_achieved.through
    for sub_id, period, ms_id in (
        through.objects.filter(
            progressreport__state__in=COUNTED_STATES, **scope("progressreport__subitem_id")
        )
        .values_list("progressreport__subitem_id", "progressreport__period", "milestone_id")
        .order_by("progressreport__period")
    ):
        inputs[sub_id].achieved.setdefault(ms_id, period)
    if plan_ids is not None:
        inputs = asked
    for item in inputs.values():
        item.values.sort()
    return inputs


def evaluate(
    inputs: RuleInputs,
    period: date,
    *,
    quarterly: bool,
    lagging_below: float | None = None,
    ahead_above: float | None = None,
) -> Evaluation:
    """Apply the rules to one sub-item for one reporting period."""
    if lagging_below is None:
        lagging_below = settings.STATUS_LAGGING_BELOW
    if ahead_above is None:
        ahead_above = settings.STATUS_AHEAD_ABOVE
    start, end = periods.period_bounds(period, quarterly=quarterly)
    report = inputs.reports.get(period)
    counted = report is not None and counts_as_reported(report)
    latest: dict[int, Decimal] = {}
    for p, ind_id, value in inputs.values:
        if p <= period:
            latest[ind_id] = value
    done_in = status.completed_in(
        ((r.period, r.status) for r in inputs.reports.values() if counts_as_reported(r)), period
    )
    reported = report.status if counted and report is not None else ""
    computed = status.compute(
        indicators=[
            status.IndicatorInput(*inputs.indicators[i], t, latest.get(i))
            for i, t in inputs.targets.items()
        ],
        milestones=[
            status.MilestoneInput(due, text, inputs.achieved.get(ms_id))
            for ms_id, due, text in inputs.milestones
        ],
        period_start=period,
        period_end=end,
        reported_completed=done_in is not None or reported == status.COMPLETED,
        lagging_below=lagging_below,
        ahead_above=ahead_above,
    )
    return Evaluation(
        period=period,
        period_start=start,
        period_end=end,
        report=report,
        counted=counted,
        awaiting_review=counted and report.state == ProgressReport.State.SUBMITTED,
        reported=reported,
        completed_in=done_in,
        computed=computed,
        mismatch=status.is_mismatch(reported, computed.status),
        latest=latest,
    )


def _refresh_chunk(
    rows: list[tuple[int, int, int, int | None, int | None, int, int, object]],
    plan_periods: dict[int, tuple[list[date], bool]],
    *,
    fast: bool = True,
    plan_ids: list[int] | None = None,
    changes: counts.Changes | None = None,
) -> int:
    """Recompute the rows of a chunk of sub-items; a withdrawn (撤销) one keeps none. A
    sub-item without a counted report takes progress.statuses.unreported's short way (`fast`;
    the tests turn it off to hold both ways against each other). With `plan_ids` the chunk is
    every sub-item of these plans, and the queries select by plan. `changes` collects the
    rows removed and written (for the kept counts)."""
    from progress.supervision import stored as supervision

    active = [r[:-1] for r in rows if r[-1] is None]
    inputs = load_rule_inputs((r[0] for r in active), plan_ids=plan_ids)
    lagging_below, ahead_above = settings.STATUS_LAGGING_BELOW, settings.STATUS_AHEAD_ABOVE
    limits, today = supervision.thresholds(), timezone.localdate()
    shared = _shared_periods(plan_periods, limits, today) if fast else {}
    new: list[tuple] = []
    flags: dict = {}
    written = 0
    # no savepoint inside a caller's transaction (a report's save): an error here fails it all
    with transaction.atomic(savepoint=False):
        if changes is not None:
            changes.removed += _delete_returning([r[0] for r in rows])
        elif plan_ids is None:
            ItemStatus.objects.filter(subitem_id__in=[r[0] for r in rows]).delete()
        else:
            ItemStatus.objects.filter(subitem__project__plan_id__in=plan_ids).delete()
        for sub_id, plan_id, jurisdiction_id, category_id, lead_unit_id, order, number in active:
            if len(new) >= FLUSH_ROWS:  # memory: a plan's rows go in by slices
                _insert(new, changes)
                written += len(new)
                new = []
            reporting, quarterly = plan_periods[plan_id]
            item = inputs[sub_id]
            if fast and not any(r.state in COUNTED_STATES for r in item.reports.values()):
                plan, isoformats = shared[plan_id]
                for iso, (computed, light, reasons) in zip(
                    isoformats, unreported.rows(item.milestones, plan), strict=True
                ):
                    new.append(
                        (
                            sub_id,
                            iso,
                            False,
                            False,
                            "",
                            None,
                            computed,
                            False,
                            jurisdiction_id,
                            plan_id,
                            category_id,
                            lead_unit_id,
                            light,
                            reasons,
                            order,
                            number,
                        )
                    )
                continue
            results = [
                evaluate(
                    item,
                    period,
                    quarterly=quarterly,
                    lagging_below=lagging_below,
                    ahead_above=ahead_above,
                )
                for period in reporting
            ]
            lights = supervision.item_lights(results, today=today, limits=limits)
            flags.update(supervision.item_flags(item, results))
            for result, light in zip(results, lights, strict=True):
                new.append(
                    (
                        sub_id,
                        result.period.isoformat(),
                        result.counted,
                        result.awaiting_review,
                        result.reported,
                        result.completed_in.isoformat() if result.completed_in else None,
                        result.computed.status or "",
                        result.mismatch,
                        jurisdiction_id,
                        plan_id,
                        category_id,
                        lead_unit_id,
                        light.light,
                        supervision.light_reasons_json(light),
                        order,
                        number,
                    )
                )
        _insert(new, changes)
        written += len(new)
        supervision.save_flags([r[0] for r in rows], flags, plan_ids=plan_ids)
    return written


def _shared_periods(
    plan_periods: dict[int, tuple[list[date], bool]], limits, today: date
) -> dict[int, tuple[unreported.Periods, list[str]]]:
    """Per plan: what the rows of its sub-items without a counted report share (the periods'
    ends and missing runs), and the periods as the INSERT takes them."""
    out = {}
    for plan_id, (reporting, quarterly) in plan_periods.items():
        ends = [periods.period_bounds(p, quarterly=quarterly)[1] for p in reporting]
        passed = [periods.deadline_passed(p, today) for p in reporting]
        out[plan_id] = (
            unreported.plan_periods(reporting, ends, passed, limits),
            [p.isoformat() for p in reporting],
        )
    return out


COLUMNS = (
    "subitem_id",
    "period",
    "has_report",
    "awaiting_review",
    "reported_status",
    "completed_in",
    "computed_status",
    "mismatch",
    "jurisdiction_id",
    "plan_id",
    "category_id",
    "lead_unit_id",
    "light",
    "light_reasons",
    "project_order",
    "subitem_number",
)


def _delete_returning(subitem_ids: list[int]) -> list[dict]:
    """Delete these sub-items' rows, returning what the kept counts read of them (one DELETE …
    RETURNING: exactly the rows this transaction removed)."""
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in counts.ROW_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {q(ItemStatus._meta.db_table)} WHERE {q('subitem_id')} "
            f"IN ({', '.join(['%s'] * len(subitem_ids))}) RETURNING {columns}",
            subitem_ids,
        )
        return [dict(zip(counts.ROW_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def _insert(rows: list[tuple], changes: counts.Changes | None = None) -> None:
    """Plain SQL: these rows are derived data, and the ORM's bulk_create spends seconds per
    60,000 rows building model instances for nothing. On PostgreSQL one COPY (projects.sql):
    execute_values quoted every value in Python and sent the server thousands of tuples of
    SQL to parse; on SQLite an executemany of one prepared statement. `changes`: where the
    new rows are noted (for the kept counts)."""
    if not rows:
        return
    if changes is not None:
        changes.added += [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copy_rows(cursor.cursor, ItemStatus._meta.db_table, COLUMNS, rows)
        return
    table = connection.ops.quote_name(ItemStatus._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])
