"""Running what is queued in the test's own process: django-tasks-db's rows, claimed and run by
its worker's own run_task (the worker loop itself closes connections, which a test's
transaction cannot have; the PostgreSQL tests run real worker processes)."""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_queued() -> int:
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().get_locked()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def exported(client, url: str, data=None):
    """An export that a worker writes: the request sends the person to the job's page, the
    queued task runs, and the job's download is returned (a FileResponse)."""
    from django.urls import reverse

    from progress.jobs.models import Job

    response = client.get(url, data or {})
    assert response.status_code == 302, (url, response.status_code)
    job = Job.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    run_queued()
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200, download.status_code
    return download
