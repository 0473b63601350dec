"""Two people save the same report from the same version: one wins, the other is refused, and the
history holds exactly one change. On a real PostgreSQL server, with real threads and connections."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction
from factories import make_subitem

from progress.models import ProgressReport, Status
from progress.reporting import services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PERIOD = datetime.date(2024, 3, 1)


@pytest.fixture
def subitem(unit):
    return make_subitem(lead_unit=unit)


def save(subitem, user, text: str, expected_version: int | None) -> ProgressReport:
    return services.report_save(
        subitem=subitem,
        period=PERIOD,
        user=user,
        data=services.ReportData(status=Status.ON_TRACK, completion=text),
        expected_version=expected_version,
    )


def run_in_threads(*targets: Callable[[], object]) -> list[object]:
    """Run each target in its own thread (its own database connection); their results or
    exceptions, in order."""
    results: list[object] = [None] * len(targets)

    def runner(i: int, target: Callable[[], object]) -> None:
        try:
            results[i] = target()
        except Exception as exc:  # the test looks at what was raised
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a save hung"
    return results


def test_two_saves_from_the_same_version_one_wins(subitem, reporter, other_reporter):
    report = save(subitem, reporter, "第一版", expected_version=None)
    history_before = report.history.count()
    start = threading.Barrier(2)

    def save_as(user, text):
        def go():
            start.wait(timeout=10)
            return save(subitem, user, text, expected_version=report.version)

        return go

    results = run_in_threads(save_as(reporter, "甲的修改"), save_as(reporter, "乙的修改"))

    won = [r for r in results if isinstance(r, ProgressReport)]
    refused = [r for r in results if isinstance(r, services.StaleReport)]
    assert (len(won), len(refused)) == (1, 1), results
    report.refresh_from_db()
    assert report.completion == won[0].completion
    assert report.version == 2
    assert report.history.count() == history_before + 1
    assert report.history.first().completion == won[0].completion


def test_the_second_save_waits_for_the_first_and_is_refused(subitem, reporter):
    """The loser read the old version before the winner committed: the row lock makes it wait,
    and the version check after the wait refuses it (not a lost update)."""
    report = save(subitem, reporter, "第一版", expected_version=None)
    history_before = report.history.count()
    first_saved = threading.Event()
    let_first_commit = threading.Event()

    def first():
        with transaction.atomic():  # hold the transaction (and the row lock) open
            saved = save(subitem, reporter, "先保存的", expected_version=1)
            first_saved.set()
            assert let_first_commit.wait(timeout=20)
        return saved

    def second():
        assert first_saved.wait(timeout=20)
        return save(subitem, reporter, "后保存的", expected_version=1)

    def release_when_second_waits():
        assert first_saved.wait(timeout=20)
        try:
            _wait_for_a_lock_wait()
        finally:
            let_first_commit.set()

    results = run_in_threads(first, second, release_when_second_waits)

    assert isinstance(results[0], ProgressReport), results
    assert isinstance(results[1], services.StaleReport), results
    assert results[2] is None, results
    report.refresh_from_db()
    assert (report.completion, report.version) == ("先保存的", 2)
    assert report.history.count() == history_before + 1


def test_two_first_saves_of_a_new_report_one_wins(subitem, reporter):
    start = threading.Barrier(2)

    def first_save(text):
        def go():
            start.wait(timeout=10)
            return save(subitem, reporter, text, expected_version=None)

        return go

    results = run_in_threads(first_save("甲"), first_save("乙"))

    won = [r for r in results if isinstance(r, ProgressReport)]
    refused = [r for r in results if isinstance(r, services.StaleReport)]
    assert (len(won), len(refused)) == (1, 1), results
    report = ProgressReport.objects.get(subitem=subitem, period=PERIOD)
    assert report.completion == won[0].completion
    assert report.history.count() == 1


def _wait_for_a_lock_wait(timeout: float = 20) -> None:
    """Until another session of this database waits for a row lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the second save never waited for the first one's row lock")
