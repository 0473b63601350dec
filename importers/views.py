"""The web import for admins: upload -> preview -> confirm.

With IMPORT_IN_BACKGROUND (the default) a worker reads the upload and writes the confirmed
import (importers.jobs); the admin waits on the job's page, which goes on to the preview.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from importers.batches import ConfirmationNeeded, batch_apply, batch_create, batch_set_options
from importers.forms import OptionsForm, UploadForm
from importers.jobs import import_apply_job, import_parse_job
from importers.models import ImportBatch
from importers.services import CHANGE_KEYS, Impact, large_change_message
from importers.types import ImportFileError
from projects.models import Jurisdiction
from projects.roles import is_admin

RECENT_BATCHES = 10

KINDS = (
    ("plans", gettext_lazy("Plans")),
    ("categories", gettext_lazy("Categories")),
    ("projects", gettext_lazy("Projects")),
    ("subitems", gettext_lazy("Sub-items")),
    ("milestones", gettext_lazy("Milestones")),
    ("indicators", gettext_lazy("Indicators")),
    ("reports", gettext_lazy("Progress reports")),
    ("units", gettext_lazy("Units")),
    ("leaders", gettext_lazy("Leaders in charge")),
    ("persons", gettext_lazy("Responsible persons")),
)


# where the jurisdiction, year and period of an import came from (ParsedPlan.sources)
SOURCES = {
    "option": gettext_lazy("given by you"),
    "title": gettext_lazy("from the title"),
    "doc_number": gettext_lazy("from the notice's number (文号)"),
    "date": gettext_lazy("from the notice's date"),
    "published": gettext_lazy("from the 发布时间 line"),
    "source": gettext_lazy("from the 来源 line"),
    "column": gettext_lazy("from the column header (such as 10月完成情况)"),
    "period": gettext_lazy("from the period"),
}


# the fields an updated row changes (the service's updated_rows), as the preview names them
FIELDS = {
    "name": gettext_lazy("name"),
    "description": gettext_lazy("description"),
    "category": gettext_lazy("category"),
    "lead_unit": gettext_lazy("lead unit"),
    "co_units": gettext_lazy("co-operating units"),
    "leaders": gettext_lazy("leaders in charge"),
    "due": gettext_lazy("due"),
    "text": gettext_lazy("text"),
    "status": gettext_lazy("status"),
    "completion": gettext_lazy("completion"),
    "explanation": gettext_lazy("explanation"),
    "problems": gettext_lazy("problems"),
    "next_steps": gettext_lazy("next steps"),
}
ROW_KINDS = {
    "project": gettext_lazy("Project"),
    "subitem": gettext_lazy("Sub-item"),
    "milestone": gettext_lazy("Milestone"),
    "report": gettext_lazy("Progress report"),
}


def updated_rows(rows: list[dict]) -> list[dict]:
    """The preview's rows of "what changes": each field named, old -> new."""
    return [
        {
            **row,
            "kind_label": ROW_KINDS.get(row.get("kind"), row.get("kind")),
            "changes": [
                {**c, "label": FIELDS.get(c.get("field"), c.get("field"))}
                for c in row.get("changes") or []
            ],
        }
        for row in rows
    ]


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous users go to the login page; logged-in users who are not admins get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def change_rows(changes: dict, counts: dict | None = None) -> tuple[list[dict], dict]:
    """Per-kind rows for the changes table, in a fixed order; which of the columns "not in
    this file" and "withdrawn" any kind has a number for."""
    counts = counts or {}
    labels = dict(KINDS)
    kinds = [k for k, _label in KINDS if k in changes or k in counts]
    kinds += [k for k in changes if k not in labels]
    rows = []
    for kind in kinds:
        c = changes.get(kind) or {}
        rows.append(
            {
                "label": labels.get(kind, kind),
                "in_file": counts.get(kind),
                **{key: c.get(key, 0) for key in CHANGE_KEYS},
            }
        )
    shown = {key: any(r[key] for r in rows) for key in ("not_in_file", "withdrawn")}
    return rows, shown


def _flag(request: HttpRequest, name: str) -> bool:
    """A ticked checkbox of the confirmation form."""
    return request.POST.get(name, "") not in ("", "0", "false")


@admin_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            if settings.IMPORT_IN_BACKGROUND:
                job = import_parse_job(
                    data=data["data"],
                    filename=data["filename"],
                    jurisdiction=data["jurisdiction"] or None,
                    year=data["year"],
                    period=data["period"] or None,
                    user=request.user,
                )
                return redirect("jobs:detail", pk=job.pk)
            try:
                batch = batch_create(
                    data=data["data"],
                    filename=data["filename"],
                    jurisdiction=data["jurisdiction"] or None,
                    year=data["year"],
                    period=data["period"] or None,
                    user=request.user,
                )
            except ImportFileError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("importers:preview", pk=batch.pk)
    else:
        form = UploadForm()
    recent = ImportBatch.objects.select_related("created_by", "plan")[:RECENT_BATCHES]
    jurisdiction_names = Jurisdiction.objects.values_list("name", flat=True)
    return render(
        request,
        "importers/upload.html",
        {"form": form, "recent": recent, "jurisdiction_names": jurisdiction_names},
    )


@admin_required
@require_GET
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by", "plan"), pk=pk)
    summary = batch.summary or {}
    rows, shown = change_rows(summary.get("changes") or {}, summary.get("counts"))
    result = summary.get("result") or {}
    result_rows, result_shown = change_rows(result.get("changes") or {})
    sample = summary.get("sample") or []
    impact = Impact(**summary["impact"]) if summary.get("impact") else None
    title = summary.get("title") or batch.original_name
    left_out = summary.get("not_in_file") or {}
    sources = {k: SOURCES.get(v, v) for k, v in (summary.get("sources") or {}).items()}
    missing = [k for k in ("jurisdiction", "year") if not summary.get(k)]
    if not summary.get("period") and any(
        "--period" in (e.get("message") or "") for e in summary.get("errors") or []
    ):
        missing.append("period")
    previewed = batch.state == ImportBatch.State.PREVIEWED
    options_form = OptionsForm(
        initial={
            "jurisdiction": batch.jurisdiction_name,
            "year": batch.year,
            "period": batch.period,
        }
    )
    return render(
        request,
        "importers/preview.html",
        {
            "batch": batch,
            "summary": summary,
            "rows": rows,
            "shown": shown,
            "result_rows": result_rows,
            "result_shown": result_shown,
            "errors": summary.get("errors") or [],
            "warnings": summary.get("warnings") or [],
            "skipped": summary.get("skipped") or [],
            "updated_rows": updated_rows(summary.get("updated_rows") or []),
            "sources": sources,
            "missing": missing,
            "options_form": options_form
            if previewed and (missing or summary.get("errors"))
            else None,
            "sample": sample,
            "more_projects": max((summary.get("project_total") or 0) - len(sample), 0),
            "can_confirm": batch.state == ImportBatch.State.PREVIEWED and not summary.get("errors"),
            "not_in_file": left_out,
            "not_in_file_total": summary.get("not_in_file_total") or {},
            "has_left_out": any(left_out.values()),
            "withdraw_checked": request.GET.get("withdraw") == "1",
            # asked again after a refused confirmation, whatever the preview's numbers were
            "ask_large": request.GET.get("large") == "1",
            "large": impact is not None and impact.needs_confirmation(False),
            "large_message": impact and large_change_message(impact, withdraw=False, title=title),
            "large_if_withdrawn": impact is not None and impact.needs_confirmation(True),
            "large_if_withdrawn_message": impact
            and large_change_message(impact, withdraw=True, title=title),
        },
    )


@admin_required
@require_POST
def options(request: HttpRequest, pk: int) -> HttpResponse:
    """The jurisdiction, year or period given on the preview: the stored file previewed again."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    form = OptionsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("importers:preview", pk=batch.pk)
    data = form.cleaned_data
    try:
        changed = batch_set_options(
            batch=batch,
            jurisdiction=data["jurisdiction"] or None,
            year=data["year"],
            period=data["period"] or None,
            user=request.user,
        )
    except ImportFileError as exc:
        messages.error(request, str(exc))
    else:
        if not changed:
            messages.info(request, _("This import was already confirmed; nothing was changed."))
    return redirect("importers:preview", pk=batch.pk)


@admin_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    withdraw = _flag(request, "withdraw_missing")
    if settings.IMPORT_IN_BACKGROUND:
        if batch.state != ImportBatch.State.PREVIEWED:
            messages.info(
                request, _("This import was already confirmed; nothing was imported again.")
            )
            return redirect("importers:preview", pk=batch.pk)
        job = import_apply_job(
            batch=batch,
            user=request.user,
            withdraw_missing=withdraw,
            confirm_large=_flag(request, "confirm_large"),
        )
        return redirect("jobs:detail", pk=job.pk)
    try:
        claimed = batch_apply(
            batch=batch,
            user=request.user,
            withdraw_missing=withdraw,
            confirm_large=_flag(request, "confirm_large"),
        )
    except ConfirmationNeeded as exc:
        messages.error(
            request,
            _(
                "%(numbers)s Nothing was imported: check the numbers, tick “I have checked these "
                "numbers” and confirm again."
            )
            % {"numbers": str(exc)},
        )
        url = reverse("importers:preview", args=[batch.pk])
        return redirect(f"{url}?large=1&withdraw=1" if withdraw else f"{url}?large=1")
    if not claimed:
        messages.info(request, _("This import was already confirmed; nothing was imported again."))
    elif batch.state == ImportBatch.State.APPLIED:
        totals = dict.fromkeys(("created", "updated", "unchanged", "withdrawn"), 0)
        for counts in (batch.summary.get("result") or {}).get("changes", {}).values():
            for key in totals:
                totals[key] += counts.get(key, 0)
        text = _(
            "“%(title)s” was imported: %(created)s records created, %(updated)s updated, "
            "%(unchanged)s unchanged."
        )
        if totals["withdrawn"]:
            text += " " + _("%(withdrawn)s records not in the file were withdrawn (撤销).")
        messages.success(
            request, text % {"title": batch.summary.get("title") or batch.original_name, **totals}
        )
    else:
        messages.error(request, batch.summary.get("failure") or _("Nothing was imported."))
    return redirect("importers:preview", pk=batch.pk)
