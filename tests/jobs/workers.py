"""Real worker processes (manage.py jobs_worker) on the test's PostgreSQL database."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")


def start_worker(*, stale_seconds: float = 3) -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: os.environ[k] for k in KEEP if k in os.environ}
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        JOBS_HEARTBEAT_SECONDS="0.5",
        JOBS_STALE_SECONDS=str(stale_seconds),
    )
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "jobs_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--verbosity",
            "0",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        worker.send_signal(sig)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for(check, *, timeout: float = 120, every: float = 0.2):
    """Call check() until it returns something true; that value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s: {check}")
