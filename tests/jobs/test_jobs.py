"""Background jobs: the job page, its JSON progress and download, who may see them, exports
run through django-tasks-db's backend and worker, failures in words, the start page's notice,
and the sweep of jobs whose worker died."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from factories import access_matrix, make_plan, make_project, make_subitem
from queued import run_queued

from progress.exports.jobs import export_task, plan_export_job
from progress.jobs.models import Job
from progress.jobs.runner import job_create, job_enqueue, jobs_sweep
from progress.statuses import refresh_statuses

PERIOD = "2024-05"


@pytest.fixture
def items(jurisdiction, unit, other_unit):
    plan = make_plan(jurisdiction, title="2024年民心工程", year=2024)
    project = make_project(plan, name="新建养老服务设施")
    for n in range(3):
        make_subitem(project, name=f"驿站{n}", lead_unit=unit)
    make_subitem(project, name="别的单位的", lead_unit=other_unit)
    refresh_statuses()
    return plan


def _export(client, **params):
    return client.get(reverse("items:export"), {"period": PERIOD, **params})


@pytest.fixture
def export_job(client_as, supervisor, items):
    """A supervisor's export of the whole jurisdiction's list: written by the worker, however
    small (4 rows, under EXPORT_BACKGROUND_ROWS)."""
    response = _export(client_as(supervisor))
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert run_queued() == 1
    job.refresh_from_db()
    return job


def _rows(response) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


def test_a_small_whole_jurisdiction_export_is_written_by_the_worker(
    client_as, supervisor, export_job, settings
):
    assert settings.EXPORT_BACKGROUND_ROWS > 4
    client = client_as(supervisor)
    assert export_job.state == Job.State.DONE, export_job.error
    assert (export_job.done, export_job.total) == (4, 4)
    progress = client.get(reverse("jobs:progress", args=[export_job.pk])).json()
    assert progress["state"] == "done" and progress["percent"] == 100
    assert progress["download_url"] == reverse("jobs:download", args=[export_job.pk])

    rows = _rows(client.get(progress["download_url"]))

    assert rows[0][0] == f"{supervisor.jurisdiction.name}子项进度表（{PERIOD}）"
    assert rows[1][0] == "全部子项，未筛选"
    assert {row[2] for row in rows[3:]} == {"(1) 驿站0", "(2) 驿站1", "(3) 驿站2", "(4) 别的单位的"}
    # the list page offers it as a job, not as a download
    page = client.get(reverse("items:list"), {"period": PERIOD})
    assert page.context["export_in_background"] is True


def test_a_large_filtered_export_is_the_file_the_request_writes_under_the_size(
    client_as, supervisor, items, unit, settings
):
    client = client_as(supervisor)
    filtered = {"unit": unit.pk, "sort": "-subitem"}
    settings.EXPORT_BACKGROUND_ROWS = 2
    response = _export(client, **filtered)
    assert response.status_code == 302  # 3 rows > 2
    run_queued()
    job = Job.objects.get()
    assert job.state == Job.State.DONE, job.error
    background = _rows(client.get(reverse("jobs:download", args=[job.pk])))

    settings.EXPORT_BACKGROUND_ROWS = 1000
    direct = _export(client, **filtered)

    assert direct["Content-Type"].startswith("application/vnd.openxml")
    assert _rows(direct) == background
    assert [row[2] for row in background[3:]] == ["(3) 驿站2", "(2) 驿站1", "(1) 驿站0"]


@pytest.mark.parametrize(
    "filters",
    [{"unit": "unit"}, {"shown": "missing"}, {"q": "驿站"}, {"missing": "1"}, {"plan": "plan"}],
)
def test_a_small_filtered_export_stays_in_the_request(client_as, supervisor, items, unit, filters):
    values = {"unit": unit.pk, "plan": items.pk}
    params = {k: values.get(v, v) for k, v in filters.items()}
    response = _export(client_as(supervisor), **params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxml")
    assert not Job.objects.exists()
    page = client_as(supervisor).get(reverse("items:list"), {"period": PERIOD, **params})
    assert page.context["export_in_background"] is False


def test_a_sort_or_a_page_does_not_narrow_the_whole_list(client_as, supervisor, items):
    response = _export(client_as(supervisor), sort="-lead_unit", page="2", mismatch="0")
    assert response.status_code == 302
    assert Job.objects.count() == 1


def test_an_admins_export_of_one_jurisdiction_is_written_by_the_worker(
    client_as, admin_user, items, jurisdiction
):
    response = _export(client_as(admin_user), jurisdiction=jurisdiction.pk)
    assert response.status_code == 302
    run_queued()
    job = Job.objects.get()
    assert job.state == Job.State.DONE and job.total == 4


def test_a_units_whole_list_is_no_jurisdictions_list(client_as, reporter, items):
    """A reporter's list is the unit's items: under the size the request sends it."""
    response = _export(client_as(reporter))
    assert response.status_code == 200
    assert not Job.objects.exists()
    names = {row[2] for row in _rows(response)[3:]}
    assert names == {"(1) 驿站0", "(2) 驿站1", "(3) 驿站2"}


def test_a_unit_never_gets_the_jurisdictions_file(
    client_as, supervisor, export_job, reporter, other_reporter, other_supervisor
):
    """The whole list's file is the supervisor's scope: no reporter of the jurisdiction, and no
    supervisor of another one, opens it; another supervisor of the same jurisdiction does."""
    from factories import make_user

    from projects import roles

    colleague = make_user("colleague_sup", roles.SUPERVISOR, jurisdiction=supervisor.jurisdiction)
    for view in ("detail", "progress", "download"):
        url = reverse(f"jobs:{view}", args=[export_job.pk])
        for user in (reporter, other_reporter, other_supervisor):
            assert client_as(user).get(url).status_code == 404, (view, user)
        assert client_as(colleague).get(url).status_code == 200, view
    rows = _rows(client_as(colleague).get(reverse("jobs:download", args=[export_job.pk])))
    assert len(rows) == 3 + 4


def test_a_plans_file_is_queued_whatever_its_size_and_kept_from_its_units(
    client_as, supervisor, reporter, items
):
    client = client_as(supervisor)
    response = client.get(reverse("exports:monthly", args=[items.pk, PERIOD]))
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.total == 4
    run_queued()
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200
    assert client_as(reporter).get(reverse("jobs:download", args=[job.pk])).status_code == 404
    # the plan's page is where the job sends the person next
    assert job.result_url == reverse("exports:index", args=[items.pk])


# admin, supervisor, other jurisdiction's supervisor, reporters (lead unit, co-unit, other
# unit), anonymous
MATRIX = access_matrix(
    {
        "detail": (200, 200, 404, 404, 404, 404, 302),
        "progress": (200, 200, 404, 404, 404, 404, 302),
        "download": (200, 200, 404, 404, 404, 404, 302),
    }
)


@pytest.mark.parametrize(("view", "role", "expected"), MATRIX)
def test_it_checks_access(client_as, request, export_job, view, role, expected):
    """The supervisor asked; admins and people with the same access see it, others 404."""
    user = request.getfixturevalue(role) if role else None
    response = client_as(user).get(reverse(f"jobs:{view}", args=[export_job.pk]))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


def test_a_reporters_export_is_seen_by_the_same_unit_only(
    client_as, reporter, other_reporter, items, settings, unit
):
    from factories import make_user

    from projects import roles

    settings.EXPORT_BACKGROUND_ROWS = 0
    _export(client_as(reporter))
    job = Job.objects.get()
    colleague = make_user("colleague", roles.REPORTER, jurisdiction=unit.jurisdiction, unit=unit)
    url = reverse("jobs:detail", args=[job.pk])
    assert client_as(colleague).get(url).status_code == 200
    assert client_as(other_reporter).get(url).status_code == 404
    run_queued()
    job.refresh_from_db()
    assert job.total == 3  # the unit's own items only
    download = reverse("jobs:download", args=[job.pk])
    assert client_as(other_reporter).get(download).status_code == 404
    names = {row[2] for row in _rows(client_as(colleague).get(download))[3:]}
    assert names == {"(1) 驿站0", "(2) 驿站1", "(3) 驿站2"}  # never 别的单位的


def test_the_job_page_has_the_bar_and_no_inline_script(client_as, supervisor, export_job):
    page = client_as(supervisor).get(reverse("jobs:detail", args=[export_job.pk]))
    html = page.content.decode()
    assert "<progress" in html and 'data-job-progress="' in html
    assert "js/job_progress.js" in html
    assert "<script>" not in html and "<script nonce" not in html
    assert "script-src" in page["Content-Security-Policy"]


def test_a_failure_is_said_in_words_on_the_same_page(client_as, admin_user, items):
    job = plan_export_job(user=admin_user, plan=items, what="plan")
    items.delete()

    run_queued()

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    page = client_as(admin_user).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "清单已被删除" in page or "The plan was deleted" in page
    assert client_as(admin_user).get(reverse("jobs:download", args=[job.pk])).status_code == 410


def test_the_start_page_says_when_it_finished_until_dismissed(client_as, supervisor, export_job):
    client = client_as(supervisor)
    assert export_job.title in client.get(reverse("home")).content.decode()

    client.post(reverse("jobs:dismiss", args=[export_job.pk]))

    assert export_job.title not in client.get(reverse("home")).content.decode()


def test_an_expired_file_is_gone(client_as, supervisor, export_job):
    Job.objects.filter(pk=export_job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client_as(supervisor).get(reverse("jobs:download", args=[export_job.pk]))
    assert response.status_code == 410


def _running(job: Job, *, seconds_ago: int) -> None:
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago),
    )
    DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING")


def test_a_sweep_queues_again_a_safe_job_whose_worker_died(admin_user, items, settings):
    settings.JOBS_STALE_SECONDS = 30
    job = plan_export_job(user=admin_user, plan=items, what="plan")
    first_task = job.task_id
    _running(job, seconds_ago=60)

    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert [j.pk for j in jobs_sweep()] == [job.pk]

    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and job.task_id != first_task
    assert DBTaskResult.objects.get(pk=first_task).status == "FAILED"
    run_queued()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 2


def test_a_sweep_fails_an_unsafe_job_saying_why(admin_user, items, settings):
    settings.JOBS_STALE_SECONDS = 30
    job = job_create(kind=Job.Kind.IMPORT_APPLY, title="写入", owner=admin_user)
    job_enqueue(job=job, task=export_task)
    _running(job, seconds_ago=60)
    recent = job_create(kind=Job.Kind.EXPORT, title="still alive", owner=admin_user)
    Job.objects.filter(pk=recent.pk).update(state=Job.State.RUNNING, heartbeat_at=timezone.now())

    assert [j.pk for j in jobs_sweep()] == [job.pk]

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "停止" in job.error or "stopped" in job.error
    recent.refresh_from_db()
    assert recent.state == Job.State.RUNNING


def test_withdrawing_many_rows_in_the_admin_refreshes_statuses_in_a_worker(
    client_as, admin_user, items, settings
):
    from progress.models import ItemStatus
    from projects.models import SubItem

    settings.STATUS_BACKGROUND_ITEMS = 2
    ids = list(SubItem.objects.values_list("pk", flat=True))
    assert ItemStatus.objects.filter(subitem_id__in=ids).exists()
    url = reverse("admin:projects_subitem_changelist")

    response = client_as(admin_user).post(
        url, {"action": "withdraw_selected", "_selected_action": ids}, follow=True
    )

    job = Job.objects.get(kind=Job.Kind.STATUS_REFRESH)
    assert reverse("jobs:detail", args=[job.pk]) in response.content.decode()
    assert ItemStatus.objects.filter(subitem_id__in=ids).exists()  # not yet: the worker does it
    run_queued()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and (job.done, job.total) == (4, 4)
    assert not ItemStatus.objects.filter(subitem_id__in=ids).exists()


def test_an_admins_missing_list_of_every_jurisdiction_is_the_admins_only(
    client_as, admin_user, supervisor, items
):
    response = client_as(admin_user).get(reverse("review:missing_export"), {"period": PERIOD})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.scope == ""  # every jurisdiction: the asker and the admins
    run_queued()
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    download = reverse("jobs:download", args=[job.pk])
    assert client_as(supervisor).get(download).status_code == 404
    rows = _rows(client_as(admin_user).get(download))
    assert rows[2][0] == "行政区"  # the jurisdiction's column first
    assert len(rows) == 3 + 4  # every item is missing in May (none reported)


def test_the_whole_notice_ledger_and_scorecard_go_to_the_worker_a_filtered_ledger_does_not(
    client_as, supervisor, reporter, items, unit
):
    client = client_as(supervisor)
    ledger = reverse("supervision:notices_export")
    for url in (ledger, f"{reverse('supervision:scorecard_export')}?year=2024"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/jobs/"), url
    run_queued()
    jobs = list(Job.objects.all())
    assert len(jobs) == 2 and all(job.state == Job.State.DONE for job in jobs)
    for job in jobs:  # the jurisdiction's supervisors' files, not its units'
        download = reverse("jobs:download", args=[job.pk])
        assert client.get(download).status_code == 200
        assert client_as(reporter).get(download).status_code == 404
    for narrowed in ({"state": "open"}, {"unit": unit.pk}, {"level": "urgent"}):
        response = client.get(ledger, narrowed)
        assert response.status_code == 200, narrowed
        assert response["Content-Type"].startswith("application/vnd.openxml")
    assert client_as(reporter).get(ledger).status_code == 200  # the unit's own notices
    assert Job.objects.count() == 2
