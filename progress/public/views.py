"""The public pages: published tables, readable without a login. /public/...

Everyone, signed in or not, reads the same thing here: the tables a supervisor published, each
as an HTML table and as the .xlsx. A period that is not published is 404, and so is a
jurisdiction with nothing published. The tables show approved (and imported) reports only,
never drafts, returned or unreviewed reports, review comments or attachments; leaders' names
only when the publication says so (show_persons).

A monthly plan is published as its monthly progress table (seed 002), a quarterly plan as its
quarterly ledger (seed 003).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from progress import params, periods
from progress.exports import files, layouts
from progress.exports import selectors as export_selectors
from progress.models import Publication
from progress.public import selectors, tables
from projects.models import Jurisdiction


def _published(pk: int, period: str) -> Publication:
    publication = export_selectors.publication(pk, params.period_in_path(period))
    if publication is None:
        raise Http404
    return publication


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "progress/public/index.html",
        {"jurisdictions": selectors.published_jurisdictions()},
    )


@require_GET
def jurisdiction(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_object_or_404(Jurisdiction, pk=pk)
    publications = list(selectors.jurisdiction_publications(place))
    if not publications:
        raise Http404
    return render(
        request,
        "progress/public/jurisdiction.html",
        {"jurisdiction": place, "publications": publications},
    )


@require_GET
def table(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    publication = _published(pk, period)
    plan, when = publication.plan, publication.period
    if plan.is_quarterly:
        columns = list(layouts.LEDGER_COLUMNS)
        title = files.ledger_title(plan, when)
        rows = (
            (r.project_id, layouts.ledger_values(r), r.shown)
            for r in export_selectors.ledger_rows(plan, when)
        )
        notes: tuple[str, ...] = ()
    else:
        columns = layouts.monthly_columns(when, show_persons=publication.show_persons)
        title = files.monthly_title(plan, when)
        rows = (
            (r.project_id, layouts.monthly_values(r), r.shown)
            for r in export_selectors.monthly_table_rows(plan, when)
        )
        notes = layouts.MONTHLY_NOTES
    return render(
        request,
        "progress/public/table.html",
        {
            "publication": publication,
            "plan": plan,
            "jurisdiction": plan.jurisdiction,
            "title": title,
            "stamp": files.stamp(publication),
            "header": tables.header(columns),
            "widths": tables.widths(columns),
            "body": tables.body(columns, rows),
            "notes": notes,
            "period_label": periods.label(when),
        },
    )


@require_GET
def table_xlsx(request: HttpRequest, pk: int, period: str):
    publication = _published(pk, period)
    plan, when = publication.plan, publication.period
    if plan.is_quarterly:
        return files.ledger_response(plan, when)
    return files.monthly_response(
        plan, when, publication=publication, show_persons=publication.show_persons
    )
