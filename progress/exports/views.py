"""Export and publishing pages for supervisors.

Access: anonymous users go to the login page. A plan of another jurisdiction is 404 (admins see
every plan); in the plan's own jurisdiction, anyone who is not a supervisor (reporters) gets 403.
A period that is not one of the plan's reporting periods is 404.

The downloads are built into a temporary file by the streaming builders of progress.exports.xlsx
(openpyxl write-only) and sent with FileResponse in blocks, so neither the rows nor the file
are held in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from typing import BinaryIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from progress import periods
from progress.exports import selectors as selectors_exports
from progress.exports import services as services_publish
from progress.exports import xlsx as exports
from progress.exports.docx import DOCX_CONTENT_TYPE, write_ledger_docx
from progress.models import Publication
from projects import roles
from projects.models import Plan

# --- access -------------------------------------------------------------------------------


def _supervisor(request: HttpRequest):
    user = request.user
    prefetch_related_objects([user], "groups")  # the role checks here and in the nav read them
    return user


def _get_plan_for_export(request: HttpRequest, pk: int) -> Plan:
    """The plan, if the user may export and publish it: 404 to other jurisdictions, 403 to
    people of its jurisdiction who are not supervisors."""
    user = _supervisor(request)
    plan = get_object_or_404(Plan.objects.select_related("jurisdiction"), pk=pk)
    if roles.is_admin(user):
        return plan
    if user.jurisdiction_id is None or user.jurisdiction_id != plan.jurisdiction_id:
        raise Http404
    if not roles.is_supervisor(user):
        raise PermissionDenied
    return plan


def plan_period(plan: Plan, text: str) -> date:
    """'2024-10' of the plan's reporting periods, else 404."""
    period = periods.parse_period(text)
    if not selectors_exports.is_plan_period(plan, period):
        raise Http404
    assert period is not None
    return period


# --- files -------------------------------------------------------------------------------------


def file_response(write: Callable[[BinaryIO], object], filename: str, content_type: str):
    """Write into a temporary file (on disk past a few MB) and stream it back."""
    tmp = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - the response closes it
    write(tmp)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=filename, content_type=content_type)


def stamp(publication: Publication | None) -> str:
    """The line above the title: when it was published, or when this copy was made."""
    if publication is not None:
        return f"发布时间:{timezone.localtime(publication.published_at):%Y-%m-%d %H:%M}"
    return f"导出时间:{timezone.localtime():%Y-%m-%d %H:%M}"


def monthly_response(
    plan: Plan, period: date, *, publication: Publication | None, show_persons: bool
):
    title = exports.monthly_title(
        jurisdiction=plan.jurisdiction.name, plan_title=plan.title, year=plan.year, period=period
    )
    return file_response(
        lambda out: exports.write_monthly_xlsx(
            out,
            title=title,
            period=period,
            rows=selectors_exports.monthly_table_rows(plan, period),
            above=stamp(publication),
            show_persons=show_persons,
        ),
        f"{title}.xlsx",
        exports.XLSX_CONTENT_TYPE,
    )


def ledger_title(plan: Plan, period: date) -> str:
    return exports.ledger_title(
        jurisdiction=plan.jurisdiction.name,
        plan_title=plan.title,
        year=plan.year,
        period=period,
        quarterly=plan.reporting_cycle == Plan.Cycle.QUARTERLY,
    )


def ledger_xlsx_response(plan: Plan, period: date):
    title = ledger_title(plan, period)
    return file_response(
        lambda out: exports.write_ledger_xlsx(
            out, title=title, rows=selectors_exports.ledger_rows(plan, period)
        ),
        f"{title}.xlsx",
        exports.XLSX_CONTENT_TYPE,
    )


# --- pages ----------------------------------------------------------------------------------------


@login_required
@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    """The plans the user may export and publish."""
    user = _supervisor(request)
    if not roles.is_supervisor(user):
        raise PermissionDenied
    return render(
        request,
        "progress/exports/plans.html",
        {"plans": selectors_exports.exportable_plans(user), "sees_all": roles.is_admin(user)},
    )


@login_required
@require_GET
def index(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan's periods with their downloads and the publish / unpublish forms."""
    plan = _get_plan_for_export(request, pk)
    total, lines = selectors_exports.plan_periods(plan)
    return render(
        request,
        "progress/exports/index.html",
        {
            "plan": plan,
            "total": total,
            "lines": lines,
            "quarterly": plan.reporting_cycle == Plan.Cycle.QUARTERLY,
        },
    )


@login_required
@require_GET
@never_cache
def monthly(request: HttpRequest, pk: int, period: str) -> FileResponse:
    plan = _get_plan_for_export(request, pk)
    when = plan_period(plan, period)
    publication = selectors_exports.publication(plan.pk, when)
    return monthly_response(plan, when, publication=publication, show_persons=True)


@login_required
@require_GET
@never_cache
def ledger_xlsx(request: HttpRequest, pk: int, period: str) -> FileResponse:
    plan = _get_plan_for_export(request, pk)
    return ledger_xlsx_response(plan, plan_period(plan, period))


@login_required
@require_GET
@never_cache
def ledger_docx(request: HttpRequest, pk: int, period: str) -> FileResponse:
    plan = _get_plan_for_export(request, pk)
    when = plan_period(plan, period)
    title = ledger_title(plan, when)
    return file_response(
        lambda out: write_ledger_docx(
            out, title=title, rows=selectors_exports.ledger_rows(plan, when)
        ),
        f"{title}.docx",
        DOCX_CONTENT_TYPE,
    )


@login_required
@require_GET
@never_cache
def plan_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    plan = _get_plan_for_export(request, pk)
    return file_response(
        lambda out: exports.write_plan_xlsx(
            out, title=plan.title, rows=selectors_exports.plan_rows(plan)
        ),
        f"{plan.title}.xlsx",
        exports.XLSX_CONTENT_TYPE,
    )


@login_required
@require_POST
def publish(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """Publish (action=publish, with show_persons) or take down (action=unpublish) a period."""
    plan = _get_plan_for_export(request, pk)
    when = plan_period(plan, period)
    action = request.POST.get("action", "")
    label = periods.label(when)
    try:
        if action == "publish":
            services_publish.publication_publish(
                plan=plan,
                period=when,
                user=request.user,
                show_persons=request.POST.get("show_persons") == "on",
            )
            messages.success(
                request, _("The table of %(period)s is published.") % {"period": label}
            )
        elif action == "unpublish":
            if services_publish.publication_unpublish(plan=plan, period=when, user=request.user):
                messages.success(
                    request, _("The table of %(period)s is no longer public.") % {"period": label}
                )
        else:
            messages.error(request, _("Choose publish or unpublish."))
    except services_publish.PublishError as exc:
        messages.error(request, str(exc))
    return redirect("exports:index", pk=plan.pk)
