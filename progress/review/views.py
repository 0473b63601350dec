"""Review pages for supervisors: the queue of submitted reports, one report with its history and
the approve / return / reopen forms, and the reports still missing after the deadline.

Access: anonymous users go to the login page. On the queue and the missing-reports page, anyone
who is not a supervisor or an admin gets 403. On a report, people who may not even read the
item (another jurisdiction's supervisor, an unrelated unit) get 404; people who may read it but
not review it (the reporters of its lead and co-operating units) get 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Subquery, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from progress import periods
from progress.models import IndicatorValue, ProgressReport
from progress.reporting import selectors, services
from projects import roles
from projects.models import CoUnit, Jurisdiction, SubItem, Unit

QUEUE_PAGE_SIZE = 50
RECENT_PERIODS = 12
ACTIONS = ("approve", "return", "reopen")
FORMS_BY_STATE = {  # the decision forms the review page shows for a report in each state
    ProgressReport.State.SUBMITTED: ("approve", "return"),
    ProgressReport.State.APPROVED: ("reopen",),
}


def last_closed_period(today: date | None = None) -> date:
    """The latest period whose reporting deadline has passed.

    current_period() is the period being filled now (last month's until the deadline day, this
    month's after it); the one before it is the latest whose deadline is behind us.
    """
    today = today or timezone.localdate()
    return periods.add_months(periods.current_period(today, settings.REPORT_DEADLINE_DAY), -1)


# --- access -------------------------------------------------------------------------------


def _reviewer(request: HttpRequest):
    """The signed-in user, if they review reports at all (a supervisor or an admin); else 403."""
    user = request.user
    prefetch_related_objects([user], "groups")  # the role checks below and in the nav read them
    if not roles.is_supervisor(user):
        raise PermissionDenied
    return user


def _get_report_for_review(request: HttpRequest, pk: int) -> ProgressReport:
    """The report, if the user may review it: 404 to outsiders, 403 to those who only read it."""
    user = request.user
    prefetch_related_objects([user], "groups")
    report = get_object_or_404(
        ProgressReport.objects.select_related(
            "subitem__project__plan__jurisdiction",
            "subitem__project__category",
            "subitem__lead_unit",
            "submitted_by",
        ).prefetch_related(
            Prefetch(
                "subitem__co_unit_links",
                queryset=CoUnit.objects.select_related("unit").order_by("order"),
            )
        ),
        pk=pk,
    )
    if not user.has_perm("progress.view_item", report):
        raise Http404
    if not user.has_perm("progress.review_report", report):
        raise PermissionDenied
    return report


# --- the queue ------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _reviewer(request)
    reports = selectors.review_queue(user).select_related("subitem__project__plan__jurisdiction")
    page = Paginator(reports, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "progress/review/queue.html",
        {"page": page, "reports": page.object_list, "sees_all": roles.is_admin(user)},
    )


# --- one report ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report_for_review(request, pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        from_queue = request.POST.get("next") == "queue"
        if action not in ACTIONS:
            errors["form"] = _("Choose approve, return or reopen.")
        elif _version_moved(request, report):
            messages.error(
                request,
                _(
                    "This report changed while you were reading it: read it again before you decide."
                ),
            )
            return redirect("review:report", pk=report.pk)
        else:
            try:
                _apply(
                    action, report=report, user=request.user, text=request.POST.get("comment", "")
                )
            except services.ReportError as exc:
                if from_queue:
                    messages.error(request, str(exc))
                    return redirect("review:queue")
                # next to its form if the page shows that form for this state, else on top
                shown = FORMS_BY_STATE.get(report.state, ())
                errors[action if action in shown else "form"] = str(exc)
            else:
                messages.success(request, _done_message(action, report))
                # after a decision the supervisor moves on to the next report
                if action == "reopen":
                    return redirect("review:report", pk=report.pk)
                return redirect("review:queue")
    values = IndicatorValue.objects.filter(report=report).select_related("indicator")
    return render(
        request,
        "progress/review/report.html",
        {
            "report": report,
            "subitem": report.subitem,
            "co_units": [link.unit for link in report.subitem.co_unit_links.all()],
            "events": selectors.report_events(report),
            "attachments": report.attachments.select_related("uploaded_by"),
            "values": values,
            "milestones_achieved": report.milestones_achieved.all(),
            "deadline": periods.deadline(report.period, settings.REPORT_DEADLINE_DAY),
            "errors": errors,
            "posted": request.POST if request.method == "POST" else {},
        },
        status=400 if errors else 200,
    )


def _version_moved(request: HttpRequest, report: ProgressReport) -> bool:
    """The form carries the version the supervisor read; a resubmission since then moved it."""
    posted = request.POST.get("version", "")
    return posted.isdigit() and int(posted) != report.version


def _apply(action: str, *, report: ProgressReport, user, text: str) -> ProgressReport:
    if action == "approve":
        return services.report_approve(report=report, user=user)
    if action == "return":
        return services.report_return(report=report, user=user, comment=text)
    return services.report_reopen(report=report, user=user, reason=text)


def _done_message(action: str, report: ProgressReport) -> str:
    name = str(report.subitem)
    if len(name) > 40:
        name = name[:39] + "…"
    params = {"item": name, "period": periods.label(report.period)}
    if action == "approve":
        return _("Approved: %(item)s, %(period)s.") % params
    if action == "return":
        return _("Returned to the unit with your comment: %(item)s, %(period)s.") % params
    return _("Reopened for the unit: %(item)s, %(period)s.") % params


# --- missing reports ----------------------------------------------------------------------


@dataclass
class UnitMissing:
    unit: Unit
    items: list[SubItem] = field(default_factory=list)


@login_required
@require_GET
def missing(request: HttpRequest) -> HttpResponse:
    user = _reviewer(request)
    sees_all = roles.is_admin(user)
    default = last_closed_period()
    period = periods.parse_period(request.GET.get("period")) or default

    jurisdictions = Jurisdiction.objects.all() if sees_all else Jurisdiction.objects.none()
    if sees_all:
        chosen = request.GET.get("jurisdiction", "")
        jurisdiction_id = int(chosen) if chosen.isdigit() else None
    else:
        jurisdiction_id = user.jurisdiction_id

    groups: list[UnitMissing] = []
    if sees_all or jurisdiction_id:
        state_now = ProgressReport.objects.filter(subitem=OuterRef("pk"), period=period)
        items = (
            selectors.missing_reports(jurisdiction_id=jurisdiction_id, period=period)
            .select_related("project__plan__jurisdiction", "lead_unit__jurisdiction")
            .annotate(report_state=Subquery(state_now.values("state")[:1]))
        )
        state_labels = dict(ProgressReport.State.choices)
        by_unit: dict[int, UnitMissing] = {}
        for item in items:
            item.report_state_label = state_labels.get(item.report_state, "")
            by_unit.setdefault(item.lead_unit_id, UnitMissing(unit=item.lead_unit)).items.append(
                item
            )
        groups = sorted(by_unit.values(), key=lambda g: (g.unit.jurisdiction.name, g.unit.name))

    reported_periods = ProgressReport.objects.all()
    if not sees_all and not jurisdiction_id:
        reported_periods = reported_periods.none()
    elif jurisdiction_id:
        reported_periods = reported_periods.filter(
            subitem__project__plan__jurisdiction_id=jurisdiction_id
        )
    deadline = periods.deadline(period, settings.REPORT_DEADLINE_DAY)
    return render(
        request,
        "progress/review/missing.html",
        {
            "period": period,
            "period_value": periods.label(period),
            "deadline": deadline,
            "deadline_passed": deadline < timezone.localdate(),
            "groups": groups,
            "item_count": sum(len(g.items) for g in groups),
            "sees_all": sees_all,
            "jurisdictions": jurisdictions,
            "jurisdiction_id": jurisdiction_id,
            "reported_periods": [
                periods.label(p)
                for p in reported_periods.order_by("-period")
                .values_list("period", flat=True)
                .distinct()[:RECENT_PERIODS]
            ],
        },
    )
