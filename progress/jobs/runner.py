"""Running a job: create and enqueue it, run it in the worker with its progress and heartbeat,
and sweep the jobs whose worker died.

A task (django.tasks) takes the job's id and calls job_run with the work: a function of the
job and its Progress that raises JobFailed with a message for the person when it cannot do
what was asked. The work's own writes are its business (the import writes all or nothing in
one transaction); the job's progress is written by a heartbeat thread on its own database
connection, so it shows while the work's transaction is still open.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from progress.jobs.models import Job

logger = logging.getLogger(__name__)


class JobFailed(Exception):
    """The work could not do what was asked; the message says why, for the person."""


def job_create(
    *,
    kind: str,
    title: str,
    owner,
    scope: str = "",
    params: dict | None = None,
    retry_safe: bool = False,
    stage: str = "",
) -> Job:
    job = Job(
        kind=kind,
        title=title[:200],
        owner=owner if getattr(owner, "is_authenticated", False) else None,
        scope=scope,
        params=params or {},
        retry_safe=retry_safe,
        stage=stage[:200],
    )
    job.full_clean()
    job.save()
    return job


def job_enqueue(*, job: Job, task) -> Job:
    """Queue the task for the job; the task's path is kept so that a sweep can queue it again."""
    result = task.enqueue(str(job.pk))
    job.task_id = str(result.id)
    job.params = {**job.params, "_task": task.module_path}
    job.save(update_fields=["task_id", "params"])
    return job


class Progress:
    """What the work has done, in the units it counts (rows, items, persons)."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.done = job.done
        self.total = job.total
        self.stage = job.stage
        self._lock = threading.Lock()
        self._flushed = 0.0

    def set(self, done: int | None = None, total: int | None = None, stage: str | None = None):
        with self._lock:
            if done is not None:
                self.done = done
            if total is not None:
                self.total = total
            if stage is not None:
                self.stage = str(stage)[:200]
        # Outside a transaction the worker's own connection writes at once (at most twice a
        # second); inside one, the heartbeat thread writes it.
        if not connection.in_atomic_block and time.monotonic() - self._flushed > 0.5:
            self.flush()

    def step(self, n: int = 1) -> None:
        self.set(done=self.done + n)

    def flush(self) -> None:
        with self._lock:
            values = {"done": self.done, "total": self.total, "stage": self.stage}
        Job.objects.filter(pk=self.job.pk, state=Job.State.RUNNING).update(
            heartbeat_at=timezone.now(), **values
        )
        self._flushed = time.monotonic()

    @contextmanager
    def heartbeat(self):
        """While the work runs, a thread with its own connection writes the progress and the
        heartbeat every JOBS_HEARTBEAT_SECONDS (none when it is 0: tests on SQLite's memory)."""
        every = settings.JOBS_HEARTBEAT_SECONDS
        if every <= 0:
            yield
            return
        stop = threading.Event()

        def beat() -> None:
            try:
                while not stop.wait(every):
                    self.flush()
            finally:
                connection.close()

        thread = threading.Thread(target=beat, name=f"job-{self.job.pk}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def job_run(job_id: str, work: Callable[[Job, Progress], None]) -> Job | None:
    """Claim the queued job, run the work, keep the outcome. Returns None when the job was not
    waiting (already run by another worker, or failed by a sweep)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        error="",
    )
    if not claimed:
        return None
    job = Job.objects.select_related("owner").get(pk=job_id)
    progress = Progress(job)
    error = ""
    with progress.heartbeat():
        try:
            work(job, progress)
        except JobFailed as exc:
            error = str(exc)
        except Exception as exc:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            error = _(
                "The work stopped on an unexpected error (%(error)s). Nothing was written; try "
                "again, and tell the administrator if it happens again."
            ) % {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    job.done, job.total, job.stage = progress.done, progress.total, progress.stage
    job.state = Job.State.FAILED if error else Job.State.DONE
    if not error and job.total:
        job.done = job.total
    job.error = error
    job.finished_at = job.heartbeat_at = timezone.now()
    job.save()
    return job


# --- workers that died ------------------------------------------------------------------


def jobs_sweep() -> list[Job]:
    """Jobs still running whose heartbeat stopped: their worker died, and the database rolled
    back whatever their transaction had not committed. A job that is safe to run again goes
    back in the queue (up to JOBS_MAX_ATTEMPTS runs); any other fails, saying so."""
    from django_tasks_db.models import DBTaskResult

    limit = timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS)
    swept = []
    with transaction.atomic():
        stale = list(
            Job.objects.select_for_update(skip_locked=True).filter(
                state=Job.State.RUNNING, heartbeat_at__lt=limit
            )
        )
        for job in stale:
            if job.task_id:
                DBTaskResult.objects.filter(pk=job.task_id, status="RUNNING").update(
                    status="FAILED",
                    finished_at=timezone.now(),
                    exception_class_path="progress.jobs.runner.WorkerLost",
                    traceback="The worker stopped while running this task.",
                )
            task_path = job.params.get("_task")
            if job.retry_safe and task_path and job.attempts < settings.JOBS_MAX_ATTEMPTS:
                job.state = Job.State.QUEUED
                job.stage = _("The worker running this stopped; it is queued again.")
                job.save(update_fields=["state", "stage"])
                transaction.on_commit(
                    lambda job=job, path=task_path: job_enqueue(job=job, task=import_string(path))
                )
            else:
                job.state = Job.State.FAILED
                job.finished_at = timezone.now()
                job.error = _(
                    "The worker running this stopped before it finished (it was restarted or "
                    "its machine went down). Nothing of it was written. Start it again."
                )
                job.save(update_fields=["state", "finished_at", "error"])
            swept.append(job)
    return swept


def sweep_forever(every: float, stop: threading.Event) -> None:
    """The worker command's sweeping thread."""
    try:
        while not stop.wait(every):
            close_old_connections()
            try:
                for job in jobs_sweep():
                    logger.warning("job %s lost its worker: %s", job.pk, job.state)
            except Exception:
                logger.exception("sweeping the jobs failed")
    finally:
        connection.close()
