"""The 催报 button of the missing-reports page: POST /reminders/send/.

Access: anonymous users go to the login page; anyone who is not a supervisor or an admin gets
403; a supervisor sends for their own jurisdiction only (asking for another is 404); an admin
for the jurisdiction posted (or every jurisdiction). GET is 405. The sending is
progress.reminders.services.reminders_send; the page says what was sent and what was not.
With REMINDERS_IN_BACKGROUND (the default) a worker sends them (progress.reminders.jobs) and
the supervisor is sent to the job's page, which links back here when done.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from progress import access, params, periods
from progress.reminders import services
from progress.reminders.jobs import reminders_job
from projects import roles
from projects.models import Jurisdiction


def _jurisdiction_id(request: HttpRequest, user) -> int | None:
    asked = params.id_in(request.POST, "jurisdiction")  # not an id: 404 naming it
    if roles.is_admin(user):
        return get_object_or_404(Jurisdiction, pk=asked).pk if asked else None
    if asked and asked != user.jurisdiction_id:
        raise Http404
    if user.jurisdiction_id is None:
        raise Http404
    return user.jurisdiction_id


@login_required
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    user = access.supervisor(request)
    jurisdiction_id = _jurisdiction_id(request, user)
    period = periods.parse_period(request.POST.get("period"))
    back = {"jurisdiction": jurisdiction_id} if roles.is_admin(user) and jurisdiction_id else {}
    if period is None:
        messages.error(request, _("Choose the period to remind of (YYYY-MM)."))
        return redirect(f"{reverse('review:missing')}?{urlencode(back)}")
    back["period"] = periods.label(period)
    if not periods.deadline_passed(period):
        messages.error(
            request,
            _("The deadline of %(period)s has not passed yet: nothing is late to remind of.")
            % {"period": periods.label(period)},
        )
        return redirect(f"{reverse('review:missing')}?{urlencode(back)}")
    force = request.POST.get("force") == "1"
    if settings.REMINDERS_IN_BACKGROUND:  # a worker sends; the job's page shows how far it is
        job = reminders_job(period=period, jurisdiction_id=jurisdiction_id, force=force, user=user)
        return redirect("jobs:detail", pk=job.pk)
    result = services.reminders_send(
        period=period,
        jurisdiction_id=jurisdiction_id,
        sent_by=user,
        force=force,
    )
    _say(request, result)
    return redirect(f"{reverse('review:missing')}?{urlencode(back)}#reminders")


def _say(request: HttpRequest, result: services.RemindersResult) -> None:
    sent = result.of(services.SENT)
    if sent:
        messages.success(
            request,
            ngettext(
                "Reminded %(units)d unit of %(items)d missing reports.",
                "Reminded %(units)d units of %(items)d missing reports.",
                len(sent),
            )
            % {"units": len(sent), "items": result.sent_items},
        )
    elif not result.units:
        messages.info(request, _("Nothing is missing for this period: no reminder sent."))
    names = "、".join
    if already := result.of(services.ALREADY_SENT):
        messages.info(
            request,
            _(
                "Already reminded within a day, not sent again: %(units)s. Tick “send again” to "
                "remind them once more."
            )
            % {"units": names(u.unit.name for u in already)},
        )
    if none := result.of(services.NO_RECIPIENTS):
        messages.warning(
            request,
            _(
                "No active reporter with an email address, not reminded: %(units)s. Ask the "
                "administrator to add their accounts."
            )
            % {"units": names(u.unit.name for u in none)},
        )
    if failed := result.of(services.FAILED):
        messages.error(
            request,
            _("Sending failed, try again later: %(units)s.")
            % {"units": names(u.unit.name for u in failed)},
        )
