"""The reporter side: my reports, the progress form, the report page, contributions, files.
/progress/...

Access (progress.access): outsiders (who may not see the item) get 404, people who may see it
but not do this get 403; only the lead unit's reporters fill in the form, only co-operating
units' reporters write a contribution, admins neither (they correct data in the admin site).
An item completed in an earlier period gets neither a form nor a contribution form.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from progress import access, formatting, params, periods, statuses
from progress.access import CONTRIBUTE, FILL, REVIEW, VIEW
from progress.models import Attachment, Contribution, ProgressReport, Status
from progress.reporting import rows, selectors, services
from progress.reporting.forms import COMPLETION_SOFT_LIMIT, ContributionForm, ReportForm
from projects.models import IndicatorTarget, Milestone, SubItem

ACTIONS = ("save", "submit")
REVIEWABLE = (ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)


# --- helpers ------------------------------------------------------------------------------


def _period_of(subitem: SubItem, text: str) -> tuple[date, bool]:
    """The period of the URL and whether the plan is quarterly; 404 for no reporting period."""
    period = params.period_in_path(text)
    plan = subitem.project.plan
    if not plan.reports_on(period):
        raise Http404
    return period, plan.is_quarterly


def _form_of(
    request: HttpRequest, pk: int, period: str, perm: str
) -> tuple[SubItem, date, bool, dict[date, ProgressReport], HttpResponse | None]:
    """The sub-item and period of a form (the report's, a contribution's), whether the plan is
    quarterly, the item's reports up to the period (by period, with who submitted them), and,
    for an item completed in an earlier period, the page that says it is not reported again
    (in place of the form). The reports are read once: whether an earlier one completed the
    item, the previous period's (beside the form), this period's."""
    # the report's rule reads no co-units (progress.rules): they are not loaded for it
    queryset = access.visible_subitems(request.user) if perm == FILL else None
    subitem = access.subitem_for(request, pk, perm, queryset=queryset)
    period_date, quarterly = _period_of(subitem, period)
    reports = {
        report.period: report
        for report in ProgressReport.objects.filter(subitem=subitem, period__lte=period_date)
        .select_related("submitted_by")
        .order_by()  # the model's ordering (by sub-item) joins up to the plans for nothing
    }
    done = statuses.completed_among(reports.values(), period_date)
    not_needed = None
    if done is not None:
        not_needed = render(
            request,
            "progress/reporting/report_not_needed.html",
            {"subitem": subitem, "period": period_date, "done": done},
        )
    return subitem, period_date, quarterly, reports, not_needed


# --- my reports ---------------------------------------------------------------------------


def _links(view_name: str, **kwargs) -> Callable[[int], str]:
    """reverse(view_name, pk=…, **kwargs) for the many rows of one page: reversed once, each
    row's pk put in its place (a reverse per row was a fifth of 我的填报's CPU time)."""
    marker = "9" * 19  # the longest id the <id:pk> converter takes; no period label holds it
    head, found, tail = reverse(view_name, kwargs={"pk": int(marker), **kwargs}).partition(marker)
    if not found:  # a URL that does not show its pk as it is
        return lambda pk: reverse(view_name, kwargs={"pk": pk, **kwargs})
    return lambda pk: f"{head}{int(pk)}{tail}"


@login_required
@require_GET
def my_reports(request: HttpRequest) -> HttpResponse:
    """The unit's items of the period in pages (MY_REPORTS_PAGE_SIZE), a summary per plan of
    all of them, the items completed earlier, and the co-operations in pages. The whole lists
    are read in one query as plain values (a unit leads up to a thousand items), the reports
    of the page's rows in one more (tests/reporting/test_my_reports_queries.py pins them)."""
    user = request.user
    asked = params.period_in_query(request)
    period = asked or periods.period_to_fill(selectors.unit_rows(user))
    lists = selectors.my_lists(user, period)
    to_report, cooperating = lists.to_report, lists.cooperating
    label = periods.label(period)
    edit_url = _links("reporting:report_edit", period=label)
    detail_url = _links("reporting:report_detail")
    contribution_url = _links("reporting:contribution_edit", period=label)
    # 逾期 beside the deadline only while something is still to be submitted
    overdue = periods.deadline_passed(period) and any(line.to_submit for line in to_report)
    overdue_word = pgettext("report", "Overdue")
    size = settings.MY_REPORTS_PAGE_SIZE
    page = Paginator(to_report, size).get_page(_page_asked(request, to_report, size))
    co_page = Paginator(cooperating, size).get_page(
        _page_asked(request, cooperating, size, page="co_page", item="co_item")
    )
    # the pages hold the rows shown in place of the lines
    page.object_list = selectors.reporting_rows(page.object_list, period)
    co_page.object_list = selectors.rows_of(co_page.object_list)
    for item in page.object_list:
        item.edit_url = edit_url(item.pk)
        if item.current is not None:
            item.current.detail_url = detail_url(item.current.pk)
    # the contribution form returns to this page of the items to report (and to the page of
    # the co-operations that holds the item, by ?co_item=)
    back = f"?page={page.number}" if page.number > 1 else ""
    for item in co_page.object_list:
        item.contribution_url = contribution_url(item.pk) + back
    summary = rows.plan_summary(to_report, page_size=size)
    return render(
        request,
        "progress/reporting/my_reports.html",
        {
            "period": period,
            "previous_period": periods.add_months(period, -1),
            "next_period": periods.add_months(period, 1),
            "deadline": periods.deadline(period),
            "overdue": overdue,
            "overdue_word": overdue_word,
            "to_report": to_report,
            "page": page,
            "plan_summary": summary,
            "to_report_groups": rows.by_plan(
                page.object_list,
                overdue=overdue,
                overdue_word=overdue_word,
                totals={line["plan"].pk: line["items"] for line in summary},
            ),
            "completed_earlier": lists.completed_earlier,
            "completed_rows": rows.completed_rows(selectors.rows_of(lists.completed_earlier)),
            "cooperating": cooperating,
            "co_page": co_page,
            "cooperating_rows": rows.cooperating_rows(co_page.object_list),
            "unit": user.unit if user.unit_id else None,
        },
    )


def _page_asked(
    request: HttpRequest, items: list, size: int, *, page="page", item="item"
) -> str | int | None:
    """?page= as given (the Paginator turns a bad one into the first or last page); without it,
    ?item=<pk>, the item just submitted (?co_page=, ?co_item=: the contribution just saved),
    names the page that holds it, so the clerk goes on where they were. An item not in the
    list (another unit's) names nothing: the first page."""
    if page in request.GET:
        return request.GET.get(page)
    pk = params.parse_id(request.GET.get(item))
    if pk is not None:
        for position, row in enumerate(items):
            if row.pk == pk:
                return position // size + 1
    return None


# --- the progress form --------------------------------------------------------------------


def _plan_context(
    subitem: SubItem, period: date, quarterly: bool, reports: dict[date, ProgressReport]
) -> dict:
    """What the form page shows beside the form: the plan, targets, last period, co-units.
    (Explicit orderings: the models' own, by sub-item, join up to the plans.)"""
    start, end = periods.period_bounds(period, quarterly=quarterly)
    milestones = list(subitem.milestones.active().order_by("due", "order"))
    indicators = list(
        subitem.indicators.active()
        .order_by("pk")
        .prefetch_related(
            Prefetch("targets", queryset=IndicatorTarget.objects.order_by("indicator_id", "due"))
        )
    )
    for indicator in indicators:
        for target in indicator.targets.all():
            target.shown = formatting.number(target.value)
    previous = reports.get(periods.previous_period(period, quarterly=quarterly))
    contributions = Contribution.objects.filter(subitem=subitem, period=period).select_related(
        "unit", "author"
    )
    return {
        "subitem": subitem,
        "period": period,
        "quarterly": quarterly,
        "period_start": start,
        "period_end": end,
        "milestones": milestones,
        "milestones_due": [m for m in milestones if start <= m.due <= end],
        "milestone_next": next((m for m in milestones if m.due > end), None),
        "indicators": indicators,
        "previous": previous,
        "contributions": contributions,
        "deadline": periods.deadline(period),
        "soft_limit": COMPLETION_SOFT_LIMIT,
    }


def _with_report_details(ctx: dict) -> dict:
    """The page's context with what it shows of this period's report (read by _form_of): its
    numbers, milestones, files and review events. Read only for a page shown: a save that
    succeeds redirects without them."""
    report = ctx["report"]
    if report is not None and "events" not in ctx:
        prefetch_related_objects(
            [report],
            "values__indicator",
            Prefetch("milestones_achieved", queryset=Milestone.objects.order_by("due", "order")),
            "attachments",
        )
        ctx["events"] = list(selectors.report_events(report))
    return ctx


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    subitem, period_date, quarterly, reports, not_needed = _form_of(request, pk, period, FILL)
    if not_needed is not None:
        return not_needed

    ctx = _plan_context(subitem, period_date, quarterly, reports)
    report = reports.get(period_date)
    ctx["report"] = report
    if report is not None and report.state not in services.EDITABLE:
        if request.method == "POST":
            messages.error(
                request,
                _("This report is %(state)s and cannot be changed.")
                % {"state": report.get_state_display()},
            )
            return redirect("reporting:report_edit", pk=subitem.pk, period=period)
        return render(request, "progress/reporting/report_locked.html", _with_report_details(ctx))

    form_kwargs = {
        "indicators": ctx["indicators"],
        "milestones": ctx["milestones"],
        "period_start": ctx["period_start"],
        "period_end": ctx["period_end"],
        "state": report.state if report else ProgressReport.State.DRAFT,
    }
    if request.method != "POST":
        form = ReportForm(initial=ReportForm.initial_for(report), **form_kwargs)
        return render(
            request,
            "progress/reporting/report_form.html",
            {**_with_report_details(ctx), "form": form},
        )

    action = request.POST.get("action")
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("Unknown action."))
    submit = action == "submit"
    form = ReportForm(request.POST, request.FILES, submit=submit, **form_kwargs)
    if not form.is_valid():
        return render(
            request,
            "progress/reporting/report_form.html",
            {**_with_report_details(ctx), "form": form},
            status=200,
        )

    try:
        saved = _save_with_attachments(
            request,
            subitem,
            period_date,
            form,
            submit=submit,
            reports=reports,
            milestones=ctx["milestones"],
        )
    except services.StaleReport as exc:
        return _stale_response(request, ctx, form_kwargs, submit, exc)
    except _AttachmentRefused as exc:
        form.add_error("attachments", exc.message)
        messages.error(request, _("Nothing was saved: fix the attachments and save again."))
        return render(
            request,
            "progress/reporting/report_form.html",
            {**_with_report_details(ctx), "form": form},
            status=200,
        )
    except services.ReportError as exc:
        form.add_error(None, str(exc))
        return render(
            request,
            "progress/reporting/report_form.html",
            {**_with_report_details(ctx), "form": form},
            status=200,
        )

    if submit:
        messages.success(request, _("The report was submitted for review."))
        url = reverse("reporting:my_reports")
        # back to the page of 我的填报 that holds the item (100 rows a page)
        return redirect(f"{url}?period={periods.label(period_date)}&item={subitem.pk}")
    messages.success(
        request,
        _("The draft was saved (version %(version)d).") % {"version": saved.version},
    )
    return redirect("reporting:report_edit", pk=subitem.pk, period=period)


class _AttachmentRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _save_with_attachments(
    request: HttpRequest,
    subitem: SubItem,
    period: date,
    form: ReportForm,
    *,
    submit: bool,
    reports: dict[date, ProgressReport],
    milestones: list[Milestone],
) -> ProgressReport:
    """Save the report and its new files together: a refused file saves nothing. `reports`
    and `milestones` (the active ones): as the view read them, handed on, not read again."""
    stored: list[Attachment] = []
    uploads = form.cleaned_data["attachments"]
    try:
        services.attachments_check_request([upload.size for upload in uploads])
    except services.ReportError as exc:
        raise _AttachmentRefused(str(exc)) from exc

    def save() -> ProgressReport:
        return services.report_save(
            subitem=subitem,
            period=period,
            user=request.user,
            data=form.report_data(),
            expected_version=form.cleaned_data.get("version"),
            submit=submit,
            reports=reports.values(),
            active_milestones=[m.pk for m in milestones],
        )

    if not uploads:  # the report alone: report_save's own transaction is enough
        return save()
    try:
        with transaction.atomic():
            report = save()
            for upload in uploads:
                try:
                    stored.append(
                        services.attachment_add(
                            report=report, user=request.user, name=upload.name, data=upload.read()
                        )
                    )
                except services.ReportError as exc:
                    raise _AttachmentRefused(str(exc)) from exc
    except _AttachmentRefused:
        for attachment in stored:  # the rows were rolled back; the files were not
            attachment.file.delete(save=False)
        raise
    return report


def _stale_response(
    request: HttpRequest, ctx: dict, form_kwargs: dict, submit: bool, exc: services.StaleReport
) -> HttpResponse:
    """409: the user's input kept, the other person's version beside it, the new version set
    so that saving again (after reading theirs) is a deliberate overwrite."""
    current = exc.current
    data = request.POST.copy()
    data["version"] = str(current.version) if current else ""
    form = ReportForm(data, submit=submit, **form_kwargs)
    form.is_valid()
    latest = None
    if current is not None:
        latest = current.history.select_related("history_user").order_by("-history_date").first()
    return render(
        request,
        "progress/reporting/report_form.html",
        {
            **_with_report_details(ctx),
            "form": form,
            "stale": current,
            "stale_record": latest,
            "stale_message": str(exc),
            "mine_status": dict(Status.choices).get(data.get("status", "")),
        },
        status=409,
    )


# --- the report page ----------------------------------------------------------------------


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for(request, pk, VIEW)
    subitem = report.subitem
    values = report.values.select_related("indicator").order_by("indicator_id")
    user = request.user
    return render(
        request,
        "progress/reporting/report_detail.html",
        {
            "report": report,
            "subitem": subitem,
            "period": report.period,
            "values": values,
            "achieved": report.milestones_achieved.all(),
            "attachments": report.attachments.all(),
            "events": selectors.report_events(report),
            "history": selectors.report_history(report),
            "contributions": Contribution.objects.filter(
                subitem=subitem, period=report.period
            ).select_related("unit", "author"),
            "can_edit": access.may(user, FILL, subitem) and report.state in services.EDITABLE,
            "can_contribute": access.may(user, CONTRIBUTE, subitem),
            # the supervisor's way to approve, return or reopen it (reopen: approved reports)
            "can_review": report.state in REVIEWABLE and user.has_perm(REVIEW, report),
        },
    )


# --- attachments --------------------------------------------------------------------------


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    item = access.attachment_for(request, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    # Photos were re-encoded (maybe PNG -> JPEG): name the download after what it is now.
    name = PurePath(item.original_name)
    stored_ext = PurePath(item.file.name).suffix
    if item.kind == Attachment.Kind.IMAGE and name.suffix.lower() != stored_ext:
        name = name.with_suffix(stored_ext)
    response = FileResponse(
        handle,
        as_attachment=item.kind != Attachment.Kind.IMAGE,
        filename=name.name,
        content_type=item.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


THUMBNAIL = (320, 320)


@login_required
@require_GET
def attachment_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo's thumbnail (at most 320 px a side, JPEG), after the same access check as the
    photo itself; 404 for a document."""
    from io import BytesIO

    from PIL import Image, UnidentifiedImageError

    item = access.attachment_for(request, pk)
    if item.kind != Attachment.Kind.IMAGE:
        raise Http404
    try:
        with item.file.open("rb") as handle, Image.open(handle) as image:
            image.thumbnail(THUMBNAIL)
            out = BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
    except (FileNotFoundError, UnidentifiedImageError, OSError) as exc:
        raise Http404 from exc
    response = HttpResponse(out.getvalue(), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- contributions of co-operating units --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contribution_edit(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    subitem, period_date, quarterly, reports, not_needed = _form_of(request, pk, period, CONTRIBUTE)
    if not_needed is not None:
        return not_needed
    mine = Contribution.objects.filter(
        subitem=subitem, period=period_date, unit_id=request.user.unit_id
    ).first()
    back_page = params.parse_id(request.GET.get("page"))  # 我的填报's page the clerk came from
    if request.method == "POST":
        form = ContributionForm(request.POST)
        if form.is_valid():
            try:
                services.contribution_save(
                    subitem=subitem,
                    period=period_date,
                    user=request.user,
                    text=form.cleaned_data["text"],
                )
            except services.ReportError as exc:
                form.add_error("text", str(exc))
            else:
                messages.success(request, _("Your unit's contribution was saved."))
                url = reverse("reporting:my_reports")
                label = periods.label(period_date)
                page = f"&page={back_page}" if back_page else ""
                return redirect(f"{url}?period={label}{page}&co_item={subitem.pk}")
    else:
        form = ContributionForm(initial={"text": mine.text if mine else ""})
    start, end = periods.period_bounds(period_date, quarterly=quarterly)
    milestones = list(subitem.milestones.active().order_by("due", "order"))
    lead_report = reports.get(period_date)
    return render(
        request,
        "progress/reporting/contribution_form.html",
        {
            "subitem": subitem,
            "period": period_date,
            "form": form,
            "mine": mine,
            "milestones_due": [m for m in milestones if start <= m.due <= end],
            "milestone_next": next((m for m in milestones if m.due > end), None),
            "lead_report": lead_report,
        },
    )
