"""The item list (filters, sorting, pages, .xlsx export), the item page, and the unit and
leader pages.

Access (progress.access): anonymous users go to the login page everywhere. The list and its
export show every signed-in user their own scope (scope_q): admins everything, supervisors
their jurisdiction, reporters the items their unit leads or co-operates on. The item page is
404 to anyone who may not read the item. A unit page is for supervisors, admins and the unit's
own reporters (other reporters get 403); a leader page for supervisors and admins (reporters
get 403). A unit or leader of another jurisdiction is 404 to a supervisor.

Every page opens on the latest period with reports of its items (progress.periods) and shows
the shown statuses of progress.statuses.shown, as the dashboard counts them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from progress import access, formatting, params, periods
from progress.exports import background, files
from progress.exports.jobs import item_export_job
from progress.items import selectors
from progress.items.filters import ItemFilter
from progress.items.reasons import explanations
from progress.items.tables import EXPORT_WIDTHS, PER_PAGE, ItemTable, export_heading
from progress.statuses.shown import COMPUTED_LABELS, label
from projects import roles
from projects.models import SubItem, Unit

# The filters that name a record: a value that is no id at all (², an id over the database's
# range) is a 404 naming it (progress.params), as ?jurisdiction= is on the dashboard; an id
# that is not offered (another jurisdiction's unit) narrows the list to nothing (ItemFilter.qs).
ID_FILTERS = ("jurisdiction", "plan", "category", "unit", "leader")


def _period(request: HttpRequest) -> date | None:
    return params.period_in_query(request)


# --- the list and its export --------------------------------------------------------------


def _filtered(
    request: HttpRequest, user, period: date, *, choosable: bool = False
) -> tuple[ItemFilter, ItemTable]:
    for name in ID_FILTERS:  # ?unit=² is no id: 404 with a message, as on every page
        params.id_in_query(request, name)
    rows = selectors.list_rows(user, period)
    filterset = ItemFilter(request.GET or None, queryset=rows, user=user)
    return filterset, ItemTable(filterset.qs, period=period, choosable=choosable)


def _export_url(request: HttpRequest, period: date) -> str:
    params = request.GET.copy()
    params["period"] = periods.label(period)
    params.pop("page", None)
    return f"{reverse('items:export')}?{params.urlencode()}"


@login_required
@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in(request)
    period = _period(request) or periods.default_period(selectors.scope_rows(user))
    choosable = roles.is_supervisor(user)  # to issue 督办 notices on the chosen items
    filterset, table = _filtered(request, user, period, choosable=choosable)
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
            "deadline": periods.deadline(period),
            "deadline_passed": periods.deadline_passed(period),
            "sees_all": roles.is_admin(user),
            "export_url": _export_url(request, period),
            "choosable": choosable,
            # a worker writes it: the link opens the job's page instead of downloading
            "export_in_background": background.item_export_in_background(
                user, filterset, table.paginator.count
            ),
        },
    )


@login_required
@require_GET
def item_export(request: HttpRequest) -> HttpResponse:
    """The .xlsx of the list as filtered and sorted. A worker writes it, and the person waits on
    the job's page, for the whole jurisdiction's list (no narrowing filter) whatever its size,
    and over EXPORT_BACKGROUND_ROWS rows (or with background=1) for any list
    (progress.exports.background)."""
    user = access.signed_in(request)
    period = _period(request) or periods.default_period(selectors.scope_rows(user))
    filterset, table = _filtered(request, user, period)
    total = filterset.qs.count()
    asked = request.GET.get("background") == "1"
    if background.item_export_in_background(user, filterset, total, asked=asked):
        query = request.GET.copy()
        for key in ("page", "background"):
            query.pop(key, None)
        job = item_export_job(user=user, params=query, period=period, total=total)
        return redirect("jobs:detail", pk=job.pk)
    RequestConfig(request, paginate=False).configure(table)  # the same sort as the page
    return files.list_response(
        table.export_rows(),
        filename=f"items-{periods.label(period)}.xlsx",
        widths=EXPORT_WIDTHS,
        **export_heading(user, filterset, period),
    )


# --- the item page ------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _number_text(value: Decimal | None) -> str:
    return "" if value is None else formatting.number(value)


def _chart_data(page: selectors.ItemPage) -> dict:
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
    access.signed_in(request)
    subitem = access.subitem_for(request, pk, queryset=selectors.item_subitem(request.user))
    plan = subitem.project.plan
    period = params.period_in_query(request)
    if period is not None and period.year != plan.year:
        raise Http404
    page = selectors.item_page(subitem, period)
    evaluation = page.evaluation
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
            # the month picker's bounds: the plan's year, quarter by quarter for quarterly plans
            "period_first": plan.reporting_periods()[0],
            "period_last": plan.reporting_periods()[-1],
            "period_step": 3 if plan.is_quarterly else 1,
            "period_start": evaluation.period_start,
            "period_end": evaluation.period_end,
            "deadline": periods.deadline(page.period),
            "report": evaluation.report,
            "counted": evaluation.counted,
            "shown": page.shown,
            "shown_label": label(page.shown),
            "completed_in": page.completed_in,
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
                            "target": _number_text(t),
                            "expected": _number_text(e),
                            "actual": _number_text(a),
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


def _group_page(request: HttpRequest, user, *, where: Q, list_params: dict) -> dict:
    """What a unit page and a leader page share: their items' statuses in the period (by
    default the latest with reports of their items) and their reporting record over the
    period's year."""
    period = _period(request) or periods.default_period(selectors.scope_rows(user).filter(where))
    table = ItemTable(
        selectors.list_rows(user, period).filter(where), period=period, prefix="items-"
    )
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    record = selectors.reporting_record(user, where, period.year)
    params = {"period": periods.label(period), **list_params}
    return {
        "period": period,
        "period_value": periods.label(period),
        "table": table,
        "count": table.paginator.count,
        "record": record,
        "record_totals": selectors.record_totals(record),
        "list_url": f"{reverse('items:list')}?{urlencode(params)}",
    }


@login_required
@require_GET
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in(request)
    unit = access.unit_for(request, pk)
    context = _group_page(
        request, user, where=Q(subitem__lead_unit_id=unit.pk), list_params={"unit": unit.pk}
    )
    period = context["period"]
    co_table = ItemTable(
        selectors.list_rows(user, period).filter(subitem__co_unit_links__unit_id=unit.pk),
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
    user = access.signed_in(request)
    leader = access.leader_for(request, pk)
    context = _group_page(
        request, user, where=Q(subitem__leaders=leader.pk), list_params={"leader": leader.pk}
    )
    context["leader"] = leader
    return render(request, "progress/items/leader.html", context)
