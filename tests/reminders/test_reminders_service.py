"""reminders_send: the one service behind the command and the 催报 button."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from progress.models import Reminder
from progress.reminders import services

pytestmark = pytest.mark.django_db

PERIOD = datetime.date(2024, 3, 1)  # the world's (conftest)


def test_each_message_sent_is_recorded_with_who_and_when(world, supervisor, mailoutbox):
    before = timezone.now()
    result = services.reminders_send(
        period=PERIOD, jurisdiction_id=supervisor.jurisdiction_id, sent_by=supervisor
    )

    assert [(u.unit.name, u.outcome) for u in result.units] == [
        ("区人社局", services.NO_RECIPIENTS),
        ("区教育局", services.SENT),
    ]
    reminder = Reminder.objects.get()
    assert (reminder.unit.name, reminder.period, reminder.item_count) == ("区教育局", PERIOD, 2)
    assert reminder.sent_by == supervisor
    assert reminder.sent_at >= before
    assert reminder.recipients.splitlines() == ["jy1@example.cn", "jy2@example.cn"]
    assert reminder.subject == mailoutbox[0].subject


def test_a_recent_reminder_is_not_repeated_but_an_old_one_is(world, supervisor, mailoutbox):
    services.reminders_send(period=PERIOD, jurisdiction_id=supervisor.jurisdiction_id)
    again = services.reminders_send(period=PERIOD, jurisdiction_id=supervisor.jurisdiction_id)
    assert [u.outcome for u in again.units] == [services.NO_RECIPIENTS, services.ALREADY_SENT]
    assert again.units[1].last_sent == Reminder.objects.get()

    Reminder.objects.update(sent_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    later = services.reminders_send(period=PERIOD, jurisdiction_id=supervisor.jurisdiction_id)
    assert later.units[1].outcome == services.SENT
    assert len(mailoutbox) == 2 and Reminder.objects.count() == 2


def test_unit_ids_narrow_and_dry_run_records_nothing(world, mailoutbox):
    from projects.models import Unit

    beilun = Unit.objects.get(name="教育局")
    result = services.reminders_send(period=PERIOD, unit_ids=[beilun.pk], dry_run=True)
    assert [(u.unit, u.outcome) for u in result.units] == [(beilun, services.WOULD_SEND)]
    assert mailoutbox == [] and not Reminder.objects.exists()
