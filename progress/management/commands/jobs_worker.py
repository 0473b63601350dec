"""The background worker: django-tasks-db's db_worker, plus a thread that sweeps the jobs whose
worker died (progress.jobs.runner.jobs_sweep). Run one or more beside the web servers, on any
machine that reaches the database (docs/jobs.md); every option of db_worker applies."""

from __future__ import annotations

import threading

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from progress.jobs.runner import jobs_sweep, sweep_forever


class Command(DbWorkerCommand):
    help = "Run the background tasks (django-tasks-db) and sweep jobs whose worker died"

    def handle(self, *args, **options) -> None:
        jobs_sweep()
        if options.get("batch"):  # run what is queued, then stop: no sweeping thread
            super().handle(*args, **options)
            return
        stop = threading.Event()
        every = max(1.0, settings.JOBS_STALE_SECONDS / 2)
        sweeper = threading.Thread(
            target=sweep_forever, args=(every, stop), name="jobs-sweep", daemon=True
        )
        sweeper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
