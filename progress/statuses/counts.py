"""The overview's counts kept up to date: StatusCount rows, per plan and period, derived from
ItemStatus.

A cold overview used to count every ItemStatus row of the jurisdiction's year (the months) and
group the period's rows four times (by plan, category, lead unit, leader). Now refresh_statuses,
the only writer of ItemStatus, keeps them in step in one of two ways:

- a refresh of a few sub-items on their own (a report submitted, saved, approved, returned,
  reopened; a withdrawal by the background refresh) moves the counts by the difference
  (`apply_changes`): the rows it deleted (DELETE … RETURNING: the place each was stored and
  counted under) are taken away from their groups and the rows it wrote added to theirs, with
  one UPDATE … SET col = col + delta per distinct difference, a new row for a group that had
  none and the row of a group left empty deleted. A few queries, whatever the size of the plan.
- anything else (imports, corrections in the admin that can move sub-items to other groups or
  plans, many sub-items) recounts whole plans (`recount(plan_ids)`): their StatusCount rows are
  deleted and written again from ItemStatus by three grouped INSERT … SELECT (by category, lead
  unit, leader) and one that sums the categories into the plan rows, whatever the number of
  items. A plan is the unit of recounting because such a change can move a sub-item to another
  category, lead unit or leader (the stored place is copied from the sub-item, which may have
  changed since). Its cost grows with the plan, not with the jurisdiction.

Every count is Count(filter=…) of the same conditions the item list filters on
(progress.statuses.shown.conditions), so a StatusCount row is exactly the aggregation of the
ItemStatus rows behind it; the incremental way tests each row against the same Q objects in
Python (`row_counts`). tests/dashboard compares them after every kind of change.

What else changes ItemStatus rows or their groups: a deleted plan or jurisdiction takes its
counts with it (foreign keys, CASCADE); deletions in the admin that bypass refresh_statuses
(sub-items, projects, categories) recount every plan (`recount_all`); a deleted leader recounts
its jurisdiction's plans; a correction of sub-items in the admin (leaders, lead unit, another
plan) recounts the plans their statuses were stored under and those they are in now
(progress.statuses.stored.on_subitems_changed).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet

from progress.statuses.shown import ABSENT_KEY, COMPUTED, JUDGED_NOTHING, REPORT, conditions

PLAN, CATEGORY, UNIT, LEADER = "plan", "category", "unit", "leader"
FEW_ITEMS = 100  # a refresh of at most this many sub-items moves the counts, not recounts
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


def after_refresh(*, plan_ids: set[int], gone: bool) -> None:
    """What refresh_statuses ends with when it did not move the counts by its changes
    (apply_changes): these plans recounted in full (imports, corrections, many items), every
    plan when some asked-for sub-item is gone (its plan is not known any more)."""
    if gone:
        recount_all()
    else:
        recount(plan_ids)


# --- the incremental way: a few sub-items refreshed ----------------------------------------

# the ItemStatus columns a row is counted by: its place and the columns of the conditions
ROW_COLUMNS = (
    "subitem_id",
    "period",
    "jurisdiction_id",
    "plan_id",
    "category_id",
    "lead_unit_id",
    "has_report",
    "awaiting_review",
    "reported_status",
    "completed_in",
    "computed_status",
    "mismatch",
    "light",
)


@dataclass
class Changes:
    """The ItemStatus rows a refresh of a few sub-items took away and wrote, each a dict of
    (at least) ROW_COLUMNS."""

    removed: list[dict] = field(default_factory=list)
    added: list[dict] = field(default_factory=list)


def _holds(q: Q, row: dict) -> bool:
    """Whether a row meets a filter of the conditions (exact and isnull lookups on its own
    columns), in Python: the same Q objects the counts are aggregated with."""
    results = (
        _holds(child, row) if isinstance(child, Q) else _lookup(*child, row) for child in q.children
    )
    met = all(results) if q.connector == Q.AND else any(results)
    return not met if q.negated else met


def _lookup(path: str, value, row: dict) -> bool:
    name, _, lookup = path.partition("__")
    if lookup == "isnull":
        return (row[name] is None) == value
    if lookup in ("", "exact"):
        return row[name] == value
    raise ValueError(f"no Python test for the lookup {path!r}")


def _fields(q: Q) -> set[str]:
    return {
        name
        for child in q.children
        for name in (_fields(child) if isinstance(child, Q) else {child[0].split("__")[0]})
    }


# each column of a plan row with the filter a row must meet to count in it (None: every row)
ROW_TESTS = tuple(
    (name, None if count.filter is None else count.filter.condition)
    for name, count in plan_counts().items()
)
# the columns those filters read (ROW_COLUMNS holds them all)
TESTED = tuple(sorted({f for _, q in ROW_TESTS if q is not None for f in _fields(q)}))
assert set(TESTED) <= set(ROW_COLUMNS)


def row_counts(row: dict) -> dict[str, int]:
    """What one ItemStatus row adds to each column of the groups it is in (0 or 1)."""
    return _counts_of(tuple(row[name] for name in TESTED))


@functools.lru_cache(maxsize=4096)
def _counts_of(values: tuple) -> dict[str, int]:
    """row_counts by the tested columns' values: a year's rows share a few combinations."""
    row = dict(zip(TESTED, values, strict=True))
    return {name: int(q is None or _holds(q, row)) for name, q in ROW_TESTS}


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _row_deltas(changes: Changes) -> dict[tuple, dict[str, int]]:
    """The rows added minus those removed, by sub-item and place: (sub-item, jurisdiction,
    plan, period, category, lead unit) -> column -> difference, without the zeros."""
    out: dict[tuple, dict[str, int]] = {}
    for sign, rows in ((-1, changes.removed), (1, changes.added)):
        for row in rows:
            key = (
                row["subitem_id"],
                row["jurisdiction_id"],
                row["plan_id"],
                _day(row["period"]),
                row["category_id"],
                row["lead_unit_id"],
            )
            sums = out.setdefault(key, dict.fromkeys(PLAN_COLUMNS, 0))
            for name, n in row_counts(row).items():
                sums[name] += sign * n
    return {key: d for key, d in out.items() if any(d.values())}


def _group_deltas(
    by_row: dict[tuple, dict[str, int]], leaders: dict[int, set]
) -> tuple[dict[tuple, dict[str, int]], dict[int, int]]:
    """(kind, plan, period, group) -> column -> difference, without the zeros (lead units and
    leaders count the shown columns only), and each plan's jurisdiction."""
    out: dict[tuple, dict[str, int]] = {}
    jurisdictions: dict[int, int] = {}
    for (sub, jurisdiction, plan, period, category, unit), delta in by_row.items():
        jurisdictions[plan] = jurisdiction
        groups = [(PLAN, None), (CATEGORY, category), (UNIT, unit)]
        groups += [(LEADER, leader) for leader in leaders.get(sub) or {None}]
        for kind, group in groups:
            sums = out.setdefault((kind, plan, period, group), {})
            for name in PLAN_COLUMNS if kind in (PLAN, CATEGORY) else SHOWN_COLUMNS:
                sums[name] = sums.get(name, 0) + delta[name]
    cleaned = {key: {n: d for n, d in delta.items() if d} for key, delta in out.items()}
    return {key: delta for key, delta in cleaned.items() if delta}, jurisdictions


def apply_changes(changes: Changes) -> None:
    """After a refresh of a few sub-items (a report submitted, approved, returned; a
    withdrawal): move the kept counts of the groups their rows were in and are in now by the
    difference, instead of recounting. Each removed row is taken from the place it was
    stored (and counted) under and each new row added to its place now, so a sub-item moved
    to another category or lead unit since its last refresh leaves the old group's counts
    too. The leaders are the sub-item's present ones: a change of leaders recounts its plans
    (on_subitems_changed).

    Queries: none when nothing counted changed (a draft saved); else the sub-items' leaders,
    the plans' lock (as recount takes it: a recount of the plan runs before or after, never
    across), the affected StatusCount rows, and one UPDATE … SET col = col + delta per
    distinct difference (a submit: one for the plan and category rows, one for the lead
    unit's and the leaders'); an INSERT for a group that had no row, a DELETE for one left
    empty. A row that would not add up (a count below zero or above its total: the kept
    counts were not the aggregation of ItemStatus before) has its plans recounted in full."""
    from projects.models import Plan, SubItem

    by_row = _row_deltas(changes)
    if not by_row:
        return
    leaders: dict[int, set] = {}
    for sub_id, leader_id in SubItem.leaders.through.objects.filter(
        subitem_id__in={key[0] for key in by_row}
    ).values_list("subitem_id", "leader_id"):
        leaders.setdefault(sub_id, set()).add(leader_id)
    deltas, jurisdictions = _group_deltas(by_row, leaders)
    if not deltas:
        return
    status_model, count_model = _models()
    plans = sorted(jurisdictions)
    with transaction.atomic(savepoint=False):
        list(Plan.objects.select_for_update().filter(pk__in=plans).order_by("pk").values("pk"))
        found = _rows_of(count_model, deltas)
        moves: dict[tuple, list[int]] = {}
        emptied: list[int] = []
        created = []
        for key, delta in deltas.items():
            kind, plan, period, group = key
            names = PLAN_COLUMNS if kind in (PLAN, CATEGORY) else SHOWN_COLUMNS
            pk, old = found.get(key, (None, None))
            new = {n: (old[n] if old else 0) + delta.get(n, 0) for n in names}
            if any(n < 0 or n > new["total"] for n in new.values()):
                _write(status_model, count_model, plans)  # they did not add up before
                return
            if pk is None:
                created.append(
                    count_model(
                        kind=kind,
                        jurisdiction_id=jurisdictions[plan],
                        plan_id=plan,
                        period=period,
                        group_id=group,
                        **new,
                    )
                )
            elif new["total"] == 0:  # a recount writes no row for an empty group
                emptied.append(pk)
            else:
                moves.setdefault(tuple(sorted(delta.items())), []).append(pk)
        for delta, pks in moves.items():
            count_model.objects.filter(pk__in=pks).update(**{n: F(n) + d for n, d in delta})
        if emptied:
            count_model.objects.filter(pk__in=emptied).delete()
        if created:
            count_model.objects.bulk_create(created)


def _rows_of(count_model, deltas: dict[tuple, dict]) -> dict[tuple, tuple[int, dict]]:
    """The StatusCount rows of these (kind, plan, period, group) keys: key -> (pk, counts)."""
    groups: dict[str, set] = {}
    for kind, _, _, group in deltas:
        groups.setdefault(kind, set()).add(group)
    which = Q(pk__in=[])
    for kind, ids in groups.items():
        named = [g for g in ids if g is not None]
        in_groups = Q(group_id__in=named) if named else Q(pk__in=[])
        if None in ids:
            in_groups |= Q(group_id__isnull=True)
        which |= Q(kind=kind) & in_groups
    columns = ("pk", "kind", "plan_id", "period", "group_id", *PLAN_COLUMNS)
    rows = count_model.objects.filter(
        which,
        plan_id__in={plan for _, plan, _, _ in deltas},
        period__in={period for _, _, period, _ in deltas},
    ).order_by()
    found = {}
    for values in rows.values_list(*columns):
        row = dict(zip(columns, values, strict=True))
        key = (row["kind"], row["plan_id"], row["period"], row["group_id"])
        if key in deltas:
            found[key] = (row["pk"], row)
    return found


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
