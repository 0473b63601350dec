"""The public pages: published tables, readable without a login.

Everyone, signed in or not, reads the same thing here: the tables a supervisor published, each
as an HTML table and as the .xlsx. A period that is not published is 404, and so is a
jurisdiction with nothing published. The tables show approved (and imported) reports only,
never drafts, returned or unreviewed reports, review comments or attachments; leaders' names
only when the publication says so (show_persons).

A monthly plan is published as its monthly progress table (seed 002), a quarterly plan as its
quarterly ledger (seed 003).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from progress import periods
from progress.exports import selectors as selectors_exports
from progress.exports import xlsx as exports
from progress.exports.views import ledger_title, ledger_xlsx_response, monthly_response, stamp
from progress.models import Publication
from projects.models import Jurisdiction, Plan

STATUS_CODES = {label: code for code, label in exports.STATUS_LABELS.items()} | {
    exports.MISSING: "missing"
}
MERGED = ("number", "project")


@dataclass
class HtmlCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    css: str = ""


@dataclass
class HtmlRow:
    cells: list[HtmlCell] = field(default_factory=list)


def _published(pk: int, period: str) -> Publication:
    publication = selectors_exports.publication(pk, periods.parse_period(period))
    if publication is None:
        raise Http404
    return publication


def _is_ledger(plan: Plan) -> bool:
    return plan.reporting_cycle == Plan.Cycle.QUARTERLY


def _header(columns: list[exports.Column]) -> list[list[HtmlCell]]:
    """The one or two header rows of a layout: a column without a second label spans both rows,
    columns under one first label (工作进度) share its cell."""
    two = any(c.bottom for c in columns)
    if not two:
        return [[HtmlCell(c.top) for c in columns]]
    top: list[HtmlCell] = []
    bottom: list[HtmlCell] = []
    for i, col in enumerate(columns):
        if col.bottom is None:
            top.append(HtmlCell(col.top, rowspan=2))
        else:
            if i == 0 or columns[i - 1].top != col.top or columns[i - 1].bottom is None:
                span = 1
                while i + span < len(columns) and columns[i + span].top == col.top:
                    span += 1
                top.append(HtmlCell(col.top, colspan=span))
            bottom.append(HtmlCell(col.bottom))
    return [top, bottom]


def _widths(columns: list[exports.Column]) -> list[int]:
    """Each column's share of the table in percent, after the widths of the printed sheet, so
    that short columns (区领导, 牵头单位) are not squeezed to one character by the long texts."""
    total = sum(c.width for c in columns)
    return [max(5, round(100 * c.width / total)) for c in columns]


def _body(columns: list[exports.Column], rows) -> list[HtmlRow]:
    """Rows of cells; 序号 and the project name once per project, spanning its rows."""
    out: list[HtmlRow] = []
    firsts: dict[str, HtmlCell] = {}
    previous = None
    for project_id, values in rows:
        html_row = HtmlRow()
        for col in columns:
            value = values.get(col.key, "")
            if col.key in MERGED:
                if project_id == previous:
                    firsts[col.key].rowspan += 1
                    continue
                cell = HtmlCell(value)
                firsts[col.key] = cell
            else:
                code = STATUS_CODES.get(value) if col.key == "status" else None
                cell = HtmlCell(value, css=f"status status-{code}" if code else "")
            html_row.cells.append(cell)
        out.append(html_row)
        previous = project_id
    return out


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "progress/public/index.html",
        {"jurisdictions": selectors_exports.published_jurisdictions()},
    )


@require_GET
def jurisdiction(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_object_or_404(Jurisdiction, pk=pk)
    publications = list(selectors_exports.jurisdiction_publications(place))
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
    if _is_ledger(plan):
        columns = list(exports.LEDGER_COLUMNS)
        title = ledger_title(plan, when)
        rows = (
            (r.project_id, exports.ledger_values(r))
            for r in selectors_exports.ledger_rows(plan, when)
        )
        notes: tuple[str, ...] = ()
    else:
        columns = exports.monthly_columns(when, show_persons=publication.show_persons)
        title = exports.monthly_title(
            jurisdiction=plan.jurisdiction.name, plan_title=plan.title, year=plan.year, period=when
        )
        rows = (
            (r.project_id, exports.monthly_values(r))
            for r in selectors_exports.monthly_table_rows(plan, when)
        )
        notes = exports.MONTHLY_NOTES
    return render(
        request,
        "progress/public/table.html",
        {
            "publication": publication,
            "plan": plan,
            "jurisdiction": plan.jurisdiction,
            "title": title,
            "stamp": stamp(publication),
            "header": _header(columns),
            "widths": _widths(columns),
            "body": _body(columns, rows),
            "notes": notes,
            "period_label": periods.label(when),
        },
    )


@require_GET
def table_xlsx(request: HttpRequest, pk: int, period: str):
    publication = _published(pk, period)
    plan, when = publication.plan, publication.period
    if _is_ledger(plan):
        return ledger_xlsx_response(plan, when)
    return monthly_response(
        plan, when, publication=publication, show_persons=publication.show_persons
    )
