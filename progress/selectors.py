"""Reads the reporting pages need: querysets scoped to the user, joined and prefetched."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from progress import periods
from progress.models import Contribution, ProgressReport, ReviewEvent
from projects import roles
from projects.models import CoUnit, SubItem


def visible_subitems(user) -> QuerySet[SubItem]:
    """Every sub-item the user may read: admins all, supervisors their jurisdiction, reporters
    the items their unit leads or co-operates on. Outsiders get nothing."""
    return SubItem.objects.select_related(
        "project__plan__jurisdiction", "project__category", "lead_unit"
    ).filter(scope_q(user))


def completed_earlier(subitem, period: date) -> QuerySet[ProgressReport]:
    """Reports of periods before `period` that marked the sub-item completed (drafts don't
    count). `subitem` is a SubItem or an OuterRef, for Exists()."""
    return ProgressReport.objects.filter(
        subitem=subitem, period__lt=period, status="completed"
    ).exclude(state=ProgressReport.State.DRAFT)


def with_access_data(qs: QuerySet[SubItem]) -> QuerySet[SubItem]:
    """Load what the permission rules read (co-unit ids) with the sub-items."""
    return qs.prefetch_related(
        Prefetch("co_unit_links", queryset=CoUnit.objects.only("id", "subitem_id", "unit_id"))
    )


def default_period(user, today: date | None = None) -> date:
    """The period being filled now; for a unit whose plans are all of earlier years, the latest
    period it has reports for (so the demo's imported years open on something)."""
    today = today or timezone.localdate()
    period = periods.current_period(today, settings.REPORT_DEADLINE_DAY)
    if not user.unit_id:
        return period
    years = set(
        SubItem.objects.filter(lead_unit_id=user.unit_id)
        .values_list("project__plan__year", flat=True)
        .distinct()
    )
    if not years or period.year in years:
        return period
    latest = (
        ProgressReport.objects.filter(subitem__lead_unit_id=user.unit_id)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    return latest or date(max(years), 12, 1)


def my_items(user, period: date) -> list[SubItem]:
    """The active sub-items the user's unit leads in plans of the period's year, each with
    `.current` (this period's report or None), `.previous` (last period's) and `.done_before`
    (a report of an earlier period that marked it completed)."""
    if not user.unit_id:
        return []
    prev_month = periods.add_months(period, -1)
    prev_quarter = periods.add_months(period, -3)
    reports = ProgressReport.objects.filter(period__in=[period, prev_month, prev_quarter]).only(
        "id", "subitem_id", "period", "state", "status", "completion", "version"
    )
    completed = completed_earlier(OuterRef("pk"), period)
    qs = (
        SubItem.objects.active()
        .filter(lead_unit_id=user.unit_id, project__plan__year=period.year)
        .select_related("project__plan", "lead_unit")
        .annotate(done_before=Exists(completed))
        .prefetch_related(Prefetch("reports", queryset=reports, to_attr="recent_reports"))
        .order_by("project__plan__title", "project__order", "number")
    )
    items = []
    for sub in qs:
        quarterly = sub.project.plan.reporting_cycle == "quarterly"
        if not periods.is_reporting_period(period, quarterly=quarterly):
            continue
        by_period = {r.period: r for r in sub.recent_reports}
        sub.current = by_period.get(period)
        sub.previous = by_period.get(periods.previous_period(period, quarterly=quarterly))
        sub.deadline = periods.deadline(period, settings.REPORT_DEADLINE_DAY)
        items.append(sub)
    return items


def cooperating_items(user, period: date) -> QuerySet[SubItem]:
    if not user.unit_id:
        return SubItem.objects.none()
    mine = Contribution.objects.filter(period=period, unit_id=user.unit_id)
    return (
        SubItem.objects.active()
        .filter(co_unit_links__unit_id=user.unit_id, project__plan__year=period.year)
        .select_related("project__plan", "lead_unit")
        .prefetch_related(Prefetch("contributions", queryset=mine, to_attr="my_contributions"))
        .order_by("project__plan__title", "project__order", "number")
        .distinct()
    )


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


def report_events(report: ProgressReport) -> QuerySet[ReviewEvent]:
    return report.events.select_related("actor")


def missing_reports(*, jurisdiction_id: int | None, period: date) -> QuerySet[SubItem]:
    """Active lead sub-items of the period's year with no submitted or approved report for the period
    (drafts count as missing), and not completed earlier."""
    done = ProgressReport.objects.filter(
        subitem=OuterRef("pk"),
        period=period,
        state__in=[ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED],
    )
    completed = completed_earlier(OuterRef("pk"), period)
    qs = SubItem.objects.active().filter(project__plan__year=period.year, lead_unit__isnull=False)
    if jurisdiction_id is not None:
        qs = qs.filter(project__plan__jurisdiction_id=jurisdiction_id)
    qs = qs.filter(~Exists(done), ~Exists(completed))
    if period.month not in periods.QUARTER_END_MONTHS:
        qs = qs.exclude(project__plan__reporting_cycle="quarterly")
    return qs.select_related("project__plan", "lead_unit").order_by(
        "lead_unit__name", "project__order", "number"
    )


# -- statuses for dashboards and lists ------------------------------------------------------

SHOWN_STATUSES = (
    "not_started",
    "on_track",
    "ahead",
    "lagging",
    "completed",
    "missing",
    "pending",
    "unknown",
)


def scope_q(user, prefix: str = "") -> Q:
    """The sub-items a user may read, as a filter usable from any model that reaches them
    through `prefix` (e.g. "subitem__"). Cheaper than an IN over visible_subitems()."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if roles.is_admin(user):
        return Q()
    q = Q(pk__in=[])
    if roles.has_role(user, roles.SUPERVISOR) and user.jurisdiction_id:
        q |= Q(**{f"{prefix}project__plan__jurisdiction_id": user.jurisdiction_id})
    if user.unit_id:
        q |= Q(**{f"{prefix}lead_unit_id": user.unit_id})
        q |= Q(
            **{f"{prefix}pk__in": CoUnit.objects.filter(unit_id=user.unit_id).values("subitem_id")}
        )
    return q


def deadline_passed(period: date, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return today > periods.deadline(period, settings.REPORT_DEADLINE_DAY)


def status_rows(user, period: date, *, today: date | None = None):
    """ItemStatus rows of one period that the user may read, each annotated with `shown`: the
    reported status when the unit reported, else 未报送 (missing) once the deadline has passed,
    else pending; `unknown` for a report without a status."""
    from django.db.models import Case, CharField, F, Value, When

    from progress.models import ItemStatus

    absent = "missing" if deadline_passed(period, today) else "pending"
    return (
        ItemStatus.objects.filter(period=period)
        .filter(scope_q(user, "subitem__"))
        .annotate(
            shown=Case(
                When(has_report=True, reported_status="", then=Value("unknown")),
                When(has_report=True, then=F("reported_status")),
                default=Value(absent),
                output_field=CharField(),
            )
        )
    )


def latest_period_with_reports(user) -> date | None:
    """The default period of the dashboards: the latest one with any report the user may read."""
    from progress.models import ItemStatus

    return (
        ItemStatus.objects.filter(has_report=True)
        .filter(scope_q(user, "subitem__"))
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
