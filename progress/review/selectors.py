"""Reads of the review: the queue of submitted reports and the items still missing a report."""

from __future__ import annotations

from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery

from progress.models import ItemStatus, ProgressReport
from progress.statuses.shown import ABSENT
from projects import roles
from projects.models import Plan, SubItem, Unit


def review_queue(user) -> QuerySet[ProgressReport]:
    """Submitted reports waiting for this supervisor (their jurisdiction; admins all)."""
    qs = ProgressReport.objects.filter(state=ProgressReport.State.SUBMITTED).select_related(
        "subitem__project__plan__jurisdiction", "subitem__lead_unit", "submitted_by"
    )
    if roles.is_admin(user):
        return qs.order_by("submitted_at")
    if roles.has_role(user, roles.SUPERVISOR) and user.jurisdiction_id:
        return qs.filter(subitem__project__plan__jurisdiction_id=user.jurisdiction_id).order_by(
            "submitted_at"
        )
    return qs.none()


def queue_filtered(
    reports: QuerySet[ProgressReport],
    *,
    unit_id: int | None = None,
    plan_id: int | None = None,
    period: date | None = None,
) -> QuerySet[ProgressReport]:
    """The queue narrowed by lead unit, plan and period (each optional)."""
    if unit_id is not None:
        reports = reports.filter(subitem__lead_unit_id=unit_id)
    if plan_id is not None:
        reports = reports.filter(subitem__project__plan_id=plan_id)
    if period is not None:
        reports = reports.filter(period=period)
    return reports


def queue_choices(reports: QuerySet[ProgressReport]) -> dict[str, list]:
    """What the queue's filters offer: the units, plans and periods of the reports waiting
    (the whole queue, not the filtered one). Three queries."""
    pending = reports.order_by()
    units = Unit.objects.filter(pk__in=pending.values("subitem__lead_unit_id")).order_by("name")
    plans = Plan.objects.filter(pk__in=pending.values("subitem__project__plan_id")).order_by(
        "-year", "title"
    )
    found = pending.values_list("period", flat=True).distinct().order_by("-period")
    return {"units": list(units), "plans": list(plans), "periods": list(found)}


def jurisdiction_rows(jurisdiction_id: int | None) -> QuerySet[ItemStatus]:
    """The stored statuses of one jurisdiction (None: every jurisdiction)."""
    rows = ItemStatus.objects.all()
    return rows if jurisdiction_id is None else rows.filter(jurisdiction_id=jurisdiction_id)


def missing_items(*, jurisdiction_id: int | None, period: date) -> list[SubItem]:
    """The sub-items with no report for the period, by their shown status (missing after the
    deadline, pending before it): no submitted or approved report (a draft or a returned report
    is none) and not completed in an earlier period. Each with its lead unit and
    `report_state` (the state of the report it has, if any). Two queries, whatever the number."""
    state_now = ProgressReport.objects.filter(subitem_id=OuterRef("subitem_id"), period=period)
    rows = (
        jurisdiction_rows(jurisdiction_id)
        .filter(ABSENT, period=period)
        .select_related("subitem__project__plan__jurisdiction", "subitem__lead_unit__jurisdiction")
        .annotate(report_state=Subquery(state_now.values("state")[:1]))
        .order_by("subitem__lead_unit__name", "subitem__project__order", "subitem__number")
    )
    items = []
    for row in rows:
        row.subitem.report_state = row.report_state or ""
        items.append(row.subitem)
    return items


def reported_periods(jurisdiction_id: int | None, *, limit: int) -> list[date]:
    """The latest periods with any report, latest first."""
    rows = jurisdiction_rows(jurisdiction_id).filter(has_report=True).order_by("-period")
    return list(rows.values_list("period", flat=True).distinct()[:limit])
