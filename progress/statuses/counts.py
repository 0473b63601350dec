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
from django.db.models import Count, Q, QuerySet, Sum

from progress.statuses.shown import ABSENT_KEY, COMPUTED, JUDGED_NOTHING, REPORT, conditions

PLAN, CATEGORY, UNIT, LEADER = "plan", "category", "unit", "leader"
FEW_ITEMS = 100  # a refresh of at most this many sub-items recounts their groups, not plans
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
    if connection.vendor == "sqlite":
        # SQLite otherwise walks item_status_list_order (not covering: a table look-up per
        # row) for the grouping; the plain scan reads the same rows in about half the time
        # (60,000 rows: 0.15 s -> 0.08 s per kind)
        source = connection.ops.quote_name(rows.model._meta.db_table)
        select = select.replace(f"FROM {source}", f"FROM {source} NOT INDEXED", 1)
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


def after_refresh(
    *, subitem_ids: list[int], plan_ids: set[int], whole_plans: bool, gone: bool
) -> None:
    """What refresh_statuses ends with, for the sub-items it refreshed (and their plans): their
    groups when they are few (a report's workflow), their plans in full when it refreshed
    plans (imports) or many items, every plan when some asked-for sub-item is gone (its plan
    is not known any more)."""
    if gone:
        recount_all()
    elif not whole_plans and len(subitem_ids) <= FEW_ITEMS:
        recount_items(subitem_ids)
    else:
        recount(plan_ids)


def recount_items(subitem_ids: Iterable[int]) -> None:
    """After a refresh of a few sub-items (a report submitted, approved, returned; a withdrawal):
    recount only the groups they are in now (the place the refresh just stored with their
    statuses: a category, lead unit and leaders of their plan), each group's rows found
    through its members (indexed), not by scanning the plan. Then each plan row is the sum of
    its categories again.

    The groups they were in before are not known any more. A refresh of a few sub-items moves
    them only when their place was changed without one (a project given another category or a
    sub-item another lead unit on the plan's or project's admin page before that saved its
    own): then a group they left still counts them, its plan's categories or lead units no
    longer add up to as many rows as the other (each is a partition of the plan's rows), and
    the plan is recounted in full. Changes of leaders and of plans come through
    on_subitems_changed or imports, which recount whole plans."""
    from projects.models import Plan, SubItem

    status_model, count_model = _models()
    ids = sorted(set(subitem_ids))
    now = list(
        SubItem.objects.filter(pk__in=ids).values_list(
            "pk", "project__plan_id", "project__category_id", "lead_unit_id"
        )
    )
    places = now  # what the refresh just stored with their statuses too
    plans = sorted({plan for _, plan, _, _ in places})
    if not plans:
        return
    leaders: dict[int, set] = {}
    for sub_id, leader_id in SubItem.leaders.through.objects.filter(subitem_id__in=ids).values_list(
        "subitem_id", "leader_id"
    ):
        leaders.setdefault(sub_id, set()).add(leader_id)
    touched = {
        CATEGORY: {(plan, category) for _, plan, category, _ in places},
        UNIT: {(plan, unit) for _, plan, _, unit in places},
        LEADER: {
            (plan, leader) for sub, plan, _, _ in places for leader in leaders.get(sub, {None})
        },
    }
    with transaction.atomic():
        list(Plan.objects.select_for_update().filter(pk__in=plans).order_by("pk").values("pk"))
        for kind, pairs in touched.items():
            _recount_groups(status_model, count_model, kind, pairs, plans)
        unequal = _plans_not_adding_up(count_model, plans)
        if unequal:  # a group left without a refresh: those plans in full
            _write(status_model, count_model, unequal)
        rest = [plan for plan in plans if plan not in unequal]
        if rest:
            count_model.objects.filter(kind=PLAN, plan_id__in=rest).delete()
            _insert_plan_rows(count_model, rest)


def _members(kind: str, pairs: set, plans: list[int]) -> Q:
    """The sub-items of these plans that are in these groups now (one subquery's filter)."""
    groups = {group for _, group in pairs}
    named = [g for g in groups if g is not None]
    path = {CATEGORY: "project__category", UNIT: "lead_unit", LEADER: "leaders"}[kind]
    q = Q(**{f"{path}__in": named}) if named else Q(pk__in=[])
    if None in groups:
        q |= Q(**{f"{path}__isnull": True})
    return q


def _recount_groups(status_model, count_model, kind: str, pairs: set, plans: list[int]) -> None:
    """Delete and write again the rows of these (plan, group) pairs of one kind, from the
    ItemStatus rows of the groups' current members whose stored group is one of them."""
    from projects.models import SubItem

    members = SubItem.objects.filter(_members(kind, pairs, plans), project__plan_id__in=plans)
    rows = status_model.objects.filter(
        plan_id__in=plans, subitem_id__in=members.values("pk")
    ).order_by()
    names = PLAN_COLUMNS if kind == CATEGORY else SHOWN_COLUMNS
    written = [
        count_model(
            kind=kind,
            jurisdiction_id=row["jurisdiction_id"],
            plan_id=row["plan_id"],
            period=row["period"],
            group_id=row[GROUP_COLUMNS[kind]],
            **{name: row[name] for name in names},
        )
        for row in _grouped(rows, kind)
        if (row["plan_id"], row[GROUP_COLUMNS[kind]]) in pairs
    ]
    gone = Q(pk__in=[])
    for plan_id, group in pairs:
        gone |= (
            Q(plan_id=plan_id, group_id=group)
            if group is not None
            else Q(plan_id=plan_id, group_id__isnull=True)
        )
    count_model.objects.filter(gone, kind=kind).delete()
    count_model.objects.bulk_create(written)


def _plans_not_adding_up(count_model, plans: list[int]) -> list[int]:
    """The plans some period of which has not as many rows by category as by lead unit."""
    sums: dict = {}
    for plan_id, period, kind, total in (
        count_model.objects.filter(plan_id__in=plans, kind__in=(CATEGORY, UNIT))
        .values_list("plan_id", "period", "kind")
        .annotate(Sum("total"))
        .order_by()
    ):
        sums.setdefault((plan_id, period), {})[kind] = total
    return sorted(
        {plan for (plan, _), by in sums.items() if by.get(CATEGORY, 0) != by.get(UNIT, 0)}
    )


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
