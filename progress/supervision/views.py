"""Supervision's pages: notices (list, issue, one notice with its reply and decision, export,
files), the lights, the flags, the scorecard and the leaders' view.

Access (progress.access, docs/supervision.md): anonymous users go to the login page. Notices:
a reporter reads and answers only its own unit's notices (another unit's is 404); issuing,
accepting and sending back are for supervisors and admins (403 to reporters). A supervisor
reads only its jurisdiction (another's notice, or ?jurisdiction=, is 404). Lights, flags and
the scorecard: supervisors their jurisdiction, reporters only their own unit's rows; the
leaders' view and dismissing flags: supervisors and admins only.

Query budget: every page reads a fixed number of queries whatever the number of rows (the
tests pin it with 10 and 1,000 items).
"""

from __future__ import annotations

import pandas as pd
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from progress import access, params, periods
from progress.dashboard.selectors import default_jurisdiction, plan_years
from progress.exports import background
from progress.exports.jobs import notices_export_job, scorecard_export_job
from progress.supervision import scorecard as scorecards
from progress.supervision import selectors, services, words, xlsx
from progress.supervision.forms import DecisionForm, DismissForm, NoticeForm, ReplyForm
from progress.supervision.models import Notice, NoticeAttachment, ReportFlag
from projects import roles
from projects.models import Jurisdiction, Leader, Unit

PAGE_SIZE = 50


# --- notices ----------------------------------------------------------------------------


def _filtered_notices(request: HttpRequest, user):
    qs = selectors.notices_for(user)
    jurisdiction_id = None
    if request.GET.get("jurisdiction"):
        jurisdiction = access.jurisdiction_for(request, user)
        jurisdiction_id = jurisdiction.pk if jurisdiction else None
    return qs, selectors.filter_notices(
        qs,
        state=request.GET.get("state", ""),
        unit_id=params.id_in_query(request, "unit"),
        level=request.GET.get("level", ""),
        jurisdiction_id=jurisdiction_id,
    )


@login_required
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in(request)
    everything, notices = _filtered_notices(request, user)
    page = Paginator(notices.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    units = Unit.objects.filter(pk__in=everything.values("unit_id")).order_by("name")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "progress/supervision/notices.html",
        {
            "page": page,
            "notices": page.object_list,
            "counts": selectors.notice_counts(everything),
            "units": units,
            "levels": Notice.Level.choices,
            "states": _state_choices(),
            "query": query.urlencode(),
            "chosen": {
                "state": request.GET.get("state", ""),
                "unit": params.id_in_query(request, "unit"),
                "level": request.GET.get("level", ""),
            },
            "is_supervisor": roles.is_supervisor(user),
            "today": timezone.localdate(),
        },
    )


def _state_choices() -> list[tuple[str, str]]:
    return [
        ("open", _("Open")),
        ("overdue", _("Overdue")),
        ("replied", _("Replied, to accept")),
        ("closed", _("Closed")),
    ]


@login_required
@require_GET
def notice_export(request: HttpRequest) -> HttpResponse:
    """The 督办台账 of the notices as filtered. A supervisor's or an admin's without a filter
    (state, unit, level; the admin's jurisdiction does not narrow) is a whole jurisdiction's
    list: a worker writes it (progress.exports.background). A unit's is sent at once."""
    user = access.signed_in(request)
    _everything, notices = _filtered_notices(request, user)
    narrowed = any(request.GET.get(name) for name in ("state", "unit", "level"))
    if background.sees_whole_jurisdictions(user) and not narrowed:
        place = access.jurisdiction_for(request, user) if request.GET.get("jurisdiction") else None
        if place is None and not roles.is_admin(user):
            place = user.jurisdiction
        job = notices_export_job(user=user, jurisdiction=place)
        return redirect("jobs:detail", pk=job.pk)
    return xlsx.notices_response(notices.order_by("created_at", "pk"), today=timezone.localdate())


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest) -> HttpResponse:
    """Issue a notice on the items chosen (?items=1&items=2, from the item list's selection or
    an item page); one notice per item."""
    user = access.supervisor(request)
    source = request.POST if request.method == "POST" else request.GET
    ids = sorted(set(params.ids_in(source.getlist("items"), "items")))
    subitems = list(
        access.visible_subitems(user).filter(pk__in=ids).order_by("project__order", "number", "pk")
    )
    if len(subitems) != len(ids):
        raise Http404
    form = NoticeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            notices = services.notice_create(subitems=subitems, user=user, **form.cleaned_data)
        except services.SupervisionError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("%(n)d notices issued.") % {"n": len(notices)}
                if len(notices) > 1
                else _("The notice is issued."),
            )
            if len(notices) == 1:
                return redirect("supervision:notice", pk=notices[0].pk)
            return redirect("supervision:notices")
    return render(
        request,
        "progress/supervision/notice_new.html",
        {"form": form, "subitems": subitems, "error": error},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in(request)
    notice = get_object_or_404(
        selectors.notices_for(user).select_related("subitem__project__plan", "jurisdiction"),
        pk=pk,
    )
    may_reply = user.unit_id == notice.unit_id and roles.is_reporter(user)
    may_decide = roles.is_supervisor(user)
    reply_form = ReplyForm(request.POST if request.POST.get("action") == "reply" else None)
    decision_form = DecisionForm(
        request.POST if request.POST.get("action") in ("accept", "return") else None
    )
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "reply":
            if not may_reply:
                raise PermissionDenied
            if reply_form.is_valid():
                uploads = [
                    services.Upload(f.name, f.read()) for f in request.FILES.getlist("files")
                ]
                try:
                    services.notice_reply(
                        notice=notice, user=user, files=uploads, **reply_form.cleaned_data
                    )
                except services.SupervisionError as exc:
                    error = str(exc)
                else:
                    messages.success(request, _("Your reply is sent."))
                    return redirect("supervision:notice", pk=notice.pk)
        elif action in ("accept", "return"):
            if not may_decide:
                raise PermissionDenied
            if decision_form.is_valid():
                data = decision_form.cleaned_data
                try:
                    if action == "accept":
                        services.notice_accept(notice=notice, user=user, comment=data["comment"])
                    else:
                        services.notice_return(
                            notice=notice,
                            user=user,
                            comment=data["comment"],
                            reply_due=data["reply_due"],
                        )
                except services.SupervisionError as exc:
                    error = str(exc)
                else:
                    messages.success(
                        request,
                        _("The notice is closed.")
                        if action == "accept"
                        else _("The reply is sent back."),
                    )
                    return redirect("supervision:notice", pk=notice.pk)
        else:
            error = _("Choose what to do.")
    events = notice.events.select_related("actor").prefetch_related("attachments")
    return render(
        request,
        "progress/supervision/notice.html",
        {
            "notice": notice,
            "events": events,
            "overdue": notice.state == Notice.State.OPEN
            and notice.reply_due < timezone.localdate(),
            "may_reply": may_reply and notice.state == Notice.State.OPEN,
            "may_decide": may_decide and notice.state == Notice.State.REPLIED,
            "reply_form": reply_form,
            "decision_form": decision_form,
            "error": error,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def notice_file(request: HttpRequest, pk: int) -> FileResponse:
    user = access.signed_in(request)
    attachment = get_object_or_404(
        NoticeAttachment.objects.filter(event__notice__in=selectors.notices_for(user)), pk=pk
    )
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# --- scope of the lights, flags and scorecard ----------------------------------------------


def _jurisdiction(request: HttpRequest, user) -> Jurisdiction | None:
    """Supervisors their own; admins ?jurisdiction= or the first; reporters their unit's."""
    if roles.is_supervisor(user):
        return access.jurisdiction_for(request, user, default=default_jurisdiction)
    if request.GET.get("jurisdiction"):
        raise Http404
    return user.unit.jurisdiction if user.unit_id else None


def _own_unit(user) -> int | None:
    """A reporter's rows are its own unit's; None for supervisors (the whole jurisdiction)."""
    if roles.is_supervisor(user):
        return None
    if not user.unit_id:
        raise PermissionDenied
    return user.unit_id


# --- lights -----------------------------------------------------------------------------


@login_required
@require_GET
def lights(request: HttpRequest) -> HttpResponse:
    user = access.signed_in(request)
    own_unit = _own_unit(user)
    jurisdiction = _jurisdiction(request, user)
    if jurisdiction is None:
        raise Http404
    rows = selectors.light_rows(jurisdiction.pk)
    if own_unit is not None:
        rows = rows.filter(lead_unit_id=own_unit)
    unit_id = params.id_in_query(request, "unit")
    if unit_id:
        rows = rows.filter(lead_unit_id=unit_id)
    period = params.period_in_query(request) or selectors.light_period(rows)
    chosen = request.GET.get("light", "")
    items = selectors.light_list(rows, period, chosen)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.reason_words = words.light_reasons(row.light_reasons)
    return render(
        request,
        "progress/supervision/lights.html",
        {
            "jurisdiction": jurisdiction,
            "period": period,
            "period_value": periods.label(period),
            "counts": selectors.light_counts(rows, period),
            "page": page,
            "rows": page.object_list,
            "chosen": chosen,
            "unit_id": unit_id,
            "symbols": words.LIGHT_SYMBOLS,
        },
    )


# --- flags ------------------------------------------------------------------------------


@login_required
@require_GET
def flag_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in(request)
    flags = selectors.flags_for(user)
    if own := (None if roles.is_supervisor(user) else user.unit_id):
        flags = flags.filter(report__subitem__lead_unit_id=own)
    kind = request.GET.get("kind", "")
    if kind in ReportFlag.Kind.values:
        flags = flags.filter(kind=kind)
    shown = request.GET.get("dismissed", "")
    flags = flags.filter(dismissed_at__isnull=shown != "1")
    period = params.period_in_query(request)
    if period:
        flags = flags.filter(report__period=period)
    page = Paginator(flags.order_by("-report__period", "report_id", "kind"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for flag in page.object_list:
        flag.words = words.flag_reason(flag.kind, flag.subject, flag.params)
    return render(
        request,
        "progress/supervision/flags.html",
        {
            "page": page,
            "flags": page.object_list,
            "kinds": ReportFlag.Kind.choices,
            "kind": kind,
            "dismissed": shown == "1",
            "may_dismiss": roles.is_supervisor(user),
            "dismiss_form": DismissForm(),
        },
    )


@login_required
@require_POST
def flag_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in(request)
    flag = get_object_or_404(selectors.flags_for(user), pk=pk)
    if not roles.is_supervisor(user):
        raise PermissionDenied
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the flag is dismissed."))
    else:
        try:
            services.flag_dismiss(flag=flag, user=user, reason=form.cleaned_data["reason"])
        except services.SupervisionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The flag is dismissed."))
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("supervision:flags")


# --- the scorecard ----------------------------------------------------------------------


def _scorecard(request: HttpRequest):
    user = access.signed_in(request)
    own_unit = _own_unit(user)
    jurisdiction = _jurisdiction(request, user)
    if jurisdiction is None:
        raise Http404
    years = plan_years(jurisdiction.pk)
    year = params.year_in_query(request) or (years[0] if years else timezone.localdate().year)
    return jurisdiction, years, scorecards.build(jurisdiction.pk, year, unit_id=own_unit)


@login_required
@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    jurisdiction, years, card = _scorecard(request)
    measure = request.GET.get("measure", "score")
    if measure not in dict(scorecards.MEASURES):
        measure = "score"
    pivot = card.pivot(measure)
    scores = card.pivot("score")
    rows = []
    for unit_id, summary in card.summary.iterrows():
        rows.append(
            {
                "unit_id": unit_id,
                "name": card.units.get(unit_id, ""),
                "summary": {k: _cell(v) for k, v in summary.items()},
                "months": [_cell(v) for v in pivot.loc[unit_id]] if unit_id in pivot.index else [],
                "trend": _trend(scores.loc[unit_id]) if unit_id in scores.index else "",
            }
        )
    return render(
        request,
        "progress/supervision/scorecard.html",
        {
            "jurisdiction": jurisdiction,
            "years": years,
            "year": card.year,
            "months": card.months,
            "measures": scorecards.MEASURES,
            "measure": measure,
            "measure_label": dict(scorecards.MEASURES)[measure],
            "rows": rows,
            "weights": scorecards.weights(),
        },
    )


def _cell(value) -> str:
    if pd.isna(value):
        return "–"
    number = float(value)
    return f"{number:.1f}" if number % 1 else f"{int(number)}"


def _trend(series) -> str:
    """SVG polyline points of a unit's monthly scores (0..100 over 12 months)."""
    points = []
    for i, value in enumerate(series):
        if value == value and value is not None:
            points.append(f"{i * 10 + 5},{50 - float(value) / 2:.1f}")
    return " ".join(points)


@login_required
@require_GET
def scorecard_export(request: HttpRequest) -> HttpResponse:
    """The scorecard as .xlsx. A supervisor's or an admin's is the whole jurisdiction's: a
    worker writes it (progress.exports.background); a reporter's (its own unit's row) is sent
    at once."""
    user = access.signed_in(request)
    if _own_unit(user) is None:
        jurisdiction = _jurisdiction(request, user)
        if jurisdiction is None:
            raise Http404
        years = plan_years(jurisdiction.pk)
        year = params.year_in_query(request) or (years[0] if years else timezone.localdate().year)
        job = scorecard_export_job(user=user, jurisdiction=jurisdiction, year=year)
        return redirect("jobs:detail", pk=job.pk)
    jurisdiction, _years, card = _scorecard(request)
    return xlsx.scorecard_response(card, jurisdiction.name)


# --- the leaders' view ------------------------------------------------------------------


@login_required
@require_GET
def leaders(request: HttpRequest) -> HttpResponse:
    """The 区领导 of the jurisdiction: without ?leader=, each leader's lights and open notices
    in the period (two grouped queries); with it, that leader's items, each with its light, its
    reasons and its open notices, on one printable page (three queries). Fixed counts whatever
    the size."""
    user = access.supervisor(request)
    jurisdiction = access.jurisdiction_for(request, user, default=default_jurisdiction)
    if jurisdiction is None:
        raise Http404
    rows = selectors.light_rows(jurisdiction.pk)
    period = params.period_in_query(request) or selectors.light_period(rows)
    context = {
        "jurisdiction": jurisdiction,
        "period": period,
        "period_value": periods.label(period),
        "today": timezone.localdate(),
    }
    leader_id = params.id_in_query(request, "leader")
    if leader_id is None:
        context["summary"] = selectors.leader_summary(jurisdiction.pk, period)
        return render(request, "progress/supervision/leaders.html", context)
    leader = get_object_or_404(Leader, pk=leader_id, jurisdiction=jurisdiction)
    items = []
    for status, open_notices in selectors.leader_items(leader.pk, period):
        items.append(
            {
                "status": status,
                "subitem": status.subitem,
                "light": status.light,
                "symbol": words.LIGHT_SYMBOLS[status.light],
                "light_label": words.light_label(status.light),
                "reasons": words.light_reasons(status.light_reasons),
                "open_notices": open_notices,
            }
        )
    counts = {k: sum(1 for i in items if i["light"] == k) for k in ("red", "yellow", "green")}
    context.update(leader=leader, items=items, counts=counts)
    return render(request, "progress/supervision/leader.html", context)
