"""The item list (filters, sorting, pages, .xlsx export), the item page, and the unit and
leader pages.

Access: anonymous users go to the login page everywhere. The list and its export show every
signed-in user their own scope (progress.reporting.selectors.scope_q): admins everything, supervisors
their jurisdiction, reporters the items their unit leads or co-operates on. The item page is
404 to anyone who may not read the item. A unit page is for supervisors, admins and the unit's
own reporters (other reporters get 403); a leader page for supervisors and admins (reporters
get 403). A unit or leader of another jurisdiction is 404 to a supervisor.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from progress import periods, statuses
from progress.items import selectors as selectors_items
from progress.items.filters import SHOWN_LABELS, ItemFilter
from progress.items.tables import PER_PAGE, ItemTable
from progress.models import Status
from progress.reporting import selectors
from progress.statuses import status_rules as status
from projects import roles
from projects.models import Leader, SubItem, Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@")
COMPUTED_LABELS = dict(Status.choices)


# --- access -------------------------------------------------------------------------------


def _signed_in(request: HttpRequest):
    user = request.user
    prefetch_related_objects([user], "groups")  # the role checks and the nav read them
    return user


def _subitem_for(request: HttpRequest, pk: int) -> SubItem:
    """The sub-item, if the user may read it; 404 otherwise (nobody only half-reads an item)."""
    return get_object_or_404(selectors_items.item_subitem(request.user), pk=pk)


def _unit_for(request: HttpRequest, pk: int) -> Unit:
    user = request.user
    unit = get_object_or_404(Unit.objects.select_related("jurisdiction"), pk=pk)
    if roles.is_admin(user):
        return unit
    if roles.has_role(user, roles.SUPERVISOR):
        if unit.jurisdiction_id != user.jurisdiction_id:
            raise Http404
        return unit
    if user.unit_id == unit.pk:
        return unit
    raise PermissionDenied


def _leader_for(request: HttpRequest, pk: int) -> Leader:
    user = request.user
    if not roles.is_supervisor(user):
        raise PermissionDenied
    leader = get_object_or_404(Leader.objects.select_related("jurisdiction"), pk=pk)
    if not roles.is_admin(user) and leader.jurisdiction_id != user.jurisdiction_id:
        raise Http404
    return leader


def _period(request: HttpRequest) -> date | None:
    return periods.parse_period(request.GET.get("period"))


# --- the list and its export --------------------------------------------------------------


def _filtered(request: HttpRequest, user, period: date) -> tuple[ItemFilter, ItemTable]:
    rows = selectors_items.list_rows(user, period)
    filterset = ItemFilter(request.GET or None, queryset=rows, user=user)
    return filterset, ItemTable(filterset.qs, period=period)


def _export_url(request: HttpRequest, period: date) -> str:
    params = request.GET.copy()
    params["period"] = periods.label(period)
    params.pop("page", None)
    return f"{reverse('items:export')}?{params.urlencode()}"


@login_required
@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    user = _signed_in(request)
    period = _period(request) or selectors_items.default_period(user)
    filterset, table = _filtered(request, user, period)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(
        request,
        "progress/items/list.html",
        {
            "filter": filterset,
            "table": table,
            "count": table.paginator.count,
            "period": period,
            "period_value": periods.label(period),
            "deadline": periods.deadline(period, settings.REPORT_DEADLINE_DAY),
            "deadline_passed": selectors.deadline_passed(period),
            "sees_all": roles.is_admin(user),
            "export_url": _export_url(request, period),
        },
    )


def _xlsx_cell(sheet, value):
    """Numbers stay numbers; everything else is text, and text is never a formula: a cell that
    begins with = + - @ is stored as a string (data type "s", which openpyxl would otherwise
    make "f" for =) and marked as quoted text. Plain strings need no cell object."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    if not text.startswith(FORMULA_STARTS):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def write_xlsx(rows: Iterable[Iterable], *, title: str, widths: Iterable[int] = ()):
    """An .xlsx (openpyxl write-only) in a temporary file, rewound for streaming."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    book.save(handle)
    handle.seek(0)
    return handle


@login_required
@require_GET
def item_export(request: HttpRequest) -> FileResponse:
    user = _signed_in(request)
    period = _period(request) or selectors_items.default_period(user)
    _filterset, table = _filtered(request, user, period)
    RequestConfig(request, paginate=False).configure(table)  # the same sort as the page
    label = periods.label(period)
    handle = write_xlsx(table.export_rows(), title=label, widths=(8, 40, 40, 24, 16, 12, 12, 12))
    return FileResponse(
        handle, as_attachment=True, filename=f"items-{label}.xlsx", content_type=XLSX
    )


# --- the item page ------------------------------------------------------------------------


def plain_number(value: Decimal | None) -> str:
    """9800 -> '9,800'; 9733.3333 -> '9,733.33'; None -> '—'."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def explain(
    reason: status.Reason, targets: dict[tuple[str, str], list[status.Target]], at: date
) -> str:
    """One reason of progress.statuses.status_rules in words."""
    if reason.kind == "indicator":
        assert reason.actual is not None and reason.expected is not None
        assert reason.ratio is not None
        sentence = _(
            "%(name)s %(actual)s / time-proportional target %(expected)s = %(percent)s"
        ) % {
            "name": reason.name,
            "actual": plain_number(reason.actual),
            "expected": plain_number(reason.expected),
            "percent": percent(reason.ratio),
        }
        upcoming = status.next_target(targets.get((reason.name, reason.unit), []), at)
        if (
            reason.status == status.AHEAD
            and upcoming is not None
            and reason.actual >= upcoming.value
        ):
            sentence += _(", already at the target %(target)s due %(due)s") % {
                "target": plain_number(upcoming.value),
                "due": upcoming.due.isoformat(),
            }
        return sentence
    params = {"due": reason.due.isoformat() if reason.due else "", "text": reason.text}
    if reason.kind == "overdue":
        return _("Milestone %(due)s is overdue and not done: %(text)s") % params
    if reason.kind == "early":
        return _("Milestone %(due)s was done ahead of time: %(text)s") % params
    return _("Milestone %(due)s was done on time: %(text)s") % params


def explanations(page: selectors_items.ItemPage) -> list[dict]:
    """The computed status's reasons as sentences, each with the status it points to."""
    evaluation = page.evaluation
    targets = {page.inputs.indicators[ind_id]: t for ind_id, t in page.inputs.targets.items()}
    result = [
        {
            "text": explain(reason, targets, evaluation.period_end),
            "status": reason.status,
            "label": COMPUTED_LABELS.get(reason.status, ""),
        }
        for reason in evaluation.computed.reasons
    ]
    if evaluation.computed.status == status.COMPLETED:
        result.insert(
            0,
            {
                "text": _("The unit reported the item completed."),
                "status": status.COMPLETED,
                "label": COMPUTED_LABELS[status.COMPLETED],
            },
        )
    return result


def _shown(evaluation: statuses.Evaluation) -> str:
    """The status shown for the period, as on the list: the reported one, else not reported
    after the deadline, not yet due before it; 'unknown' for a report without a status."""
    if evaluation.counted:
        return evaluation.reported or "unknown"
    return "missing" if selectors.deadline_passed(evaluation.period) else "pending"


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _chart_data(page: selectors_items.ItemPage) -> dict:
    """What static/js/item_charts.js draws, through json_script."""
    return {
        "texts": {
            "target": _("Target"),
            "expected": _("Time-proportional target"),
            "actual": _("Reported value"),
        },
        "charts": [
            {
                "id": f"indicator-chart-{s.pk}",
                "title": f"{s.name} ({s.unit})" if s.unit else s.name,
                "labels": s.labels,
                "target": [_number(v) for v in s.target],
                "expected": [_number(v) for v in s.expected],
                "actual": [_number(v) for v in s.actual],
            }
            for s in page.series
        ],
    }


def _persons_by_unit(subitem: SubItem) -> list[tuple[Unit, list]]:
    grouped: dict[int, tuple[Unit, list]] = {}
    for person in subitem.persons.all():
        grouped.setdefault(person.unit_id, (person.unit, []))[1].append(person)
    return list(grouped.values())


@login_required
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _signed_in(request)
    subitem = _subitem_for(request, pk)
    plan = subitem.project.plan
    asked = request.GET.get("period")
    period = periods.parse_period(asked)
    if asked and (period is None or period.year != plan.year):
        raise Http404
    page = selectors_items.item_page(subitem, period)
    evaluation = page.evaluation
    plan_periods = statuses.reporting_periods(plan.year, plan.reporting_cycle)
    return render(
        request,
        "progress/items/detail.html",
        {
            "subitem": subitem,
            "project": subitem.project,
            "plan": plan,
            "co_units": [link.unit for link in subitem.co_unit_links.all()],
            "persons": _persons_by_unit(subitem),
            "leaders": list(subitem.leaders.all()),
            "period": page.period,
            "period_choices": [
                {"value": periods.label(p), "selected": p == page.period} for p in plan_periods
            ],
            "period_start": evaluation.period_start,
            "period_end": evaluation.period_end,
            "deadline": periods.deadline(page.period, settings.REPORT_DEADLINE_DAY),
            "report": evaluation.report,
            "counted": evaluation.counted,
            "shown": _shown(evaluation),
            "shown_label": SHOWN_LABELS.get(_shown(evaluation), ""),
            "computed": evaluation.computed.status or "",
            "computed_label": COMPUTED_LABELS.get(evaluation.computed.status or "", ""),
            "mismatch": evaluation.mismatch,
            "reasons": explanations(page),
            "thresholds": {
                "low": round(settings.STATUS_LAGGING_BELOW * 100),
                "high": round(settings.STATUS_AHEAD_ABOVE * 100),
            },
            "timeline": page.timeline,
            "series": [
                {
                    "series": s,
                    "rows": [
                        {
                            "label": label,
                            "target": plain_number(t) if t is not None else "",
                            "expected": plain_number(e) if e is not None else "",
                            "actual": plain_number(a) if a is not None else "",
                        }
                        for label, t, e, a in zip(
                            s.labels, s.target, s.expected, s.actual, strict=True
                        )
                    ],
                }
                for s in page.series
            ],
            "chart_data": _chart_data(page),
            "reports": page.reports,
        },
    )


# --- unit and leader pages ----------------------------------------------------------------


def _group_page(request: HttpRequest, user, *, where: Q, period: date, list_params: dict) -> dict:
    """What a unit page and a leader page share: their items' statuses in the period and their
    reporting record over the period's year."""
    table = ItemTable(
        selectors_items.list_rows(user, period).filter(where), period=period, prefix="items-"
    )
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    record = selectors_items.reporting_record(user, where, period.year)
    params = {"period": periods.label(period), **list_params}
    return {
        "period": period,
        "period_value": periods.label(period),
        "table": table,
        "count": table.paginator.count,
        "record": record,
        "record_totals": selectors_items.record_totals(record),
        "list_url": f"{reverse('items:list')}?{urlencode(params)}",
    }


@login_required
@require_GET
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _signed_in(request)
    unit = _unit_for(request, pk)
    period = _period(request) or selectors_items.unit_default_period(user, unit)
    context = _group_page(
        request,
        user,
        where=Q(subitem__lead_unit_id=unit.pk),
        period=period,
        list_params={"unit": unit.pk},
    )
    co_table = ItemTable(
        selectors_items.list_rows(user, period).filter(subitem__co_unit_links__unit_id=unit.pk),
        period=period,
        prefix="co-",
    )
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(co_table)
    context.update(
        {
            "unit": unit,
            "persons": unit.persons.order_by("name"),
            "co_table": co_table,
            "co_count": co_table.paginator.count,
        }
    )
    return render(request, "progress/items/unit.html", context)


@login_required
@require_GET
def leader_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _signed_in(request)
    leader = _leader_for(request, pk)
    period = _period(request) or selectors_items.leader_default_period(user, leader)
    context = _group_page(
        request,
        user,
        where=Q(subitem__leaders=leader.pk),
        period=period,
        list_params={"leader": leader.pk},
    )
    context["leader"] = leader
    return render(request, "progress/items/leader.html", context)
