"""催报 in the background: the button queues the sending, a worker (django-tasks-db's) sends
through reminders_send, the job's page links back to the missing-reports page, the start page
says it is done, and a forced sending is not retried by a sweep."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.urls import reverse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "jobs"))
from queued import run_queued

from progress.jobs.models import Job
from progress.models import Reminder

pytestmark = pytest.mark.django_db

SEND = reverse("reminders:send")
FORM = {"period": "2024-03"}


@pytest.fixture
def sup(world):
    from projects.models import User

    return User.objects.get(username="sup")


def test_the_button_queues_the_sending_and_a_worker_sends(sup, client_as, mailoutbox, settings):
    settings.REMINDERS_IN_BACKGROUND = True
    client = client_as(sup)

    response = client.post(SEND, FORM)

    job = Job.objects.get(kind=Job.Kind.REMINDERS)
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert mailoutbox == [] and job.retry_safe  # nothing sent in the request
    assert run_queued() == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    assert len(mailoutbox) == 1 and Reminder.objects.get().sent_by == sup
    assert job.result_url.startswith(reverse("review:missing"))
    assert "区人社局" in job.stage  # the unit without reporters, said on the job's page
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert job.result_url.replace("&", "&amp;") in page
    home = client_as(sup).get(reverse("home")).content.decode()
    assert reverse("jobs:detail", args=[job.pk]) not in home  # seen on its page already


def test_the_start_page_says_when_it_is_done(sup, client_as, mailoutbox, settings):
    settings.REMINDERS_IN_BACKGROUND = True
    client = client_as(sup)
    client.post(SEND, FORM)
    run_queued()
    job = Job.objects.get()
    assert (
        f'href="{reverse("jobs:detail", args=[job.pk])}"'
        in client.get(reverse("home")).content.decode()
    )


def test_a_forced_sending_is_not_safe_to_retry(sup, client_as, mailoutbox, settings):
    settings.REMINDERS_IN_BACKGROUND = True
    client_as(sup).post(SEND, {**FORM, "force": "1"})
    assert not Job.objects.get().retry_safe
