"""Review pages for supervisors: the queue of submitted reports, one report with its history and
the approve / return / reopen forms, and the reports still missing after the deadline.

Access (progress.access): anonymous users go to the login page. On the queue and the
missing-reports page, anyone who is not a supervisor or an admin gets 403; a supervisor asking
for another jurisdiction gets 404. On a report, people who may not even read the item (another
jurisdiction's supervisor, an unrelated unit) get 404; people who may read it but not review it
(the reporters of its lead and co-operating units) get 403.

The missing-reports page lists the items whose shown status is missing (or pending, before the
deadline): the items the dashboard and the item list count as 未报送. It opens on the last period
whose deadline has passed and that has anything due (progress.periods.missing_default).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from progress import access, params, periods
from progress.access import REVIEW
from progress.exports.jobs import missing_export_job
from progress.items import selectors as item_selectors
from progress.items.reasons import explanations
from progress.models import IndicatorValue, ProgressReport, Reminder
from progress.reminders import selectors as reminder_selectors
from progress.reminders.services import REPEAT_AFTER
from progress.reporting import selectors as reporting_selectors
from progress.reporting.services import ReportError
from progress.review import selectors, services
from progress.statuses.shown import COMPUTED_LABELS
from projects import roles
from projects.models import Jurisdiction, Plan, SubItem, Unit

QUEUE_PAGE_SIZE = 50
RECENT_PERIODS = 12
ACTIONS = ("approve", "return", "reopen")
FORMS_BY_STATE = {  # the decision forms the review page shows for a report in each state
    ProgressReport.State.SUBMITTED: ("approve", "return"),
    ProgressReport.State.APPROVED: ("reopen",),
}


# --- the queue ------------------------------------------------------------------------------


def _id(text: str | None) -> int | None:
    return params.parse_id(text)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = access.supervisor(request)
    waiting = selectors.review_queue(user)
    asked = {
        "unit": _id(request.GET.get("unit")),
        "plan": _id(request.GET.get("plan")),
        "period": params.period_in_query(request),
    }
    reports = selectors.queue_filtered(
        waiting, unit_id=asked["unit"], plan_id=asked["plan"], period=asked["period"]
    )
    page = Paginator(reports, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "progress/review/queue.html",
        {
            "page": page,
            "reports": page.object_list,
            "sees_all": roles.is_admin(user),
            "choices": selectors.queue_choices(waiting),
            "asked": asked,
            "filtered": any(v is not None for v in asked.values()),
            "query": query.urlencode(),
        },
    )


@login_required
@require_POST
def approve_selected(request: HttpRequest) -> HttpResponse:
    """Approve the reports ticked in the queue: one review step and history row each."""
    user = access.supervisor(request)
    ids = [pk for pk in map(params.parse_id, request.POST.getlist("report")) if pk is not None]
    back = reverse("review:queue")
    if request.POST.get("query"):
        back += "?" + request.POST["query"]
    if not ids:
        messages.error(request, _("Tick the reports to approve first."))
        return redirect(back)
    # only reports of the queue (the user's jurisdiction, submitted): others are not found
    reports = list(selectors.review_queue(user).filter(pk__in=ids))
    versions = {}
    for report in reports:
        version = request.POST.get(f"version-{report.pk}", "")
        versions[report.pk] = params.version_in_form({"version": version})
    approved, refused = services.reports_approve(reports=reports, versions=versions, user=user)
    if approved:
        messages.success(
            request,
            ngettext("Approved %(count)d report.", "Approved %(count)d reports.", len(approved))
            % {"count": len(approved)},
        )
    missing = len(ids) - len(reports)
    for report, reason in refused:
        messages.error(
            request,
            _("Not approved: %(item)s, %(period)s: %(reason)s.")
            % {"item": _short(report), "period": periods.label(report.period), "reason": reason},
        )
    if missing:
        messages.error(
            request,
            ngettext(
                "%(count)d ticked report is no longer waiting for review.",
                "%(count)d ticked reports are no longer waiting for review.",
                missing,
            )
            % {"count": missing},
        )
    return redirect(back)


def _short(report: ProgressReport) -> str:
    name = str(report.subitem)
    return name if len(name) <= 40 else name[:39] + "…"


# --- one report ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review_report(request: HttpRequest, pk: int) -> HttpResponse:
    access.signed_in(request)
    report = access.report_for(request, pk, REVIEW)
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
            except ReportError as exc:
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
            **_judgement(report),
            "report": report,
            "subitem": report.subitem,
            "co_units": [link.unit for link in report.subitem.co_unit_links.all()],
            "events": reporting_selectors.report_events(report),
            "attachments": report.attachments.select_related("uploaded_by"),
            "values": values,
            "milestones_achieved": report.milestones_achieved.all(),
            "deadline": periods.deadline(report.period),
            "errors": errors,
            "posted": request.POST if request.method == "POST" else {},
        },
        status=400 if errors else 200,
    )


def _judgement(report: ProgressReport) -> dict:
    """What the reviewer reads beside the report: the computed status with its reasons, the
    milestones as of the period, the indicators' targets, last period's report and the report's
    history of saves (item_selectors.item_page: ten queries, whatever the history)."""
    page = item_selectors.item_page(report.subitem, report.period)
    evaluation = page.evaluation
    quarterly = report.subitem.project.plan.is_quarterly
    previous_period = periods.previous_period(report.period, quarterly=quarterly)
    start, end = evaluation.period_start, evaluation.period_end
    return {
        "computed": evaluation.computed.status or "",
        "computed_label": COMPUTED_LABELS.get(evaluation.computed.status or "", ""),
        "mismatch": evaluation.mismatch,
        "reasons": explanations(page),
        "thresholds": {
            "low": round(settings.STATUS_LAGGING_BELOW * 100),
            "high": round(settings.STATUS_AHEAD_ABOVE * 100),
        },
        "period_start": start,
        "period_end": end,
        "timeline": page.timeline,
        "due_now": [m for m in page.timeline if start <= m.due <= end],
        "targets": [(s, [t for t in s.targets]) for s in page.series if s.targets],
        "previous": next((r for r in page.reports if r.period == previous_period), None),
        "history": reporting_selectors.report_history(report),
    }


def _version_moved(request: HttpRequest, report: ProgressReport) -> bool:
    """The form carries the version the supervisor read; a resubmission since then moved it."""
    posted = params.version_in_form(request.POST)
    return posted is not None and posted != report.version


def _apply(action: str, *, report: ProgressReport, user, text: str) -> ProgressReport:
    if action == "approve":
        return services.report_approve(report=report, user=user)
    if action == "return":
        return services.report_return(report=report, user=user, comment=text)
    return services.report_reopen(report=report, user=user, reason=text)


def _done_message(action: str, report: ProgressReport) -> str:
    params = {"item": _short(report), "period": periods.label(report.period)}
    if action == "approve":
        return _("Approved: %(item)s, %(period)s.") % params
    if action == "return":
        return _("Returned to the unit with your comment: %(item)s, %(period)s.") % params
    return _("Reopened for the unit: %(item)s, %(period)s.") % params


# --- missing reports ----------------------------------------------------------------------


@dataclass
class UnitMissing:
    unit: Unit | None  # None: items without a lead unit
    plan: Plan  # of the first item: its jurisdiction names the group for admins
    items: list[SubItem] = field(default_factory=list)
    last_reminder: Reminder | None = None


@login_required
@require_GET
def missing(request: HttpRequest) -> HttpResponse:
    user = access.supervisor(request)
    sees_all = roles.is_admin(user)
    place = access.jurisdiction_for(request, user)
    jurisdiction_id = place.pk if place is not None else None
    may_see = sees_all or jurisdiction_id is not None
    rows = selectors.jurisdiction_rows(jurisdiction_id)
    asked = params.period_in_query(request)
    period = asked or (periods.missing_default(rows) if may_see else periods.last_closed_period())

    groups: list[UnitMissing] = []
    state_labels = dict(ProgressReport.State.choices)
    if may_see:
        by_unit: dict[tuple[int, int | None], UnitMissing] = {}
        for item in selectors.missing_items(jurisdiction_id=jurisdiction_id, period=period):
            item.report_state_label = state_labels.get(item.report_state, "")
            plan = item.project.plan
            group = by_unit.setdefault(
                (plan.jurisdiction_id, item.lead_unit_id),
                UnitMissing(unit=item.lead_unit, plan=plan),
            )
            group.items.append(item)
        groups = sorted(
            by_unit.values(),
            key=lambda g: (g.plan.jurisdiction.name, g.unit is None, g.unit.name if g.unit else ""),
        )
    recent = selectors.reported_periods(jurisdiction_id, limit=RECENT_PERIODS) if may_see else []
    sent = (
        list(reminder_selectors.reminders_of(period=period, jurisdiction_id=jurisdiction_id))
        if may_see
        else []
    )
    last_sent = {}
    for reminder in sent:  # latest first
        last_sent.setdefault(reminder.unit_id, reminder)
    since = timezone.now() - REPEAT_AFTER
    for group in groups:
        group.last_reminder = last_sent.get(group.unit.pk) if group.unit else None
    return render(
        request,
        "progress/review/missing.html",
        {
            "period": period,
            "period_value": periods.label(period),
            "deadline": periods.deadline(period),
            "deadline_passed": periods.deadline_passed(period),
            "groups": groups,
            "item_count": sum(len(g.items) for g in groups),
            "sees_all": sees_all,
            "jurisdictions": Jurisdiction.objects.all()
            if sees_all
            else Jurisdiction.objects.none(),
            "jurisdiction_id": jurisdiction_id,
            "reported_periods": [periods.label(p) for p in recent],
            "reminders": sent,
            "remindable": sum(1 for g in groups if g.unit is not None),
            "reminded_recently": any(r.sent_at >= since for r in last_sent.values()),
        },
    )


@login_required
@require_GET
def missing_export(request: HttpRequest) -> HttpResponse:
    """The missing-reports list of a period as .xlsx: the page's items, by unit. A whole
    jurisdiction's list (or every jurisdiction's, for admins): a worker always writes it and
    the person waits on the job's page (progress.exports.jobs)."""
    user = access.supervisor(request)
    sees_all = roles.is_admin(user)
    place = access.jurisdiction_for(request, user)
    jurisdiction_id = place.pk if place is not None else None
    if not sees_all and jurisdiction_id is None:
        raise Http404
    rows = selectors.jurisdiction_rows(jurisdiction_id)
    period = params.period_in_query(request) or periods.missing_default(rows)
    job = missing_export_job(
        user=user, jurisdiction=place, period=period, with_jurisdiction=sees_all
    )
    return redirect("jobs:detail", pk=job.pk)
