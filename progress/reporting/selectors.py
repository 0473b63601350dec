"""Reads of the reporter side: the unit's items of a period, the items it co-operates on, a
report's review steps and its history of saves.

我的填报 reads its lists as plain values (issue 14): `my_lists`, the unit's whole lists in one
query (to count, page and flag them, and to write the rows), then `reporting_rows`, the reports
of the rows one page shows; model instances of a thousand sub-items were most of its cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import F, FilteredRelation, Q, QuerySet, Value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from progress import formatting, periods
from progress.models import Contribution, IndicatorValue, ItemStatus, ProgressReport, ReviewEvent
from progress.reporting.services import still_to_submit
from projects.models import Plan, SubItem


def unit_rows(user) -> QuerySet[ItemStatus]:
    """The stored statuses of the items the user's unit leads (nothing without a unit)."""
    if not user.unit_id:
        return ItemStatus.objects.none()
    return ItemStatus.objects.filter(lead_unit_id=user.unit_id)


def _of_period(qs: QuerySet[SubItem], period: date) -> QuerySet[SubItem]:
    """Sub-items of plans of the period's year, each with `completed_in`: the earlier period
    whose report completed it, from its stored status of the period."""
    return (
        qs.filter(project__plan__year=period.year)
        .annotate(st=FilteredRelation("statuses", condition=Q(statuses__period=period)))
        .annotate(completed_in=F("st__completed_in"))
    )


ORDER = ("project__plan__title", "project__order", "number")  # 我的填报's lists


def _led(unit_id: int) -> Q:
    """The sub-items the unit leads."""
    return Q(lead_unit_id=unit_id)


def _cooperated(unit_id: int) -> Q:
    """The sub-items the unit co-operates on. No DISTINCT needed: a unit co-operates on
    a sub-item once (CoUnit's co_unit_unique), so the join gives each sub-item one row."""
    return Q(co_unit_links__unit_id=unit_id)


def _previous_of(plan: Plan, period: date) -> date:
    return periods.previous_period(period, quarterly=plan.is_quarterly)


def _attach_reports(items: list[SubItem] | list[Row], period: date) -> None:
    """`.current` (this period's report or None), `.previous` (the previous period's, a month
    or a quarter earlier by its plan) and `.deadline` on each item, in one query."""
    previous_of = {sub.project.plan_id: _previous_of(sub.project.plan, period) for sub in items}
    reports = ProgressReport.objects.filter(
        subitem_id__in=[sub.pk for sub in items], period__in={period, *previous_of.values()}
    ).only("id", "subitem_id", "period", "state", "status", "completion", "version")
    # order_by(): the model's ordering (by sub-item, which orders by plan and project) joined
    # every sub-item of the database into it.
    by_key = {(r.subitem_id, r.period): r for r in reports.order_by()}
    deadline = periods.deadline(period)
    for sub in items:
        sub.current = by_key.get((sub.pk, period))
        sub.previous = by_key.get((sub.pk, previous_of[sub.project.plan_id]))
        sub.deadline = deadline


def my_items(user, period: date) -> list[SubItem]:
    """The active sub-items the user's unit leads that report in the period, each with `.current`
    (this period's report or None), `.previous` (the previous period's), `.completed_in` (an
    earlier period whose report completed it: not reported again) and `.deadline`."""
    if not user.unit_id:
        return []
    qs = (
        _of_period(SubItem.objects.active().filter(_led(user.unit_id)), period)
        .select_related("project__plan")
        .order_by(*ORDER)
    )
    reports_on: dict[int, bool] = {}  # by plan: a unit leads hundreds of items of a few plans
    items = []
    for sub in qs:
        plan = sub.project.plan
        if plan.pk not in reports_on:
            reports_on[plan.pk] = plan.reports_on(period)
        if reports_on[plan.pk]:
            items.append(sub)
    if items:
        _attach_reports(items, period)
    return items


class Line(NamedTuple):
    """A sub-item of a list of 我的填报 as plain values: enough to count it, find its page, tell
    whether it is still to be submitted and write its row, without a model instance."""

    pk: int
    plan: Plan  # its plan's pk, title, year and cycle only (shared by the plan's lines)
    completed_in: date | None  # an earlier period whose report completed it
    state: str | None  # this period's report's state (None: not filled in)
    number: int
    name: str
    project_number: str
    lead_unit: str | None  # the lead unit's name
    contribution: str | None  # the user's unit's contribution of the period (co-operations)

    @property
    def to_submit(self) -> bool:
        return still_to_submit(self.state)


@dataclass
class MyLists:
    """The lists of 我的填报, in the page's order: the items to report, those completed in an
    earlier period (not reported again) and the items the unit co-operates on."""

    to_report: list[Line] = field(default_factory=list)
    completed_earlier: list[Line] = field(default_factory=list)
    cooperating: list[Line] = field(default_factory=list)


# The sentinels the lists' query is compiled with, put in place of the request's values: a unit
# id and a period (its year too) that no other constant of the query can equal by chance.
_UNIT, _PERIOD = -90_000_001, date(9876, 5, 1)


def _lists_query(unit_id: int, period: date) -> QuerySet:
    """The unit's led and co-operated sub-items of plans of the period's year, in the page's
    order (plan title, project, number): a UNION ALL of the two, as plain values."""
    mine = Q(contributions__period=period, contributions__unit_id=unit_id)
    lines = (
        _of_period(SubItem.objects.active(), period)
        .annotate(
            now=FilteredRelation("reports", condition=Q(reports__period=period)),
            mine=FilteredRelation("contributions", condition=mine),
        )
        .order_by()
        .values_list(
            "pk",
            "project__plan_id",
            "project__plan__title",
            "project__plan__year",
            "project__plan__reporting_cycle",
            "completed_in",
            "now__state",
            "number",
            "name",
            "project__number",
            "lead_unit__name",
            "mine__text",  # at most one (contribution_unique)
            "project__order",
        )
    )
    return (
        lines.filter(_led(unit_id))
        .annotate(lead=Value(True))
        .union(lines.filter(_cooperated(unit_id)).annotate(lead=Value(False)), all=True)
        .order_by(*ORDER)
    )


class _Compiled(NamedTuple):
    sql: str
    params: tuple  # the constants of the query, the sentinels in their places
    slots: tuple[tuple[int, str], ...]  # (position in params, "unit" / "year" / "period")
    converters: list  # (column, functions, expression): what the ORM applies to the values


_compiled: dict[tuple[str, str], _Compiled] = {}  # by database alias and vendor


def _lists_compiled(connection) -> _Compiled:
    """The lists' query as SQL, built and compiled by the ORM once per process (building and
    compiling it were ~3 ms of every 我的填报, an empty one included), with the places of the
    unit, the year and the period that `_lists_rows` fills in."""
    key = (connection.alias, connection.vendor)
    if key not in _compiled:
        compiler = _lists_query(_UNIT, _PERIOD).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        names = {
            connection.ops.adapt_datefield_value(_PERIOD): "period",
            _UNIT: "unit",
            _PERIOD.year: "year",
        }
        slots = tuple(
            (i, names[p]) for i, p in enumerate(params) if type(p) is not bool and p in names
        )
        constants = [p for i, p in enumerate(params) if i not in dict(slots)]
        if any(type(p) is not bool for p in constants) or {n for _, n in slots} != {
            "period",
            "unit",
            "year",
        }:  # a value the query now holds that no slot names: it would be sent as compiled
            raise RuntimeError(f"my_lists: unexpected parameters {params!r}")
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        converters = [(i, *c) for i, c in compiler.get_converters(fields).items()]
        _compiled[key] = _Compiled(sql, tuple(params), slots, converters)
    return _compiled[key]


def _lists_rows(unit_id: int, period: date) -> list:
    """The rows of `_lists_query(unit_id, period)`, through its SQL compiled once, the values
    converted as the ORM converts them (SQLite's dates are text)."""
    compiled = _lists_compiled(connection)
    values = {
        "period": connection.ops.adapt_datefield_value(period),
        "unit": unit_id,
        "year": period.year,
    }
    params = list(compiled.params)
    for i, name in compiled.slots:
        params[i] = values[name]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    if compiled.converters:
        for n, row in enumerate(rows):
            row = list(row)
            for i, functions, expression in compiled.converters:
                for convert in functions:
                    row[i] = convert(row[i], expression, connection)
            rows[n] = row
    return rows


def my_lists(user, period: date) -> MyLists:
    """The unit's items of the period (those of plans that report in it) as `Line`s, the led
    ones and the co-operated ones, in one query (`_lists_query`). Nothing without a unit."""
    lists = MyLists()
    if not user.unit_id:
        return lists
    plans: dict[int, Plan | None] = {}  # None: the plan does not report in the period
    to_report, completed, cooperating = (
        lists.to_report.append,
        lists.completed_earlier.append,
        lists.cooperating.append,
    )
    for row in _lists_rows(user.unit_id, period):
        pk, plan_id, title, year, cycle, completed_in, state, *shown, _order, lead = row
        if plan_id in plans:
            plan = plans[plan_id]
        else:
            plan = Plan(id=plan_id, title=title, year=year, reporting_cycle=cycle)
            plan = plans[plan_id] = plan if plan.reports_on(period) else None
        if plan is None:
            continue
        if not lead:
            cooperating(Line(pk, plan, completed_in, None, *shown))
        elif completed_in:
            completed(Line(pk, plan, completed_in, state, *shown))
        else:
            to_report(Line(pk, plan, completed_in, state, *shown))
    return lists


@dataclass(slots=True)
class RowProject:
    """A row's `project`: its number and plan (what the rows and the report look-up read)."""

    number: str
    plan: Plan

    @property
    def plan_id(self) -> int:
        return self.plan.pk


@dataclass(slots=True)
class Row:
    """A sub-item one page of 我的填报 shows, under the names of the SubItem attributes its rows
    read (a thousand model instances a page were most of its cost)."""

    pk: int
    number: int
    name: str
    project: RowProject
    lead_unit: str | None  # the lead unit's name
    completed_in: date | None
    my_contributions: list[Contribution]  # the unit's own of the period
    current: ProgressReport | None = None
    previous: ProgressReport | None = None
    deadline: date | None = None
    edit_url: str = ""
    contribution_url: str = ""


def rows_of(lines: list[Line]) -> list[Row]:
    return [
        Row(
            line.pk,
            line.number,
            line.name,
            RowProject(line.project_number, line.plan),
            line.lead_unit,
            line.completed_in,
            [] if line.contribution is None else [Contribution(text=line.contribution)],
        )
        for line in lines
    ]


def reporting_rows(lines: list[Line], period: date) -> list[Row]:
    """The rows of these items to report with `.current`, `.previous` and `.deadline`: one
    query."""
    rows = rows_of(lines)
    if rows:
        _attach_reports(rows, period)
    return rows


def report_events(report: ProgressReport) -> QuerySet[ReviewEvent]:
    return report.events.select_related("actor")


# --- a report's history ----------------------------------------------------------------------

# Report fields whose change is not worth a line in the history (the version moves every save).
HISTORY_EXCLUDED = ("version", "submitted_by")
HISTORY_FIRST = ("status", "state", "completion", "explanation", "problems", "next_steps")
CHOICE_FIELDS = {
    name: dict(ProgressReport._meta.get_field(name).flatchoices)
    for name in ("status", "state", "source")
}


@dataclass
class HistoryEntry:
    record: object
    created: bool
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new)


def _display(name: str, value) -> str:
    if value in (None, ""):
        return ""
    if name in CHOICE_FIELDS:
        return str(CHOICE_FIELDS[name].get(value, value))
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return str(value)


def report_history(report: ProgressReport) -> list[HistoryEntry]:
    """Every save of the report, latest first: who, when, and each field that changed (with the
    indicator values written by the same save). Three queries."""
    records = list(
        report.history.select_related("history_user").order_by("history_date", "history_id")
    )
    labels = {f.name: capfirst(f.verbose_name) for f in ProgressReport._meta.fields}
    entries: list[HistoryEntry] = []
    previous = None
    for record in records:
        entry = HistoryEntry(record=record, created=previous is None)
        if previous is None:
            for name in HISTORY_FIRST:
                value = _display(name, getattr(record, name))
                if value:
                    entry.changes.append((labels[name], "", value))
        else:
            delta = record.diff_against(previous, excluded_fields=HISTORY_EXCLUDED)
            for change in delta.changes:
                entry.changes.append(
                    (
                        labels.get(change.field, change.field),
                        _display(change.field, change.old),
                        _display(change.field, change.new),
                    )
                )
        entries.append(entry)
        previous = record

    # Indicator values are saved right after their report: attach each change to the latest
    # report save at or before it.
    names = {i.pk: str(i) for i in report.subitem.indicators.all()}
    last_value: dict[int, str] = {}
    value_records = IndicatorValue.history.filter(report_id=report.pk).order_by(
        "history_date", "history_id"
    )
    for vrecord in value_records:
        old = last_value.get(vrecord.indicator_id, "")
        new = "" if vrecord.history_type == "-" else formatting.number(vrecord.value)
        last_value[vrecord.indicator_id] = new
        if old == new:
            continue
        owner = None
        for entry in entries:
            if entry.record.history_date <= vrecord.history_date:
                owner = entry
        if owner is not None:
            owner.changes.append((names.get(vrecord.indicator_id, "?"), old, new))
    return list(reversed(entries))
