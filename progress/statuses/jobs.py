"""Refreshing the stored statuses of many sub-items in the background: after an admin's
correction that touches more than STATUS_BACKGROUND_ITEMS of them (withdrawing or restoring
rows from the admin). Imports refresh theirs in their own transaction, which already runs in
a worker (importers.jobs). Safe to run again: a refresh recomputes from the reports."""

from __future__ import annotations

from django.tasks import task
from django.utils.translation import gettext as _

from progress.jobs.models import Job
from progress.jobs.runner import Progress, job_create, job_enqueue, job_run
from progress.statuses.stored import refresh_statuses

CHUNK = 500


def statuses_refresh_job(*, subitem_ids: list[int], user) -> Job:
    ids = sorted(set(subitem_ids))
    job = job_create(
        kind=Job.Kind.STATUS_REFRESH,
        title=_("Refreshing the statuses of %(n)s sub-items") % {"n": len(ids)},
        owner=user,
        params={"subitem_ids": ids},
        retry_safe=True,
        stage=_("Waiting for a worker"),
    )
    job.total = len(ids)
    job.save(update_fields=["total"])
    return job_enqueue(job=job, task=statuses_refresh_task)


def _refresh(job: Job, progress: Progress) -> None:
    ids = job.params["subitem_ids"]
    progress.set(done=0, total=len(ids), stage=_("Recomputing the statuses"))
    for start in range(0, len(ids), CHUNK):
        refresh_statuses(subitem_ids=ids[start : start + CHUNK])
        progress.set(done=min(start + CHUNK, len(ids)))
    progress.set(stage=_("The statuses are up to date"))


@task()
def statuses_refresh_task(job_id: str) -> None:
    job_run(job_id, _refresh)
