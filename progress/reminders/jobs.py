"""催报 in the background: the 催报 button of the missing-reports page queues the sending, and
a worker calls progress.reminders.services.reminders_send (the one way reminders go out); the
supervisor watches it on the job's page and is told on the start page when it is done.

Safe to run again unless forced: a unit already reminded within REPEAT_AFTER is skipped by the
service, so a worker that died half-way is retried without sending twice; a forced sending is
never retried by a sweep (the supervisor sends again).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from progress import periods
from progress.jobs.models import Job
from progress.jobs.runner import JobFailed, Progress, job_create, job_enqueue, job_run
from progress.reminders import services
from progress.reminders.selectors import collect_reminders
from projects.models import User


def reminders_job(*, period: date, jurisdiction_id: int | None, force: bool, user) -> Job:
    job = job_create(
        kind=Job.Kind.REMINDERS,
        title=_("Reminding of the missing reports of %(period)s")
        % {"period": periods.label(period)},
        owner=user,
        params={
            "period": periods.label(period),
            "jurisdiction": jurisdiction_id,
            "force": force,
        },
        retry_safe=not force,
        stage=_("Waiting for a worker"),
    )
    return job_enqueue(job=job, task=reminders_task)


def _summary(result: services.RemindersResult) -> str:
    sent = result.of(services.SENT)
    parts = [
        ngettext(
            "Reminded %(units)d unit of %(items)d missing reports.",
            "Reminded %(units)d units of %(items)d missing reports.",
            len(sent),
        )
        % {"units": len(sent), "items": result.sent_items}
    ]
    names = "、".join
    if already := result.of(services.ALREADY_SENT):
        parts.append(
            _("Already reminded within a day, not sent again: %(units)s.")
            % {"units": names(u.unit.name for u in already)}
        )
    if none := result.of(services.NO_RECIPIENTS):
        parts.append(
            _("No active reporter with an email address, not reminded: %(units)s.")
            % {"units": names(u.unit.name for u in none)}
        )
    return " ".join(parts)


def _send(job: Job, progress: Progress) -> None:
    params = job.params
    period = periods.parse_period(params["period"])
    back = {"period": params["period"]}
    if params["jurisdiction"]:
        back["jurisdiction"] = params["jurisdiction"]
    job.result_url = f"{reverse('review:missing')}?{urlencode(back)}#reminders"
    units = collect_reminders(period=period, jurisdiction_id=params["jurisdiction"])
    progress.set(done=0, total=len(units), stage=_("Sending the reminders"))
    sender = User.objects.filter(pk=job.owner_id).first()
    result = services.reminders_send(
        period=period,
        jurisdiction_id=params["jurisdiction"],
        sent_by=sender,
        force=params["force"],
    )
    progress.set(done=len(result.units), total=len(result.units), stage=_summary(result))
    if failed := result.of(services.FAILED):
        raise JobFailed(
            _("Sending failed, try again later: %(units)s.")
            % {"units": "、".join(f"{u.unit.name} ({u.error})" for u in failed)}
            + " "
            + _summary(result)
        )


@task()
def reminders_task(job_id: str) -> None:
    job_run(job_id, _send)
