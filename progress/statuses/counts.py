"""The overview's counts kept up to date: StatusCount rows, per plan and period, derived from
ItemStatus.

A cold overview used to count every ItemStatus row of the jurisdiction's year (the months) and
group the period's rows four times (by plan, category, lead unit, leader). Now refresh_statuses,
the only writer of ItemStatus, ends with `recount(plan_ids)`: the StatusCount rows of the plans
it touched are deleted and written again from ItemStatus by four INSERT … SELECT grouped counts
(one per kind), whatever the number of items. A plan is the unit of recounting because a
refresh can move a sub-item to another category, lead unit or leader: recounting the groups a
sub-item is in now would leave the ones it was in before; every group of its plan is recounted.

Every count is Count(filter=…) of the same conditions the item list filters on
(progress.statuses.shown.conditions), so a StatusCount row is exactly the aggregation of the
ItemStatus rows behind it; tests/dashboard compares them after every kind of change.

What deletes ItemStatus rows without a refresh (sub-items, projects or categories deleted in
the admin) rebuilds every plan's counts (`recount_all`); a deleted plan or jurisdiction takes
its rows with it (foreign keys, CASCADE); a deleted leader recounts its jurisdiction's plans.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet

from progress.statuses.shown import ABSENT_KEY, COMPUTED, JUDGED_NOTHING, REPORT, conditions

PLAN, CATEGORY, UNIT, LEADER = "plan", "category", "unit", "leader"
# the group column of each kind on ItemStatus (a leader through the sub-item's leaders)
# (plan rows have no group: group_id NULL)
GROUP_COLUMNS = {CATEGORY: "category_id", UNIT: "lead_unit_id", LEADER: "subitem__leaders"}
LIGHTS = {"red": "red", "yellow": "yellow", "green": "green", "none": ""}


def shown_counts() -> dict[str, Count]:
    """Total, mismatches and each condition of the shown status (absent: missing or pending)."""
    return {
        "total": Count("pk"),
        "mismatches": Count("pk", filter=Q(mismatch=True)),
        **{code: Count("pk", filter=q) for code, q in conditions().items()},
    }


def plan_counts() -> dict[str, Count]:
    """What the plan rows count beyond the shown ones: reported, computed statuses, lights."""
    counts = shown_counts() | {"reported": Count("pk", filter=REPORT)}
    counts |= {f"computed_{c}": Count("pk", filter=Q(computed_status=c)) for c in COMPUTED}
    counts[f"computed_{JUDGED_NOTHING}"] = Count("pk", filter=Q(computed_status=""))
    counts |= {f"light_{k}": Count("pk", filter=Q(light=v)) for k, v in LIGHTS.items()}
    return counts


SHOWN_COLUMNS = tuple(shown_counts())  # total, mismatches, on_track, …, absent
PLAN_COLUMNS = tuple(plan_counts())
assert ABSENT_KEY in SHOWN_COLUMNS


def _grouped(rows: QuerySet, kind: str) -> QuerySet:
    """jurisdiction_id, plan_id, period, the group (not for plan rows) and the counts, in that
    order of columns (values() fields first, then the annotations in their order)."""
    if kind == PLAN:
        return rows.values("jurisdiction_id", "plan_id", "period").annotate(**plan_counts())
    fields = ("jurisdiction_id", "plan_id", "period", GROUP_COLUMNS[kind])
    return rows.values(*fields).annotate(**shown_counts())


def _insert_select(count_model, rows: QuerySet, kind: str) -> None:
    """INSERT INTO StatusCount … SELECT the grouped counts: no row goes through Python."""
    table = connection.ops.quote_name(count_model._meta.db_table)
    names = ["jurisdiction_id", "plan_id", "period"]
    names += list(PLAN_COLUMNS) if kind == PLAN else ["group_id", *SHOWN_COLUMNS]
    columns = ", ".join(connection.ops.quote_name(n) for n in ["kind", *names])
    select, params = _grouped(rows, kind).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT %s, q.* FROM ({select}) q", (kind, *params)
        )


def recount(plan_ids: Iterable[int], *, models=None) -> None:
    """Write the StatusCount rows of these plans again from their ItemStatus rows: one DELETE
    and four grouped INSERT … SELECT, however many items and periods. `models`: (ItemStatus,
    StatusCount), for a migration's historical models."""
    ids = sorted(set(plan_ids))
    if not ids:
        return
    status_model, count_model = models or _models()
    rows = status_model.objects.filter(plan_id__in=ids).order_by()
    with transaction.atomic():
        count_model.objects.filter(plan_id__in=ids).delete()
        for kind in (PLAN, CATEGORY, UNIT, LEADER):
            _insert_select(count_model, rows, kind)


def recount_all(*, models=None) -> None:
    """Every plan's counts again (after deletions that bypass refresh_statuses)."""
    status_model, count_model = models or _models()
    with transaction.atomic():
        count_model.objects.all().delete()
        rows = status_model.objects.order_by()
        for kind in (PLAN, CATEGORY, UNIT, LEADER):
            _insert_select(count_model, rows, kind)


def recount_jurisdiction(jurisdiction_id: int) -> None:
    from projects.models import Plan

    recount(Plan.objects.filter(jurisdiction_id=jurisdiction_id).values_list("pk", flat=True))


def _models():
    from progress.models import ItemStatus, StatusCount

    return ItemStatus, StatusCount
