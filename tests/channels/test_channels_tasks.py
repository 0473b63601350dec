"""With the background worker's backend (django-tasks-db, settings.TASKS): a message handed to
the channels' task waits in the queue until a worker runs it; then it is sent and recorded."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from progress.channels import services
from progress.channels.messages import Message
from progress.channels.models import ChannelMessage
from progress.channels.tasks import deliver_later

# committed for real: the worker closes and reopens its connection, as a worker process does
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_sends_what_was_queued(
    unit, robot, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("jy"))
    message = Message(kind="reminder", title="催报", markdown="- 一项", link="", item_ids=[])

    deliver_later(message, unit=unit)  # outside a transaction: queued at once

    assert robot.requests == [] and not ChannelMessage.objects.exists()  # queued, not sent
    call_command(
        "db_worker", "--batch", "--queue-name", "default", stdout=StringIO(), stderr=StringIO()
    )
    [seen] = robot.seen("jy")
    assert seen.body["markdown"]["content"].startswith("**催报**")
    assert ChannelMessage.objects.get().outcome == "sent"
