"""Real tasks through django-tasks-db and real worker processes on PostgreSQL: the web import
read and written in a worker with its progress endpoint, a failure said on the job's page,
and a worker killed in the middle of writing an import, which leaves nothing half written."""

import importlib.util
import signal
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from workers import ROOT, start_worker, stop, wait_for

from importers.models import ImportBatch
from progress.jobs.models import Job
from projects.models import Plan, SubItem

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 3000


def _generated_list(rows: int) -> tuple[bytes, str]:
    spec = importlib.util.spec_from_file_location(
        "import_bench", ROOT / "benchmarks/import_bench.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / bench.FILENAME
        bench.generate_xlsx(path, rows, 2024)
        return path.read_bytes(), bench.FILENAME


@pytest.fixture(scope="module")
def big_list() -> tuple[bytes, str]:
    return _generated_list(ROWS)


@pytest.fixture
def worker():
    process = start_worker()
    yield process
    stop(process)


@pytest.fixture
def admin(client_as, admin_user, settings):
    settings.IMPORT_IN_BACKGROUND = True
    return client_as(admin_user)


def _job_of(response) -> Job:
    assert response.status_code == 302, response.status_code
    job = Job.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    return job


def _finished(client, job: Job) -> dict:
    url = reverse("jobs:progress", args=[job.pk])
    return wait_for(lambda: (data := client.get(url).json())["finished"] and data)


def _upload(client, data: bytes, name: str) -> Job:
    return _job_of(
        client.post(reverse("importers:upload"), {"file": SimpleUploadedFile(name, data)})
    )


def test_the_web_import_is_read_and_written_by_a_worker(admin, worker, big_list):
    data, name = big_list
    job = _upload(admin, data, name)

    seen = set()
    url = reverse("jobs:progress", args=[job.pk])

    def finished():
        progress = admin.get(url).json()
        seen.add((progress["state"], progress["done"]))
        return progress["finished"] and progress

    progress = wait_for(finished)
    assert progress["state"] == "done", progress["error"]
    assert ("running", 1) in seen  # the bar moved before it was done
    batch = ImportBatch.objects.get()
    assert progress["result_url"] == reverse("importers:preview", args=[batch.pk])
    assert admin.get(progress["result_url"]).context["can_confirm"]
    assert not Plan.objects.exists()

    applied = _job_of(admin.post(reverse("importers:confirm", args=[batch.pk])))
    progress = _finished(admin, applied)

    assert progress["state"] == "done", progress["error"]
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED
    assert SubItem.objects.count() == ROWS
    home = admin.get(reverse("home")).content.decode()
    assert f'href="{reverse("jobs:detail", args=[applied.pk])}"' in home  # the notice


def test_a_file_that_cannot_be_read_fails_in_words_on_the_job_page(admin, worker):
    job = _upload(admin, b"\x00\x01 not a list", "清单.xlsx")

    progress = _finished(admin, job)

    assert progress["state"] == "failed"
    assert progress["error"]
    page = admin.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert progress["error"] in page
    assert not ImportBatch.objects.exists()


def test_a_worker_killed_while_writing_leaves_nothing_half_written(admin, big_list):
    data, name = big_list
    first = start_worker(stale_seconds=3)
    try:
        preview = _finished(admin, _upload(admin, data, name))
        assert preview["state"] == "done", preview["error"]
        batch = ImportBatch.objects.get()

        job = _job_of(admin.post(reverse("importers:confirm", args=[batch.pk])))
        wait_for(
            lambda: Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).exists(), every=0.05
        )
        # Into the write: rows are being inserted inside the import's one transaction.
        wait_for(
            lambda: admin.get(reverse("jobs:progress", args=[job.pk])).json()["elapsed_s"] >= 1,
            every=0.1,
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
    finally:
        stop(first)

    job.refresh_from_db()
    assert job.state == Job.State.RUNNING  # killed before it finished
    assert not SubItem.objects.exists() and not Plan.objects.exists()
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PREVIEWED  # the claim was rolled back too

    second = start_worker(stale_seconds=3)
    try:
        progress = _finished(admin, job)
        assert progress["state"] == "failed"  # writing is not run again by itself
        page = admin.get(reverse("jobs:detail", args=[job.pk])).content.decode()
        assert progress["error"] in page
        assert not SubItem.objects.exists()

        again = _job_of(admin.post(reverse("importers:confirm", args=[batch.pk])))
        progress = _finished(admin, again)
        assert progress["state"] == "done", progress["error"]
        assert SubItem.objects.count() == ROWS
    finally:
        stop(second)
