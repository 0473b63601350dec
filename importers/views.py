"""The web import for admins: upload -> preview -> confirm."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from importers.batches import batch_apply, batch_create
from importers.forms import UploadForm
from importers.models import ImportBatch
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


def change_rows(changes: dict, counts: dict | None = None) -> tuple[list[dict], bool]:
    """Per-kind rows for the changes table, in a fixed order; whether any kind has deletions."""
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
                "created": c.get("created", 0),
                "updated": c.get("updated", 0),
                "unchanged": c.get("unchanged", 0),
                "deleted": c.get("deleted", 0),
            }
        )
    return rows, any(r["deleted"] for r in rows)


@admin_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
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
    rows, show_deleted = change_rows(summary.get("changes") or {}, summary.get("counts"))
    result = summary.get("result") or {}
    result_rows, result_deleted = change_rows(result.get("changes") or {})
    sample = summary.get("sample") or []
    return render(
        request,
        "importers/preview.html",
        {
            "batch": batch,
            "summary": summary,
            "rows": rows,
            "show_deleted": show_deleted,
            "result_rows": result_rows,
            "result_deleted": result_deleted,
            "errors": summary.get("errors") or [],
            "warnings": summary.get("warnings") or [],
            "sample": sample,
            "more_projects": max((summary.get("project_total") or 0) - len(sample), 0),
            "can_confirm": batch.state == ImportBatch.State.PREVIEWED and not summary.get("errors"),
        },
    )


@admin_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if not batch_apply(batch=batch, user=request.user):
        messages.info(request, _("This import was already confirmed; nothing was imported again."))
    elif batch.state == ImportBatch.State.APPLIED:
        totals = {"created": 0, "updated": 0, "unchanged": 0}
        for counts in (batch.summary.get("result") or {}).get("changes", {}).values():
            for key in totals:
                totals[key] += counts.get(key, 0)
        messages.success(
            request,
            _(
                "“%(title)s” was imported: %(created)s records created, %(updated)s updated, "
                "%(unchanged)s unchanged."
            )
            % {"title": batch.summary.get("title") or batch.original_name, **totals},
        )
    else:
        messages.error(request, batch.summary.get("failure") or _("Nothing was imported."))
    return redirect("importers:preview", pk=batch.pk)
