"""Writes of the jobs pages: dismissing a finished job's notice."""

from __future__ import annotations

from progress.jobs.models import Job


def job_notice_dismiss(*, job: Job, user) -> bool:
    """Only the owner's notice; False when there was nothing to dismiss."""
    if job.owner_id != user.pk or not job.finished:
        return False
    return bool(Job.objects.filter(pk=job.pk, notice_seen=False).update(notice_seen=True))
