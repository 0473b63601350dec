"""The overview's counts kept up to date: StatusCount rows, per plan and period, derived from
ItemStatus.

A cold overview used to count every ItemStatus row of the jurisdiction's year (the months) and
group the period's rows four times (by plan, category, lead unit, leader). Now refresh_statuses,
the only writer of ItemStatus, ends with `recount(plan_ids)`: the StatusCount rows of the plans
it touched are deleted and written again from ItemStatus by three grouped INSERT … SELECT (by
category, lead unit, leader) and one that sums the categories into the plan rows, whatever the
number of items. A plan is the unit of recounting because a refresh can move a sub-item to
another category, lead unit or leader (the stored place is copied from the sub-item, which may
have changed since): recounting the groups a sub-item is in now would leave the ones it was in
before; every group of its plan is recounted. Its cost grows with the plan, not with the
jurisdiction nor with the number of refreshed items.

Every count is Count(filter=…) of the same conditions the item list filters on
(progress.statuses.shown.conditions), so a StatusCount row is exactly the aggregation of the
ItemStatus rows behind it; tests/dashboard compares them after every kind of change.

What else changes ItemStatus rows or their groups: a deleted plan or jurisdiction takes its
counts with it (foreign keys, CASCADE); deletions in the admin that bypass refresh_statuses
(sub-items, projects, categories) recount every plan (`recount_all`); a deleted leader recounts
its jurisdiction's plans; a project moved to another plan in the admin recounts the plan its
sub-items' statuses were in (progress.statuses.stored.on_subitems_changed).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet

from progress.statuses.shown import ABSENT_KEY, COMPUTED, JUDGED_NOTHING, REPORT, conditions

PLAN, CATEGORY, UNIT, LEADER = "plan", "category", "unit", "leader"
# the group column of each kind on ItemStatus (a leader through the sub-item's leaders)
# (plan rows have no group: group_id NULL; they are the sums of the plan's category rows)
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
    """jurisdiction_id, plan_id, period, the group and the counts, in that order of columns
    (values() fields first, then the annotations in their order). The categories count all
    that the plan rows need: a plan's row is the sum of its categories' (None included)."""
    counts = plan_counts() if kind == CATEGORY else shown_counts()
    fields = ("jurisdiction_id", "plan_id", "period", GROUP_COLUMNS[kind])
    return rows.values(*fields).annotate(**counts)


def _insert_select(count_model, rows: QuerySet, kind: str) -> None:
    """INSERT INTO StatusCount … SELECT the grouped counts: no row goes through Python."""
    table = connection.ops.quote_name(count_model._meta.db_table)
    names = ["jurisdiction_id", "plan_id", "period", "group_id"]
    names += list(PLAN_COLUMNS if kind == CATEGORY else SHOWN_COLUMNS)
    columns = ", ".join(connection.ops.quote_name(n) for n in ["kind", *names])
    select, params = _grouped(rows, kind).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT %s, q.* FROM ({select}) q", (kind, *params)
        )


def _insert_plan_rows(count_model, plan_ids: list[int] | None) -> None:
    """Each plan's row per period: the sum of its category rows (every ItemStatus row has
    exactly one category or none), read from StatusCount, not from ItemStatus again."""
    table = connection.ops.quote_name(count_model._meta.db_table)
    q = connection.ops.quote_name
    places = ["jurisdiction_id", "plan_id", "period"]
    columns = ", ".join(q(n) for n in ["kind", *places, *PLAN_COLUMNS])
    sums = ", ".join(f"SUM({q(n)})" for n in PLAN_COLUMNS)
    where = f"{q('kind')} = %s"
    params: list = [PLAN, CATEGORY]
    if plan_ids is not None:
        where += f" AND {q('plan_id')} IN ({', '.join(['%s'] * len(plan_ids))})"
        params += plan_ids
    group = ", ".join(q(n) for n in places)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT %s, {group}, {sums} FROM {table} "
            f"WHERE {where} GROUP BY {group}",
            params,
        )


def _write(status_model, count_model, plan_ids: list[int] | None) -> None:
    rows = status_model.objects.order_by()
    counted = count_model.objects.all()
    if plan_ids is not None:
        rows, counted = rows.filter(plan_id__in=plan_ids), counted.filter(plan_id__in=plan_ids)
    counted.delete()
    for kind in (CATEGORY, UNIT, LEADER):
        _insert_select(count_model, rows, kind)
    _insert_plan_rows(count_model, plan_ids)


def recount(plan_ids: Iterable[int], *, models=None) -> None:
    """Write the StatusCount rows of these plans again from their ItemStatus rows: one DELETE,
    three grouped INSERT … SELECT from ItemStatus and one from the categories' rows, however
    many items and periods. The plans' rows are locked first (SELECT … FOR UPDATE, in id
    order): two refreshes of one plan recount one after the other, the second seeing the
    first's committed rows, so neither leaves its count behind. `models`: (ItemStatus,
    StatusCount), for a migration's historical models."""
    ids = sorted(set(plan_ids))
    if not ids:
        return
    status_model, count_model = models or _models()
    plan_model = count_model._meta.get_field("plan").related_model
    with transaction.atomic():
        list(plan_model.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        _write(status_model, count_model, ids)


def recount_all(*, models=None) -> None:
    """Every plan's counts again (after deletions that bypass refresh_statuses)."""
    status_model, count_model = models or _models()
    with transaction.atomic():
        _write(status_model, count_model, None)


def recount_jurisdiction(jurisdiction_id: int) -> None:
    from projects.models import Plan

    recount(Plan.objects.filter(jurisdiction_id=jurisdiction_id).values_list("pk", flat=True))


def _models():
    from progress.models import ItemStatus, StatusCount

    return ItemStatus, StatusCount
