"""The job pages: /jobs/<id>/ (the progress bar, then the result or the failure in words),
/jobs/<id>/progress.json (polled by static/js/job_progress.js), /jobs/<id>/download (the file
an export wrote, while it is kept) and /jobs/<id>/dismiss/ (the start page's notice).

Access (progress.jobs.access): anonymous users go to the login page; the person who asked,
admins and people with the same access see the job; anyone else gets 404. Only the owner
dismisses a notice. Each view runs two queries (the session's user, the job) plus the user's
groups.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from progress import access
from progress.jobs import selectors, services
from progress.jobs.models import Job


def _download_url(job: Job) -> str:
    if job.state == Job.State.DONE and job.result_file and not job.file_expired:
        return reverse("jobs:download", args=[job.pk])
    return ""


def job_context(job: Job) -> dict:
    return {
        "job": job,
        "download_url": _download_url(job),
        "elapsed_s": selectors.elapsed_seconds(job),
        "stalled": selectors.stalled(job),
    }


@login_required
@require_GET
@never_cache
def job_page(request: HttpRequest, pk) -> HttpResponse:
    user = access.signed_in(request)
    job = selectors.job_for(user, pk)
    if job.finished and job.owner_id == user.pk and not job.notice_seen:
        services.job_notice_dismiss(job=job, user=user)  # seen here: no notice on the start page
    return render(request, "progress/jobs/detail.html", job_context(job))


@login_required
@require_GET
@never_cache
def job_progress(request: HttpRequest, pk) -> JsonResponse:
    job = selectors.job_for(access.signed_in(request), pk)
    return JsonResponse(
        selectors.progress_payload(
            job,
            result_url=job.result_url if job.finished else "",
            download_url=_download_url(job),
        )
    )


@login_required
@require_GET
@never_cache
def job_download(request: HttpRequest, pk) -> HttpResponse:
    job = selectors.job_for(access.signed_in(request), pk)
    if not _download_url(job):
        return render(request, "progress/jobs/gone.html", {"job": job}, status=410)
    return FileResponse(
        job.result_file.open("rb"), as_attachment=True, filename=job.result_name or None
    )


@login_required
@require_POST
def job_dismiss(request: HttpRequest, pk) -> HttpResponse:
    user = access.signed_in(request)
    job = selectors.job_for(user, pk)
    services.job_notice_dismiss(job=job, user=user)
    return redirect("home")
