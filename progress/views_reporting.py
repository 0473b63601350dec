"""The reporter side: my reports, the progress form, the report page, contributions, files.

One access helper per object kind: outsiders (who may not see the item) get 404, people who
may see it but not do this get 403. The rules are checked with `rules.has_perm`, not
`user.has_perm`: Django answers True to every `has_perm` of a superuser, and an admin must
not fill in a unit's report (admins correct data in the admin site).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from progress import periods, selectors, services
from progress.forms import COMPLETION_SOFT_LIMIT, ContributionForm, ReportForm, plain_number
from progress.models import Attachment, Contribution, IndicatorValue, ProgressReport, Status
from projects.models import SubItem

VIEW = "progress.view_item"
FILL = "progress.fill_report"
CONTRIBUTE = "progress.add_contribution"
ACTIONS = ("save", "submit")
# Report fields whose change is not worth a line in the history (the version moves every save).
HISTORY_EXCLUDED = ("version", "submitted_by")
CHOICE_FIELDS = {
    "status": dict(ProgressReport._meta.get_field("status").flatchoices),
    "state": dict(ProgressReport._meta.get_field("state").flatchoices),
    "source": dict(ProgressReport._meta.get_field("source").flatchoices),
}


# --- access -------------------------------------------------------------------------------


def _allowed(user, perm: str, obj) -> bool:
    return rules.has_perm(perm, user, obj)


def _subitem_for(request: HttpRequest, pk: int, perm: str) -> SubItem:
    qs = selectors.with_access_data(selectors.visible_subitems(request.user))
    subitem = get_object_or_404(qs, pk=pk)
    if not _allowed(request.user, perm, subitem):
        raise PermissionDenied
    return subitem


def _report_for(request: HttpRequest, pk: int, perm: str) -> ProgressReport:
    visible = selectors.visible_subitems(request.user).values("pk")
    qs = (
        ProgressReport.objects.filter(subitem__in=visible)
        .select_related(
            "subitem__project__plan__jurisdiction",
            "subitem__project__category",
            "subitem__lead_unit",
            "submitted_by",
        )
        .prefetch_related("subitem__co_unit_links")
    )
    report = get_object_or_404(qs, pk=pk)
    if not _allowed(request.user, perm, report):
        raise PermissionDenied
    return report


def _attachment_for(request: HttpRequest, pk: int) -> Attachment:
    visible = selectors.visible_subitems(request.user).values("pk")
    qs = (
        Attachment.objects.filter(report__subitem__in=visible)
        .select_related("report__subitem__project__plan", "report__subitem__lead_unit")
        .prefetch_related("report__subitem__co_unit_links")
    )
    attachment = get_object_or_404(qs, pk=pk)
    if not _allowed(request.user, VIEW, attachment.report):
        raise Http404
    return attachment


def _period_of(subitem: SubItem, text: str) -> tuple[date, bool]:
    """The period of the URL and whether the plan is quarterly; 404 for no reporting period."""
    period = periods.parse_period(text)
    quarterly = subitem.project.plan.reporting_cycle == "quarterly"
    if period is None or not periods.is_reporting_period(period, quarterly=quarterly):
        raise Http404
    return period, quarterly


# --- my reports ---------------------------------------------------------------------------


@login_required
@require_GET
def my_reports(request: HttpRequest) -> HttpResponse:
    user = request.user
    period = periods.parse_period(request.GET.get("period")) or selectors.default_period(user)
    items = selectors.my_items(user, period)
    return render(
        request,
        "progress/my_reports.html",
        {
            "period": period,
            "previous_period": periods.add_months(period, -1),
            "next_period": periods.add_months(period, 1),
            "deadline": periods.deadline(period, settings.REPORT_DEADLINE_DAY),
            "to_report": [item for item in items if not item.done_before],
            "completed_earlier": [item for item in items if item.done_before],
            "cooperating": [
                item
                for item in selectors.cooperating_items(user, period)
                if periods.is_reporting_period(
                    period, quarterly=item.project.plan.reporting_cycle == "quarterly"
                )
            ],
            "unit": user.unit if user.unit_id else None,
        },
    )


# --- the progress form --------------------------------------------------------------------


def _plan_context(subitem: SubItem, period: date, quarterly: bool) -> dict:
    """What the form page shows beside the form: the plan, targets, last period, co-units."""
    start, end = periods.period_bounds(period, quarterly=quarterly)
    milestones = list(subitem.milestones.active())
    indicators = list(subitem.indicators.active().prefetch_related("targets"))
    for indicator in indicators:
        for target in indicator.targets.all():
            target.shown = plain_number(target.value)
    previous = (
        ProgressReport.objects.filter(
            subitem=subitem, period=periods.previous_period(period, quarterly=quarterly)
        )
        .select_related("submitted_by")
        .first()
    )
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
        "deadline": periods.deadline(period, settings.REPORT_DEADLINE_DAY),
        "soft_limit": COMPLETION_SOFT_LIMIT,
    }


def _load_report(subitem: SubItem, period: date) -> ProgressReport | None:
    return (
        ProgressReport.objects.filter(subitem=subitem, period=period)
        .select_related("submitted_by")
        .prefetch_related("values__indicator", "milestones_achieved", "attachments")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    subitem = _subitem_for(request, pk, FILL)
    period_date, quarterly = _period_of(subitem, period)

    done = services.completed_before(subitem, period_date)
    if done is not None:
        return render(
            request,
            "progress/report_not_needed.html",
            {"subitem": subitem, "period": period_date, "done": done},
        )

    ctx = _plan_context(subitem, period_date, quarterly)
    report = _load_report(subitem, period_date)
    ctx["report"] = report
    if report is not None:
        ctx["events"] = list(selectors.report_events(report))
    if report is not None and report.state not in services.EDITABLE:
        if request.method == "POST":
            messages.error(
                request,
                _("This report is %(state)s and cannot be changed.")
                % {"state": report.get_state_display()},
            )
            return redirect("reporting:report_edit", pk=subitem.pk, period=period)
        return render(request, "progress/report_locked.html", ctx)

    form_kwargs = {
        "indicators": ctx["indicators"],
        "milestones": ctx["milestones"],
        "period_start": ctx["period_start"],
        "period_end": ctx["period_end"],
        "state": report.state if report else ProgressReport.State.DRAFT,
    }
    if request.method != "POST":
        form = ReportForm(initial=ReportForm.initial_for(report), **form_kwargs)
        return render(request, "progress/report_form.html", {**ctx, "form": form})

    action = request.POST.get("action")
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("Unknown action."))
    submit = action == "submit"
    form = ReportForm(request.POST, request.FILES, submit=submit, **form_kwargs)
    if not form.is_valid():
        return render(request, "progress/report_form.html", {**ctx, "form": form}, status=200)

    try:
        saved = _save_with_attachments(request, subitem, period_date, form, submit=submit)
    except services.StaleReport as exc:
        return _stale_response(request, ctx, form_kwargs, submit, exc)
    except _AttachmentRefused as exc:
        form.add_error("attachments", exc.message)
        messages.error(request, _("Nothing was saved: fix the attachments and save again."))
        return render(request, "progress/report_form.html", {**ctx, "form": form}, status=200)
    except services.ReportError as exc:
        form.add_error(None, str(exc))
        return render(request, "progress/report_form.html", {**ctx, "form": form}, status=200)

    if submit:
        messages.success(request, _("The report was submitted for review."))
        url = reverse("reporting:my_reports")
        return redirect(f"{url}?period={periods.label(period_date)}")
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
    request: HttpRequest, subitem: SubItem, period: date, form: ReportForm, *, submit: bool
) -> ProgressReport:
    """Save the report and its new files together: a refused file saves nothing."""
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            report = services.report_save(
                subitem=subitem,
                period=period,
                user=request.user,
                data=form.report_data(),
                expected_version=form.cleaned_data.get("version"),
                submit=submit,
            )
            for upload in form.cleaned_data["attachments"]:
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
        "progress/report_form.html",
        {
            **ctx,
            "form": form,
            "stale": current,
            "stale_record": latest,
            "stale_message": str(exc),
            "mine_status": dict(Status.choices).get(data.get("status", "")),
        },
        status=409,
    )


# --- the report page ----------------------------------------------------------------------


@dataclass
class HistoryEntry:
    record: object
    created: bool
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _display(name: str, value) -> str:
    if value in (None, ""):
        return ""
    if name in CHOICE_FIELDS:
        return str(CHOICE_FIELDS[name].get(value, value))
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return str(value)


def report_history(report: ProgressReport) -> list[HistoryEntry]:
    """Every save of the report, oldest first: who, when, and each field that changed (with the
    indicator values written by the same save)."""
    records = list(
        report.history.select_related("history_user").order_by("history_date", "history_id")
    )
    labels = {f.name: capfirst(f.verbose_name) for f in ProgressReport._meta.fields}
    entries: list[HistoryEntry] = []
    previous = None
    for record in records:
        entry = HistoryEntry(record=record, created=previous is None)
        if previous is None:
            for name in ("status", "state", "completion", "explanation", "problems", "next_steps"):
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
        new = "" if vrecord.history_type == "-" else plain_number(vrecord.value)
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


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk, VIEW)
    subitem = report.subitem
    values = report.values.select_related("indicator").order_by("indicator_id")
    user = request.user
    return render(
        request,
        "progress/report_detail.html",
        {
            "report": report,
            "subitem": subitem,
            "period": report.period,
            "values": values,
            "achieved": report.milestones_achieved.all(),
            "attachments": report.attachments.all(),
            "events": selectors.report_events(report),
            "history": report_history(report),
            "contributions": Contribution.objects.filter(
                subitem=subitem, period=report.period
            ).select_related("unit", "author"),
            "can_edit": _allowed(user, FILL, subitem) and report.state in services.EDITABLE,
            "can_contribute": _allowed(user, CONTRIBUTE, subitem),
        },
    )


# --- attachments --------------------------------------------------------------------------


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    item = _attachment_for(request, pk)
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


# --- contributions of co-operating units --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contribution_edit(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    subitem = _subitem_for(request, pk, CONTRIBUTE)
    period_date, quarterly = _period_of(subitem, period)
    mine = Contribution.objects.filter(
        subitem=subitem, period=period_date, unit_id=request.user.unit_id
    ).first()
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
                return redirect(f"{url}?period={periods.label(period_date)}")
    else:
        form = ContributionForm(initial={"text": mine.text if mine else ""})
    start, end = periods.period_bounds(period_date, quarterly=quarterly)
    milestones = list(subitem.milestones.active())
    lead_report = ProgressReport.objects.filter(subitem=subitem, period=period_date).first()
    return render(
        request,
        "progress/contribution_form.html",
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
