"""The web import in the background: the upload is read and checked by a worker (the preview
is ready when the job is done), and the confirmed import is written by a worker, still all or
nothing (importers.batches.batch_apply: one transaction; a worker killed mid-write leaves the
batch waiting for confirmation and nothing written).

Reading is safe to run again (it writes nothing but the batch, at the end); writing is not
run again by a sweep: the person confirms again.
"""

from __future__ import annotations

from pathlib import PurePath
from uuid import uuid4

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext as _

from importers.batches import ConfirmationNeeded, batch_apply, batch_create
from importers.models import ImportBatch
from importers.types import ImportFileError
from progress.jobs.models import Job
from progress.jobs.runner import JobFailed, Progress, job_create, job_enqueue, job_run

PENDING = "imports/pending/"


def import_parse_job(
    *, data: bytes, filename: str, jurisdiction: str | None, year, period: str | None, user
) -> Job:
    """Keep the upload where every worker reads it, and queue its reading."""
    name = PurePath(filename).name[:200]
    path = default_storage.save(
        f"{PENDING}{uuid4().hex}{PurePath(filename).suffix.lower()}", ContentFile(data)
    )
    job = job_create(
        kind=Job.Kind.IMPORT_PARSE,
        title=_("Reading “%(name)s”") % {"name": name},
        owner=user,
        params={
            "path": path,
            "filename": name,
            "jurisdiction": jurisdiction or "",
            "year": year,
            "period": period or "",
            "follow": True,
        },
        retry_safe=True,
        stage=_("Waiting for a worker"),
    )
    return job_enqueue(job=job, task=import_parse_task)


def _parse(job: Job, progress: Progress) -> None:
    params = job.params
    progress.set(done=0, total=3, stage=_("Reading the file"))
    try:
        with default_storage.open(params["path"], "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise JobFailed(_("The uploaded file is no longer stored; upload it again.")) from exc
    progress.set(done=1, stage=_("Reading the rows and checking them against the plan"))
    try:
        batch = batch_create(
            data=data,
            filename=params["filename"],
            jurisdiction=params["jurisdiction"] or None,
            year=params["year"],
            period=params["period"] or None,
            user=job.owner,
        )
    except ImportFileError as exc:
        raise JobFailed(str(exc)) from exc
    counts = batch.summary.get("counts") or {}
    progress.set(
        done=3,
        stage=_("%(subitems)s sub-items read; the preview is ready")
        % {"subitems": counts.get("subitems", 0)},
    )
    default_storage.delete(params["path"])  # the batch keeps its own copy
    job.params = {**params, "batch": batch.pk}
    job.result_url = reverse("importers:preview", args=[batch.pk])


@task()
def import_parse_task(job_id: str) -> None:
    job_run(job_id, _parse)


def import_apply_job(
    *, batch: ImportBatch, user, withdraw_missing: bool, confirm_large: bool
) -> Job:
    job = job_create(
        kind=Job.Kind.IMPORT_APPLY,
        title=_("Importing “%(name)s”") % {"name": batch.original_name},
        owner=user,
        params={
            "batch": batch.pk,
            "withdraw_missing": withdraw_missing,
            "confirm_large": confirm_large,
            "follow": True,
        },
        retry_safe=False,
        stage=_("Waiting for a worker"),
    )
    return job_enqueue(job=job, task=import_apply_task)


def _apply(job: Job, progress: Progress) -> None:
    params = job.params
    batch = ImportBatch.objects.filter(pk=params["batch"]).first()
    if batch is None:
        raise JobFailed(_("This import was deleted; upload the file again."))
    preview = reverse("importers:preview", args=[batch.pk])
    job.result_url = preview
    progress.set(done=0, total=2, stage=_("Writing the plan (all or nothing)"))
    try:
        claimed = batch_apply(
            batch=batch,
            user=job.owner,
            withdraw_missing=params["withdraw_missing"],
            confirm_large=params["confirm_large"],
        )
    except ConfirmationNeeded as exc:
        query = "?large=1&withdraw=1" if params["withdraw_missing"] else "?large=1"
        job.result_url = preview + query
        raise JobFailed(
            _(
                "%(numbers)s Nothing was imported: check the numbers, tick “I have checked these "
                "numbers” and confirm again."
            )
            % {"numbers": str(exc)}
        ) from exc
    if claimed and batch.state == ImportBatch.State.FAILED:
        raise JobFailed(batch.summary.get("failure") or _("Nothing was imported."))
    progress.set(
        done=2,
        stage=_("Imported")
        if claimed
        else _("This import was already confirmed; nothing was imported again."),
    )


@task()
def import_apply_task(job_id: str) -> None:
    job_run(job_id, _apply)
