"""Export and publishing pages for supervisors: /exports/...

Access: anonymous users go to the login page. A plan of another jurisdiction is 404 (admins see
every plan); in the plan's own jurisdiction, anyone who is not a supervisor (reporters) gets 403
(progress.access.plan_for_export). A period that is not one of the plan's reporting periods is
404.

The downloads (the monthly table, the ledger, the plan list) are a whole jurisdiction's lists: a
worker always writes them (progress.exports.jobs) and the person waits on the job's page, which
offers the file to the asker and the jurisdiction's supervisors for EXPORT_KEEP_HOURS. The index
runs three queries whatever the number of periods (progress.exports.selectors.plan_periods).
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from progress import access, params, periods
from progress.exports import selectors, services
from progress.exports.jobs import plan_export_job
from projects import roles
from projects.models import Plan


def _queued(request: HttpRequest, plan: Plan, what: str, period=None) -> HttpResponse:
    """A plan's file is a whole jurisdiction's list: a worker always writes it, whatever its
    size (progress.exports.background), and the person waits on the job's page."""
    job = plan_export_job(user=request.user, plan=plan, what=what, period=period)
    return redirect("jobs:detail", pk=job.pk)


def plan_period(plan: Plan, text: str) -> date:
    """'2024-10' of the plan's reporting periods, else 404."""
    period = params.period_in_path(text)
    if not plan.reports_on(period):
        raise Http404
    return period


@login_required
@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    """The plans the user may export and publish."""
    user = access.supervisor(request)
    return render(
        request,
        "progress/exports/plans.html",
        {"plans": selectors.exportable_plans(user), "sees_all": roles.is_admin(user)},
    )


@login_required
@require_GET
def index(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan's periods with their downloads and the publish / unpublish forms."""
    plan = access.plan_for_export(request, pk)
    total, lines = selectors.plan_periods(plan)
    return render(
        request,
        "progress/exports/index.html",
        {"plan": plan, "total": total, "lines": lines, "quarterly": plan.is_quarterly},
    )


@login_required
@require_GET
@never_cache
def monthly(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    plan = access.plan_for_export(request, pk)
    when = plan_period(plan, period)
    return _queued(request, plan, "monthly", when)


@login_required
@require_GET
@never_cache
def ledger(request: HttpRequest, pk: int, period: str, docx: bool = False) -> HttpResponse:
    """The quarterly ledger: .xlsx, or .docx (the URL says which)."""
    plan = access.plan_for_export(request, pk)
    when = plan_period(plan, period)
    return _queued(request, plan, "ledger_docx" if docx else "ledger_xlsx", when)


@login_required
@require_GET
@never_cache
def plan_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.plan_for_export(request, pk)
    return _queued(request, plan, "plan")


@login_required
@require_POST
def publish(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """Publish (action=publish, with show_persons) or take down (action=unpublish) a period:
    the first POST shows what would happen, with the numbers of unapproved and missing
    reports; only the POST of that page (confirmed=1) does it."""
    plan = access.plan_for_export(request, pk)
    when = plan_period(plan, period)
    action = request.POST.get("action", "")
    label = periods.label(when)
    if action in ("publish", "unpublish") and request.POST.get("confirmed") != "1":
        # the first click asks: what would go public, and what is still missing from it
        return render(
            request,
            "progress/exports/confirm_publish.html",
            {
                "plan": plan,
                "period": when,
                "period_value": label,
                "action": action,
                "show_persons": request.POST.get("show_persons") == "on",
                "readiness": selectors.publish_readiness(plan, when),
                "publication": selectors.publication(plan.pk, when),
            },
        )
    try:
        if action == "publish":
            services.publication_publish(
                plan=plan,
                period=when,
                user=request.user,
                show_persons=request.POST.get("show_persons") == "on",
            )
            messages.success(
                request, _("The table of %(period)s is published.") % {"period": label}
            )
        elif action == "unpublish":
            if services.publication_unpublish(plan=plan, period=when, user=request.user):
                messages.success(
                    request, _("The table of %(period)s is no longer public.") % {"period": label}
                )
        else:
            messages.error(request, _("Choose publish or unpublish."))
    except services.PublishError as exc:
        messages.error(request, str(exc))
    return redirect("exports:index", pk=plan.pk)
