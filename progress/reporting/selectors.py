"""Reads of the reporter side: the unit's items of a period, the items it co-operates on, a
report's review steps and its history of saves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import F, FilteredRelation, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from progress import formatting, periods
from progress.models import Contribution, IndicatorValue, ItemStatus, ProgressReport, ReviewEvent
from projects.models import SubItem


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


def my_items(user, period: date) -> list[SubItem]:
    """The active sub-items the user's unit leads that report in the period, each with `.current`
    (this period's report or None), `.previous` (the previous period's), `.completed_in` (an
    earlier period whose report completed it: not reported again) and `.deadline`."""
    if not user.unit_id:
        return []
    qs = (
        _of_period(SubItem.objects.active().filter(lead_unit_id=user.unit_id), period)
        .select_related("project__plan")
        .order_by("project__plan__title", "project__order", "number")
    )
    reports_on: dict[int, bool] = {}  # by plan: a unit leads hundreds of items of a few plans
    items = []
    for sub in qs:
        plan = sub.project.plan
        if plan.pk not in reports_on:
            reports_on[plan.pk] = plan.reports_on(period)
        if reports_on[plan.pk]:
            items.append(sub)
    if not items:
        return items
    # This period's reports and the previous period's of each item (a month or a quarter
    # earlier, by its plan), in one query; order_by(): the model's ordering (by sub-item, which
    # orders by plan and project) joined every sub-item of the database into it.
    previous_of = {
        sub.project.plan_id: periods.previous_period(
            period, quarterly=sub.project.plan.is_quarterly
        )
        for sub in items
    }
    reports = ProgressReport.objects.filter(
        subitem_id__in=[sub.pk for sub in items], period__in={period, *previous_of.values()}
    ).only("id", "subitem_id", "period", "state", "status", "completion", "version")
    by_key = {(r.subitem_id, r.period): r for r in reports.order_by()}
    deadline = periods.deadline(period)
    for sub in items:
        sub.current = by_key.get((sub.pk, period))
        sub.previous = by_key.get((sub.pk, previous_of[sub.project.plan_id]))
        sub.deadline = deadline
    return items


def cooperating_items(user, period: date) -> list[SubItem]:
    """The active sub-items the user's unit co-operates on that report in the period, with the unit's
    own contributions and `completed_in` (completed earlier: no contribution is asked)."""
    if not user.unit_id:
        return []
    mine = Contribution.objects.filter(period=period, unit_id=user.unit_id)
    # No DISTINCT: a unit co-operates on a sub-item once (CoUnit's co_unit_unique), so the join
    # gives each sub-item one row; DISTINCT sorted every selected column of ~250 rows.
    qs = (
        _of_period(SubItem.objects.active().filter(co_unit_links__unit_id=user.unit_id), period)
        .select_related("project__plan", "lead_unit")
        .prefetch_related(Prefetch("contributions", queryset=mine, to_attr="my_contributions"))
        .order_by("project__plan__title", "project__order", "number")
    )
    return [sub for sub in qs if sub.project.plan.reports_on(period)]


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
