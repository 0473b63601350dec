"""Reads of the jobs pages: one job for a person who may see it, the start page's notices."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from progress.jobs.access import may_see
from progress.jobs.models import Job

NOTICES = 5


def job_for(user, pk) -> Job:
    """The job, or 404 to anyone who may not see it (nobody learns it exists)."""
    job = Job.objects.filter(pk=pk).first()
    if job is None or not may_see(user, job):
        raise Http404
    return job


def finished_notices(user) -> list[Job]:
    """The person's own jobs that finished and whose notice they have not dismissed."""
    if not user.is_authenticated:
        return []
    return list(
        Job.objects.filter(owner=user, notice_seen=False, state__in=Job.FINISHED).order_by(
            "-finished_at"
        )[:NOTICES]
    )


def stalled(job: Job) -> bool:
    """Running, but no sign of life from its worker for longer than a sweep waits."""
    if job.state != Job.State.RUNNING or job.heartbeat_at is None:
        return False
    age = (timezone.now() - job.heartbeat_at).total_seconds()
    return age > settings.JOBS_STALE_SECONDS


def elapsed_seconds(job: Job) -> int:
    if job.started_at is None:
        return 0
    end = job.finished_at or timezone.now()
    return max(0, int((end - job.started_at).total_seconds()))


def progress_payload(job: Job, *, result_url: str, download_url: str) -> dict:
    """What static/js/job_progress.js reads."""
    return {
        "id": str(job.pk),
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "finished": job.finished,
        "done": job.done,
        "total": job.total,
        "percent": job.percent(),
        "stage": job.stage,
        "elapsed_s": elapsed_seconds(job),
        "stalled": stalled(job),
        "error": job.error,
        "result_url": result_url,
        "download_url": download_url,
    }
